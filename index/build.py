"""Build the index from the corpus: ingest → chunk → tokens → embeddings → FAISS → store.


The build is written into a fresh folder and published only when complete (store.publish),
so an interrupted build leaves the previous index live. It is incremental: documents whose
text is unchanged since the live index keep their vectors; only new and changed documents are
embedded (a model or chunking change rebuilds everything). Recordings are transcribed first
(recordings.py); their transcripts are cached by content, so only new or changed ones are.
"""

from __future__ import annotations

import hashlib
import itertools
import logging
import time
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from .config import Settings
from .errors import CorpusEmpty, IndexProblem
from .ingest.chunk import make_chunks
from .ingest.documents import DOCUMENT_SUFFIXES, discover, load_documents
from .ingest.manifest import MANIFEST_NAME
from .ingest.recordings import (
    CACHE_FOLDER,
    Transcribed,
    Transcriber,
    WhisperTranscriber,
    clock_time,
    is_recording,
    prune_cache,
    transcribe_all,
)
from .ingest.transcripts import without_repeated_label
from .records import Chunk, Sentence, previous_in_paragraph
from .retrieve.background import backgrounds, probe_best
from .retrieve.embed import Embedder, Kind, truncated
from .retrieve.lexical import HEADING_PREFIX, Lexicon, tokenize
from .retrieve.search import is_chinese
from .storage.store import IndexData, build_lock, load_build, new_build_dir, publish, write_build
from .storage.vectors import build_vector_index
from .text.sentences import refers_back

log = logging.getLogger(__name__)


FORMATS = ", ".join(sorted(DOCUMENT_SUFFIXES))
PROGRESS = "progress"  # a log record's attribute: a line the next one of its kind replaces on a terminal
PROGRESS_SECONDS = 2.0  # at least this long between two progress lines of the embedding (a slice more at most)
EMBED_SLICE = 16  # the most sentences embedded between two looks at the clock (one batch)
SLICE_SECONDS = 1.0  # a slice is cut to about this long (busy cores): progress lines stay under 5 s apart



def require_documents(corpus_dir: Path) -> None:
    """Raise CorpusEmpty, before any model is loaded, when there is nothing to index."""
    if not corpus_dir.is_dir():
        raise CorpusEmpty(f"corpus folder not found: {corpus_dir}")
    if not discover(corpus_dir):
        raise CorpusEmpty(f"no documents ({FORMATS}) in {corpus_dir}")


@dataclass
class BuildReport:
    path: Path
    documents: int
    sentences: int
    chunks: int
    seconds: float
    skipped: list[tuple[str, str]] = field(default_factory=list)
    added: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    encoded: int = 0  # sentences embedded by this build (those of new or changed documents)
    transcribed: list[str] = field(default_factory=list)  # recordings transcribed by this build
    embed_seconds: float = 0.0  # time spent embedding them

    def summary(self) -> str:
        heard = f"{len(self.transcribed)} recordings transcribed; " if self.transcribed else ""
        return (f"{len(self.added)} added, {len(self.changed)} changed, {len(self.removed)} removed, "
                f"{len(self.unchanged)} unchanged; {heard}{self.encoded} texts embedded; {self.seconds:.1f} s")


@dataclass
class _Previous:
    """Vectors of the live index, reusable for documents whose text is unchanged."""

    documents: dict[str, str]  # file -> sha256
    vectors: dict[str, np.ndarray]  # sha256 -> sentence vectors (chunk vectors are made from them)
    probe_best: dict[str, dict[str, list[float]]]  # sha256 -> language -> best cosine per probe (background.py)


def by_source(items: list) -> dict[int, list[int]]:
    """Positions of sentences (or chunks) grouped by their source number."""
    groups: dict[int, list[int]] = defaultdict(list)
    for position, item in enumerate(items):
        groups[item.source].append(position)
    return groups


