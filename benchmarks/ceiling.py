"""How far the engine's signals can go: learned models, cross-validated on the question set.

    python benchmarks/ceiling.py [--questions benchmarks/questions.jsonl]

The engine ranks candidate sentences by a weighted sum of their features (index.search) and
decides whether to answer from the best candidates' features (index.abstention), with weights
calibrated by benchmarks/calibrate.py. This script asks whether a better-fitted function of the same
signals would reach the quality targets. It fits logistic regressions (scikit-learn, standardised
features) on four fifths of the questions and scores the rest, FOLDS × REPEATS times, and prints:

* pool recall: answerable questions with a sentence holding the answer among the candidates;
* sentence hit@1 / hit@3: the answer among the first 1 / 3 candidate sentences, every question
  answered (quote selection later extends and merges sentences, so quality.py's figures differ a
  little), for the engine's ranking and for rankers learned from the candidates' features, with and
  without surface features of the sentence (a question, a lead-in ending in a colon, a table row,
  its length, a digit);
* answered at a declining rate: the share of answerable questions answered when the learned
  abstention model declines ABSTENTION_TARGET of the unanswerable ones.
"""

from __future__ import annotations

import argparse
import json
import logging
import math
import re
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.calibrate import ABSTENTION_TARGET, Prepared, logistic
from benchmarks.quality import hits
from index import abstention
from index.config import load_settings
from index.engine import Engine, clean_question
from index.search import Candidate

FOLDS = 5
REPEATS = 6
SIGNALS = ("dense", "context", "coverage", "lexical", "chunk", "same_language", "answer_type")
SURFACE = ("question", "lead_in", "table_row", "log_length", "digit")


def surface(text: str) -> list[float]:
    end = text.strip().rstrip("\"”」』*) ")
    return [float(end.endswith(("?", "？"))), float(end.endswith((":", "："))), float(text.count("|") >= 2),
            math.log1p(len(text)), float(bool(re.search(r"\d", text)))]


def candidate_rows(engine: Engine, candidates: list[Candidate]) -> np.ndarray:
    return np.array([[float(getattr(c, name)) for name in SIGNALS] + surface(engine.data.sentence_text(c.sid))
                     for c in candidates])


def folds(n: int, rng: np.random.Generator) -> list[np.ndarray]:
    return np.array_split(rng.permutation(n), FOLDS)


def hit_at(order: list[np.ndarray], gold: list[np.ndarray], k: int) -> float:
    return float(np.mean([g[o[:k]].any() for o, g in zip(order, gold, strict=True)]))


def ranking(engine: Engine, prepared: Prepared, rng: np.random.Generator) -> list[tuple[str, float]]:
    answerable = [(item, r) for item, r in prepared if item["kind"] == "question" and r.candidates]
    rows = [candidate_rows(engine, r.candidates) for _, r in answerable]
    gold = [np.array([hits(engine.data.sentence_text(c.sid), item["gold"]) for c in r.candidates])
            for item, r in answerable]
    engine_order = [np.argsort([-c.score for c in r.candidates], kind="stable") for _, r in answerable]
    out = [("pool recall", float(np.mean([g.any() for g in gold]))),
           ("sentence hit@1, engine ranking", hit_at(engine_order, gold, 1)),
           ("sentence hit@3, engine ranking", hit_at(engine_order, gold, 3))]
    for label, columns in (("signals", len(SIGNALS)), ("signals + surface", len(SIGNALS) + len(SURFACE))):
        scores: dict[int, list[float]] = {1: [], 3: []}
        for _ in range(REPEATS):
            for test in folds(len(answerable), rng):
                train = np.setdiff1d(np.arange(len(answerable)), test)
                coefficients, _ = logistic(np.concatenate([rows[i][:, :columns] for i in train]),
                                           np.concatenate([gold[i] for i in train]), balanced=True)
                order = [np.argsort(-(rows[i][:, :columns] @ coefficients), kind="stable") for i in test]
                for k in scores:
                    scores[k].append(hit_at(order, [gold[i] for i in test], k))
        out += [(f"sentence hit@{k}, learned ranker ({label})", float(np.mean(v))) for k, v in scores.items()]
    return out


def answering(prepared: Prepared, rng: np.random.Generator) -> list[tuple[str, float]]:
    answerable = np.array([item["kind"] == "question" for item, _ in prepared])
    absent = np.array([r.absent for _, r in prepared])
    x = np.stack([abstention.features(sorted(r.candidates, key=lambda c: c.score, reverse=True), r.absent)
                  for _, r in prepared])
    engine_rule = abstention.ABSTENTION.answers(x)
    rates = []
    for _ in range(REPEATS):
        margin = np.zeros(len(prepared))
        for test in folds(len(prepared), rng):
            train = np.setdiff1d(np.arange(len(prepared)), test)
            coefficients, intercept = logistic(x[train], answerable[train])
            margin[test] = x[test] @ coefficients + intercept
        margin[absent >= abstention.ABSTENTION.max_absent] = -np.inf  # the absent-words rule stays
        cut = np.quantile(margin[~answerable], ABSTENTION_TARGET)
        rates.append(float((margin[answerable] > cut).mean()))
    return [("answered, engine's model", float(engine_rule[answerable].mean())),
            ("abstained, engine's model", float((~engine_rule[~answerable]).mean())),
            (f"answered when declining {ABSTENTION_TARGET:.0%} of unanswerable, learned", float(np.mean(rates)))]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--questions", type=Path, default=Path(__file__).resolve().parent / "questions.jsonl")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    items = [json.loads(line) for line in args.questions.read_text(encoding="utf-8").splitlines() if line.strip()]
    engine = Engine.load(load_settings())
    prepared = [(item, engine.retrieve(clean_question(item["question"], 1000)[0]))
                for item in items if item["kind"] in ("question", "unanswerable")]
    rng = np.random.default_rng(0)
    print(f"{'figure':70} value   ({FOLDS}-fold x {REPEATS}, {len(prepared)} questions)")
    for label, value in [*ranking(engine, prepared, rng), *answering(prepared, rng)]:
        print(f"{label:70} {value:.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
