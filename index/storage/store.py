"""The on-disk index: write a build atomically, load and validate it (no pickle anywhere).

Layout of the index folder:
    CURRENT            name of the live build (replaced atomically with os.replace)
    build.lock         held while a build runs, so two builds never interleave
    builds/<name>/     one complete build:
        manifest.json      format version, model, dims, settings, corpus hash, sha256 of every file
        sources.json       source metadata and each document's text (quotes are sliced from it)
        sentences.npy      int32 rows: source, start, end, block, section id, timestamp (-1 = none)
        sections.json      section paths, indexed by the section id above
        chunks.npy         int32 rows: source, first sentence, last sentence
        chunks.faiss       FAISS index of chunk vectors (inner product on unit vectors)
        sentence_vectors.npy   float32 unit vectors of the sentences
        bm25/              bm25s index of the sentences
        transcripts/       the WebVTT machine transcript of each recording, named <file>.vtt
        bridge.json        English<->Chinese word maps for cross-language matching,
                           and how common each everyday word is (query word weights)
A build killed halfway never touches CURRENT, so the previous build stays the live one.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import logging
import os
import shutil
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import bm25s
import faiss
import numpy as np

from ..errors import IndexCorrupt, IndexMissing, IndexStale
from ..records import Chunk, Sentence, Source
from .checksums import sha256_file
from .vectors import read_vector_index, write_vector_index

log = logging.getLogger(__name__)

FORMAT_VERSION = 4  # 2: bridge.json holds "common" (everyday-word weights); 3: no glosses; 4: sources carry
# document, version, date (versions of one document)
POINTER = "CURRENT"
TRANSCRIPTS = "transcripts"  # the build's folder of WebVTT machine transcripts






@dataclass
class IndexData:
    """Everything a query needs, loaded into memory once."""

    manifest: dict
    sources: list[Source]
    texts: list[str]
    sentences: list[Sentence]
    chunks: list[Chunk]
    chunk_index: faiss.Index
    sentence_vectors: np.ndarray
    bm25: bm25s.BM25
    zh_en: dict[str, list[str]]
    en_zh: dict[str, list[str]]
    common: dict[str, float]
    path: Path
    transcripts: dict[str, str] = field(default_factory=dict)  # <file>.vtt -> WebVTT text (written, not loaded)

    def transcript_file(self, name: str) -> Path:
        """Where a recording's machine transcript (Source.transcript) is kept in this build."""
        return self.path / TRANSCRIPTS / name

    def sentence_text(self, sid: int) -> str:
        s = self.sentences[sid]
        return self.texts[s.source][s.start : s.end]

    def same_paragraph(self, a: int, b: int) -> bool:
        sa, sb = self.sentences[a], self.sentences[b]
        return sa.source == sb.source and sa.block == sb.block

    def paragraph(self, sid: int) -> tuple[int, int]:
        """First and last sentence ids of the paragraph (block) holding `sid`."""
        lo, hi = sid, sid
        while lo > 0 and self.same_paragraph(lo - 1, sid):
            lo -= 1
        while hi + 1 < len(self.sentences) and self.same_paragraph(hi + 1, sid):
            hi += 1
        return lo, hi


def _files(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.is_file() and p.name != "manifest.json")


