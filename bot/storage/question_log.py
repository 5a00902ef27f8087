"""The question log: what the bot answered, in SQLite or PostgreSQL (bot/storage/database.py), for the
answer buttons (votes, More context), the gaps report (bot/storage/report.py) and the auto-answer channels.

What one answer's record holds: the question and the time; the guild and channel ids, or a DM
flag; a salted hash of the user id (bot/storage/user_hash.py; never the id or the name); the confidence;
each quote's source file, character span and text; the latency; then the votes (one per user
hash and answer). Nothing else about users is kept.

One worker thread owns the database and does every write and every read, in the order they were
asked for, so the event loop never waits on the disk and a read sees every write asked before it.
Writes that arrive together are committed in one transaction (SQLite: WAL mode, synchronous=NORMAL: a
crash loses at most the last transactions, never the file). The schema (bot/storage/schema.py) is
versioned and migrated forward at open. Records older than the retention (QUOTEBOT_LOG_DAYS) are
deleted at open and then once a day.

Faults: a file that is not a database or fails its integrity check is moved aside (with a warning
naming both files) and a new one started; a log that cannot be opened or written (read-only folder,
disk full, a PostgreSQL server out of reach) logs one warning and is skipped: the bot keeps
answering, and writing resumes when it can.
"""

from __future__ import annotations

import contextlib
import logging
import queue
import secrets
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import Future
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from bot.storage.database import Connection, Database, SqliteDatabase, database_for
from index.config import Settings

log = logging.getLogger(__name__)
T = TypeVar("T")

DAY = 86400.0
REOPEN_AFTER = 30.0  # seconds between attempts to reopen a log that could not be opened
BATCH = 500  # operations committed in one transaction at most

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
    run: Callable[[Connection], Any]
    future: Future
    write: bool


