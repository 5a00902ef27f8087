"""Answer, related or nothing: the confidence models, and what they say on small corpora the
engine was never fitted to (a user's first two files)."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pytest

from index.answer.confidence import ALWAYS, CONFIDENCE, FEATURES, Confidence, Linear, features
from index.calibration import load_calibration
from index.engine import Engine
from index.retrieve.embed import Embedder
from index.retrieve.search import Candidate

LOCKS_VTT = """WEBVTT

00:00:01.000 --> 00:00:06.000
Welcome to the canal tour. Today we look at how the locks work.

00:00:06.500 --> 00:00:12.000
The lock gates weigh nine hundred tonnes each, and they are moved by hydraulic rams.

00:00:12.500 --> 00:00:18.000
A boat passes through the flight of locks in about forty minutes.
"""
BEES_SRT = """1
00:00:00,000 --> 00:00:05,000
In winter, honey bees do not hibernate.

2
00:00:05,500 --> 00:00:11,000
A healthy winter cluster keeps its core near thirty-five degrees Celsius,

3
00:00:11,500 --> 00:00:16,000
while the bees on the outside shiver to make heat.
"""


def candidate(sid: int, score_parts: float, dense: float = 0.8, same_language: bool = True) -> Candidate:
    return Candidate(sid=sid, dense=dense, coverage=score_parts, lexical=score_parts,
                     same_language=same_language)


BACKGROUND = {"en>en": 0.8, "en>zh": 0.8, "zh>en": 0.8, "zh>zh": 0.8}


def test_features_are_read_from_the_ranked_candidates() -> None:
    ranked = [candidate(0, 1.0, 0.9), candidate(1, 0.5, 0.95)]
    values = features(ranked, background=BACKGROUND, question_chinese=False)
    assert len(values) == len(FEATURES)
    named = dict(zip(FEATURES, values, strict=True))
    assert "dense" not in named  # a raw cosine means different things on different corpora
    assert named["coverage"] == 1.0
    assert named["lift"] == pytest.approx(0.1) and named["best_lift"] == pytest.approx(0.15)
    assert named["spread"] == pytest.approx(0.05)  # closest 0.95, the last of the (two) closest 0.9
    many = [candidate(i, 0.5, 0.9 - i / 100) for i in range(20)]
    spread = features(many, BACKGROUND, False)[FEATURES.index("spread")]
    assert spread == pytest.approx(0.09)  # the closest against the tenth closest


def test_lift_is_read_against_the_background_of_its_language_pair() -> None:
    """An English question's Chinese answer is measured against how close English questions come
    to Chinese sentences, which runs lower than English to English."""
    background = {"en>en": 0.82, "en>zh": 0.76, "zh>en": 0.77, "zh>zh": 0.83}
    chinese_answer = [candidate(0, 0.5, 0.80, same_language=False)]
    named = dict(zip(FEATURES, features(chinese_answer, background, question_chinese=False), strict=True))
    assert named["lift"] == pytest.approx(0.04)
    named = dict(zip(FEATURES, features(chinese_answer, background, question_chinese=True), strict=True))
    assert named["lift"] == pytest.approx(0.03)  # a Chinese question, an English sentence: zh>en


def test_three_levels_from_two_linear_models() -> None:
    topic = Linear((1.0,) + (0.0,) * (len(FEATURES) - 1), -0.5)  # coverage >= 0.5: on topic
    answers = Linear((1.0,) + (0.0,) * (len(FEATURES) - 1), -0.8)  # coverage >= 0.8: an answer
    model = Confidence(topic, answers)
    levels = [model.judge(np.array([d] + [0.0] * (len(FEATURES) - 1))) for d in (0.3, 0.6, 0.9)]
    assert levels == ["none", "related", "answer"]
    assert ALWAYS.judge(np.zeros(len(FEATURES))) == "answer"


def test_shipped_calibration_round_trips() -> None:
    data = load_calibration()
    assert Confidence.from_dict(data["confidence"]) == CONFIDENCE
    assert len(CONFIDENCE.on_topic.coefficients) == len(CONFIDENCE.answers.coefficients) == len(FEATURES)


def _engine(tmp_path: Path, settings, embedder: Embedder, files: dict[str, str]) -> Engine:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for name, text in files.items():
        (corpus / name).write_text(text, encoding="utf-8")
    return Engine.load(dataclasses.replace(settings, corpus_dir=corpus, index_dir=tmp_path / "index"), embedder)


# The time of the cue each sentence of the two transcripts begins in: a quote is cited at its first.
CUE_OF = {"Welcome to": "00:00:01", "Today we look": "00:00:01", "The lock gates": "00:00:06",
          "A boat passes": "00:00:12", "In winter": "00:00:00", "A healthy winter": "00:00:05",
          "while the bees": "00:00:11"}


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("How heavy are the lock gates?", "The lock gates weigh nine hundred tonnes each"),
        ("How warm is the core of a winter cluster of bees?", "keeps its core near thirty-five degrees"),
    ],
)
def test_two_transcripts_answer_a_plain_sentence(tmp_path: Path, settings, embedder: Embedder, question: str,
                                                  expected: str) -> None:
    """The answer is the first quote, cited at the cue its first sentence begins in (a passage of
    consecutive cues, such as the sentence naming the bees and the one answering, at the earlier)."""
    engine = _engine(tmp_path, settings, embedder, {"canal.vtt": LOCKS_VTT, "bees.srt": BEES_SRT})
    answer = engine.ask(question)
    assert answer.confidence == "answer", answer
    first = answer.quotes[0]
    assert expected in first.text
    assert first.timestamp == next(time for opening, time in CUE_OF.items() if first.text.startswith(opening))


def test_one_file_corpus_answers_and_knows_what_is_off_topic(tmp_path: Path, settings, embedder: Embedder) -> None:
    engine = _engine(tmp_path, settings, embedder,
                     {"paris.txt": "Paris is the capital of France. It has about two million inhabitants.\n"})
    answer = engine.ask("How many people live in Paris?")
    assert answer.answered and "two million inhabitants" in " ".join(q.text for q in answer.quotes)
    off = engine.ask("How long should I knead bread dough?")
    assert off.confidence == "none" and off.quotes == [] and off.answered is False


def test_a_question_mostly_in_words_no_document_uses_is_not_called_answered(engine: Engine) -> None:
    for question in ("Who designed the xAI logo?", "What salary does xAI pay its engineers?"):
        assert engine.ask(question).confidence != "answer", question
