"""The question log: what the bot answered, in SQLite (the standard library's sqlite3), for the
answer buttons (votes, More context), the gaps report (bot/storage/report.py) and the auto-answer channels.

What one answer's record holds: the question and the time; the guild and channel ids, or a DM
flag; a salted hash of the user id (bot/storage/user_hash.py; never the id or the name); the confidence;
each quote's source file, character span and text; the latency; then the votes (one per user
hash and answer). Nothing else about users is kept.

One worker thread owns the database and does every write and every read, in the order they were
asked for, so the event loop never waits on the disk and a read sees every write asked before it.
Writes that arrive together are committed in one transaction (WAL mode, synchronous=NORMAL: a
crash loses at most the last transactions, never the file). The schema is versioned
(PRAGMA user_version) and migrated forward at open. Records older than the retention
(QUOTEBOT_LOG_DAYS) are deleted at open and then once a day.

Faults: a file that is not a database or fails its integrity check is moved aside (with a warning
naming both files) and a new one started; a log that cannot be written (read-only folder, disk
full) logs one warning and is skipped: the bot keeps answering, and writing resumes when it can.
"""

from __future__ import annotations

import contextlib
import logging
import queue
import secrets
import sqlite3
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import Future
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

log = logging.getLogger(__name__)
T = TypeVar("T")

DAY = 86400.0
REOPEN_AFTER = 30.0  # seconds between attempts to reopen a log that could not be opened
BATCH = 500  # operations committed in one transaction at most

# Each entry migrates the schema from version i to i + 1. Never edit one that has shipped: add one.
MIGRATIONS: tuple[str, ...] = (
    """
    CREATE TABLE answers (
        id INTEGER PRIMARY KEY,      -- the record id in the answer's button custom_ids
        asked_at REAL NOT NULL,      -- Unix time, seconds
        question TEXT NOT NULL,
        guild_id INTEGER,            -- NULL in a DM
        channel_id INTEGER,
        dm INTEGER NOT NULL,
        user_hash TEXT NOT NULL,     -- bot/storage/user_hash.py: salted, never the id or name
        confidence TEXT NOT NULL,    -- answer | related | none
        latency_ms REAL NOT NULL,
        via TEXT NOT NULL            -- ask | mention | dm | auto
    );
    CREATE INDEX answers_asked_at ON answers (asked_at);
    CREATE TABLE quotes (
        answer_id INTEGER NOT NULL REFERENCES answers (id) ON DELETE CASCADE,
        position INTEGER NOT NULL,
        source TEXT NOT NULL,        -- the corpus file
        start INTEGER NOT NULL,      -- character span in the source text
        end INTEGER NOT NULL,
        text TEXT NOT NULL,
        PRIMARY KEY (answer_id, position)
    );
    CREATE TABLE votes (
        answer_id INTEGER NOT NULL REFERENCES answers (id) ON DELETE CASCADE,
        user_hash TEXT NOT NULL,
        vote INTEGER NOT NULL CHECK (vote IN (-1, 1)),
        voted_at REAL NOT NULL,
        PRIMARY KEY (answer_id, user_hash)
    );
    """,
    """
    CREATE TABLE autoanswer_channels (
        channel_id INTEGER PRIMARY KEY,
        guild_id INTEGER,
        enabled_at REAL NOT NULL
    );
    """,
    """
    CREATE TABLE server_settings (
        guild_id INTEGER PRIMARY KEY,
        library INTEGER NOT NULL,    -- 1: questions are answered from the shared library too (the default)
        changed_at REAL NOT NULL
    );
    """,
)
SCHEMA_VERSION = len(MIGRATIONS)


class LogUnavailable(RuntimeError):
    """The question log is off, or cannot be opened or written just now."""


@dataclass(frozen=True)
class LoggedQuote:
    source: str
    start: int
    end: int
    text: str


@dataclass(frozen=True)
class Entry:
    """One answer the bot posted, as the log keeps it."""

    id: int
    asked_at: float
    question: str
    guild_id: int | None
    channel_id: int | None
    dm: bool
    user_hash: str
    confidence: str
    latency_ms: float
    via: str
    quotes: tuple[LoggedQuote, ...] = ()
    up: int = 0  # 👍 votes
    down: int = 0  # 👎 votes