@contextlib.contextmanager
def build_lock(index_dir: Path) -> Iterator[None]:
    """Exclusive lock on the index folder for the duration of a build."""
    index_dir.mkdir(parents=True, exist_ok=True)
    with (index_dir / "build.lock").open("w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def new_build_dir(index_dir: Path) -> Path:
    path = index_dir / "builds" / f"{time.strftime('%Y%m%d-%H%M%S')}-{os.getpid()}-{time.monotonic_ns() % 10**6}"
    path.mkdir(parents=True)
    return path


def write_build(build_dir: Path, data: IndexData) -> None:
    """Write every part of `data` into `build_dir`; the manifest (with checksums) comes last."""
    sections: list[str] = []
    section_ids: dict[str, int] = {}
    rows = []
    for s in data.sentences:
        sid = section_ids.setdefault(s.section, len(sections))
        if sid == len(sections):
            sections.append(s.section)
        rows.append((s.source, s.start, s.end, s.block, sid, -1 if s.timestamp is None else s.timestamp))
    np.save(build_dir / "sentences.npy", np.asarray(rows, dtype=np.int32).reshape(-1, 6), allow_pickle=False)
    np.save(
        build_dir / "chunks.npy",
        np.asarray([(c.source, c.first, c.last) for c in data.chunks], dtype=np.int32).reshape(-1, 3),
        allow_pickle=False,
    )
    np.save(build_dir / "sentence_vectors.npy", data.sentence_vectors, allow_pickle=False)
    write_vector_index(data.chunk_index, build_dir / "chunks.faiss")
    data.bm25.save(str(build_dir / "bm25"))
    _write_json(build_dir / "sections.json", sections)
    _write_json(
        build_dir / "sources.json",
        [{**src.as_dict(), "text": text} for src, text in zip(data.sources, data.texts, strict=False)],
    )
    if data.transcripts:
        (build_dir / TRANSCRIPTS).mkdir()
        for name, text in data.transcripts.items():
            (build_dir / TRANSCRIPTS / name).write_text(text, encoding="utf-8")
    bridge = {"zh_en": data.zh_en, "en_zh": data.en_zh, "common": data.common}
    _write_json(build_dir / "bridge.json", bridge)
    manifest = dict(data.manifest)
    manifest["format_version"] = FORMAT_VERSION
    manifest["checksums"] = {str(p.relative_to(build_dir)): sha256_file(p) for p in _files(build_dir)}
    _write_json(build_dir / "manifest.json", manifest)


def _write_json(path: Path, value: object) -> None:
    with path.open("w", encoding="utf-8") as handle:
        json.dump(value, handle, ensure_ascii=False)
        handle.flush()
        os.fsync(handle.fileno())


def publish(index_dir: Path, build_dir: Path) -> None:
    """Make `build_dir` the live build (atomic), then remove builds older than the previous one."""
    previous = current_build(index_dir)
    tmp = index_dir / f"{POINTER}.tmp"
    tmp.write_text(build_dir.name, encoding="utf-8")
    os.replace(tmp, index_dir / POINTER)
    keep = {build_dir.name, previous.name if previous else ""}
    for old in (index_dir / "builds").iterdir():
        if old.name not in keep:
            shutil.rmtree(old, ignore_errors=True)


def current_build(index_dir: Path) -> Path | None:
    pointer = index_dir / POINTER
    try:
        name = pointer.read_text(encoding="utf-8").strip()
    except (FileNotFoundError, UnicodeDecodeError):
        return None
    path = index_dir / "builds" / name
    return path if name and "/" not in name and path.is_dir() else None


def read_manifest(build_dir: Path) -> dict:
    try:
        manifest = json.loads((build_dir / "manifest.json").read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise IndexCorrupt(f"{build_dir}: manifest.json is missing") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise IndexCorrupt(f"{build_dir}: manifest.json is unreadable ({exc})") from None
    if not isinstance(manifest, dict) or manifest.get("format_version") != FORMAT_VERSION:
        raise IndexStale(f"{build_dir}: index format {manifest.get('format_version')!r}, expected {FORMAT_VERSION}")
    return manifest


def verify_checksums(build_dir: Path, manifest: dict) -> None:
    expected = manifest.get("checksums") or {}
    actual = {str(p.relative_to(build_dir)) for p in _files(build_dir)}
    if set(expected) != actual:
        missing = sorted(set(expected) - actual)
        raise IndexCorrupt(f"{build_dir}: files missing or unexpected ({missing or sorted(actual - set(expected))})")
    for name, digest in expected.items():
        if sha256_file(build_dir / name) != digest:
            raise IndexCorrupt(f"{build_dir}: {name} does not match its checksum")


def load_build(index_dir: Path, mmap: bool = False) -> IndexData:
    """Load and validate the live build; raises IndexMissing / IndexCorrupt / IndexStale.
    With mmap, the vectors and the FAISS index are memory-mapped rather than read into RAM."""
    build_dir = current_build(index_dir)
    if build_dir is None:
        raise IndexMissing(f"no index built in {index_dir}")
    manifest = read_manifest(build_dir)
    verify_checksums(build_dir, manifest)
    try:
        sources_raw = json.loads((build_dir / "sources.json").read_text(encoding="utf-8"))
        sections = json.loads((build_dir / "sections.json").read_text(encoding="utf-8"))
        bridge = json.loads((build_dir / "bridge.json").read_text(encoding="utf-8"))
        zh_en, en_zh, common = (bridge[key] for key in ("zh_en", "en_zh", "common"))
        rows = np.load(build_dir / "sentences.npy", allow_pickle=False)
        chunk_rows = np.load(build_dir / "chunks.npy", allow_pickle=False)
        vectors = np.load(build_dir / "sentence_vectors.npy", allow_pickle=False, mmap_mode="r" if mmap else None)
        chunk_index = read_vector_index(build_dir / "chunks.faiss", manifest.get("vector_index", {}), mmap)
        bm25 = bm25s.BM25.load(str(build_dir / "bm25"))
    except (OSError, ValueError, RuntimeError, KeyError) as exc:
        raise IndexCorrupt(f"{build_dir}: {exc}") from None
    texts = [entry.pop("text") for entry in sources_raw]
    sources = [Source.from_dict(entry) for entry in sources_raw]
    sentences = [
        Sentence(int(r[0]), int(r[1]), int(r[2]), int(r[3]), sections[int(r[4])], None if r[5] < 0 else int(r[5]))
        for r in rows
    ]
    chunks = [Chunk(int(r[0]), int(r[1]), int(r[2]), sentences[int(r[1])].section) for r in chunk_rows]
    if len(vectors) != len(sentences) or chunk_index.ntotal != len(chunks):
        raise IndexCorrupt(f"{build_dir}: vector counts do not match the sentence and chunk tables")
    return IndexData(
        manifest,
        sources,
        texts,
        sentences,
        chunks,
        chunk_index,
        vectors,
        bm25,
        zh_en,
        en_zh,
        common,
        build_dir,
    )
