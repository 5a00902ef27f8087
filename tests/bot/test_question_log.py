"""The question log on real SQLite and on a real PostgreSQL server (tests/postgres.py): records, votes,
retention, migrations, and its faults (a corrupt file, an unwritable folder, a full disk, a server out
of reach or going away, a process SIGKILLed while writing)."""

from __future__ import annotations

import logging
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from postgres import PostgresServer, execute, query

from bot.storage.question_log import DAY, Entry, LoggedQuote, LogUnavailable, QuestionLog, new_record_id
from bot.storage.schema import SCHEMA_VERSION
from index.config import REPO_ROOT


def entry(question: str = "How many GPUs?", asked_at: float | None = None, confidence: str = "answer") -> Entry:
    return Entry(id=new_record_id(), asked_at=time.time() if asked_at is None else asked_at, question=question,
                 guild_id=1, channel_id=2, dm=False, user_hash="h" * 32, confidence=confidence, latency_ms=12.5,
                 via="ask", quotes=(LoggedQuote("a.md", 10, 20, "0123456789"),))


@pytest.fixture()
def qlog(log_target: Path | str):
    """A started log, once on SQLite and once on PostgreSQL."""
    log = QuestionLog(log_target).start()
    yield log
    log.close()


@pytest.fixture()
def sqlite_log(tmp_path: Path):
    log = QuestionLog(tmp_path / "q.sqlite3").start()
    yield log
    log.close()


def test_records_votes_and_a_changed_vote(qlog: QuestionLog) -> None:
    first = entry()
    qlog.record(first).result(5)
    assert qlog.vote(first.id, "u1", 1).result(5) == "new"
    assert qlog.vote(first.id, "u2", 1).result(5) == "new"
    assert qlog.vote(first.id, "u1", -1).result(5) == "changed"  # u1 changes their mind: one vote each
    assert qlog.vote(first.id, "u1", -1).result(5) == "same"
    stored = qlog.answer(first.id).result(5)
    assert stored is not None and (stored.up, stored.down) == (1, 1)
    assert stored.quotes == first.quotes and stored.question == first.question and stored.user_hash == "h" * 32
    assert qlog.vote(12345, "u1", 1).result(5) == "missing"  # not on record
    assert qlog.answer(12345).result(5) is None


def test_an_operations_own_fault_fails_it_alone(qlog: QuestionLog) -> None:
    first, second = entry("first"), entry("second")
    qlog.record(first).result(5)
    qlog.call(lambda _: time.sleep(0.2), write=False)  # the next three wait, and go in one transaction
    futures = [qlog.record(second), qlog.record(first), qlog.vote(first.id, "u", 1)]  # the middle one: a taken id
    assert futures[0].result(5) is None and futures[2].result(5) == "new"
    with pytest.raises(Exception, match=r"(?i)unique|duplicate"):
        futures[1].result(5)
    assert [e.question for e in qlog.entries(0).result(5)] == ["first", "second"]


def test_source_records_and_server_settings_are_kept(qlog: QuestionLog) -> None:
    record = {"at": "2026-12-07T03:00:00Z", "action": "add", "file": "a.md", "sha256": "ab" * 32, "title": "A",
              "by": "h" * 32, "server": 900000000000000100}
    qlog.record_source_change(record).result(5)
    qlog.record_source_change({**record, "server": None, "file": "b.md", "title": None}).result(5)
    assert qlog.source_changes(record["server"]).result(5) == [record]
    assert [r["file"] for r in qlog.source_changes(None).result(5)] == ["b.md"]
    qlog.set_library(900000000000000100, False).result(5)
    qlog.set_library(900000000000000200, False).result(5)
    qlog.set_library(900000000000000200, True).result(5)  # on again
    assert qlog.library_off().result(5) == {900000000000000100}


def test_wal_schema_version_and_raw_ids_never_stored(sqlite_log: QuestionLog) -> None:
    sqlite_log.record(entry()).result(5)
    with sqlite3.connect(sqlite_log.path) as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
        columns = {row[1] for table in ("answers", "votes") for row in conn.execute(f"PRAGMA table_info({table})")}
    assert not {"user_id", "user_name", "author"} & columns


def test_migrates_an_older_schema_forward(tmp_path: Path) -> None:
    from bot.storage.schema import MIGRATIONS

    path = tmp_path / "old.sqlite3"
    with sqlite3.connect(path) as conn:  # a version-1 log, as the first release wrote it
        conn.executescript(MIGRATIONS[0].sqlite + "PRAGMA user_version=1;")
        conn.execute("INSERT INTO answers VALUES (7, ?, 'old question', 1, 2, 0, 'h', 'none', 5.0, 'ask')",
                     (time.time(),))
    log = QuestionLog(path).start()
    try:
        assert log.answer(7).result(5).question == "old question"
        log.set_autoanswer(99, 1, True).result(5)  # a table of version 2
        assert log.autoanswer_channels().result(5) == {99}
    finally:
        log.close()