def new_record_id() -> int:
    """A fresh answer id (random, 53 bits: exact in JSON and JavaScript), known before the write
    so an answer is sent with its buttons without waiting for the disk."""
    return secrets.randbits(53) or 1


@dataclass
class _Op:
    run: Callable[[sqlite3.Connection], Any]
    future: Future
    write: bool


@dataclass
class QuestionLog:
    """The log at `path` with `retention_days`; call start() once, close() at the end."""

    path: Path
    retention_days: int = 90
    _queue: queue.Queue[_Op | None] = field(default_factory=queue.Queue, repr=False)
    _thread: threading.Thread | None = field(default=None, repr=False)
    _conn: sqlite3.Connection | None = field(default=None, repr=False)
    _failing: bool = False  # a warning is out: no more until the log works again
    _last_open_attempt: float = 0.0
    _next_prune: float = 0.0

    # ---- lifecycle ---------------------------------------------------------------------

    def start(self) -> QuestionLog:
        self._thread = threading.Thread(target=self._run, name="question-log", daemon=True)
        self._thread.start()
        with contextlib.suppress(LogUnavailable):  # failing to open is logged once, in _open
            self.call(lambda _: None, write=False).result()  # opened (and pruned)
        return self

    def close(self, timeout: float = 10.0) -> None:
        """Finish the queued work, then close the database."""
        if self._thread is None:
            return
        self._queue.put(None)
        self._thread.join(timeout)
        self._thread = None

    @property
    def available(self) -> bool:
        return self._conn is not None and not self._failing

    # ---- the worker thread ---------------------------------------------------------------

    def _run(self) -> None:
        self._open()
        while True:
            wait = max(0.0, self._next_prune - time.time()) if self._conn is not None else None
            try:
                first = self._queue.get(timeout=wait)
            except queue.Empty:
                self._prune()
                continue
            ops = [first]
            while first is not None and len(ops) < BATCH:
                try:
                    ops.append(self._queue.get_nowait())
                except queue.Empty:
                    break
            stop = None in ops
            self._execute([op for op in ops if op is not None])
            if self._conn is not None and time.time() >= self._next_prune:
                self._prune()
            if stop:
                break
        if self._conn is not None:
            with contextlib.suppress(sqlite3.Error):
                self._conn.close()
            self._conn = None

    def _execute(self, ops: Sequence[_Op]) -> None:
        if not ops:
            return
        if self._conn is None and time.monotonic() - self._last_open_attempt >= REOPEN_AFTER:
            self._open()
        conn = self._conn
        if conn is None:
            for op in ops:
                _fail(op.future, LogUnavailable(f"the question log {self.path} cannot be opened"))
            return
        results: list[tuple[_Op, Any, BaseException | None]] = []
        try:
            conn.execute("BEGIN IMMEDIATE" if any(op.write for op in ops) else "BEGIN")
            for op in ops:
                conn.execute("SAVEPOINT op")
                try:
                    results.append((op, op.run(conn), None))
                    conn.execute("RELEASE op")
                except (sqlite3.IntegrityError, ValueError, TypeError) as error:  # this op's fault only
                    conn.execute("ROLLBACK TO op")
                    conn.execute("RELEASE op")
                    results.append((op, None, error))
            conn.execute("COMMIT")
        except sqlite3.Error as error:
            with contextlib.suppress(sqlite3.Error):
                conn.execute("ROLLBACK")
            self._warn_failing(f"cannot write the question log {self.path} ({error}); answering continues "
                               "without logging until it can be written again")
            for op in ops:
                _fail(op.future, LogUnavailable(str(error)))
            return
        if self._failing:
            self._failing = False
            log.info("the question log %s is being written again", self.path)
        for op, result, error in results:
            if error is not None:
                _fail(op.future, error)
            elif not op.future.done():
                op.future.set_result(result)

    def _warn_failing(self, message: str) -> None:
        if not self._failing:
            self._failing = True
            log.warning(message)

    def _open(self) -> None:
        self._last_open_attempt = time.monotonic()
        try:
            try:
                self._conn = self._connect()
            except sqlite3.OperationalError:
                raise
            except sqlite3.DatabaseError as error:  # not a database, malformed: move it aside
                self._move_aside(str(error))
                self._conn = self._connect()
        except (sqlite3.Error, OSError) as error:
            self._conn = None
            self._warn_failing(f"cannot open the question log {self.path} ({error}); answering continues without "
                               "logging (votes and More context need the log)")
            return
        self._failing = False
        self._prune()

    def _connect(self) -> sqlite3.Connection:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        conn = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False, timeout=10.0)
        try:
            check = conn.execute("PRAGMA quick_check").fetchone()[0]
            if check != "ok":
                raise sqlite3.DatabaseError(f"integrity check: {check}")
            if conn.execute("PRAGMA journal_mode=WAL").fetchone()[0].lower() != "wal":
                raise sqlite3.OperationalError("WAL mode is not available")
            conn.execute("PRAGMA synchronous=NORMAL")
            conn.execute("PRAGMA foreign_keys=ON")
            self._migrate(conn)
        except BaseException:
            conn.close()
            raise
        return conn

    def _migrate(self, conn: sqlite3.Connection) -> None:
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        if version > SCHEMA_VERSION:
            raise sqlite3.OperationalError(f"the question log has schema version {version}, newer than this "
                                           f"bot's {SCHEMA_VERSION}")
        for number in range(version, SCHEMA_VERSION):
            conn.execute("BEGIN IMMEDIATE")
            try:
                for statement in MIGRATIONS[number].split(";"):
                    if statement.strip():
                        conn.execute(statement)
                conn.execute(f"PRAGMA user_version={number + 1}")
                conn.execute("COMMIT")
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            log.info("question log %s: schema version %d", self.path, number + 1)

    def _move_aside(self, reason: str) -> None:
        stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
        moved = self.path.with_name(f"{self.path.name}.corrupt-{stamp}")
        self.path.replace(moved)
        for suffix in ("-wal", "-shm"):
            side = self.path.with_name(self.path.name + suffix)
            if side.exists():
                side.replace(moved.with_name(moved.name + suffix))
        log.warning("the question log %s is corrupt (%s); moved it to %s and started a new one",
                    self.path, reason, moved)

    def _prune(self) -> None:
        self._next_prune = time.time() + DAY
        if self._conn is None:
            return
        cutoff = time.time() - self.retention_days * DAY
        try:
            deleted = self._conn.execute("DELETE FROM answers WHERE asked_at < ?", (cutoff,)).rowcount
        except sqlite3.Error as error:
            self._warn_failing(f"cannot prune the question log {self.path} ({error})")
            return
        if deleted:
            log.info("question log: deleted %d answers older than %d days", deleted, self.retention_days)

    # ---- operations ----------------------------------------------------------------------

    def call(self, run: Callable[[sqlite3.Connection], T], write: bool = True) -> Future[T]:
        """Run `run(connection)` on the worker thread, in order; its result in the future."""
        future: Future[T] = Future()
        if self._thread is None:
            _fail(future, LogUnavailable("the question log is closed"))
        else:
            self._queue.put(_Op(run, future, write))
        return future

    def record(self, entry: Entry) -> Future[None]:
        """Queue one answer (with its quotes) for writing."""

        def run(conn: sqlite3.Connection) -> None:
            conn.execute(
                "INSERT INTO answers (id, asked_at, question, guild_id, channel_id, dm, user_hash, confidence,"
                " latency_ms, via) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (entry.id, entry.asked_at, entry.question, entry.guild_id, entry.channel_id, int(entry.dm),
                 entry.user_hash, entry.confidence, entry.latency_ms, entry.via))
            conn.executemany(
                "INSERT INTO quotes (answer_id, position, source, start, end, text) VALUES (?, ?, ?, ?, ?, ?)",
                [(entry.id, i, q.source, q.start, q.end, q.text) for i, q in enumerate(entry.quotes)])

        return self.call(run)

    def vote(self, answer_id: int, user_hash: str, vote: int) -> Future[str]:
        """Record one user's vote on an answer, +1 or -1, replacing their earlier one. The result:
        "missing" (the answer is not on record), "new", "changed" or "same"."""
        if vote not in (-1, 1):
            raise ValueError(f"a vote is +1 or -1, not {vote}")

        def run(conn: sqlite3.Connection) -> str:
            if conn.execute("SELECT 1 FROM answers WHERE id = ?", (answer_id,)).fetchone() is None:
                return "missing"
            before = conn.execute("SELECT vote FROM votes WHERE answer_id = ? AND user_hash = ?",
                                  (answer_id, user_hash)).fetchone()
            conn.execute(
                "INSERT INTO votes (answer_id, user_hash, vote, voted_at) VALUES (?, ?, ?, ?)"
                " ON CONFLICT (answer_id, user_hash) DO UPDATE SET vote = excluded.vote, voted_at = excluded.voted_at",
                (answer_id, user_hash, vote, time.time()))
            return "new" if before is None else "same" if before[0] == vote else "changed"

        return self.call(run)

    def answer(self, answer_id: int) -> Future[Entry | None]:
        """One answer with its quotes and vote counts, or None when it is not on record."""
        return self.call(lambda conn: _entries(conn, "a.id = ?", (answer_id,))[0]
                         if conn.execute("SELECT 1 FROM answers WHERE id = ?", (answer_id,)).fetchone() else None,
                         write=False)

    def entries(self, since: float) -> Future[list[Entry]]:
        """Every answer asked at or after `since` (Unix time), oldest first, with quotes and votes."""
        return self.call(lambda conn: _entries(conn, "a.asked_at >= ?", (since,)), write=False)

    def set_autoanswer(self, channel_id: int, guild_id: int | None, on: bool) -> Future[None]:
        def run(conn: sqlite3.Connection) -> None:
            if on:
                conn.execute("INSERT OR REPLACE INTO autoanswer_channels (channel_id, guild_id, enabled_at)"
                             " VALUES (?, ?, ?)", (channel_id, guild_id, time.time()))
            else:
                conn.execute("DELETE FROM autoanswer_channels WHERE channel_id = ?", (channel_id,))

        return self.call(run)

    def autoanswer_channels(self) -> Future[set[int]]:
        return self.call(lambda conn: {row[0] for row in conn.execute("SELECT channel_id FROM autoanswer_channels")},
                         write=False)

    def set_library(self, guild_id: int, on: bool) -> Future[None]:
        """Whether the server's questions are answered from the shared library too (index/collections.py)."""
        return self.call(lambda conn: conn.execute(
            "INSERT OR REPLACE INTO server_settings (guild_id, library, changed_at) VALUES (?, ?, ?)",
            (guild_id, int(on), time.time())))

    def library_off(self) -> Future[set[int]]:
        """The servers that turned the library off."""
        return self.call(lambda conn: {row[0] for row in conn.execute(
            "SELECT guild_id FROM server_settings WHERE library = 0")}, write=False)


