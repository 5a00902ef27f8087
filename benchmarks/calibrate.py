"""Calibrate the ranking weights and abstention thresholds on the project's question set.

    python benchmarks/calibrate.py [--questions benchmarks/questions.jsonl]

Stage 1 ranks ranking weights (index.search.Weights) by hit@1 + hit@3/2 over the answerable
questions; stage 2 fits abstention thresholds (index.quotes.Thresholds) for the best few, aiming
to answer as many answerable questions as possible while declining at least ABSTENTION_TARGET of
the unanswerable ones (the product's target). Both search a coarse grid through the real
selection code. To show how much the choice fits these particular questions, it is also made on
half the questions (even / odd position) and scored on the other half.
Prints the chosen values; copy them into index/search.py and index/quotes.py.
"""

from __future__ import annotations

import argparse
import itertools
import json
import logging
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.quality import hits
from index import quotes, search
from index.config import load_settings
from index.engine import Engine, clean_question
from index.quotes import Thresholds
from index.search import Weights

HERE = Path(__file__).resolve().parent
K = 3
ABSTENTION_TARGET = 0.85
WEIGHT_FINALISTS = 4

WEIGHT_GRID = {
    "context": (0.0, 0.2, 0.4),
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


def ranking_objective(rows) -> float:
    answerable = [r for r in rows if r[0]["kind"] == "question"]
    return sum(any(f[:1]) + 0.5 * any(f[:K]) for _, _, f in answerable) / max(1, len(answerable))


def abstention_objective(rows) -> float:
    answerable = [r for r in rows if r[0]["kind"] == "question"]
    unanswerable = [r for r in rows if r[0]["kind"] == "unanswerable"]
    answered = sum(a for _, a, _ in answerable) / max(1, len(answerable))
    abstained = sum(not a for _, a, _ in unanswerable) / max(1, len(unanswerable))
    return 10 * (abstained >= ABSTENTION_TARGET) + answered + 0.01 * abstained


def best(options: list[dict], evaluate: Callable[[dict], float]) -> tuple[dict, float]:
    scored = [(evaluate(o), i, o) for i, o in enumerate(options)]
    value, _, option = max(scored, key=lambda s: (round(s[0], 6), -s[1]))
    return option, value


def calibrate(engine: Engine, prepared: list[tuple[dict, list]]) -> tuple[Weights, Thresholds]:
    """Stage 1 ranks the weight grid by ranking quality; stage 2 fits thresholds for each of the
    best WEIGHT_FINALISTS (and the current defaults) and keeps the pair that is best on the
    abstention objective, then on ranking."""
    ranked = sorted(
        grid(WEIGHT_GRID),
        key=lambda w: -ranking_objective(run(engine, prepared, Weights(**w), Thresholds(), abstain=False)),
    )
    finalists = [Weights(), *(Weights(**w) for w in ranked[:WEIGHT_FINALISTS])]
    best_pair, best_key = (Weights(), Thresholds()), (-1.0, -1.0)
    for weights in finalists:
        thresholds, value = best(grid(THRESHOLD_GRID), lambda t, w=weights: abstention_objective(
            run(engine, prepared, w, Thresholds(**t), abstain=True)))
        key = (round(value, 6), ranking_objective(run(engine, prepared, weights, Thresholds(**thresholds), True)))
        if key > best_key:
            best_pair, best_key = (weights, Thresholds(**thresholds)), key
    return best_pair


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
