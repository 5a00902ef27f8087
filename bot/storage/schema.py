"""The one schema of everything the bot keeps (bot/storage/question_log.py writes it), as versioned
migrations with the same tables, columns and keys in SQLite and in PostgreSQL. Each entry migrates
the schema from version i to i + 1, in both databases at once. Never edit one that has shipped: add one.

The dialects differ only in types: PostgreSQL needs BIGINT for Discord ids and the 53-bit answer ids,
DOUBLE PRECISION for times, and `end`, a reserved word there, quoted (it is quoted in every query).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Migration:
    sqlite: str
    postgres: str


MIGRATIONS: tuple[Migration, ...] = (
    Migration(
        sqlite="""
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
        postgres="""
        CREATE TABLE answers (
            id BIGINT PRIMARY KEY,
            asked_at DOUBLE PRECISION NOT NULL,
            question TEXT NOT NULL,
            guild_id BIGINT,
            channel_id BIGINT,
            dm INTEGER NOT NULL,
            user_hash TEXT NOT NULL,
            confidence TEXT NOT NULL,
            latency_ms DOUBLE PRECISION NOT NULL,
            via TEXT NOT NULL
        );
        CREATE INDEX answers_asked_at ON answers (asked_at);
        CREATE TABLE quotes (
            answer_id BIGINT NOT NULL REFERENCES answers (id) ON DELETE CASCADE,
            position INTEGER NOT NULL,
            source TEXT NOT NULL,
            start INTEGER NOT NULL,
            "end" INTEGER NOT NULL,
            text TEXT NOT NULL,
            PRIMARY KEY (answer_id, position)
        );
        CREATE TABLE votes (
            answer_id BIGINT NOT NULL REFERENCES answers (id) ON DELETE CASCADE,
            user_hash TEXT NOT NULL,
            vote INTEGER NOT NULL CHECK (vote IN (-1, 1)),
            voted_at DOUBLE PRECISION NOT NULL,
            PRIMARY KEY (answer_id, user_hash)
        );
        """,
    ),
    Migration(
        sqlite="""
        CREATE TABLE autoanswer_channels (
            channel_id INTEGER PRIMARY KEY,
            guild_id INTEGER,
            enabled_at REAL NOT NULL
        );
        """,
        postgres="""
        CREATE TABLE autoanswer_channels (
            channel_id BIGINT PRIMARY KEY,
            guild_id BIGINT,
            enabled_at DOUBLE PRECISION NOT NULL
        );
        """,
    ),
    Migration(
        sqlite="""
        CREATE TABLE server_settings (
            guild_id INTEGER PRIMARY KEY,
            library INTEGER NOT NULL,    -- 1: questions are answered from the shared library too (the default)
            changed_at REAL NOT NULL
        );
        """,
        postgres="""
        CREATE TABLE server_settings (
            guild_id BIGINT PRIMARY KEY,
            library INTEGER NOT NULL,
            changed_at DOUBLE PRECISION NOT NULL
        );
        """,
    ),
    Migration(  # the source records (bot/storage/source_log.py), all servers' in one place
        sqlite="""
        CREATE TABLE source_changes (
            id INTEGER PRIMARY KEY,      -- random, as an answer's
            at TEXT NOT NULL,            -- UTC, 2026-12-07T03:00:00Z
            server INTEGER,              -- the server whose collection changed, NULL for the library
            action TEXT NOT NULL,        -- add | replace | remove
            file TEXT NOT NULL,
            sha256 TEXT,
            title TEXT,
            made_by TEXT NOT NULL        -- the salted user hash, or "shell"
        );
        CREATE INDEX source_changes_server ON source_changes (server);
        """,
        postgres="""
        CREATE TABLE source_changes (
            id BIGINT PRIMARY KEY,
            at TEXT NOT NULL,
            server BIGINT,
            action TEXT NOT NULL,
            file TEXT NOT NULL,
            sha256 TEXT,
            title TEXT,
            made_by TEXT NOT NULL
        );
        CREATE INDEX source_changes_server ON source_changes (server);
        """,
    ),
)
SCHEMA_VERSION = len(MIGRATIONS)


def statements(script: str) -> list[str]:
    """The statements of a migration (no migration has a `;` inside a statement)."""
    return [part for part in script.split(";") if part.strip()]
