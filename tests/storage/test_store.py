"""The index on disk: atomic publish, corruption, staleness, interrupted builds, model hash."""

from __future__ import annotations

import dataclasses
import itertools
import json
import logging
from pathlib import Path

import numpy as np
import pytest
from killed_build import kill_build_at

from index.build import build_index, embedding_inputs, titled
from index.config import Settings
from index.engine import Engine, index_problem
from index.errors import IndexCorrupt, IndexStale
from index.ingest.chunk import count_tokens, make_chunks
from index.ingest.documents import parse
from index.retrieve import embed
from index.retrieve.background import PROBES
from index.retrieve.embed import Embedder
from index.storage.store import FORMAT_VERSION, POINTER, current_build, load_build


def test_build_publishes_a_complete_index(tiny_settings, embedder) -> None:
    report = build_index(tiny_settings, embedder)
    data = load_build(tiny_settings.index_dir)
    assert report.documents == 2 and data.manifest["counts"]["documents"] == 2
    assert data.manifest["settings"] == tiny_settings.index.as_dict()
    assert data.manifest["dims"] == tiny_settings.index.dims and data.manifest["model"] == tiny_settings.index.model
    assert index_problem(tiny_settings) is None


def test_corrupted_index_file_is_detected_and_rebuilt(tiny_settings, embedder, caplog) -> None:
    build_index(tiny_settings, embedder)
    build_dir = current_build(tiny_settings.index_dir)
    (build_dir / "sentence_vectors.npy").write_bytes(b"garbage")
    with pytest.raises(IndexCorrupt, match="checksum"):
        load_build(tiny_settings.index_dir)
    with caplog.at_level(logging.WARNING):
        engine = Engine.load(tiny_settings, embedder)
    assert "rebuilding" in caplog.text or "building the index now" in caplog.text
    assert engine.ask("How many satellites did the rocket carry?").quotes


def test_unreadable_manifest_is_reported_as_a_problem(tiny_settings, embedder) -> None:
    build_index(tiny_settings, embedder)
    (current_build(tiny_settings.index_dir) / "manifest.json").write_text("{not json", encoding="utf-8")
    assert isinstance(index_problem(tiny_settings), IndexCorrupt)


def test_changed_corpus_makes_the_index_stale_and_it_rebuilds(tiny_settings, embedder) -> None:
    build_index(tiny_settings, embedder)
    (tiny_settings.corpus_dir / "c.txt").write_text("Gamma memo\n\nThe bridge opened in May.\n", encoding="utf-8")
    assert isinstance(index_problem(tiny_settings), IndexStale)
    engine = Engine.load(tiny_settings, embedder)
    assert len(engine.data.sources) == 3


def test_changed_settings_make_the_index_stale(tiny_settings, embedder) -> None:
    build_index(tiny_settings, embedder)
    changed = dataclasses.replace(tiny_settings, index=dataclasses.replace(tiny_settings.index, chunk_tokens=64))
    assert isinstance(index_problem(changed), IndexStale)


def test_half_written_build_is_ignored_and_cleaned_up(tiny_settings, embedder) -> None:
    build_index(tiny_settings, embedder)
    live = current_build(tiny_settings.index_dir)
    partial = tiny_settings.index_dir / "builds" / "partial-build"
    partial.mkdir()
    (partial / "sentences.npy").write_bytes(b"half")
    assert load_build(tiny_settings.index_dir).path == live
    build_index(tiny_settings, embedder)
    assert not partial.exists()


def test_build_killed_halfway_leaves_previous_index_usable(tiny_settings, embedder, tmp_path: Path) -> None:
    build_index(tiny_settings, embedder)
    live = current_build(tiny_settings.index_dir)
    pointer_before = (tiny_settings.index_dir / POINTER).read_text()
    (tiny_settings.corpus_dir / "c.txt").write_text("Gamma memo\n\nThe bridge opened in May.\n", encoding="utf-8")
    kill_build_at(tiny_settings, "[4/5]")  # killed while it embeds, before anything is published
    assert (tiny_settings.index_dir / POINTER).read_text() == pointer_before
    data = load_build(tiny_settings.index_dir)
    assert data.path == live and len(data.sources) == 2



def test_unknown_model_gives_a_clear_error() -> None:
    with pytest.raises(embed.ModelError, match="cannot load embedding model"):
        embed.Embedder("/nonexistent/model/path")


def test_chunks_are_sentence_aligned_token_bounded_and_overlapping(settings) -> None:
    text = (settings.corpus_dir / "000_47475682103aa5f8.txt").read_text(encoding="utf-8")
    sentences = parse(text, 0)
    texts = [text[s.start : s.end] for s in sentences]
    chunks = make_chunks(sentences, texts, max_tokens=120, overlap=1)
    covered = set()
    for chunk in chunks:
        ids = range(chunk.first, chunk.last + 1)
        covered.update(ids)
        assert len({sentences[i].section for i in ids}) == 1
        if chunk.last > chunk.first:
            assert sum(count_tokens(texts[i]) for i in ids) <= 120
    assert covered == set(range(len(sentences)))
    same_section = [(a, b) for a, b in itertools.pairwise(chunks) if a.section == b.section]
    assert same_section and all(b.first == a.last for a, b in same_section if a.last > a.first)