def _previous(settings: Settings, live: IndexData | None, dims: int) -> _Previous | None:
    """The live index's per-document sentence vectors when it was built with the same settings, else
    None (a model or chunking change means a full rebuild). A smaller stored dimension (`dims`) reuses
    the live vectors cut down (Matryoshka: exactly what the model gives at that dimension); the
    background is then measured again. `live` is the index already in memory (a running bot's);
    without it the live index is read from disk."""
    if live is None:
        try:
            live = load_build(settings.index_dir)
        except IndexProblem:
            return None
    before, now = dict(live.manifest.get("settings", {})), settings.index.as_dict()
    before.pop("dims", None)
    now.pop("dims")
    width = live.sentence_vectors.shape[1]
    if before != now or width < dims:
        return None
    sids = by_source(live.sentences)
    vectors = {source.sha256: truncated(np.asarray(live.sentence_vectors[sids[number]]), dims)
               for number, source in enumerate(live.sources)}
    return _Previous({source.file: source.sha256 for source in live.sources}, vectors,
                     live.manifest.get("probe_best", {}) if width == dims else {})


def corpus_fingerprint(corpus_dir: Path) -> str:
    """sha256 over the names and bytes of the documents and the manifest. Recordings count by size
    and modification time instead (every one-shot `ask` checks this, and a video may be gigabytes):
    a touched recording makes the index stale, and the rebuild finds its transcript in the cache."""
    digest = hashlib.sha256()
    paths = discover(corpus_dir) if corpus_dir.is_dir() else []
    manifest = corpus_dir / MANIFEST_NAME
    for path in [*paths, *([manifest] if manifest.is_file() else [])]:
        digest.update(path.name.encode("utf-8") + b"\0")
        if is_recording(path):
            info = path.stat()
            digest.update(f"{info.st_size}:{info.st_mtime_ns}".encode())
        else:
            digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()


def lexical_tokens(sentence_text: str, section: str) -> list[str]:
    """What BM25 indexes for a sentence: its words, plus those of its innermost heading
    marked as heading words (they count for less, see Lexicon.coverage)."""
    heading = section.split(" › ")[-1] if section else ""
    return tokenize(sentence_text) + [HEADING_PREFIX + t for t in tokenize(heading)]


def embedding_inputs(sentences: Sequence[Sentence], texts: list[str]) -> list[str]:
    """What is embedded for each sentence: its text, preceded by the sentence before it in the same
    paragraph when it refers back to that one ("He refers to it as…"), so its vector has a subject; a
    speaker's label that later cues of the sentence repeat is read once (transcripts.without_repeated_label)."""
    read = [without_repeated_label(text) for text in texts]
    inputs = list(read)
    for i, before in enumerate(previous_in_paragraph(sentences)):
        if before >= 0 and refers_back(texts[i]):
            inputs[i] = f"{read[before]} {read[i]}"
    return inputs


def titled(embedder: Embedder, inputs: list[str], titles: list[str]) -> tuple[list[str], Kind]:
    """What the model reads for sentences' embedding `inputs` (embedding_inputs), each under its
    document's title where the model's document prompt carries one (measured: better than none or the
    section's heading), and the kind to encode them as."""
    prompts = [embedder.document_prompt(title) for title in titles]
    if not prompts or prompts[0] is None:
        return inputs, "passage"
    return [prompt + text for prompt, text in zip(prompts, inputs, strict=True)], "raw"



def transcribe_recordings(settings: Settings, transcriber: Callable[[], Transcriber] | None = None) -> Transcribed:
    """WebVTT transcripts of the corpus's recordings (cached in the index folder by content)."""
    recordings = [p for p in discover(settings.corpus_dir) if is_recording(p)]
    if recordings:
        log.info("      %d recordings: transcribing the new and changed ones", len(recordings))
    factory = transcriber or (lambda: WhisperTranscriber(settings.asr_model, settings.model_dir))
    return transcribe_all(recordings, settings.index_dir / CACHE_FOLDER, factory, settings.asr_model)


