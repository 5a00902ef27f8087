"""Quality benchmark on the bundled corpus: claim-check accuracy, timestamps and verbatim rate, and
question figures beside a plain baseline in the same run.

The question figures here are in-sample: the bundled corpus is one of the corpora the ranking
weights and confidence models are fitted on. The figures that count are benchmarks/calibrate.py's,
leave-one-corpus-out. Claims, timestamps and verbatim are not fitted to anything.

    python benchmarks/quality.py [--questions benchmarks/questions.jsonl] [--json OUT]
    python benchmarks/quality.py --questions benchmarks/heldout.jsonl   # questions never tuned on

Scoring (the team's evaluation format, as in benchmarks/suite.py): a quote *hits* when, lower-cased and with all
whitespace removed, it contains every term of one gold alternative. Baseline: the raw
documents cut into fixed 1,000-character chunks, dense search only (same model), the top
chunks returned as "quotes", abstaining when the best cosine is below BASELINE_MIN_COSINE.
Claim baseline (similarity only): `supported` when the best sentence's cosine similarity to
the claim passes a threshold, else `not_found`; the threshold is the one (of a grid) that
scores best on the claim set, so the baseline is shown at its most favourable.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.suite import hits, squash
from index.config import load_settings
from index.engine import Engine

HERE = Path(__file__).resolve().parent
BASELINE_CHUNK_CHARS = 1000
BASELINE_MIN_COSINE = 0.35
BASELINE_SUPPORT_COSINES = (0.5, 0.55, 0.6, 0.65, 0.7, 0.75, 0.8, 0.85, 0.9)
K = 3


@dataclass
class Result:
    answered: bool  # an answer (the baseline: any quotes); the engine's "related" counts as not answered
    quotes: list[tuple[str, str]]  # (text, source file)


class Baseline:
    """Fixed 1000-character chunks of the raw documents, dense search only."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.chunks: list[tuple[str, str]] = []
        for source, text in zip(engine.data.sources, engine.data.texts, strict=True):
            for start in range(0, len(text), BASELINE_CHUNK_CHARS):
                self.chunks.append((text[start : start + BASELINE_CHUNK_CHARS], source.file))
        self.vectors = engine.embedder.encode([c[0] for c in self.chunks])

    def check(self, claim: str, threshold: float) -> str:
        best = float(np.max(self.engine.data.sentence_vectors @ self.engine.embedder.encode_one(claim)))
        return "supported" if best >= threshold else "not_found"

    def ask(self, question: str) -> Result:
        scores = self.vectors @ self.engine.embedder.encode_one(question)
        order = np.argsort(-scores)[:K]
        answered = bool(scores[order[0]] >= BASELINE_MIN_COSINE)
        return Result(answered, [self.chunks[i] for i in order] if answered else [])


def engine_result(engine: Engine, question: str) -> Result:
    answer = engine.ask(question, K)
    return Result(answer.confidence == "answer", [(q.text, q.source) for q in answer.quotes])


def score(items: list[dict], ask, sources: dict[str, str], misses: list[str] | None = None) -> dict[str, float]:
    per_lang: dict[str, list[tuple[bool, bool, bool]]] = defaultdict(list)
    abstained: list[bool] = []
    verbatim: list[bool] = []
    lengths: list[int] = []
    for item in items:
        if item["kind"] not in ("question", "unanswerable"):
            continue
        result = ask(item["question"])
        for text, source in result.quotes:
            verbatim.append(" ".join(text.split()) in " ".join(sources[source].split()))
            lengths.append(len(text))
        if item["kind"] == "unanswerable":
            abstained.append(not result.answered)
            if result.answered and misses is not None:
                misses.append(f"{item['id']}: answered an unanswerable question: {result.quotes[0][0][:80]!r}")
            continue
        flags = [hits(text, item["gold"]) for text, _ in result.quotes]
        if not any(flags[:1]) and misses is not None:
            top = result.quotes[0][0][:80] if result.quotes else "(abstained)"
            misses.append(f"{item['id']}: hit@3={any(flags)} {item['question']!r} -> {top!r}")
        per_lang[item["lang"]].append((result.answered, any(flags[:1]), any(flags[:K])))  # hits count quotes shown
    out: dict[str, float] = {}
    for lang, rows in sorted(per_lang.items()):
        out[f"hit@1 {lang} (n={len(rows)})"] = float(np.mean([r[1] for r in rows]))
        out[f"hit@3 {lang} (n={len(rows)})"] = float(np.mean([r[2] for r in rows]))
    answerable = [r for rows in per_lang.values() for r in rows]
    out[f"called an answer, answerable (n={len(answerable)})"] = float(np.mean([r[0] for r in answerable]))
    out[f"not called an answer, unanswerable (n={len(abstained)})"] = (float(np.mean(abstained)) if abstained
                                                                       else float("nan"))
    out["quotes returned"] = float(len(verbatim))
    out["verbatim rate"] = float(np.mean(verbatim)) if verbatim else float("nan")
    out["mean quote length (chars)"] = float(np.mean(lengths)) if lengths else 0.0
    return out


