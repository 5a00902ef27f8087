"""The answer-or-decline model: its features and its rule (its effect on real questions: test_answers.py)."""

from __future__ import annotations

import numpy as np
import pytest

from index.abstention import ABSTENTION, ALWAYS_ANSWER, FEATURES, Abstention, features
from index.search import Candidate


def candidate(sid: int, dense: float, coverage: float, answer_type: bool = False) -> Candidate:
    return Candidate(sid=sid, dense=dense, context=dense, coverage=coverage, lexical=coverage, chunk=1.0,
                     same_language=True, answer_type=answer_type)


def test_features_are_read_off_the_ranked_candidates_in_the_named_order() -> None:
    ranked = [candidate(1, 0.7, 0.4, answer_type=True), candidate(2, 0.5, 0.9), candidate(3, 0.9, 0.1)]
    values = dict(zip(FEATURES, features(ranked, absent=0.25), strict=True))
    assert len(values) == len(FEATURES) == len(ABSTENTION.coefficients)
    assert values["meaning"] == pytest.approx(0.7) and values["coverage"] == pytest.approx(0.4)
    assert values["absent"] == 0.25 and values["answer_type"] == 1.0
    assert values["gap"] == pytest.approx(ranked[0].score - ranked[1].score)
    assert values["best_meaning"] == pytest.approx(0.9) and values["best_coverage"] == pytest.approx(0.9)


def test_a_lone_candidate_has_its_whole_score_as_lead() -> None:
    only = candidate(1, 0.6, 0.6)
    assert features([only], 0.0)[FEATURES.index("gap")] == pytest.approx(only.score)


def test_the_rule_is_a_weighted_sum_with_an_absent_words_limit() -> None:
    rule = Abstention(coefficients=(1.0,) + (0.0,) * (len(FEATURES) - 1), intercept=-0.5, max_absent=0.4)
    rows = np.zeros((3, len(FEATURES)))
    rows[:, 0] = (0.6, 0.4, 0.9)  # meaning
    rows[2, FEATURES.index("absent")] = 0.4  # mostly words no document uses: declined however close
    assert rule.answers(rows).tolist() == [True, False, False]
    assert bool(rule.answers(rows[0])) is True  # one question at a time, as quote selection asks
    assert ALWAYS_ANSWER.answers(rows).all()