def test_migrates_an_older_postgres_schema_forward(postgres_server: PostgresServer) -> None:
    from bot.storage.schema import MIGRATIONS

    url = postgres_server.new_database()
    execute(url, MIGRATIONS[0].postgres)  # a version-1 database, as the first release would have made it
    execute(url, "CREATE TABLE schema_version (version INTEGER NOT NULL)")
    execute(url, "INSERT INTO schema_version VALUES (1)")
    execute(url, "INSERT INTO answers VALUES (7, ?, 'old question', 1, 2, 0, 'h', 'none', 5.0, 'ask')",
            [(time.time(),)])
    log = QuestionLog(url).start()
    try:
        assert log.answer(7).result(5).question == "old question"
        log.set_autoanswer(99, 1, True).result(5)  # a table of version 2
        assert log.autoanswer_channels().result(5) == {99}
    finally:
        log.close()
    assert query(url, "SELECT version FROM schema_version") == [(SCHEMA_VERSION,)]


def test_both_databases_have_the_same_tables_and_columns(tmp_path: Path, postgres_server: PostgresServer) -> None:
    url = postgres_server.new_database()
    for target in (tmp_path / "q.sqlite3", url):
        QuestionLog(target).start().close()
    sqlite_columns = {(table, column) for (table,) in query(tmp_path / "q.sqlite3",
                                                           "SELECT name FROM sqlite_master WHERE type = 'table'")
                      for column in [row[1] for row in query(tmp_path / "q.sqlite3", f"PRAGMA table_info({table})")]}
    postgres_columns = set(query(url, "SELECT table_name, column_name FROM information_schema.columns"
                                      " WHERE table_schema = 'public' AND table_name <> 'schema_version'"))
    assert sqlite_columns == postgres_columns


def test_retention_prunes_old_answers_at_start(log_target: Path | str) -> None:
    log = QuestionLog(log_target, retention_days=90).start()
    old, recent = entry(asked_at=time.time() - 91 * DAY), entry(asked_at=time.time() - 89 * DAY)
    log.record(old).result(5)
    log.record(recent).result(5)
    log.vote(old.id, "u", 1).result(5)
    log.close()
    log = QuestionLog(log_target, retention_days=90).start()
    try:
        assert log.answer(old.id).result(5) is None and log.answer(recent.id).result(5) is not None
        assert log.vote(old.id, "u", -1).result(5) == "missing"
        # the quotes and votes went with it
        assert query(log_target, "SELECT count(*) FROM votes") == [(0,)]
        assert query(log_target, "SELECT count(*) FROM quotes") == [(1,)]
    finally:
        log.close()


