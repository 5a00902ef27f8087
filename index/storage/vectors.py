"""The FAISS index over passage (chunk) vectors, chosen by corpus size.

Up to `exact_limit` passages (QUOTEBOT_EXACT_SEARCH_LIMIT, default 20,000): exact
inner-product search (`Flat`), which is both exact and fast at that size. Above it: an
inverted-file index (`IVF{nlist},Flat`, FAISS's recommendation for 1M-scale data that fits
in RAM) with nlist ≈ 4·√N lists, trained on a sample, and `nprobe` chosen at build time as
the smallest value whose recall@10 against exact search reaches TARGET_RECALL on sampled
queries. The factory string and parameters go into the manifest; the index can be
memory-mapped when loaded (QUOTEBOT_MMAP_INDEX).
"""

from __future__ import annotations

import logging
import math
from pathlib import Path

import faiss
import numpy as np

log = logging.getLogger(__name__)

TARGET_RECALL = 0.97  # recall@10 the build's nprobe calibration aims at
NPROBES = (8, 16, 24, 32, 48, 64, 96, 128, 192, 256)
TRAINING_POINTS_PER_LIST = 50
CALIBRATION_QUERIES = 300
QUERY_NOISE = 0.7
SEED = 0


def build_vector_index(vectors: np.ndarray, exact_limit: int) -> tuple[faiss.Index, dict]:
    """An index over unit vectors (inner product = cosine) and its parameters for the manifest."""
    vectors = np.ascontiguousarray(vectors, dtype=np.float32)
    n, dims = vectors.shape
    if n <= exact_limit:
        index = faiss.index_factory(dims, "Flat", faiss.METRIC_INNER_PRODUCT)
        index.add(vectors)
        return index, {"factory": "Flat", "exact": True}
    nlist = 2 ** round(math.log2(4 * math.sqrt(n)))
    factory = f"IVF{nlist},Flat"
    index = faiss.index_factory(dims, factory, faiss.METRIC_INNER_PRODUCT)
    rng = np.random.default_rng(SEED)
    sample = vectors[np.sort(rng.choice(n, min(n, TRAINING_POINTS_PER_LIST * nlist), replace=False))]
    log.info("training %s on %d of %d vectors", factory, len(sample), n)
    index.train(sample)
    index.add(vectors)
    faiss.extract_index_ivf(index).make_direct_map()  # reconstruct(id) for the search's context feature
    nprobe, recall = calibrate_nprobe(index, vectors, rng)
    log.info("%s: nprobe %d gives recall@10 %.3f against exact search", factory, nprobe, recall)
    return index, {"factory": factory, "exact": False, "nlist": nlist, "nprobe": nprobe,
                   "calibrated_recall_at_10": round(recall, 4)}


def recall_at(approximate: np.ndarray, exact: np.ndarray) -> float:
    """Mean share of the exact top-k ids the approximate top-k found."""
    k = exact.shape[1]
    return float(np.mean([len(set(a) & set(e)) / k for a, e in zip(approximate, exact, strict=True)]))


def calibrate_nprobe(index: faiss.Index, vectors: np.ndarray, rng: np.random.Generator) -> tuple[int, float]:
    """Smallest nprobe reaching TARGET_RECALL on queries near stored vectors (copies moved by
    noise of norm ~QUERY_NOISE, so that a query is not simply its own nearest neighbour)."""
    picks = rng.choice(len(vectors), min(CALIBRATION_QUERIES, len(vectors)), replace=False)
    sigma = QUERY_NOISE / np.sqrt(vectors.shape[1])
    queries = vectors[picks] + rng.normal(0, sigma, (len(picks), vectors.shape[1])).astype(np.float32)
    queries /= np.linalg.norm(queries, axis=1, keepdims=True)
    exact = exact_top(vectors, queries, 10)
    ivf = faiss.extract_index_ivf(index)
    recall = 0.0
    for nprobe in NPROBES:
        ivf.nprobe = nprobe
        recall = recall_at(index.search(queries, 10)[1], exact)
        if recall >= TARGET_RECALL:
            break
    return ivf.nprobe, recall


def exact_top(vectors: np.ndarray, queries: np.ndarray, k: int) -> np.ndarray:
    """Exact top-k ids by inner product (brute force over the array, without copying it)."""
    return faiss.knn(queries, vectors, k, metric=faiss.METRIC_INNER_PRODUCT)[1]


def write_vector_index(index: faiss.Index, path: Path) -> None:
    faiss.write_index(index, str(path))


def read_vector_index(path: Path, params: dict, mmap: bool = False) -> faiss.Index:
    """Load the index (memory-mapped when asked) and restore its search parameters."""
    flags = (faiss.IO_FLAG_MMAP | faiss.IO_FLAG_READ_ONLY) if mmap else 0
    index = faiss.read_index(str(path), flags)
    if not params.get("exact", True):
        ivf = faiss.extract_index_ivf(index)
        ivf.nprobe = int(params["nprobe"])
        if ivf.direct_map.type == faiss.DirectMap.NoMap:
            ivf.make_direct_map()
    return index
