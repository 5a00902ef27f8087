"""Scale benchmark: the passage index at 10k, 100k and 1M passages, and the build's embedding throughput.

    python benchmarks/scale.py [--sizes 10000 100000 1000000] [--throughput-passages 2000]

Passage vectors are synthetic but shaped like real ones: each is a random mix of two or three
real sentence vectors of the bundled corpus plus noise, so they live where the model puts real
text. Queries are the real benchmark questions, embedded by the model, plus noisy copies of
passages. For each size a fresh process builds the index the way `python -m index build` does
(exact below QUOTEBOT_EXACT_SEARCH_LIMIT, IVF above) and writes it; another fresh process loads it, as
a serving process would, and times single-query searches (the question's embedding excluded);
recall@10 is measured against exact search over the same vectors. Peak RSS is each
child process's own: the build's (it also holds the vectors and the exact answers) and the serving one's.

Embedding throughput: texts per second of a real incremental-free build over a synthetic
corpus, against a bare `model.encode` of the same texts in the same process.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import logging
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from index.config import load_settings
from index.storage.vectors import build_vector_index, exact_top, read_vector_index, recall_at, write_vector_index

HERE = Path(__file__).resolve().parent
QUERIES = 300
BLOCK = 100_000


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def peak_rss_mib() -> int:
    """This process's own peak RSS (VmHWM; unlike ru_maxrss it is not inherited from the parent)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return round(int(line.split()[1]) / 1024)
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)


def synthetic_vectors(base: np.ndarray, n: int, seed: int) -> np.ndarray:
    """n unit vectors, each a random mix of 2-3 real vectors plus noise (made in blocks)."""
    rng = np.random.default_rng(seed)
    out = np.empty((n, base.shape[1]), dtype=np.float32)
    for start in range(0, n, BLOCK):
        m = min(BLOCK, n - start)
        weights = rng.dirichlet([1.0, 1.0, 0.5], m).astype(np.float32)
        picks = rng.integers(0, len(base), (m, 3))
        block = np.einsum("mk,mkd->md", weights, base[picks]) + rng.normal(0, 0.35 / np.sqrt(base.shape[1]),
                                                                           (m, base.shape[1])).astype(np.float32)
        block /= np.linalg.norm(block, axis=1, keepdims=True)
        out[start:start + m] = block
    return out


def one_size(n: int, exact_limit: int, work: Path) -> dict:
    """Runs in a child process: build the index the way a build does, write it; returns the figures and
    leaves the queries and their exact answers for the serving process (`serve`)."""
    base = np.load(work / "base.npy")
    questions = np.load(work / "questions.npy")
    vectors = synthetic_vectors(base, n, seed=n)
    rng = np.random.default_rng(7)
    near = vectors[rng.choice(n, QUERIES - len(questions), replace=False)]
    near = near + rng.normal(0, 0.7 / np.sqrt(near.shape[1]), near.shape).astype(np.float32)
    queries = np.vstack([questions, near / np.linalg.norm(near, axis=1, keepdims=True)]).astype(np.float32)
    np.save(work / f"queries-{n}.npy", queries)
    np.save(work / f"truth-{n}.npy", exact_top(vectors, queries, 10))

    started = time.perf_counter()
    index, params = build_vector_index(vectors, exact_limit)
    build_seconds = time.perf_counter() - started
    path = work / f"index-{n}.faiss"
    write_vector_index(index, path)
    (work / f"params-{n}.json").write_text(json.dumps(params), encoding="utf-8")
    return {"passages": n, "index": params["factory"], "nprobe": params.get("nprobe"),
            "build_s": round(build_seconds, 1), "size_mib": round(path.stat().st_size / 2**20, 1),
            "build_rss_mib": peak_rss_mib()}


def serve(n: int, work: Path) -> dict:
    """Runs in its own child process, as a serving process would: load the written index, search."""
    params = json.loads((work / f"params-{n}.json").read_text(encoding="utf-8"))
    loaded = read_vector_index(work / f"index-{n}.faiss", params, mmap=False)
    queries, truth = np.load(work / f"queries-{n}.npy"), np.load(work / f"truth-{n}.npy")
    latencies = []
    found = []
    for q in queries:
        t = time.perf_counter()
        _, ids = loaded.search(q.reshape(1, -1), 10)
        latencies.append((time.perf_counter() - t) * 1000)
        found.append(ids[0])
    return {"p50_ms": round(percentile(latencies, 50), 2), "p95_ms": round(percentile(latencies, 95), 2),
            "recall_at_10": round(recall_at(np.array(found), truth), 4), "serve_rss_mib": peak_rss_mib()}


