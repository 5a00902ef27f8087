"""A throwaway PostgreSQL server for the tests: Debian's postgresql package (installed by .ci/run),
a cluster made by initdb in a temporary folder, started by pg_ctl on a free port of 127.0.0.1, and
removed afterwards. PostgreSQL refuses to run as root, so as root the cluster belongs to the
unprivileged `postgres` user the Debian package creates, and its commands run under runuser.

Where it cannot start, `PostgresServer.start` raises PostgresUnavailable with the reason: the tests
that need it fail with that reason, never skip.
"""

from __future__ import annotations

import contextlib
import glob
import itertools
import os
import pwd
import shutil
import socket
import sqlite3
import subprocess
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

USER = "quotebot"  # the cluster's superuser (trust authentication on 127.0.0.1 only)


class PostgresUnavailable(RuntimeError):
    pass


def _bindir() -> Path:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"), key=lambda p: int(Path(p).parts[-3]))
    if not found:
        raise PostgresUnavailable("PostgreSQL is not installed (no /usr/lib/postgresql/*/bin/pg_ctl): "
                                  "apt-get install postgresql, as .ci/run does")
    return Path(found[-1]).parent


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class PostgresServer:
    """One cluster; `new_database()` gives each test a database of its own."""

    def __init__(self) -> None:
        self.port = 0
        self.folder: Path | None = None
        self._names = itertools.count(1)
        self._as: list[str] = []

    @property
    def data(self) -> Path:
        assert self.folder is not None
        return self.folder / "data"

    def _run(self, *command: str) -> None:
        try:
            subprocess.run([*self._as, *command], check=True, capture_output=True, text=True, timeout=120)
        except subprocess.CalledProcessError as error:
            raise PostgresUnavailable(f"{Path(command[0]).name} failed: {(error.stderr or error.stdout).strip()}") \
                from None

    def start(self) -> PostgresServer:
        bindir = _bindir()
        self.folder = Path(tempfile.mkdtemp(prefix="quotebot-postgres-"))
        if os.geteuid() == 0:
            try:
                owner = pwd.getpwnam("postgres")
            except KeyError:
                raise PostgresUnavailable("running as root and there is no unprivileged `postgres` user to run "
                                          "PostgreSQL as (the Debian package creates it)") from None
            os.chown(self.folder, owner.pw_uid, owner.pw_gid)
            self._as = ["runuser", "-u", "postgres", "--"]
        self._run(str(bindir / "initdb"), "-D", str(self.data), "-U", USER, "-A", "trust", "-E", "UTF8",
                  "--no-sync", "--locale=C")
        self.port = _free_port()
        self.resume()
        return self

    def resume(self) -> None:
        """Start (again) on the same port and folder."""
        assert self.folder is not None
        self._run(str(_bindir() / "pg_ctl"), "-D", str(self.data), "-l", str(self.folder / "server.log"), "-w",
                  "-t", "60", "-o", f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1 "
                  "-c max_connections=200", "start")

    def pause(self) -> None:
        """Stop the server, keeping its data (a database out of reach)."""
        self._run(str(_bindir() / "pg_ctl"), "-D", str(self.data), "-m", "fast", "-w", "stop")

    def stop(self) -> None:
        if self.folder is None:
            return
        with contextlib.suppress(PostgresUnavailable):
            self._run(str(_bindir() / "pg_ctl"), "-D", str(self.data), "-m", "immediate", "-w", "stop")
        shutil.rmtree(self.folder, ignore_errors=True)
        self.folder = None

    def url(self, database: str = "postgres") -> str:
        return f"postgresql://{USER}@127.0.0.1:{self.port}/{database}"

    def new_database(self) -> str:
        """A fresh, empty database; its URL."""
        import psycopg

        name = f"test_{next(self._names)}"
        with psycopg.connect(self.url(), autocommit=True) as conn:
            conn.execute(f"CREATE DATABASE {name}")
        return self.url(name)


def query(target: Path | str, sql: str, *args: Any) -> list[tuple]:
    """Rows of one query (with `?` placeholders, so no literal `?` or `%` in it: pass such text as an
    argument) on a SQLite file or a PostgreSQL URL, as another reader sees them: what is committed."""
    if isinstance(target, str):
        import psycopg

        with psycopg.connect(target, autocommit=True) as conn:
            return [tuple(row) for row in conn.execute(sql.replace("?", "%s"), args or None).fetchall()]
    with contextlib.closing(sqlite3.connect(target)) as conn:
        return conn.execute(sql, args).fetchall()


def execute(target: Path | str, sql: str, rows: Sequence[Sequence[Any]] | None = None) -> None:
    """Run a script, or one statement for each of `rows`, and commit."""
    if isinstance(target, str):
        import psycopg

        with psycopg.connect(target) as conn, conn.cursor() as cursor:
            if rows is None:
                cursor.execute(sql)
            else:
                cursor.executemany(sql.replace("?", "%s"), rows)
        return
    with contextlib.closing(sqlite3.connect(target)) as conn, conn:
        if rows is None:
            conn.executescript(sql)
        else:
            conn.executemany(sql, rows)
