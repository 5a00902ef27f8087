"""Passages: quotes of consecutive sentences of one section (only whitespace, images or cue timings
between them), or of consecutive cues, are shown as one quote: one verbatim span, one citation, the
time of the first cue. And a sentence is read with its neighbours across paragraph breaks."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from index.answer.quotes import select
from index.engine import Engine
from index.retrieve.search import Candidate

ARTICLE = (
    "# City news\n\n"
    "## The bridge\n\n"
    "The council opened the Harbour Bridge last spring after three years of work.\n\n"
    "![The bridge at night](bridge.jpg)\n\n"
    "The final bill came to 40 million euros, twice the first estimate.\n\n"
    "## The library\n\n"
    "The new library keeps 200,000 books. Its reading room seats 300 people.\n"
)
CAPTIONS = (
    "WEBVTT\n\n"
    "00:00:01.000 --> 00:00:04.000\nThe lock gates were finished in 1890.\n\n"
    "00:00:04.500 --> 00:00:08.000\nThey weigh 900 tons each.\n\n"
    "00:00:20.000 --> 00:00:24.000\nA ship passes every hour.\n\n"
    "00:00:40.000 --> 00:00:44.000\nThe canal closes in winter.\n"
)


def _engine(tmp_path: Path, settings, embedder) -> Engine:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "city.md").write_text(ARTICLE, encoding="utf-8")
    (corpus / "locks.vtt").write_text(CAPTIONS, encoding="utf-8")
    return Engine.load(dataclasses.replace(settings, corpus_dir=corpus, index_dir=tmp_path / "index"), embedder)


def _sid(engine: Engine, words: str) -> int:
    return next(i for i in range(len(engine.data.sentences)) if words in engine.data.sentence_text(i))


def _candidate(sid: int, dense: float) -> Candidate:
    return Candidate(sid=sid, dense=dense, coverage=0.5, lexical=0.5, same_language=True)


def test_consecutive_sentences_are_one_passage_and_others_are_not(tmp_path: Path, settings, embedder) -> None:
    engine = _engine(tmp_path, settings, embedder)
    opened, bill, books = (_sid(engine, w) for w in ("Harbour Bridge", "final bill", "200,000 books"))
    # The bill first, then the sentence before it (an image between), then one under another heading.
    candidates = [_candidate(bill, 0.9), _candidate(opened, 0.8), _candidate(books, 0.75),
                  _candidate(_sid(engine, "canal closes"), 0.1)]
    _, picks = select(candidates, engine.data, k=3, judge=False)
    quotes = [engine.quote(p) for p in picks]
    source = (engine.settings.corpus_dir / "city.md").read_text(encoding="utf-8")
    passage = quotes[0]
    assert passage.text.startswith("The council opened") and passage.text.endswith("first estimate.")
    assert "![The bridge at night](bridge.jpg)" in passage.text  # one contiguous verbatim span
    assert passage.text in source and source[passage.start : passage.end] == passage.text
    assert passage.section.endswith("The bridge")
    assert not any("Harbour" in q.text for q in quotes[1:])  # one citation, not two
    assert any(q.text.startswith("The new library") for q in quotes[1:])  # another section: its own quote


def test_consecutive_cues_are_one_passage_at_the_first_cues_time(tmp_path: Path, settings, embedder) -> None:
    engine = _engine(tmp_path, settings, embedder)
    finished, weigh, ship = (_sid(engine, w) for w in ("lock gates", "900 tons", "ship passes"))
    candidates = [_candidate(weigh, 0.9), _candidate(ship, 0.85), _candidate(finished, 0.8),
                  _candidate(_sid(engine, "Harbour"), 0.1)]
    _, picks = select(candidates, engine.data, k=3, judge=False)
    quotes = [engine.quote(p) for p in picks]
    passage = quotes[0]
    spoken = engine.data.texts[next(i for i, s in enumerate(engine.data.sources) if s.file == "locks.vtt")]
    assert spoken[passage.start : passage.end] == passage.text  # verbatim: the cue texts as said
    # Three cues, the third after a pause (a new paragraph): one passage.
    assert " ".join(passage.text.split()) == \
        "The lock gates were finished in 1890. They weigh 900 tons each. A ship passes every hour."
    assert passage.timestamp == "00:00:01"  # the earlier time
    assert passage.source == "locks.vtt"
    assert sum(q.source == "locks.vtt" for q in quotes) == 1


def test_an_answer_a_paragraph_after_its_topic_is_quoted_with_it(tmp_path: Path, settings, embedder) -> None:
    """The cost sentence does not name the bridge, and an image stands between it and the sentence
    that does: reading each sentence with its neighbours in the section finds and quotes both."""
    engine = _engine(tmp_path, settings, embedder)
    candidates = engine.candidates("How much did the Harbour Bridge cost?")
    best = max(candidates, key=lambda c: c.score)
    assert best.partner >= 0
    assert {engine.data.sentence_text(i)[:12] for i in best.span} == {"The council ", "The final bi"}
    _, picks = select(candidates, engine.data, k=3, judge=False)
    first = engine.quote(picks[0])
    assert "Harbour Bridge" in first.text and "40 million euros" in first.text
