"""The two databases the bot can keep its records in, behind one small interface that
bot/storage/question_log.py's worker thread uses: SQLite (the standard library's sqlite3, one file,
nothing to set up: the default) and PostgreSQL (psycopg 3 with a psycopg_pool connection pool, for
shard processes on several machines sharing one database; QUOTEBOT_DATABASE_URL).

Both run the same schema (bot/storage/schema.py), migrated forward at open, and the same queries:
written with `?` placeholders, which the PostgreSQL connection turns into psycopg's `%s` (so no
query may hold a literal `%` or `?`).

SQLite: WAL mode, synchronous=NORMAL; the version in PRAGMA user_version; a file that is not a
database or fails its quick check is moved aside and a new one started.
PostgreSQL: the version in a one-row table `schema_version`; migrations run under an advisory lock,
so shard processes starting together migrate once. A server that cannot be reached at open raises
(the log then says so in one line and retries later); a connection lost later is replaced by the pool.
"""

from __future__ import annotations

import contextlib
import logging
import sqlite3
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import urlsplit, urlunsplit

from bot.storage.schema import MIGRATIONS, SCHEMA_VERSION, statements

log = logging.getLogger(__name__)

CONNECT_TIMEOUT = 5  # seconds to reach a PostgreSQL server
MIGRATION_LOCK = 0x71756F7465  # PostgreSQL advisory lock key held while migrating ("quote")


class Connection(Protocol):
    def execute(self, sql: str, args: Sequence[Any] = ..., /) -> Any: ...

    def executemany(self, sql: str, rows: Sequence[Sequence[Any]], /) -> Any: ...


class Database(Protocol):
    """What the question log needs of a database."""

    name: str  # for messages: the file, or the URL without its password
    errors: tuple[type[BaseException], ...]  # the database failed (disk, server, connection)
    op_errors: tuple[type[BaseException], ...]  # one operation's own fault (a key taken, a bad value)

    def open(self) -> None:
        """Connect and migrate; raises one of `errors` (or OSError) when it cannot."""

    def session(self) -> contextlib.AbstractContextManager[Connection]:
        """A connection for one batch of operations, in autocommit mode (the caller sends BEGIN)."""

    def begin(self, write: bool) -> str:
        """The statement that opens a transaction."""

    def pipelined(self, conn: Connection) -> contextlib.AbstractContextManager[Any]:
        """Send the statements run inside without waiting for each result, where the driver can (a read
        waits); an error surfaces at the latest when the block ends."""

    def close(self) -> None: ...


def is_postgres_url(target: str | Path) -> bool:
    return isinstance(target, str) and target.startswith(("postgresql://", "postgres://"))


def database_for(target: Path | str) -> Database:
    """The database at `target`: a SQLite file path, or a postgresql:// URL."""
    return PostgresDatabase(str(target)) if is_postgres_url(target) else SqliteDatabase(Path(target))


def without_password(url: str) -> str:
    parts = urlsplit(url)
    if parts.password is None:
        return url
    host = parts.hostname or ""
    netloc = f"{parts.username}:***@{host}" + (f":{parts.port}" if parts.port else "")
    return urlunsplit(parts._replace(netloc=netloc))


# ---- SQLite ----------------------------------------------------------------------------------


class SqliteDatabase:
    errors = (sqlite3.Error,)
    op_errors = (sqlite3.IntegrityError, ValueError, TypeError)

    def __init__(self, path: Path) -> None:
        self.path = path
        self.name = str(path)
        self._conn: sqlite3.Connection | None = None

    def open(self) -> None:
        try:
            self._conn = self._connect()
        except sqlite3.OperationalError:
            raise
        except sqlite3.DatabaseError as error:  # not a database, malformed: move it aside
            self._move_aside(str(error))
            self._conn = self._connect()

    @contextlib.contextmanager
    def session(self) -> Iterator[sqlite3.Connection]:
        if self._conn is None:
            raise sqlite3.OperationalError("the database is closed")
        yield self._conn

    def begin(self, write: bool) -> str:
        return "BEGIN IMMEDIATE" if write else "BEGIN"

    def pipelined(self, conn: Connection) -> contextlib.AbstractContextManager[Any]:
        return contextlib.nullcontext()  # a local file: nothing to wait for

    def close(self) -> None:
        if self._conn is not None:
            with contextlib.suppress(sqlite3.Error):
                self._conn.close()
            self._conn = None

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
                for statement in statements(MIGRATIONS[number].sqlite):
                    conn.execute(statement)
                conn.execute(f"PRAGMA user_version={number + 1}")
                conn.execute("COMMIT")
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            log.info("question log %s: schema version %d", self.name, number + 1)

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


