"""The FAISS index chosen by size: exact for small corpora, IVF above the limit, memory-mappable."""

from __future__ import annotations

import dataclasses
import shutil
from pathlib import Path

import numpy as np
import pytest

from index.config import REPO_ROOT, Settings
from index.engine import Engine
from index.retrieve.embed import Embedder
from index.storage.vectors import (
    TARGET_RECALL,
    build_vector_index,
    exact_top,
    read_vector_index,
    recall_at,
    write_vector_index,
)


def clustered(n: int, dims: int = 64, clusters: int = 50, seed: int = 1) -> np.ndarray:
    """Unit vectors around cluster centres (real embeddings are clustered, not uniform)."""
    rng = np.random.default_rng(seed)
    centres = rng.normal(size=(clusters, dims))
    x = centres[rng.integers(0, clusters, n)] + rng.normal(scale=0.6, size=(n, dims))
    x /= np.linalg.norm(x, axis=1, keepdims=True)
    return x.astype(np.float32)


def test_small_corpora_get_exact_search() -> None:
    index, params = build_vector_index(clustered(500), exact_limit=1000)
    assert params == {"factory": "Flat", "exact": True} and index.ntotal == 500


@pytest.mark.parametrize("mmap", [False, True])
def test_large_corpora_get_a_calibrated_ivf_index_that_survives_a_round_trip(tmp_path: Path, mmap: bool) -> None:
    data = clustered(20_200)
    vectors, queries = data[:20_000], data[20_000:]  # queries from the same distribution
    index, params = build_vector_index(vectors, exact_limit=10_000)
    assert params["factory"] == f"IVF{params['nlist']},Flat" and params["nlist"] == 512
    assert params["calibrated_recall_at_10"] >= TARGET_RECALL
    write_vector_index(index, tmp_path / "chunks.faiss")
    loaded = read_vector_index(tmp_path / "chunks.faiss", params, mmap=mmap)
    assert recall_at(loaded.search(queries, 10)[1], exact_top(vectors, queries, 10)) >= 0.95
    np.testing.assert_allclose(loaded.reconstruct(123), vectors[123], atol=1e-6)


def test_the_engine_answers_the_same_from_an_ivf_index(tmp_path: Path, settings: Settings, engine: Engine,
                                                       embedder: Embedder) -> None:
    shutil.copytree(REPO_ROOT / "corpus", tmp_path / "corpus")
    ivf_settings = dataclasses.replace(
        settings, corpus_dir=tmp_path / "corpus", index_dir=tmp_path / "index", mmap_index=True,
        index=dataclasses.replace(settings.index, exact_search_limit=100),
    )
    ivf_engine = Engine.load(ivf_settings, embedder)
    assert ivf_engine.data.manifest["vector_index"]["factory"].startswith("IVF")
    for question in ("How many GPUs are in Memphis?", "What is Macrohard?", "预训练团队有多少人？"):
        assert ivf_engine.ask(question).quotes[0].text == engine.ask(question).quotes[0].text
