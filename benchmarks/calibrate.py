"""Calibrate the ranking weights and the abstention model on the project's question set.

    python benchmarks/calibrate.py [--questions benchmarks/questions.jsonl]

For each ranking-weight setting of a coarse grid (index.search.Weights), the questions are ranked
through the real selection code and the abstention model (index.abstention) is fitted to them: a
logistic regression of "answerable" on the best candidates' features, then the answer cut and the
absent-words limit that serve the targets best. The chosen setting meets the product's targets
where it can (declines at least ABSTENTION_TARGET of the unanswerable questions, answers at least
ANSWER_TARGET of the answerable ones) and, among those, ranks best (hit@1 + hit@3/2 over answered
questions), then answers the most. Ties keep the earlier grid point. To show how much the choice
fits these particular questions, it is also made on half the questions (even / odd position) and
scored on the other half.
Prints the chosen values; copy them into index/search.py and index/abstention.py.
"""

from __future__ import annotations

import argparse
import itertools
import json
import logging
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sklearn.linear_model import LogisticRegression
from sklearn.preprocessing import StandardScaler

from benchmarks.quality import hits
from index import abstention, quotes, search
from index.abstention import ALWAYS_ANSWER, Abstention
from index.config import load_settings
from index.engine import Engine, Retrieved, clean_question
from index.search import Weights

HERE = Path(__file__).resolve().parent
K = 3
ABSTENTION_TARGET = 0.85
ANSWER_TARGET = 0.95

WEIGHT_GRID = {
    "context": (0.0, 0.1, 0.2, 0.3, 0.4),
    "meaning": (0.3, 0.4, 0.5, 0.6),
    "coverage": (0.2, 0.3, 0.4, 0.5),
    "lexical": (0.0, 0.1),
    "chunk": (0.0, 0.1),
    "same_language": (0.0, 0.05),
    "answer_type": (0.0, 0.05, 0.1, 0.15),
}
ANSWER_CUTS = np.linspace(0.05, 0.95, 91)  # the fitted probability of "answerable" at which to answer
# Never "off": a question mostly about things no document mentions ("What salary does xAI pay its
# engineers?") must not be answered with the nearest passage, however few such questions the set holds.
MAX_ABSENT = (0.3, 0.4, 0.5)
REGULARISATION = 0.1  # LogisticRegression's C: smaller is smoother (chosen by cross-validation, C in 0.1 / 1)


def grid(spec: dict[str, Sequence[float]]) -> list[dict[str, float]]:
    return [dict(zip(spec, values, strict=True)) for values in itertools.product(*spec.values())]


def logistic(features: np.ndarray, labels: np.ndarray, balanced: bool = False) -> tuple[np.ndarray, float]:
    """(coefficients, intercept) of a logistic regression fitted on standardised features,
    converted back to the raw feature values: features @ coefficients + intercept is the logit."""
    scaler = StandardScaler().fit(features)
    model = LogisticRegression(C=REGULARISATION, max_iter=1000, class_weight="balanced" if balanced else None)
    model.fit(scaler.transform(features), labels)
    coefficients = model.coef_[0] / scaler.scale_
    return coefficients, float(model.intercept_[0] - coefficients @ scaler.mean_)


Prepared = list[tuple[dict, Retrieved]]  # each question with what it retrieves, retrieved once


def run(engine: Engine, prepared: Prepared, weights: Weights, rule: Abstention,
        abstain: bool) -> list[tuple[dict, bool, list[bool]]]:
    search.WEIGHTS, abstention.ABSTENTION = weights, rule
    out = []
    for item, retrieved in prepared:
        answered, picks = quotes.select(retrieved.candidates, engine.data, K, abstain=abstain, absent=retrieved.absent)
        texts = [engine.quote(p).text for p in picks]
        flags = [hits(t, item["gold"]) for t in texts] if item["kind"] == "question" else []
        out.append((item, answered, flags))
    return out


