"""Calibrate the ranking weights and abstention thresholds on the project's question set.

    python benchmarks/calibrate.py [--questions benchmarks/questions.jsonl]

One joint search over a coarse grid of ranking weights (index.search.Weights) and abstention
thresholds (index.quotes.Thresholds), through the real selection code. The best pair meets the
product's targets where it can (declines at least ABSTENTION_TARGET of the unanswerable questions,
answers at least ANSWER_TARGET of the answerable ones) and, among those, ranks best (hit@1 + hit@3/2
over answered questions), then answers the most.
Ties keep the earlier grid point. Each weight setting ranks the questions once; the abstention
rule is then applied to all thresholds at once on arrays. To show how much the choice fits these
particular questions, it is also made on half the questions (even / odd position) and scored on
the other half.
Prints the chosen values; copy them into index/search.py and index/quotes.py.
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

from benchmarks.quality import hits
from index import quotes, search
from index.config import load_settings
from index.engine import Engine, Retrieved, clean_question
from index.quotes import Thresholds, is_relevant
from index.search import Weights

HERE = Path(__file__).resolve().parent
K = 3
ABSTENTION_TARGET = 0.85
ANSWER_TARGET = 0.95
ALWAYS_ANSWER = Thresholds(meaning=float("-inf"), absent=float("inf"))

WEIGHT_GRID = {
    "context": (0.0, 0.1, 0.2, 0.3, 0.4),
    "meaning": (0.3, 0.4, 0.5, 0.6),
    "coverage": (0.2, 0.3, 0.4, 0.5),
    "lexical": (0.0, 0.1),
    "chunk": (0.0, 0.1),
    "same_language": (0.0, 0.05),
    "answer_type": (0.0, 0.05, 0.1, 0.15),
}
THRESHOLD_GRID = {
    "meaning": (0.5, 0.6, 0.7, 0.8),
    "coverage": (0.3, 0.4, 0.5, 0.6),
    "meaning_with_coverage": (0.2, 0.3, 0.35, 0.4, 0.45),
    "coverage_alone": (0.6, 0.7, 0.8, 1.01),
    # never "off": a question mostly about things no document mentions ("What salary does xAI
    # pay its engineers?") must not be answered with the nearest passage, however few such
    # questions the set holds
    "absent": (0.3, 0.4, 0.5),
}


def grid(spec: dict[str, Sequence[float]]) -> list[dict[str, float]]:
    return [dict(zip(spec, values, strict=True)) for values in itertools.product(*spec.values())]


Prepared = list[tuple[dict, Retrieved]]  # each question with what it retrieves, retrieved once


def run(engine: Engine, prepared: Prepared, weights: Weights, thresholds: Thresholds,
        abstain: bool) -> list[tuple[dict, bool, list[bool]]]:
    search.WEIGHTS, quotes.THRESHOLDS = weights, thresholds
    out = []
    for item, retrieved in prepared:
        answered, picks = quotes.select(retrieved.candidates, engine.data, K, abstain=abstain, absent=retrieved.absent)
        texts = [engine.quote(p).text for p in picks]
        flags = [hits(t, item["gold"]) for t in texts] if item["kind"] == "question" else []
        out.append((item, answered, flags))
    return out


@dataclass
class Ranked:
    """One weight setting's results, per question: the best candidate's features (what the
    abstention rule reads) and whether the quotes hit when the question is answered."""

    answerable: np.ndarray
    absent: np.ndarray
    meaning: np.ndarray
    coverage: np.ndarray
    hit1: np.ndarray
    hit3: np.ndarray

    def keys(self, thresholds: Thresholds) -> np.ndarray:
        """Scores every threshold setting at once: `thresholds` holds (T, 1) arrays, and row t of
        the result is (abstention target met, answer-rate target met, ranking, answer rate, abstention)."""
        answered = is_relevant(self.meaning, self.coverage, self.absent, thresholds)  # (T, questions)
        unanswerable = ~self.answerable
        abstained = (~answered[:, unanswerable]).mean(axis=1) if unanswerable.any() else np.ones(len(answered))
        answer_rate = answered[:, self.answerable].mean(axis=1)
        ranking = (answered[:, self.answerable] * (self.hit1 + 0.5 * self.hit3)[self.answerable]).mean(axis=1)
        targets = [abstained >= ABSTENTION_TARGET, answer_rate >= ANSWER_TARGET]
        return np.stack([*targets, ranking.round(6), answer_rate.round(6), abstained.round(6)], 1)


def rank(engine: Engine, prepared: Prepared, weights: Weights) -> Ranked:
    rows = run(engine, prepared, weights, ALWAYS_ANSWER, abstain=True)  # quotes as answered, floor applied
    best = [max(r.candidates, key=lambda c: c.score) if r.candidates else None for _, r in prepared]
    return Ranked(
        answerable=np.array([item["kind"] == "question" for item, _ in prepared]),
        absent=np.array([r.absent for _, r in prepared]),
        meaning=np.array([b.meaning if b else float("-inf") for b in best]),
        coverage=np.array([b.coverage if b else float("-inf") for b in best]),
        hit1=np.array([any(f[:1]) for _, _, f in rows]),
        hit3=np.array([any(f[:K]) for _, _, f in rows]),
    )


def calibrate(engine: Engine, prepared: Prepared) -> tuple[Weights, Thresholds]:
    settings = grid(THRESHOLD_GRID)
    columns = Thresholds(**{name: np.array([[t[name]] for t in settings]) for name in THRESHOLD_GRID})
    earlier_first = -np.arange(len(settings))  # among equal keys, the earliest grid point wins
    best: tuple[tuple, Weights, Thresholds] | None = None
    for w in grid(WEIGHT_GRID):
        weights = Weights(**w)
        keys = rank(engine, prepared, weights).keys(columns)
        top = int(np.lexsort((earlier_first, *keys.T[::-1]))[-1])
        key = tuple(keys[top])
        if best is None or key > best[0]:
            best = (key, weights, Thresholds(**settings[top]))
    assert best is not None
    return best[1], best[2]


def report(name: str, engine: Engine, prepared, weights: Weights, thresholds: Thresholds) -> None:
    rows = run(engine, prepared, weights, thresholds, abstain=True)
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

    halves = (prepared[0::2], prepared[1::2])
    for fit, held_out, label in ((halves[0], halves[1], "even→odd"), (halves[1], halves[0], "odd→even")):
        w, t = calibrate(engine, fit)
        report(f"fit on half, scored on other ({label})", engine, held_out, w, t)
    report("current defaults, all questions", engine, prepared, Weights(), Thresholds())
    weights, thresholds = calibrate(engine, prepared)
    report("calibrated, all questions", engine, prepared, weights, thresholds)
    print(f"\nchosen: {weights}\n        {thresholds}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
