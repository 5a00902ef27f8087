"""Answer or decline: a logistic model over what the best candidates look like.

The features are read off the ranked candidates of one question (index/search.py) and the
question's share of word weight in words no document uses (Lexicon.absent_share). The model is a
weighted sum of them, answering when it is at least 0; the weights are fitted by
benchmarks/calibrate.py (scikit-learn's LogisticRegression; the answer cut is folded into the
intercept), so queries need nothing but a dot product. One rule stays outside the fit: a question
mostly in words no document uses ("What salary does xAI pay its engineers?") is declined, whatever
passage comes nearest.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from .search import Candidate

FEATURES = (
    "meaning",  # the best candidate's closeness in meaning (Candidate.meaning)
    "coverage",  # its share of the question's word weight
    "absent",  # the question's share of word weight in words no document uses
    "lexical",  # its BM25, normalised by the best
    "score",  # its ranking score
    "gap",  # its lead in ranking score over the second candidate
    "answer_type",  # 1 when it offers the kind of answer asked for (a name, an amount)
    "best_meaning",  # the best meaning among the top BEST_OF candidates
    "best_coverage",  # the best coverage among them
)
BEST_OF = 5
_ABSENT = FEATURES.index("absent")


@dataclass(frozen=True)
class Abstention:
    """Answer when coefficients · features + intercept >= 0 and less than `max_absent` of the
    question's word weight is in words no document uses. Calibrated with benchmarks/calibrate.py;
    change the values there, not by hand."""

    coefficients: tuple[float, ...]  # one per name in FEATURES, on the raw feature values
    intercept: float
    max_absent: float = 0.4

    def answers(self, features: np.ndarray) -> np.ndarray | np.bool_:
        """Element-wise over rows: `features` is (len(FEATURES),) or (questions, len(FEATURES))."""
        x = np.asarray(features, dtype=np.float64)
        return (x @ np.asarray(self.coefficients) + self.intercept >= 0) & (x[..., _ABSENT] < self.max_absent)


ALWAYS_ANSWER = Abstention(coefficients=(0.0,) * len(FEATURES), intercept=0.0, max_absent=float("inf"))
ABSTENTION = Abstention(
    coefficients=(1.8362, 2.1333, -3.8604, 2.1974, 1.8568, -0.5717, -0.8226, 2.692, 1.8685),
    intercept=-6.5782,
    max_absent=0.4,
)


def features(ranked: Sequence[Candidate], absent: float) -> np.ndarray:
    """The FEATURES of one question, from its candidates sorted best first (at least one)."""
    top = ranked[0]
    best = ranked[:BEST_OF]
    second = ranked[1].score if len(ranked) > 1 else 0.0
    return np.array([
        top.meaning,
        top.coverage,
        absent,
        top.lexical,
        top.score,
        top.score - second,
        float(top.answer_type),
        max(c.meaning for c in best),
        max(c.coverage for c in best),
    ])