@dataclass
class Ranked:
    """One weight setting's results, per question: the abstention features (index.abstention) and
    whether the quotes hit when the question is answered."""

    answerable: np.ndarray
    features: np.ndarray  # (questions, len(abstention.FEATURES))
    hit1: np.ndarray
    hit3: np.ndarray

    def fit(self) -> list[Abstention]:
        """The logistic model fitted to these questions, with each answer cut and absent-words limit."""
        coefficients, intercept = logistic(self.features, self.answerable)
        cuts = np.log(ANSWER_CUTS / (1 - ANSWER_CUTS))  # probability p >= cut <=> logit >= log(cut / (1 - cut))
        return [Abstention(tuple(round(float(c), 4) for c in coefficients), round(intercept - float(cut), 4), limit)
                for cut in cuts for limit in MAX_ABSENT]

    def keys(self, rules: list[Abstention]) -> np.ndarray:
        """Row r scores rules[r]: (abstention target met, answer-rate target met, ranking, answer rate,
        abstention)."""
        answered = np.stack([rule.answers(self.features) for rule in rules])  # (rules, questions)
        unanswerable = ~self.answerable
        abstained = (~answered[:, unanswerable]).mean(axis=1) if unanswerable.any() else np.ones(len(answered))
        answer_rate = answered[:, self.answerable].mean(axis=1)
        ranking = (answered[:, self.answerable] * (self.hit1 + 0.5 * self.hit3)[self.answerable]).mean(axis=1)
        targets = [abstained >= ABSTENTION_TARGET, answer_rate >= ANSWER_TARGET]
        return np.stack([*targets, ranking.round(6), answer_rate.round(6), abstained.round(6)], 1)


def rank(engine: Engine, prepared: Prepared, weights: Weights) -> Ranked:
    rows = run(engine, prepared, weights, ALWAYS_ANSWER, abstain=True)  # quotes as answered, floor applied
    ranked = [sorted(r.candidates, key=lambda c: c.score, reverse=True) for _, r in prepared]
    return Ranked(
        answerable=np.array([item["kind"] == "question" for item, _ in prepared]),
        features=np.stack([abstention.features(c, r.absent) for c, (_, r) in zip(ranked, prepared, strict=True)]),
        hit1=np.array([any(f[:1]) for _, _, f in rows]),
        hit3=np.array([any(f[:K]) for _, _, f in rows]),
    )


def calibrate(engine: Engine, prepared: Prepared) -> tuple[Weights, Abstention]:
    best: tuple[tuple, Weights, Abstention] | None = None
    for w in grid(WEIGHT_GRID):
        weights = Weights(**w)
        ranked = rank(engine, prepared, weights)
        rules = ranked.fit()
        keys = ranked.keys(rules)
        top = int(np.lexsort((-np.arange(len(rules)), *keys.T[::-1]))[-1])  # among equal keys, the first rule
        key = tuple(keys[top])
        if best is None or key > best[0]:
            best = (key, weights, rules[top])
    assert best is not None
    return best[1], best[2]


def report(name: str, engine: Engine, prepared, weights: Weights, rule: Abstention) -> None:
    rows = run(engine, prepared, weights, rule, abstain=True)
    answerable = [r for r in rows if r[0]["kind"] == "question"]
    unanswerable = [r for r in rows if r[0]["kind"] == "unanswerable"]
    h1 = sum(any(f[:1]) for _, _, f in answerable) / max(1, len(answerable))
    h3 = sum(any(f[:K]) for _, _, f in answerable) / max(1, len(answerable))
    answered = sum(a for _, a, _ in answerable) / max(1, len(answerable))
    abstained = sum(not a for _, a, _ in unanswerable) / max(1, len(unanswerable))
    print(f"{name:34} hit@1 {h1:.3f}  hit@3 {h3:.3f}  answered {answered:.3f}  abstained {abstained:.3f}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--questions", type=Path, default=HERE / "questions.jsonl")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    items = [json.loads(line) for line in args.questions.read_text(encoding="utf-8").splitlines() if line.strip()]
    items = [i for i in items if i["kind"] in ("question", "unanswerable")]
    engine = Engine.load(load_settings())
    prepared = [(item, engine.retrieve(clean_question(item["question"], 1000)[0])) for item in items]
    defaults = abstention.ABSTENTION  # calibrating replaces it

    halves = (prepared[0::2], prepared[1::2])
    for fit, held_out, label in ((halves[0], halves[1], "even→odd"), (halves[1], halves[0], "odd→even")):
        w, t = calibrate(engine, fit)
        report(f"fit on half, scored on other ({label})", engine, held_out, w, t)
    report("current defaults, all questions", engine, prepared, Weights(), defaults)
    weights, rule = calibrate(engine, prepared)
    report("calibrated, all questions", engine, prepared, weights, rule)
    print(f"\nchosen: {weights}\n        {rule}\n        features: {abstention.FEATURES}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