def test_a_corrupt_file_is_moved_aside_with_a_warning(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    path = tmp_path / "q.sqlite3"
    path.write_bytes(b"this is not an SQLite database " * 200)
    with caplog.at_level(logging.WARNING):
        log = QuestionLog(path).start()
    try:
        moved = [p for p in tmp_path.iterdir() if p.name.startswith("q.sqlite3.corrupt-")]
        assert len(moved) == 1 and moved[0].read_bytes().startswith(b"this is not")
        warning = next(r.getMessage() for r in caplog.records if "corrupt" in r.getMessage())
        assert str(path) in warning and str(moved[0]) in warning
        first = entry()
        log.record(first).result(5)  # a fresh log works
        assert log.answer(first.id).result(5) is not None
    finally:
        log.close()


def test_a_damaged_page_is_caught_by_the_integrity_check(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    path = tmp_path / "q.sqlite3"
    log = QuestionLog(path).start()
    for i in range(300):
        log.record(entry(f"question {i} " + "x" * 200))
    log.close()
    with sqlite3.connect(path) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    data = bytearray(path.read_bytes())
    data[4096 * 3: 4096 * 3 + 2000] = os.urandom(2000)  # scribble over a b-tree page
    path.write_bytes(bytes(data))
    with caplog.at_level(logging.WARNING):
        log = QuestionLog(path).start()
    try:
        assert any("corrupt" in r.getMessage() and str(path) in r.getMessage() for r in caplog.records)
        assert log.entries(0).result(5) == []
    finally:
        log.close()


def test_an_unwritable_log_warns_once_and_fails_fast(caplog: pytest.LogCaptureFixture) -> None:
    # /proc refuses new files even to root (tests may run as root, which ignores chmod).
    with caplog.at_level(logging.WARNING):
        log = QuestionLog(Path("/proc/quotebot-questions.sqlite3")).start()
        try:
            for _ in range(5):
                with pytest.raises(LogUnavailable):
                    log.record(entry()).result(5)
        finally:
            log.close()
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1 and "cannot open the question log /proc/quotebot-questions.sqlite3" in \
        warnings[0].getMessage()


def test_an_unreachable_postgres_warns_once_and_fails_fast(caplog: pytest.LogCaptureFixture) -> None:
    with socket.socket() as s:  # a port nothing listens on
        s.bind(("127.0.0.1", 0))
        url = f"postgresql://quotebot:secret@127.0.0.1:{s.getsockname()[1]}/quotebot"
    with caplog.at_level(logging.WARNING):
        log = QuestionLog(url).start()
        try:
            started = time.monotonic()
            for _ in range(5):
                with pytest.raises(LogUnavailable):
                    log.record(entry()).result(5)
            assert time.monotonic() - started < 1
        finally:
            log.close()
    warnings = [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]
    assert len(warnings) == 1 and "cannot open the question log postgresql://quotebot:***@127.0.0.1" in warnings[0]
    assert "secret" not in caplog.text


def test_a_postgres_server_going_away_warns_once_and_recovers(caplog: pytest.LogCaptureFixture) -> None:
    server = PostgresServer().start()  # a server of its own, to stop and start again
    try:
        log = QuestionLog(server.new_database()).start()
        try:
            first = entry()
            log.record(first).result(5)
            server.pause()
            with caplog.at_level(logging.WARNING):
                for _ in range(2):
                    with pytest.raises(LogUnavailable):
                        log.record(entry()).result(30)
            server.resume()
            later = entry()
            deadline = time.monotonic() + 120
            while True:  # writing resumes once the pool has connected again (it backs off while it cannot)
                try:
                    log.record(later).result(30)
                    break
                except LogUnavailable:
                    assert time.monotonic() < deadline, "the log did not resume"
                    time.sleep(1)
            assert log.answer(first.id).result(5) is not None and log.answer(later.id).result(5) is not None
        finally:
            log.close()
    finally:
        server.stop()
    warnings = [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING
                and r.name.startswith("bot.")]
    assert len(warnings) == 1 and "cannot write the question log postgresql://" in warnings[0], warnings


def test_a_full_disk_warns_once_and_recovers(sqlite_log: QuestionLog, caplog: pytest.LogCaptureFixture) -> None:
    qlog = sqlite_log
    qlog.record(entry()).result(5)
    pages = qlog.call(lambda c: c.execute("PRAGMA page_count").fetchone()[0]).result(5)
    qlog.call(lambda c: c.execute(f"PRAGMA max_page_count={pages}")).result(5)  # SQLITE_FULL from here on
    with caplog.at_level(logging.WARNING):
        failures = 0
        for i in range(40):
            try:
                qlog.record(entry(f"{i} " + "y" * 3000)).result(5)
            except LogUnavailable:
                failures += 1
    assert failures > 0
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1 and "database or disk is full" in warnings[0].getMessage()
    qlog.call(lambda c: c.execute("PRAGMA max_page_count=1073741823")).result(5)  # space again
    later = entry()
    qlog.record(later).result(5)
    assert qlog.answer(later.id).result(5) is not None


KILLED_WRITER = textwrap.dedent("""
    import sys, time
    from pathlib import Path
    from bot.storage.question_log import Entry, LoggedQuote, QuestionLog, new_record_id
    log = QuestionLog(sys.argv[1] if sys.argv[1].startswith("postgresql:") else Path(sys.argv[1])).start()
    i = 0
    while True:
        futures = []
        for _ in range(20):
            i += 1
            e = Entry(new_record_id(), time.time(), f"question {i}", 1, 2, False, "h", "answer", 1.0, "ask",
                      (LoggedQuote("a.md", 0, 5, "hello"),))
            futures.append((e.id, log.record(e)))
        for record_id, future in futures:
            future.result()
            print(record_id, flush=True)  # committed
""")


def test_sigkill_while_writing_keeps_every_committed_row(log_target: Path | str) -> None:
    process = subprocess.Popen([sys.executable, "-c", KILLED_WRITER, str(log_target)], stdout=subprocess.PIPE,
                               text=True, cwd=REPO_ROOT)
    committed = []
    try:
        assert process.stdout is not None
        while len(committed) < 2000:
            line = process.stdout.readline()
            assert line, "the writer stopped early"
            committed.append(int(line))
    finally:
        os.kill(process.pid, signal.SIGKILL)  # in the middle of its next transactions
        process.wait(10)
    if isinstance(log_target, Path):
        assert query(log_target, "PRAGMA integrity_check") == [("ok",)]
    stored = {row[0] for row in query(log_target, "SELECT id FROM answers")}
    assert set(committed) <= stored
    log = QuestionLog(log_target).start()  # and the bot's own open accepts it
    try:
        assert len(log.entries(0).result(10)) == len(stored)
    finally:
        log.close()


def test_retention_prunes_again_once_a_day(qlog: QuestionLog) -> None:
    old = entry(asked_at=time.time() - 91 * DAY)  # written after the start's pruning
    qlog.record(old).result(5)
    assert qlog.answer(old.id).result(5) is not None
    qlog._next_prune = time.time()  # a day has passed
    qlog.call(lambda _: None, write=False).result(5)  # the worker wakes; the daily pruning follows the batch
    assert qlog.answer(old.id).result(5) is None