# ---- PostgreSQL ------------------------------------------------------------------------------


class _PostgresConnection:
    """A psycopg connection that takes the queries' `?` placeholders."""

    def __init__(self, conn: Any) -> None:
        self.raw = conn

    def execute(self, sql: str, args: Sequence[Any] = ()) -> Any:
        return self.raw.execute(sql.replace("?", "%s"), args or None)

    def executemany(self, sql: str, rows: Sequence[Sequence[Any]]) -> Any:
        cursor = self.raw.cursor()
        cursor.executemany(sql.replace("?", "%s"), rows)
        return cursor


class PostgresDatabase:
    def __init__(self, url: str) -> None:
        import psycopg

        self.url = url
        self.name = without_password(url)
        self.errors = (psycopg.Error,)
        self.op_errors = (psycopg.IntegrityError, psycopg.DataError, ValueError, TypeError)
        self._pool: Any = None

    def open(self) -> None:
        import psycopg
        from psycopg_pool import ConnectionPool

        with psycopg.connect(self.url, autocommit=True, connect_timeout=CONNECT_TIMEOUT) as conn:
            self._migrate(conn)  # and proves the server is there before the pool starts connecting
        pool = ConnectionPool(self.url, min_size=1, max_size=4, open=False, timeout=CONNECT_TIMEOUT,
                              kwargs={"autocommit": True, "connect_timeout": CONNECT_TIMEOUT},
                              check=ConnectionPool.check_connection, name="question-log")
        pool.open(wait=True, timeout=CONNECT_TIMEOUT)
        self._pool = pool

    @contextlib.contextmanager
    def session(self) -> Iterator[Connection]:
        import psycopg

        if self._pool is None:
            raise psycopg.OperationalError("the database is closed")
        with self._pool.connection() as conn:
            yield _PostgresConnection(conn)

    def begin(self, write: bool) -> str:
        return "BEGIN"

    def pipelined(self, conn: Connection) -> contextlib.AbstractContextManager[Any]:
        assert isinstance(conn, _PostgresConnection)
        return conn.raw.pipeline()  # psycopg's pipeline mode: one round trip for many statements

    def close(self) -> None:
        if self._pool is not None:
            self._pool.close()
            self._pool = None

    def _migrate(self, raw: Any) -> None:
        conn = _PostgresConnection(raw)
        for number in range(SCHEMA_VERSION + 1):
            with raw.transaction():
                conn.execute("SELECT pg_advisory_xact_lock(?)", (MIGRATION_LOCK,))  # one process at a time
                conn.execute("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)")
                row = conn.execute("SELECT version FROM schema_version").fetchone()
                version = row[0] if row else 0
                if version > SCHEMA_VERSION:
                    import psycopg

                    raise psycopg.OperationalError(f"the database has schema version {version}, newer than "
                                                   f"this bot's {SCHEMA_VERSION}")
                if version == SCHEMA_VERSION:
                    return
                for statement in statements(MIGRATIONS[version].postgres):
                    conn.execute(statement)
                if row:
                    conn.execute("UPDATE schema_version SET version = ?", (version + 1,))
                else:
                    conn.execute("INSERT INTO schema_version (version) VALUES (?)", (version + 1,))
            log.info("question log %s: schema version %d (migration %d)", self.name, version + 1, number + 1)