def build_index(settings: Settings, embedder: Embedder | None = None, live: IndexData | None = None,
                transcriber: Callable[[], Transcriber] | None = None) -> BuildReport:
    """Build from settings.corpus_dir into settings.index_dir and make it the live index.
    `live`: the current index when the caller has it loaded (its vectors are reused);
    `transcriber`: makes the speech recogniser for recordings (default: settings.asr_model)."""
    started = time.perf_counter()
    require_documents(settings.corpus_dir)
    with build_lock(settings.index_dir):
        fingerprint = corpus_fingerprint(settings.corpus_dir)
        log.info("[1/5] reading documents in %s", settings.corpus_dir)
        heard = transcribe_recordings(settings, transcriber)
        documents, skipped = load_documents(settings.corpus_dir, heard.texts)
        skipped = heard.skipped + skipped
        if not documents:
            raise CorpusEmpty(f"no readable documents ({FORMATS}) in {settings.corpus_dir}")
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

        embedder = embedder or Embedder(settings.index.model, settings.model_dir, settings.index.dims)
        if embedder.dims != (settings.index.dims or embedder.backend.dims):  # a caller's model, other dims
            embedder = Embedder(settings.index.model, settings.model_dir, settings.index.dims, embedder.backend)
        previous = _previous(settings, live, embedder.dims)
        report = _compare(documents, previous)
        log.info("[4/5] embedding: %s", report.summary().split(";")[0])
        embed_started = time.perf_counter()
        sentence_vectors, chunk_vectors = _embed(documents, sentences, chunks, texts, previous, embedder,
                                                 report)
        report.embed_seconds = time.perf_counter() - embed_started
        chunk_index, vector_index = build_vector_index(chunk_vectors, settings.index.exact_search_limit)
        sentences_of = by_source(sentences)
        chinese = np.array([is_chinese(t) for t in texts], dtype=bool)
        best = probe_best(lambda texts: embedder.encode(texts, "query"),
                          {d.source.sha256: (sentence_vectors[sentences_of[n]], chinese[sentences_of[n]])
                           for n, d in enumerate(documents)},
                          previous.probe_best if previous else {})

        log.info("[5/5] writing the index")
        data = IndexData(
            manifest={
                "created": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
                "model": settings.index.model,
                "dims": embedder.dims,
                "settings": settings.index.as_dict(),
                "corpus_hash": fingerprint,
                "vector_index": vector_index,
                "background": backgrounds(best),  # background.py: how close unrelated questions come
                "probe_best": best,
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
            common=lexicon.common,
            path=settings.index_dir,
            transcripts={d.source.transcript: heard.texts[d.source.file] for d in documents if d.source.transcript},
        )
        build_dir = new_build_dir(settings.index_dir)
        write_build(build_dir, data)
        publish(settings.index_dir, build_dir)
        prune_cache(settings.index_dir / CACHE_FOLDER, heard.keys)
    report.path, report.skipped, report.transcribed = build_dir, skipped, heard.transcribed
    report.documents, report.sentences, report.chunks = len(documents), len(sentences), len(chunks)
    report.seconds = time.perf_counter() - started
    log.info("index ready at %s: %s", build_dir, report.summary())
    return report


def _embed(documents: list, sentences: list, chunks: list, texts: list[str],
           previous: _Previous | None, embedder: Embedder, report: BuildReport) -> tuple[np.ndarray, np.ndarray]:
    """Sentence vectors, reused for unchanged documents, the other documents' sentences embedded in one
    batch (length-sorted batches keep the model busy); and every chunk's vector, made from them."""
    sentence_vectors = np.zeros((len(sentences), embedder.dims), dtype=np.float32)
    sentences_of = by_source(sentences)
    todo: list[int] = []
    for number, doc in enumerate(documents):
        sids = sentences_of[number]
        reused = previous.vectors.get(doc.source.sha256) if previous else None
        if reused is None or len(reused) != len(sids):
            todo += sids
        else:
            sentence_vectors[sids] = reused
    inputs = embedding_inputs(sentences, texts)
    if todo:
        batch, kind = titled(embedder, [inputs[i] for i in todo],
                             [documents[sentences[i].source].source.title or "" for i in todo])
        lengths = embedder.lengths(batch)
        order = sorted(range(len(todo)), key=lengths.__getitem__)  # similar lengths batched: little padding
        progress = EmbeddingProgress(len(todo), work=[lengths[i] for i in order])
        at, size = 0, EMBED_SLICE
        while at < len(order):
            part = order[at : at + size]
            started = time.monotonic()
            sentence_vectors[[todo[i] for i in part]] = embedder.encode([batch[i] for i in part], kind)
            at += len(part)
            progress(at)
            per_sentence = (time.monotonic() - started) / len(part)
            size = max(1, min(EMBED_SLICE, int(SLICE_SECONDS / max(per_sentence, 1e-6))))
    report.encoded = len(todo)
    chunk_vectors = np.stack([chunk_vector(sentence_vectors, chunk) for chunk in chunks]) if chunks \
        else np.zeros((0, embedder.dims), dtype=np.float32)
    return sentence_vectors, chunk_vectors


class EmbeddingProgress:
    """Logs the sentences embedded of the total, the rate and the time left: at most every
    PROGRESS_SECONDS, and when all are done. The build log, `python -m index build`, the console and a
    Discord rebuild's reply (bot/chat/build_progress.py) show these lines.

    `work`: each sentence's share of the work, in the order they are embedded (their lengths in tokens:
    the sentences go shortest first, so the later ones are slower; by count alone the bundled corpus's
    first estimate was 0:35 for 1:07). The time left is the time so far times the work left over the work
    done."""

    def __init__(self, total: int, clock: Callable[[], float] = time.monotonic,
                 work: Sequence[int] | None = None) -> None:
        self.total = total
        self.clock = clock
        self.done_work = list(itertools.accumulate(work if work is not None else [1] * total, initial=0))
        self.started = self.last = clock()

    def __call__(self, done: int) -> None:
        now = self.clock()
        if done < self.total and now - self.last < PROGRESS_SECONDS:
            return
        self.last = now
        elapsed = max(now - self.started, 1e-6)
        rate = done / elapsed
        if done < self.total:
            left = elapsed * (self.done_work[-1] - self.done_work[done]) / max(self.done_work[done], 1)
            log.info("[4/5] embedding: %d of %d sentences, %.1f a second, about %s left", done, self.total, rate,
                     clock_time(left), extra={PROGRESS: True})
        else:
            log.info("[4/5] embedding: %d sentences in %s, %.1f a second", done, clock_time(now - self.started),
                     rate)


class TerminalLog(logging.StreamHandler):
    """The build's log on a terminal: progress lines (records with PROGRESS set: the embedding's count,
    a transcription's share) overwrite each other in place instead of filling the screen; every other
    line is printed as usual. Where the stream is not a terminal (a file, a pipe), every line is kept."""

    def __init__(self, stream) -> None:
        super().__init__(stream)
        self.live = False  # a progress line is on the screen, unfinished

    def emit(self, record: logging.LogRecord) -> None:
        if not getattr(self.stream, "isatty", lambda: False)():
            super().emit(record)
            return
        try:
            text = self.format(record)
            progress = getattr(record, PROGRESS, False)
            self.stream.write(("\r\x1b[2K" if self.live else "") + text + ("" if progress else "\n"))
            self.live = progress
            self.flush()
        except Exception:  # as logging.StreamHandler does
            self.handleError(record)


def chunk_vector(sentence_vectors: np.ndarray, chunk: Chunk) -> np.ndarray:
    """A chunk's vector: the normalised mean of its sentences' vectors. Chunks are not embedded on
    their own: that would read every sentence a second time (a build took twice as long) for a
    vector the dense chunk search uses only to choose which passages' sentences are candidates."""
    mean = sentence_vectors[chunk.first : chunk.last + 1].mean(axis=0)
    return mean / (np.linalg.norm(mean) or 1.0)


def _compare(documents: list, previous: _Previous | None) -> BuildReport:
    """Which documents are added, changed, removed or unchanged since the live index."""
    report = BuildReport(Path(), 0, 0, 0, 0.0)
    before = previous.documents if previous else {}
    now = {d.source.file: d.source.sha256 for d in documents}
    for file, sha in now.items():
        if file not in before:
            report.added.append(file)
        elif before[file] != sha:
            report.changed.append(file)
        else:
            report.unchanged.append(file)
    report.removed = sorted(set(before) - set(now))
    return report