def throughput(passages: int) -> dict:
    """Texts/s of a real build (embedding stage and whole build) against a bare model.encode."""
    from index.build import build_index, embedding_inputs
    from index.engine import Engine
    from index.retrieve.embed import Embedder

    settings = load_settings()
    embedder = Embedder(settings.index.model, settings.model_dir, settings.index.dims)
    rng = np.random.default_rng(3)
    engine = Engine.load(settings, embedder)
    sentences = [engine.data.sentence_text(i) for i in range(len(engine.data.sentences))]
    with tempfile.TemporaryDirectory() as tmp:
        corpus = Path(tmp) / "corpus"
        corpus.mkdir()
        per_doc = 50
        for d in range(passages // per_doc):
            picked = [sentences[i] for i in rng.integers(0, len(sentences), per_doc)]
            (corpus / f"doc{d:04d}.md").write_text(f"# Doc {d}\n\n" + "\n\n".join(picked) + "\n", encoding="utf-8")
        build_settings = dataclasses.replace(settings, corpus_dir=corpus, index_dir=Path(tmp) / "index")
        build_index(build_settings, embedder)  # a first build warms the model up and gives the texts
        data = Engine.load(build_settings, embedder).data
        texts = embedding_inputs(data.sentences, [data.sentence_text(i) for i in range(len(data.sentences))])
        started = time.perf_counter()
        embedder.encode(texts)
        bare = time.perf_counter() - started
        shutil.rmtree(build_settings.index_dir)  # the timed build starts from nothing
        report = build_index(build_settings, embedder)
    return {
        "texts": report.encoded, "bare_per_s": round(len(texts) / bare, 1),
        "embed_stage_per_s": round(report.encoded / report.embed_seconds, 1),
        "whole_build_per_s": round(report.encoded / report.seconds, 1),
        "embed_stage_ratio": round(bare / report.embed_seconds, 3),
        "whole_build_ratio": round(bare / report.seconds, 3),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000, 1_000_000])
    parser.add_argument("--throughput-passages", type=int, default=2000)
    parser.add_argument("--one", type=int, help=argparse.SUPPRESS)  # child mode: build one size
    parser.add_argument("--serve", type=int, help=argparse.SUPPRESS)  # child mode: serve one size
    parser.add_argument("--work", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    settings = load_settings()
    if args.one:
        print(json.dumps(one_size(args.one, settings.index.exact_search_limit, args.work)))
        return 0
    if args.serve:
        print(json.dumps(serve(args.serve, args.work)))
        return 0

    from index.engine import Engine  # the model is needed here, not in the per-size children

    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        engine = Engine.load(settings)
        np.save(work / "base.npy", np.asarray(engine.data.sentence_vectors, dtype=np.float32))
        items = [json.loads(line) for line in (HERE / "questions.jsonl").read_text(encoding="utf-8").splitlines()
                 if line.strip()]
        questions = [i.get("question") or i.get("claim") or i.get("quote") for i in items]
        np.save(work / "questions.npy", engine.embedder.encode(questions[:QUERIES // 2], "query"))
        del engine
        rows = []
        for n in args.sizes:
            row: dict = {}
            for mode in ("--one", "--serve"):
                proc = subprocess.run([sys.executable, __file__, mode, str(n), "--work", str(work)],
                                      capture_output=True, text=True, check=False)
                if proc.returncode != 0:
                    print(proc.stderr[-2000:], file=sys.stderr)
                    return 1
                row |= json.loads(proc.stdout.strip().splitlines()[-1])
            rows.append(row)
    columns = ["passages", "index", "nprobe", "build_s", "size_mib", "p50_ms", "p95_ms", "recall_at_10",
               "build_rss_mib", "serve_rss_mib"]
    print(" | ".join(f"{c:>12}" for c in columns))
    for row in rows:
        print(" | ".join(f"{row[c]!s:>12}" for c in columns))
    if args.throughput_passages:
        print("\nembedding throughput:", json.dumps(throughput(args.throughput_passages)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
