"""Collections: each Discord server's own sources, beside the shared library, and one ranking over both.

Layout. The corpus folder (`QUOTEBOT_CORPUS_DIR`, indexed in `QUOTEBOT_INDEX_DIR`) is the shared
**library**. Each server's **collection** lives under the data folder (`QUOTEBOT_DATA_DIR`):

    <data>/servers/<server id>/corpus/    its files, sources.toml and .source-changes.jsonl
    <data>/servers/<server id>/index/     its index (the same format as the library's)

A server's question is answered from its collection together with the library (unless the server
turned the library off); a DM, and the command line without `--server`, from the library only.

One ranking over two indexes. The question is embedded once; each index's searcher picks its own
candidates, and the candidates are scored on one scale with the same fitted weights:
* cosines are the same model's;
* query-word weights (coverage) come from the two indexes' document frequencies added up, and the
  English↔Chinese word bridge is the union of theirs (JointLexicon);
* normalised BM25 is divided by the best raw score over both indexes, not each index's own best;
* the background (answer/confidence.py reads cosines above it) is computed from both indexes'
  per-document probe cosines, as one build of all the documents would compute it.
Sentences, sources and texts are laid end to end (library first) in a JointData, so quote selection,
claims, conflicts and citations run unchanged; each citation says which collection it came from.

Memory. One embedding model per process (the library's engine's, shared by every collection); a
server's index is loaded at its first question and evicted least recently used past
`QUOTEBOT_MAX_LOADED_COLLECTIONS`. An evicted engine stays usable by the questions already holding it.
"""

from __future__ import annotations

import dataclasses
import logging
import math
import shutil
import threading
from collections import OrderedDict
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from .build import BuildReport, build_index
from .config import Settings
from .engine import Engine
from .errors import BadQuestion
from .ingest.documents import discover
from .records import Sentence
from .retrieve.background import backgrounds
from .retrieve.lexical import HEADING_PREFIX, Lexicon, Term
from .retrieve.search import Candidate, Searcher
from .storage.store import IndexData
from .text.answer_types import AnswerType

log = logging.getLogger(__name__)

SERVERS = "servers"
SERVER = "server"  # Quote.collection of a server's own source
LIBRARY = "library"  # Quote.collection of the shared library's


def server_folder(data_dir: Path, guild_id: int) -> Path:
    return data_dir / SERVERS / str(int(guild_id))


def collection_settings(settings: Settings, guild_id: int) -> Settings:
    """The settings with the corpus and index folders of the server's collection."""
    folder = server_folder(settings.data_dir, guild_id)
    return dataclasses.replace(settings, corpus_dir=folder / "corpus", index_dir=folder / "index")


def has_sources(corpus_dir: Path) -> bool:
    return corpus_dir.is_dir() and bool(discover(corpus_dir))


# ---- one ranking over several indexes ----------------------------------------------------------


class _Bridge:
    """The union of several indexes' word maps (English↔Chinese), read with .get only."""

    def __init__(self, maps: Sequence[dict[str, list[str]]]) -> None:
        self.maps = maps

    def get(self, word: str, default: list[str] | None = None) -> list[str]:
        found = [w for m in self.maps for w in m.get(word, ())]
        return list(dict.fromkeys(found)) if found else (default if default is not None else [])


class JointLexicon(Lexicon):
    """The lexicon of several indexes laid end to end (sentence ids offset by `offsets`): query-word
    weights from their document frequencies added up, BM25 and coverage from each index's own."""

    def __init__(self, parts: Sequence[Lexicon], offsets: Sequence[int]) -> None:  # no super(): no bm25 of its own
        self.parts = list(parts)
        self.offsets = list(offsets)
        self.zh_en = _Bridge([p.zh_en for p in parts])  # type: ignore[assignment]
        self.en_zh = _Bridge([p.en_zh for p in parts])  # type: ignore[assignment]
        self.common = parts[0].common
        self.n_docs = sum(p.n_docs for p in parts)

    def idf(self, token: str) -> float:
        df = sum(max(len(p._docs(token)), len(p._docs(HEADING_PREFIX + token))) for p in self.parts)
        return math.log((self.n_docs - df + 0.5) / (df + 0.5) + 1.0)

    def document_frequency(self, word: str) -> int:
        return sum(p.document_frequency(word) for p in self.parts)

    def _split(self, sentence_ids: np.ndarray) -> list[np.ndarray]:
        """For each part, which of `sentence_ids` are its sentences."""
        ends = [*self.offsets[1:], self.n_docs]
        return [(sentence_ids >= lo) & (sentence_ids < hi) for lo, hi in zip(self.offsets, ends, strict=True)]

    def coverage(self, terms: Sequence[Term], sentence_ids: np.ndarray,
                 previous: np.ndarray | None = None) -> np.ndarray:
        sentence_ids = np.asarray(sentence_ids, dtype=np.int64)
        out = np.zeros(len(sentence_ids), dtype=np.float32)
        for part, offset, mine in zip(self.parts, self.offsets, self._split(sentence_ids), strict=True):
            if mine.any():
                before = None if previous is None else np.where(previous[mine] >= 0, previous[mine] - offset, -1)
                out[mine] = part.coverage(terms, sentence_ids[mine] - offset, before)
        return out

    def scores(self, terms: Sequence[Term]) -> np.ndarray:
        return np.concatenate([p.scores(terms) for p in self.parts])