def timestamp_accuracy(items: list[dict], engine: Engine) -> tuple[float, int, list[str]]:
    rows = [i for i in items if i["kind"] == "timestamp"]  # main() calls this only when there are some
    wrong = []
    for item in rows:
        result = engine.check(item["quote"])
        first = result.evidence[0] if result.evidence else None
        ok = first is not None and squash(item["quote"]) in squash(first.text) and first.timestamp == item["timestamp"]
        if not ok:
            wrong.append(f"{item['id']}: got {first.timestamp if first else 'nothing'}, want {item['timestamp']}")
    return 1 - len(wrong) / len(rows), len(rows), wrong


def claim_accuracy(items: list[dict], check) -> tuple[dict[str, float], list[str]]:
    rows = [i for i in items if i["kind"] == "claim"]
    by_class: dict[str, list[bool]] = defaultdict(list)
    wrong = []
    for item in rows:
        verdict = check(item["claim"])
        by_class[item["verdict"]].append(verdict == item["verdict"])
        if verdict != item["verdict"]:
            wrong.append(f"{item['id']}: got {verdict}, want {item['verdict']}")
    out = {f"claims {cls} (n={len(v)})": float(np.mean(v)) for cls, v in sorted(by_class.items())}
    unbacked = [i for i in rows if i["verdict"] != "supported"]
    false_support = sum(check(i["claim"]) == "supported" for i in unbacked)
    out[f"'supported' on unbacked claims (n={len(unbacked)})"] = float(false_support)
    return out, wrong


def baseline_claims(items: list[dict], baseline: Baseline) -> dict[str, float]:
    """The similarity-only claim check at its best threshold (by mean accuracy per class)."""
    results = []
    for threshold in BASELINE_SUPPORT_COSINES:
        figures, _ = claim_accuracy(items, lambda c, t=threshold: baseline.check(c, t))
        accuracy = float(np.mean([v for k, v in figures.items() if k.startswith("claims ")]))
        results.append((accuracy, threshold, figures))
    _, threshold, figures = max(results, key=lambda r: r[0])
    figures["claim baseline threshold (cosine)"] = threshold
    return figures


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--questions", type=Path, default=HERE / "questions.jsonl")
    parser.add_argument("--json", type=Path, help="also write the figures as JSON here")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    items = [json.loads(line) for line in args.questions.read_text(encoding="utf-8").splitlines() if line.strip()]
    engine = Engine.load(load_settings())
    sources = {s.file: t for s, t in zip(engine.data.sources, engine.data.texts, strict=True)}
    baseline = Baseline(engine)

    question_misses: list[str] = []
    figures = {"engine": score(items, lambda q: engine_result(engine, q), sources, question_misses),
               "baseline": score(items, baseline.ask, sources)}
    ts_wrong: list[str] = []
    claims_wrong: list[str] = []
    if any(i["kind"] == "timestamp" for i in items):
        ts, n_ts, ts_wrong = timestamp_accuracy(items, engine)
        figures["engine"][f"timestamp accuracy (n={n_ts})"] = ts
    if any(i["kind"] == "claim" for i in items):
        claims, claims_wrong = claim_accuracy(items, lambda c: engine.check(c).verdict)
        figures["engine"].update(claims)
        figures["baseline"].update(baseline_claims(items, baseline))

    names = list(dict.fromkeys([*figures["engine"], *figures["baseline"]]))
    print(f"{'figure':48} {'engine':>8} {'baseline':>9}")
    for name in names:
        cells = [figures[side].get(name) for side in ("engine", "baseline")]
        text = [f"{c:8.3f}" if isinstance(c, float) else f"{'-':>8}" for c in cells]
        print(f"{name:48} {text[0]:>8} {text[1]:>9}")
    for line in question_misses + ts_wrong + claims_wrong:
        print("  miss:", line)
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
