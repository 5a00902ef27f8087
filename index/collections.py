"""Collections: each Discord server's own sources, beside the shared library, and one ranking over both.

Layout. The corpus folder (`QUOTEBOT_CORPUS_DIR`, indexed in `QUOTEBOT_INDEX_DIR`) is the shared
**library**. Each server's **collection** lives under the data folder (`QUOTEBOT_DATA_DIR`):

    <data>/servers/<server id>/corpus/    its files, sources.toml and .source-changes.jsonl
    <data>/servers/<server id>/index/     its index (the same format as the library's)

A server's question is answered from its collection together with the library (unless the server
turned the library off); a DM, and the command line without `--server`, from the library only.

One ranking over two indexes. The question is embedded once; each index's searcher picks its own
candidates, and the candidates are scored on one scale with the same fitted weights
(index/retrieve/joint.py says how). Sentences, sources and texts are laid end to end (the server's first)
in a JointData, so quote selection, claims, conflicts and citations run unchanged; each citation
says which collection it came from.

Memory. One embedding model per process (the library's engine's, shared by every collection); a
server's index is loaded at its first question and evicted least recently used past
`QUOTEBOT_MAX_LOADED_COLLECTIONS`. An evicted engine stays usable by the questions already holding it.
"""

from __future__ import annotations

import dataclasses
import logging
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
from .retrieve.joint import JointLexicon, JointSearcher, joint_data

log = logging.getLogger(__name__)

SERVERS = "servers"
SERVER = "server"  # Quote.collection of a server's own source
LIBRARY = "library"  # Quote.collection of the shared library's


def server_folder(data_dir: Path, guild_id: int) -> Path:
    return data_dir / SERVERS / str(int(guild_id))


def collection_settings(settings: Settings, guild_id: int | None) -> Settings:
    """The settings with the corpus and index folders of the server's collection (None: the library's,
    `settings` as they are)."""
    if guild_id is None:
        return settings
    folder = server_folder(settings.data_dir, guild_id)
    return dataclasses.replace(settings, corpus_dir=folder / "corpus", index_dir=folder / "index")


def has_sources(corpus_dir: Path) -> bool:
    return corpus_dir.is_dir() and bool(discover(corpus_dir))


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
        settings = collection_settings(self.settings, guild_id)
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