class JointSearcher:
    """Each index's searcher picks its candidates; they are put on one scale and offset into the
    joint sentence numbering."""

    def __init__(self, parts: Sequence[Searcher], offsets: Sequence[int]) -> None:
        self.parts = list(parts)
        self.offsets = list(offsets)

    def candidates(self, query_vector: np.ndarray, terms: list[Term], question_chinese: bool,
                   asked: AnswerType = "") -> list[Candidate]:
        if len(self.parts) == 1:  # one index: its own scale
            return self.parts[0].candidates(query_vector, terms, question_chinese, asked=asked)
        found: list[list[Candidate]] = []
        best: list[float] = []
        for searcher in self.parts:
            found.append(searcher.candidates(query_vector, terms, question_chinese, asked=asked))
            raw = searcher.lexicon.scores(terms) if any(c.lexical for c in found[-1]) else np.zeros(0)
            best.append(float(raw.max()) if len(raw) else 0.0)
        top = max(best, default=0.0)
        return [
            dataclasses.replace(c, sid=c.sid + offset, partner=c.partner + offset if c.partner >= 0 else -1,
                                lexical=c.lexical * part_best / top if top > 0 else 0.0)
            for cands, offset, part_best in zip(found, self.offsets, best, strict=True)
            for c in cands
        ]


class _JointVectors:
    """The sentence vectors of several indexes read as one matrix, without copying them: row lookup
    and matrix-vector product (what conflicts.py's neighbour scan uses)."""

    def __init__(self, parts: Sequence[np.ndarray], offsets: Sequence[int]) -> None:
        self.parts = list(parts)
        self.offsets = list(offsets)

    def __getitem__(self, sid: int) -> np.ndarray:
        part = int(np.searchsorted(self.offsets, sid, side="right")) - 1
        return self.parts[part][sid - self.offsets[part]]

    def __matmul__(self, vector: np.ndarray) -> np.ndarray:
        return np.concatenate([p @ vector for p in self.parts])


def joint_data(parts: Sequence[IndexData]) -> tuple[IndexData, list[int], list[int]]:
    """The indexes laid end to end: (data, first sentence id of each, first source number of each).
    Source numbers in the later indexes' sentences are shifted; a recording's transcript path is
    made absolute (it names the build it is in)."""
    sentences: list[Sentence] = []
    sources, texts, offsets, source_offsets = [], [], [], []
    probe_best: dict = {}
    for data in parts:
        offsets.append(len(sentences))
        source_offsets.append(len(sources))
        shift = len(sources)
        sentences.extend(data.sentences if not shift else
                         [dataclasses.replace(s, source=s.source + shift) for s in data.sentences])
        sources.extend(dataclasses.replace(s, transcript=str(data.transcript_file(s.transcript)))
                       if s.transcript else s for s in data.sources)
        texts.extend(data.texts)
        probe_best.update(data.manifest.get("probe_best", {}))
    first = parts[0]
    manifest = {"background": backgrounds(probe_best) if probe_best else first.manifest.get("background", {}),
                "joint": [str(p.path) for p in parts]}
    data = IndexData(manifest=manifest, sources=sources, texts=texts, sentences=sentences, chunks=[],
                     chunk_index=None, sentence_vectors=_JointVectors([p.sentence_vectors for p in parts], offsets),  # type: ignore[arg-type]
                     bm25=None, zh_en={}, en_zh={}, common=first.common, path=first.path)  # type: ignore[arg-type]
    return data, offsets, source_offsets


class JointEngine(Engine):
    """An engine over several loaded engines' indexes (a server's collection and the library), ranking
    and judging their candidates on one scale. `labels`: each part's collection name for citations."""

    def __init__(self, parts: Sequence[Engine], labels: Sequence[str]) -> None:
        data, offsets, source_offsets = joint_data([p.data for p in parts])
        lexicon = JointLexicon([p.lexicon for p in parts], offsets)
        searcher = JointSearcher([p.searcher for p in parts], offsets)
        first = parts[0]
        super().__init__(first.settings, data, first.questions, first._embedder, lexicon, searcher,  # type: ignore[arg-type]
                         [p.locator for p in parts])  # each index's normalised texts, made once
        self.parts = list(parts)
        self.labels = list(labels)
        self.source_offsets = source_offsets

    def collection_of(self, source: int) -> str | None:
        return self.labels[int(np.searchsorted(self.source_offsets, source, side="right")) - 1]


# ---- the loaded collections ----------------------------------------------------------------------