def test_manifest_records_settings_and_checksums(engine) -> None:
    manifest = json.loads((engine.data.path / "manifest.json").read_text(encoding="utf-8"))
    assert {"chunk_tokens", "chunk_overlap_sentences", "model"} <= set(manifest["settings"])
    assert "sentence_vectors.npy" in manifest["checksums"] and manifest["format_version"] == FORMAT_VERSION


class CountingEmbedder:
    """The real embedder, counting the texts it is asked to embed."""

    def __init__(self, embedder: Embedder) -> None:
        self.embedder = embedder
        self.texts: list[str] = []

    def __getattr__(self, name: str):
        return getattr(self.embedder, name)

    def encode(self, texts: list[str], kind: str = "passage"):
        self.texts.extend(texts)
        return self.embedder.encode(texts, kind)


def test_rebuild_embeds_only_new_and_changed_documents(tiny_settings: Settings, embedder: Embedder) -> None:
    counting = CountingEmbedder(embedder)
    first = build_index(tiny_settings, counting)
    assert sorted(first.added) == ["a.md", "b.txt"] and first.encoded == len(counting.texts) - len(PROBES) > 0

    corpus = tiny_settings.corpus_dir
    (corpus / "b.txt").write_text("Beta report\n\nThe harvest tripled this year.\n", encoding="utf-8")
    (corpus / "c.md").write_text("# Gamma\n\nA new document about ships.\n", encoding="utf-8")
    counting.texts.clear()
    second = build_index(tiny_settings, counting)
    assert (second.added, second.changed, second.unchanged, second.removed) == (["c.md"], ["b.txt"], ["a.md"], [])
    assert counting.texts and not any("rocket" in t for t in counting.texts)  # a.md was not re-embedded
    assert any("tripled" in t for t in counting.texts) and any("ships" in t for t in counting.texts)

    (corpus / "c.md").unlink()
    counting.texts.clear()
    third = build_index(tiny_settings, counting)
    assert third.removed == ["c.md"] and third.encoded == 0 and counting.texts == []  # not even the probes
    fresh = dataclasses.replace(tiny_settings, index_dir=tiny_settings.index_dir.parent / "fresh")
    build_index(fresh, embedder)  # the background kept across incremental builds is a full build's
    background = load_build(tiny_settings.index_dir).manifest["background"]
    assert background == pytest.approx(load_build(fresh.index_dir).manifest["background"], abs=1e-5)

    # The reused vectors are the same as freshly computed ones: answers do not change.
    engine = Engine.load(tiny_settings, embedder)
    data = engine.data
    fresh = embedder.encode(*titled(embedder, [data.sentence_text(0)], [data.sources[0].title or ""]))[0]
    assert float(data.sentence_vectors[0] @ fresh) > 0.999


def test_changing_the_model_settings_rebuilds_everything(tiny_settings: Settings, embedder: Embedder) -> None:
    build_index(tiny_settings, embedder)
    counting = CountingEmbedder(embedder)
    changed = dataclasses.replace(
        tiny_settings, index=dataclasses.replace(tiny_settings.index, chunk_tokens=64)
    )
    report = build_index(changed, counting)
    assert report.encoded == len(counting.texts) - len(PROBES) == report.sentences  # chunks are not embedded


def test_a_chunks_vector_is_the_mean_of_its_sentences_vectors(engine: Engine) -> None:
    """Chunks are not embedded on their own (a build reads every sentence once)."""
    data = engine.data
    for cid in (0, len(data.chunks) // 2, len(data.chunks) - 1):
        chunk = data.chunks[cid]
        mean = data.sentence_vectors[chunk.first : chunk.last + 1].mean(axis=0)
        stored = data.chunk_index.reconstruct(cid)
        assert float(stored @ (mean / np.linalg.norm(mean))) > 0.9999


def test_a_smaller_stored_dimension_reuses_the_vectors_cut_down(tiny_settings: Settings, embedder: Embedder) -> None:
    """EmbeddingGemma's first dimensions are an embedding of their own (Matryoshka): going from 512 stored
    dimensions to 256 embeds nothing again but the background probes, and gives what the model gives."""
    wide = dataclasses.replace(tiny_settings, index=dataclasses.replace(tiny_settings.index, dims=512))
    build_index(wide, embedder)
    assert load_build(wide.index_dir).sentence_vectors.shape[1] == 512
    narrow = dataclasses.replace(tiny_settings, index=dataclasses.replace(tiny_settings.index, dims=256))
    counting = CountingEmbedder(Embedder(embedder.name, narrow.model_dir, 256, embedder.backend))
    report = build_index(narrow, counting)
    assert report.encoded == 0 and len(counting.texts) == len(PROBES)
    data = load_build(narrow.index_dir)
    inputs = embedding_inputs(data.sentences, [data.sentence_text(i) for i in range(len(data.sentences))])
    titles = [data.sources[data.sentences[i].source].title or "" for i in range(3)]
    fresh = counting.embedder.encode(*titled(counting.embedder, inputs[:3], titles))
    assert data.sentence_vectors.shape[1] == 256
    assert float(np.min(np.sum(np.asarray(data.sentence_vectors[:3]) * fresh, axis=1))) > 0.9999