@dataclass
class QuestionLog:
    """The log in `target` (a SQLite file path, or a postgresql:// URL) with `retention_days`;
    call start() once, close() at the end."""

    target: Path | str = field(repr=False)  # a URL may hold a password
    retention_days: int = 90
    _db: Database = field(init=False, repr=False)
    _queue: queue.Queue[_Op | None] = field(default_factory=queue.Queue, repr=False)
    _thread: threading.Thread | None = field(default=None, repr=False)
    _opened: bool = False
    _failing: bool = False  # a warning is out: no more until the log works again
    _last_open_attempt: float = 0.0
    _next_prune: float = 0.0

    def __post_init__(self) -> None:
        self._db = database_for(self.target)

    @property
    def path(self) -> Path:
        """The SQLite file (a SQLite log only)."""
        assert isinstance(self._db, SqliteDatabase), "a PostgreSQL log has no file"
        return self._db.path

    @property
    def name(self) -> str:
        """The file, or the URL without its password: what messages name."""
        return self._db.name

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
        return self._opened and not self._failing

    # ---- the worker thread ---------------------------------------------------------------

    def _run(self) -> None:
        self._open()
        while True:
            wait = max(0.0, self._next_prune - time.time()) if self._opened else None
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
            if self._opened and time.time() >= self._next_prune:
                self._prune()
            if stop:
                break
        self._db.close()
        self._opened = False

    def _execute(self, ops: Sequence[_Op]) -> None:
        if not ops:
            return
        if not self._opened and time.monotonic() - self._last_open_attempt >= REOPEN_AFTER:
            self._open()
        if not self._opened:
            for op in ops:
                _fail(op.future, LogUnavailable(f"the question log {self.name} cannot be opened"))
            return
        try:
            with self._db.session() as conn:
                begin = self._db.begin(any(op.write for op in ops))
                try:
                    conn.execute(begin)
                    try:  # one transaction, pipelined, no savepoints
                        with self._db.pipelined(conn):
                            results = [(op, op.run(conn), None) for op in ops]
                    except self._db.op_errors:  # one operation's own fault: again, each in a savepoint
                        conn.execute("ROLLBACK")
                        conn.execute(begin)
                        results = [self._isolated(conn, op) for op in ops]
                    conn.execute("COMMIT")
                except self._db.errors:
                    with contextlib.suppress(*self._db.errors):
                        conn.execute("ROLLBACK")
                    raise
        except self._db.errors as error:
            self._warn_failing(f"cannot write the question log {self.name} ({error}); answering continues "
                               "without logging until it can be written again")
            for op in ops:
                _fail(op.future, LogUnavailable(str(error)))
            return
        if self._failing:
            self._failing = False
            log.info("the question log %s is being written again", self.name)
        for op, result, error in results:
            if error is not None:
                _fail(op.future, error)
            elif not op.future.done():
                op.future.set_result(result)

    def _isolated(self, conn: Connection, op: _Op) -> tuple[_Op, Any, BaseException | None]:
        """Run `op` in a savepoint: its own fault undoes it alone and goes to its caller."""
        conn.execute("SAVEPOINT op")
        try:
            result = op.run(conn)
        except self._db.op_errors as error:
            conn.execute("ROLLBACK TO SAVEPOINT op")
            conn.execute("RELEASE SAVEPOINT op")
            return op, None, error
        conn.execute("RELEASE SAVEPOINT op")
        return op, result, None

    def _warn_failing(self, message: str) -> None:
        if not self._failing:
            self._failing = True
            log.warning(message)

    def _open(self) -> None:
        self._last_open_attempt = time.monotonic()
        try:
            self._db.open()
        except (*self._db.errors, OSError) as error:
            self._opened = False
            self._warn_failing(f"cannot open the question log {self.name} ({error}); answering continues without "
                               "logging (votes and More context need the log)")
            return
        self._opened = True
        self._failing = False
        self._prune()

    def _prune(self) -> None:
        self._next_prune = time.time() + DAY
        if not self._opened:
            return
        cutoff = time.time() - self.retention_days * DAY
        try:
            with self._db.session() as conn:
                deleted = conn.execute("DELETE FROM answers WHERE asked_at < ?", (cutoff,)).rowcount
        except self._db.errors as error:
            self._warn_failing(f"cannot prune the question log {self.name} ({error})")
            return
        if deleted:
            log.info("question log: deleted %d answers older than %d days", deleted, self.retention_days)

    # ---- operations ----------------------------------------------------------------------

    def call(self, run: Callable[[Connection], T], write: bool = True) -> Future[T]:
        """Run `run(connection)` on the worker thread, in order; its result in the future."""
        future: Future[T] = Future()
        if self._thread is None:
            _fail(future, LogUnavailable("the question log is closed"))
        else:
            self._queue.put(_Op(run, future, write))
        return future

    def record(self, entry: Entry) -> Future[None]:
        """Queue one answer (with its quotes) for writing."""

        def run(conn: Connection) -> None:
            conn.execute(
                "INSERT INTO answers (id, asked_at, question, guild_id, channel_id, dm, user_hash, confidence,"
                " latency_ms, via) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (entry.id, entry.asked_at, entry.question, entry.guild_id, entry.channel_id, int(entry.dm),
                 entry.user_hash, entry.confidence, entry.latency_ms, entry.via))
            conn.executemany(
                'INSERT INTO quotes (answer_id, position, source, start, "end", text) VALUES (?, ?, ?, ?, ?, ?)',
                [(entry.id, i, q.source, q.start, q.end, q.text) for i, q in enumerate(entry.quotes)])

        return self.call(run)

    def vote(self, answer_id: int, user_hash: str, vote: int) -> Future[str]:
        """Record one user's vote on an answer, +1 or -1, replacing their earlier one. The result:
        "missing" (the answer is not on record), "new", "changed" or "same"."""
        if vote not in (-1, 1):
            raise ValueError(f"a vote is +1 or -1, not {vote}")

        def run(conn: Connection) -> str:
            answered, before = conn.execute(  # one round trip: the answer, and this user's vote on it
                "SELECT (SELECT 1 FROM answers WHERE id = ?),"
                " (SELECT vote FROM votes WHERE answer_id = ? AND user_hash = ?)",
                (answer_id, answer_id, user_hash)).fetchone()
            if answered is None:
                return "missing"
            conn.execute(
                "INSERT INTO votes (answer_id, user_hash, vote, voted_at) VALUES (?, ?, ?, ?)"
                " ON CONFLICT (answer_id, user_hash) DO UPDATE SET vote = excluded.vote, voted_at = excluded.voted_at",
                (answer_id, user_hash, vote, time.time()))
            return "new" if before is None else "same" if before == vote else "changed"

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
        def run(conn: Connection) -> None:
            if on:
                conn.execute("INSERT INTO autoanswer_channels (channel_id, guild_id, enabled_at) VALUES (?, ?, ?)"
                             " ON CONFLICT (channel_id) DO UPDATE SET guild_id = excluded.guild_id,"
                             " enabled_at = excluded.enabled_at", (channel_id, guild_id, time.time()))
            else:
                conn.execute("DELETE FROM autoanswer_channels WHERE channel_id = ?", (channel_id,))

        return self.call(run)

    def autoanswer_channels(self) -> Future[set[int]]:
        return self.call(lambda conn: {row[0] for row in conn.execute("SELECT channel_id FROM autoanswer_channels")},
                         write=False)

    def set_library(self, guild_id: int, on: bool) -> Future[None]:
        """Whether the server's questions are answered from the shared library too (index/collections.py)."""
        return self.call(lambda conn: conn.execute(
            "INSERT INTO server_settings (guild_id, library, changed_at) VALUES (?, ?, ?) ON CONFLICT (guild_id)"
            " DO UPDATE SET library = excluded.library, changed_at = excluded.changed_at",
            (guild_id, int(on), time.time())))

    def library_off(self) -> Future[set[int]]:
        """The servers that turned the library off."""
        return self.call(lambda conn: {row[0] for row in conn.execute(
            "SELECT guild_id FROM server_settings WHERE library = 0")}, write=False)

    def record_source_change(self, record: dict) -> Future[None]:
        """Keep one source record (bot/storage/source_log.py: at, server, action, file, sha256, title, by)."""
        columns = ", ".join(SOURCE_RECORD.values())
        return self.call(lambda conn: conn.execute(
            f"INSERT INTO source_changes (id, {columns}) VALUES (?{', ?' * len(SOURCE_RECORD)})",
            (new_record_id(), *(record.get(key) for key in SOURCE_RECORD))))

    def source_changes(self, server: int | None) -> Future[list[dict]]:
        """The source records of a server's collection (None: the library's), oldest first."""
        where = "server IS NULL" if server is None else "server = ?"
        return self.call(lambda conn: [dict(zip(SOURCE_RECORD, row, strict=True)) for row in conn.execute(
            f"SELECT {', '.join(SOURCE_RECORD.values())} FROM source_changes WHERE {where} ORDER BY at, id",
            () if server is None else (server,))], write=False)