def _entries(conn: sqlite3.Connection, where: str, args: tuple) -> list[Entry]:
    rows = conn.execute(
        "SELECT a.id, a.asked_at, a.question, a.guild_id, a.channel_id, a.dm, a.user_hash, a.confidence,"
        " a.latency_ms, a.via,"
        " (SELECT count(*) FROM votes v WHERE v.answer_id = a.id AND v.vote = 1),"
        " (SELECT count(*) FROM votes v WHERE v.answer_id = a.id AND v.vote = -1)"
        f" FROM answers a WHERE {where} ORDER BY a.asked_at, a.id", args).fetchall()
    quotes: dict[int, list[LoggedQuote]] = {}
    if rows:
        ids = [row[0] for row in rows]
        for start in range(0, len(ids), 500):
            part = ids[start:start + 500]
            for answer_id, source, begin, end, text in conn.execute(
                    f"SELECT answer_id, source, start, end, text FROM quotes WHERE answer_id IN"
                    f" ({','.join('?' * len(part))}) ORDER BY answer_id, position", part):
                quotes.setdefault(answer_id, []).append(LoggedQuote(source, begin, end, text))
    return [Entry(id=r[0], asked_at=r[1], question=r[2], guild_id=r[3], channel_id=r[4], dm=bool(r[5]),
                  user_hash=r[6], confidence=r[7], latency_ms=r[8], via=r[9], quotes=tuple(quotes.get(r[0], ())),
                  up=r[10], down=r[11]) for r in rows]


def _fail(future: Future, error: BaseException) -> None:
    if not future.done():
        future.set_exception(error)


def open_log(path: Path | None, retention_days: int) -> QuestionLog | None:
    """The started log at `path`, or None when the log is turned off (path None)."""
    if path is None:
        log.info("the question log is off (QUOTEBOT_QUESTION_LOG=off): no questions or votes are kept")
        return None
    return QuestionLog(path, retention_days).start()
