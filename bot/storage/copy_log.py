"""`python -m bot copy-log`: copy the SQLite question log (every table of the schema: answers,
quotes, votes, auto-answer channels, ...) into PostgreSQL, to move a bot from one machine to shard
processes without losing the log (docs/deployment.md).

Both databases are migrated to this bot's schema first (bot/storage/schema.py), so the tables and
columns are the same. Rows whose key is already in PostgreSQL are left as they are, so the copy can
be run again: run it once while the bot still answers on SQLite, stop the bot, run it again (it
copies only what is new), then start the shard processes on PostgreSQL. One transaction: a copy
that fails leaves PostgreSQL as it was.
"""

from __future__ import annotations

import contextlib
import sqlite3
from dataclasses import dataclass
from pathlib import Path

from bot.storage.database import PostgresDatabase, SqliteDatabase

CHUNK = 5000  # rows read and written at a time


class CopyError(RuntimeError):
    """The copy cannot be made (a message for the user)."""


@dataclass(frozen=True)
class Copied:
    table: str
    rows: int  # in the SQLite log
    added: int  # new in PostgreSQL (the others were there already)


def copy_log(source: Path, url: str) -> list[Copied]:
    """Copy every table of the SQLite log at `source` into the PostgreSQL database at `url`."""
    if not source.is_file():
        raise CopyError(f"no question log at {source} (set QUOTEBOT_QUESTION_LOG or --from to its path)")
    sqlite = SqliteDatabase(source)
    postgres = PostgresDatabase(url)
    try:
        sqlite.open()
    except (sqlite3.Error, OSError) as error:
        raise CopyError(f"cannot read the question log {source}: {error}") from None
    try:
        try:
            postgres.open()
        except (*postgres.errors, OSError) as error:
            raise CopyError(f"cannot open the database {postgres.name}: {error}") from None
        with sqlite.session() as reader, postgres.session() as writer:
            writer.execute("BEGIN")
            try:
                copied = [_copy_table(reader, writer, table) for table in _tables(reader)]
                writer.execute("COMMIT")
            except BaseException:
                with contextlib.suppress(*postgres.errors):
                    writer.execute("ROLLBACK")
                raise
        return copied
    finally:
        sqlite.close()
        postgres.close()


def _tables(reader: sqlite3.Connection) -> list[str]:
    """The schema's tables in the order they were created (a table before those that refer to it)."""
    return [name for (name,) in reader.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite!_%' ESCAPE '!' ORDER BY rowid")]


def _copy_table(reader: sqlite3.Connection, writer, table: str) -> Copied:
    columns = ", ".join(f'"{row[1]}"' for row in reader.execute(f'PRAGMA table_info("{table}")'))
    cursor = reader.execute(f'SELECT {columns} FROM "{table}"')
    insert = (f'INSERT INTO "{table}" ({columns}) VALUES ({", ".join("?" * len(cursor.description))})'
              " ON CONFLICT DO NOTHING")
    rows = added = 0
    while chunk := cursor.fetchmany(CHUNK):
        rows += len(chunk)
        added += writer.executemany(insert, chunk).rowcount
    return Copied(table, rows, added)