# a source record's fields (bot/storage/source_log.py) and the columns that keep them
SOURCE_RECORD = {"at": "at", "server": "server", "action": "action", "file": "file", "sha256": "sha256",
                 "title": "title", "by": "made_by"}


def _entries(conn: Connection, where: str, args: tuple) -> list[Entry]:
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
                    'SELECT answer_id, source, start, "end", text FROM quotes WHERE answer_id IN'
                    f" ({','.join('?' * len(part))}) ORDER BY answer_id, position", part):
                quotes.setdefault(answer_id, []).append(LoggedQuote(source, begin, end, text))
    return [Entry(id=r[0], asked_at=r[1], question=r[2], guild_id=r[3], channel_id=r[4], dm=bool(r[5]),
                  user_hash=r[6], confidence=r[7], latency_ms=r[8], via=r[9], quotes=tuple(quotes.get(r[0], ())),
                  up=r[10], down=r[11]) for r in rows]


def _fail(future: Future, error: BaseException) -> None:
    if not future.done():
        future.set_exception(error)


def log_target(settings: Settings) -> Path | str | None:
    """Where the log is kept: QUOTEBOT_DATABASE_URL when set, else the SQLite file; None when it is off."""
    if settings.question_log is None:
        return None
    return settings.database_url or settings.question_log


def open_log(target: Path | str | None, retention_days: int) -> QuestionLog | None:
    """The started log at `target` (a file or a URL), or None when the log is turned off (None)."""
    if target is None:
        log.info("the question log is off (QUOTEBOT_QUESTION_LOG=off): no questions or votes are kept")
        return None
    return QuestionLog(target, retention_days).start()
