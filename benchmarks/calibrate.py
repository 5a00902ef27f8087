"""Calibrate the ranking weights and abstention thresholds on the project's question set.

    python benchmarks/calibrate.py [--questions benchmarks/questions.jsonl]

One joint search over a coarse grid of ranking weights (index.search.Weights) and abstention
thresholds (index.quotes.Thresholds), through the real selection code. The best pair declines at
least ABSTENTION_TARGET of the unanswerable questions (the product's target) and, among those,
answers the most answerable questions, then ranks best (hit@1 + hit@3/2 over answered questions).
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
from index.engine import Engine, clean_question
from index.quotes import Thresholds, is_relevant
from index.search import Weights

HERE = Path(__file__).resolve().parent
K = 3
ABSTENTION_TARGET = 0.85
ALWAYS_ANSWER = Thresholds(meaning=float("-inf"))

WEIGHT_GRID = {
    "context": (0.0, 0.1, 0.2, 0.3, 0.4),
    "meaning": (0.3, 0.4, 0.5, 0.6),
    "coverage": (0.2, 0.3, 0.4, 0.5),
    "lexical": (0.0, 0.1),
    "chunk": (0.0, 0.1),
    "same_language": (0.0, 0.05),
    "names_someone": (0.0, 0.05, 0.1, 0.15),
}
THRESHOLD_GRID = {
    "meaning": (0.5, 0.6, 0.7, 0.8),
    "coverage": (0.3, 0.4, 0.5, 0.6),
    "meaning_with_coverage": (0.2, 0.3, 0.35, 0.4, 0.45),
    "coverage_alone": (0.6, 0.7, 0.8, 1.01),
}


def grid(spec: dict[str, Sequence[float]]) -> list[dict[str, float]]:
    return [dict(zip(spec, values, strict=True)) for values in itertools.product(*spec.values())]


def run(engine: Engine, prepared: list[tuple[dict, list]], weights: Weights, thresholds: Thresholds,
        abstain: bool) -> list[tuple[dict, bool, list[bool]]]:
    search.WEIGHTS, quotes.THRESHOLDS = weights, thresholds
    out = []
    for item, candidates in prepared:
        answered, picks = quotes.select(candidates, engine.data, K, abstain=abstain)
        texts = [engine.quote(p).text for p in picks]
        flags = [hits(t, item["gold"]) for t in texts] if item["kind"] == "question" else []
        out.append((item, answered, flags))
    return out


@dataclass
class Ranked:
    """One weight setting's results, per question: the best candidate's features (what the
    abstention rule reads) and whether the quotes hit when the question is answered."""

    answerable: np.ndarray
    meaning: np.ndarray
    coverage: np.ndarray
    hit1: np.ndarray
    hit3: np.ndarray

    def key(self, thresholds: Thresholds) -> tuple[bool, float, float, float]:
        answered = is_relevant(self.meaning, self.coverage, thresholds)
        abstained = float(np.mean(~answered[~self.answerable])) if (~self.answerable).any() else 1.0
        answer_rate = float(np.mean(answered[self.answerable]))
        ranking = float(np.mean((self.hit1 + 0.5 * self.hit3)[self.answerable] * answered[self.answerable]))
        return abstained >= ABSTENTION_TARGET, round(answer_rate, 6), round(ranking, 6), round(abstained, 6)


def rank(engine: Engine, prepared: list[tuple[dict, list]], weights: Weights) -> Ranked:
    rows = run(engine, prepared, weights, ALWAYS_ANSWER, abstain=True)  # quotes as answered, floor applied
    best = [max(c, key=lambda c: c.score) if c else None for _, c in prepared]
    return Ranked(
        answerable=np.array([item["kind"] == "question" for item, _ in prepared]),
        meaning=np.array([b.meaning if b else float("-inf") for b in best]),
        coverage=np.array([b.coverage if b else float("-inf") for b in best]),
        hit1=np.array([any(f[:1]) for _, _, f in rows]),
        hit3=np.array([any(f[:K]) for _, _, f in rows]),
    )


def calibrate(engine: Engine, prepared: list[tuple[dict, list]]) -> tuple[Weights, Thresholds]:
    thresholds = [Thresholds(**t) for t in grid(THRESHOLD_GRID)]
    best: tuple[tuple, Weights, Thresholds] | None = None
    for w in grid(WEIGHT_GRID):
        weights = Weights(**w)
        ranked = rank(engine, prepared, weights)
        for t in thresholds:
            key = ranked.key(t)
            if best is None or key > best[0]:
                best = (key, weights, t)
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
    prepared = [(item, engine.candidates(clean_question(item["question"], 1000)[0])) for item in items]

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