class Collections:
    """The library's engine and the servers' collections, loaded on demand and evicted least recently
    used past `settings.max_loaded_collections`. Thread-safe; one question encoder for all."""

    def __init__(self, settings: Settings, library: Engine) -> None:
        self.settings = settings
        self.library = library
        self._loaded: OrderedDict[int, Engine | None] = OrderedDict()  # server -> its own engine (None: empty)
        self._joint: dict[tuple[int, bool], Engine] = {}  # (server, library on) -> what answers it
        self._lock = threading.Lock()
        self._loading: dict[int, threading.Lock] = {}
        self._shared: Engine | None = None  # the library, its citations labelled, for servers without sources
        self.loads = 0  # collections loaded from disk so far (benchmarks, tests)

    def settings_for(self, guild_id: int | None) -> Settings:
        return self.settings if guild_id is None else collection_settings(self.settings, guild_id)

    @property
    def loaded(self) -> list[int]:
        with self._lock:
            return list(self._loaded)

    def engine(self, guild_id: int | None, library: bool = True) -> Engine:
        """What answers a question asked in `guild_id` (None: a DM or the command line: the library).
        Raises BadQuestion when the server has no sources of its own and turned the library off."""
        if guild_id is None:
            return self.library
        with self._lock:
            joint = self._joint.get((guild_id, library))
            if joint is not None and guild_id in self._loaded:
                self._loaded.move_to_end(guild_id)
                return joint
        own = self.own(guild_id)
        if own is None and not library:
            raise BadQuestion("this server has no sources of its own and has turned the library off "
                              "(/sources library:on, or add a source with /source add)")
        if own is None:  # every server without sources of its own shares one engine
            return self._library_only()
        joint = JointEngine([own, self.library] if library else [own], [SERVER, LIBRARY])
        with self._lock:
            if self._loaded.get(guild_id) is own:  # not evicted or rebuilt meanwhile
                self._joint[(guild_id, library)] = joint
        return joint

    def _library_only(self) -> Engine:
        with self._lock:
            if self._shared is None or self._shared.parts[0] is not self.library:  # type: ignore[attr-defined]
                self._shared = JointEngine([self.library], [LIBRARY])
            return self._shared

    def own(self, guild_id: int) -> Engine | None:
        """The server's own engine (its collection only), loaded from disk when it is not in memory;
        None when the server has no sources."""
        with self._lock:
            if guild_id in self._loaded:
                self._loaded.move_to_end(guild_id)
                return self._loaded[guild_id]
            loading = self._loading.setdefault(guild_id, threading.Lock())
        with loading:  # one load per server at a time; other servers load meanwhile
            with self._lock:
                if guild_id in self._loaded:
                    return self._loaded[guild_id]
            settings = collection_settings(self.settings, guild_id)
            engine = None
            if has_sources(settings.corpus_dir):
                engine = Engine.load(settings, self.library._embedder, self.library.questions)
                self.loads += 1
                log.debug("loaded the collection of server %s (%d sentences)", guild_id, len(engine.data.sentences))
            with self._lock:
                self._loaded[guild_id] = engine
                self._evict()
            return engine

    def _evict(self) -> None:
        """Past the limit, forget the least recently used servers (callers hold the lock)."""
        while len(self._loaded) > self.settings.max_loaded_collections:
            guild_id, _ = self._loaded.popitem(last=False)
            for key in ((guild_id, True), (guild_id, False)):
                self._joint.pop(key, None)
            log.debug("evicted the collection of server %s", guild_id)

    def replace(self, guild_id: int | None, engine: Engine | None) -> None:
        """A rebuilt index goes live: the server's own engine (None: its collection is now empty), or
        the library's (guild_id None: every server's joint engine is made again at its next question)."""
        with self._lock:
            if guild_id is None:
                if engine is not None:
                    self.library = engine
                self._joint.clear()
                return
            self._loaded[guild_id] = engine
            self._loaded.move_to_end(guild_id)
            for key in ((guild_id, True), (guild_id, False)):
                self._joint.pop(key, None)
            self._evict()

    def rebuild(self, guild_id: int | None) -> BuildReport | None:
        """Rebuild the server's collection (None: the library) from its folder and swap it in; None when
        the collection is now empty (its index is deleted). Blocking: run it on a thread of its own.
        Callers run one rebuild per collection at a time."""
        settings = self.settings_for(guild_id)
        if guild_id is not None and not has_sources(settings.corpus_dir):
            shutil.rmtree(settings.index_dir, ignore_errors=True)
            self.replace(guild_id, None)
            return None
        with self._lock:  # the live index in memory, when loaded (else build_index reads it from disk)
            old = self.library if guild_id is None else self._loaded.get(guild_id)
        embedder = self.library.embedder  # one model for every collection
        report = build_index(settings, embedder, live=old.data if old is not None else None)
        self.replace(guild_id, Engine.load(settings, embedder, self.library.questions))
        return report
