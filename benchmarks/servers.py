"""A thousand servers, each with a 20-document collection, beside the shared library: memory and latency.

    python benchmarks/servers.py [--servers 1000] [--max-loaded 50] [--distinct 3]

Setup (not timed): the library is the bundled corpus; `--distinct` different 20-document collections
are built from the oss_handbooks benchmark corpus (reusing its sentence vectors: nothing is embedded
again), and each server's folder gets one of them, its files hard-linked (the index is files: a
thousand copies cost no disk, and each server's index is loaded from its own folder).

Measured, in one process with one embedding model (index/collections.py: Collections):
* warm ask of a single-collection bot (one engine over the library, as the bot was before collections);
* cold first question of every server in turn (its collection loaded from disk, the joint engine made,
  the question answered), with QUOTEBOT_MAX_LOADED_COLLECTIONS = `--max-loaded`;
* RSS as the servers are asked (bounded by the setting: it stops growing once that many are loaded);
* warm ask of servers whose collection is loaded.
The disk's page cache is shared by the hard-linked copies, so "cold" is a load from the page cache
(parse, checksum, build the searcher), not a read from a spinning disk.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import logging
import os
import random
import shutil
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.suite import HERE, corpora, engine_for
from index.build import build_index
from index.collections import Collections, collection_settings
from index.engine import Engine
from index.ingest.documents import discover

OUT = HERE / "results" / "servers"
DOCUMENTS = 20


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def questions() -> list[str]:
    rows = [json.loads(line) for line in (HERE / "corpora" / "oss_handbooks" / "questions.jsonl").read_text(
        encoding="utf-8").splitlines() if line.strip()]
    return [row["question"] for row in rows]


def templates(source: Engine, folder: Path, count: int) -> list[Path]:
    """`count` built 20-document collections (corpus + index folders) from the source corpus's files."""
    files = discover(source.settings.corpus_dir)
    out = []
    for number in range(count):
        start = (number * len(files)) // count
        chosen = [files[(start + i) % len(files)] for i in range(DOCUMENTS)]
        base = folder / f"template-{number}"
        if base.exists():
            shutil.rmtree(base)
        (base / "corpus").mkdir(parents=True)
        for path in chosen:
            shutil.copy2(path, base / "corpus" / path.name)
        settings = dataclasses.replace(source.settings, corpus_dir=base / "corpus", index_dir=base / "index")
        build_index(settings, source.embedder, live=source.data)  # the source corpus's vectors, reused
        out.append(base)
    return out


def link_tree(source: Path, target: Path) -> None:
    for path in source.rglob("*"):
        destination = target / path.relative_to(source)
        if path.is_dir():
            destination.mkdir(parents=True, exist_ok=True)
        else:
            destination.parent.mkdir(parents=True, exist_ok=True)
            os.link(path, destination)


def timed(function, *args) -> tuple[float, object]:
    started = time.perf_counter()
    result = function(*args)
    return (time.perf_counter() - started) * 1000, result


def summary(values: list[float]) -> str:
    ordered = sorted(values)
    p95 = ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))]
    median = statistics.median(ordered)
    return f"median {median:7.1f} ms, p95 {p95:7.1f} ms, max {ordered[-1]:7.1f} ms (n={len(ordered)})"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--servers", type=int, default=1000)
    parser.add_argument("--max-loaded", type=int, default=50)
    parser.add_argument("--distinct", type=int, default=3, help="different 20-document collections")
    parser.add_argument("--ask", type=int, default=0, help="ask this many servers, chosen at random (default: all)")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    [bundled] = corpora(["bundled"])
    [handbooks] = corpora(["oss_handbooks"])
    started_rss = rss_mb()
    library = engine_for(bundled)
    source = engine_for(handbooks, library.embedder)
    data = OUT / "data"
    if data.exists():
        shutil.rmtree(data)
    made = templates(source, OUT, args.distinct)
    settings = dataclasses.replace(library.settings, data_dir=data, max_loaded_collections=args.max_loaded)
    for server in range(1, args.servers + 1):
        folder = collection_settings(settings, server)
        link_tree(made[server % len(made)] / "corpus", folder.corpus_dir)
        link_tree(made[server % len(made)] / "index", folder.index_dir)
    del source
    asked = questions()
    rng = random.Random(30)

    for question in asked[:3]:  # warm-up: the model's first calls
        library.ask(question)
    print(f"{args.servers} servers x {DOCUMENTS} documents ({args.distinct} distinct collections), library: "
          f"{len(library.data.sources)} documents; QUOTEBOT_MAX_LOADED_COLLECTIONS={args.max_loaded}")
    print(f"RSS: {started_rss:.0f} MB at start, {rss_mb():.0f} MB with the model and the library loaded")

    collections = Collections(settings, library)
    order = list(range(1, args.servers + 1))
    rng.shuffle(order)
    order = order[: args.ask or None]
    cold: list[float] = []
    for number, server in enumerate(order, start=1):
        cold.append(timed(lambda s: collections.engine(s).ask(rng.choice(asked)), server)[0])
        if number % max(1, len(order) // 8) == 0:
            print(f"  after {number:5d} servers asked: RSS {rss_mb():6.0f} MB, {len(collections.loaded)} collections "
                  f"loaded, {collections.loads} loads from disk")
    print(f"cold first question (collection loaded from disk + answer): {summary(cold)}")
    # Warm, interleaved (the machine's load changes): the same question to a loaded server's joint engine,
    # to a single-collection bot over that server's 20 documents, and to one over the library.
    loaded = collections.loaded
    warm: list[float] = []
    alone: list[float] = []
    single: list[float] = []
    for _ in range(100):
        server, question = rng.choice(loaded), rng.choice(asked)
        warm.append(timed(collections.engine(server).ask, question)[0])
        alone.append(timed(collections.own(server).ask, question)[0])  # type: ignore[union-attr]
        single.append(timed(library.ask, question)[0])
    print(f"warm ask, server collection + library: {summary(warm)}")
    print(f"warm ask, single-collection bot over the server's 20 documents: {summary(alone)}")
    print(f"warm ask, single-collection bot over the library: {summary(single)}")
    ratio = statistics.median(warm) / statistics.median(alone)
    print(f"warm joint / single-collection (medians): {ratio:.2f} (target <= 1.2); "
          f"cold median {statistics.median(cold) / 1000:.2f} s (target <= 1 s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
