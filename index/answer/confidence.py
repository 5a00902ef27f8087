"""What the quotes are: an answer, the closest passages on the topic, or nothing on the topic.

Two logistic models read the same features of a question's best candidates (index/retrieve/search.py):
`on_topic` says whether anything in the sources is on the question's topic at all (else
"none": no quotes); `answers` says whether the best quotes answer it ("answer") or are only the
closest passages, shown under a heading that says they may not answer it ("related"). Showing a
related passage is cheap; hiding an answer that is there is the worst failure, so "none" is kept
for questions nothing in the sources is about.

Every feature is a similarity or a share, so it means the same on a five-sentence corpus as on a
million-sentence one: no raw idf or corpus-size cut-offs. The models' values (and the ranking
weights, index/retrieve/search.py) are fitted by benchmarks/calibrate.py across several corpora, scored
leave-one-corpus-out, and written to index/calibration.json; queries pay two dot products.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np

from ..calibration import load_calibration
from ..retrieve.background import background_for
from ..retrieve.search import DENSE_EXTRA, Candidate
from ..text.answer_types import AnswerType

Level = Literal["answer", "related", "none"]
FEATURES = (
    "coverage",  # the best candidate's share of the question's word weight
    "lexical",  # its BM25, normalised by the best
    "best_coverage",  # the best word share among the top BEST_OF candidates
    "lift",  # its cosine to the question above the corpus's background (background.py): how unrelated
    # questions fare here. A raw cosine is no feature: it does not mean the same on two corpora.
    "best_lift",  # the best lift among the top BEST_OF candidates
    "spread",  # how far the closest sentence stands out: its cosine less the SPREAD_RANK-th closest one's
    "type_missing",  # the question asks for a type of value (answer_types.py) the best quote does not state
)
BEST_OF = 5
# The candidates hold the sentences closest in meaning this many deep: exactly up to
# search.DENSE_EXTRA_MAX_SENTENCES sentences, above that among the best passages' sentences.
SPREAD_RANK = DENSE_EXTRA


@dataclass(frozen=True)
class Linear:
    """coefficients · features + intercept ≥ 0."""

    coefficients: tuple[float, ...]  # one per name in FEATURES, on the raw feature values
    intercept: float

    def passes(self, features: np.ndarray) -> np.ndarray:
        """Element-wise over rows: `features` is (len(FEATURES),) or (questions, len(FEATURES))."""
        return np.asarray(features, dtype=np.float64) @ np.asarray(self.coefficients) + self.intercept >= 0


@dataclass(frozen=True)
class Confidence:
    on_topic: Linear  # anything shown at all
    answers: Linear  # what is shown answers the question

    def judge(self, features: np.ndarray) -> Level:
        if not self.on_topic.passes(features):
            return "none"
        return "answer" if self.answers.passes(features) else "related"

    def as_dict(self) -> dict[str, object]:
        return {name: {"coefficients": list(model.coefficients), "intercept": model.intercept}
                for name, model in (("on_topic", self.on_topic), ("answers", self.answers))}

    @classmethod
    def from_dict(cls, data: dict) -> Confidence:
        def linear(part: dict) -> Linear:
            return Linear(tuple(float(c) for c in part["coefficients"]), float(part["intercept"]))

        return cls(linear(data["on_topic"]), linear(data["answers"]))


ALWAYS = Confidence(Linear((0.0,) * len(FEATURES), 0.0), Linear((0.0,) * len(FEATURES), 0.0))


CONFIDENCE = Confidence.from_dict(load_calibration()["confidence"])


def features(ranked: Sequence[Candidate], background: dict[str, float],
             question_chinese: bool, answer_type: AnswerType = "") -> np.ndarray:
    """The FEATURES of one question, from its candidates sorted best first (at least one), the
    corpus's background similarities (background.py, per language pair), the question's language
    and the type of answer it asks for ("" for none)."""
    top = ranked[0]
    best = ranked[:BEST_OF]
    closest = sorted((c.dense for c in ranked), reverse=True)
    asked = "zh" if question_chinese else "en"
    other = "en" if question_chinese else "zh"

    def lift(c: Candidate) -> float:
        return c.dense - background_for(background, asked, asked if c.same_language else other)

    return np.array([
        top.coverage,
        top.lexical,
        max(c.coverage for c in best),
        lift(top),
        max(lift(c) for c in best),
        closest[0] - closest[min(SPREAD_RANK, len(closest)) - 1],
        float(bool(answer_type) and not top.typed),
    ])
