"""Build the index from the corpus: ingest → chunk → tokens → embeddings → FAISS → store.

Chinese text is embedded through its word-by-word English gloss (see lexical.gloss_text).

The build is written into a fresh folder and published only when complete (store.publish),
so an interrupted build leaves the previous index live.
"""

from __future__ import annotations

import hashlib
import logging
import time
from dataclasses import dataclass, field
from pathlib import Path

import faiss
import numpy as np

from .chunk import chunk_text, make_chunks
from .config import Settings
from .embed import Embedder
from .ingest import discover, load_documents
from .lexical import HEADING_PREFIX, Lexicon, gloss_map, gloss_text, tokenize
from .manifest import MANIFEST_NAME
from .store import IndexData, build_lock, new_build_dir, publish, write_build

log = logging.getLogger(__name__)


class CorpusEmpty(ValueError):
    """Nothing in the corpus folder could be indexed."""


@dataclass
class BuildReport:
    path: Path
    documents: int
    sentences: int
    chunks: int
    seconds: float
    skipped: list[tuple[str, str]] = field(default_factory=list)


def corpus_fingerprint(corpus_dir: Path) -> str:
    """sha256 over the names and bytes of the documents and the manifest."""
    digest = hashlib.sha256()
    paths = discover(corpus_dir) if corpus_dir.is_dir() else []
    manifest = corpus_dir / MANIFEST_NAME
    for path in [*paths, *([manifest] if manifest.is_file() else [])]:
        digest.update(path.name.encode("utf-8") + b"\0")
        digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()


def lexical_tokens(sentence_text: str, section: str) -> list[str]:
    """What BM25 indexes for a sentence: its words, plus those of its innermost heading
    marked as heading words (they count for less, see Lexicon.coverage)."""
    heading = section.split(" › ")[-1] if section else ""
    return tokenize(sentence_text, chars=True) + [HEADING_PREFIX + t for t in tokenize(heading)]


def build_index(settings: Settings, embedder: Embedder | None = None) -> BuildReport:
    """Build from settings.corpus_dir into settings.index_dir and make it the live index."""
    started = time.perf_counter()
    with build_lock(settings.index_dir):
        fingerprint = corpus_fingerprint(settings.corpus_dir)
        log.info("[1/5] reading documents in %s", settings.corpus_dir)
        documents, skipped = load_documents(settings.corpus_dir)
        if not documents:
            raise CorpusEmpty(f"no readable .txt or .md documents in {settings.corpus_dir}")
        sentences = [s for doc in documents for s in doc.sentences]
        texts = [documents[s.source].text[s.start : s.end] for s in sentences]
        log.info("      %d documents, %d sentences (%d files skipped)", len(documents), len(sentences), len(skipped))

        log.info(
            "[2/5] chunking (≤ %d tokens, overlap %d sentences)",
            settings.index.chunk_tokens,
            settings.index.chunk_overlap_sentences,
        )
        chunks = make_chunks(sentences, texts, settings.index.chunk_tokens, settings.index.chunk_overlap_sentences)

        log.info("[3/5] lexical index and English↔Chinese word bridge")
        lexicon = Lexicon.build([lexical_tokens(t, s.section) for t, s in zip(texts, sentences, strict=False)])

        log.info("[4/5] embedding %d sentences and %d chunks", len(sentences), len(chunks))
        embedder = embedder or Embedder(settings.index.model)
        glosses = gloss_map()
        sentence_vectors = embedder.encode([gloss_text(t, glosses) for t in texts])
        chunk_vectors = embedder.encode([gloss_text(chunk_text(c, texts), glosses) for c in chunks])
        chunk_index = faiss.index_factory(embedder.dims, "Flat", faiss.METRIC_INNER_PRODUCT)
        chunk_index.add(chunk_vectors)

        log.info("[5/5] writing the index")
        data = IndexData(
            manifest={
                "created": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
                "model": settings.index.model,
                "dims": embedder.dims,
                "settings": settings.index.as_dict(),
                "corpus_hash": fingerprint,
                "documents": {d.source.file: d.source.sha256 for d in documents},
                "skipped": [list(s) for s in skipped],
                "counts": {"documents": len(documents), "sentences": len(sentences), "chunks": len(chunks)},
            },
            sources=[d.source for d in documents],
            texts=[d.text for d in documents],
            sentences=sentences,
            chunks=chunks,
            chunk_index=chunk_index,
            sentence_vectors=np.asarray(sentence_vectors, dtype=np.float32),
            bm25=lexicon.bm25,
            zh_en=lexicon.zh_en,
            en_zh=lexicon.en_zh,
            glosses=glosses,
            path=settings.index_dir,
        )
        build_dir = new_build_dir(settings.index_dir)
        write_build(build_dir, data)
        publish(settings.index_dir, build_dir)
    seconds = time.perf_counter() - started
    log.info("index ready at %s in %.1f s", build_dir, seconds)
    return BuildReport(build_dir, len(documents), len(sentences), len(chunks), seconds, skipped)
