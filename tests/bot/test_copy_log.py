"""`python -m bot copy-log`: the SQLite question log copied into a real PostgreSQL server, every record
kept, run twice without doubling anything; bad input changes nothing and says why."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

from postgres import PostgresServer, query

from bot.storage.question_log import Entry, LoggedQuote, QuestionLog, new_record_id
from index.config import REPO_ROOT


def run(*args: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in ("QUOTEBOT_DATABASE_URL", "QUOTEBOT_QUESTION_LOG")}
    return subprocess.run([sys.executable, "-m", "bot", "copy-log", *args], cwd=REPO_ROOT, env=env,
                          capture_output=True, text=True, timeout=120)


def sqlite_log(path: Path) -> list[Entry]:
    log = QuestionLog(path).start()
    entries = [Entry(new_record_id(), time.time() - i, f"question {i} ?% 'quoted'", 1 + i % 2, 2, i == 3, f"h{i}",
                     "answer", 10.0 + i, "ask", tuple(LoggedQuote("a.md", j, j + 5, f"text {j}") for j in range(i % 3)))
               for i in range(40)]
    for e in entries:
        log.record(e)
    for e in entries[:10]:
        log.vote(e.id, "voter", 1 if e.id % 2 else -1)
    log.set_autoanswer(555, 1, True)
    log.close()
    return entries


def test_copy_log_moves_every_record_and_can_run_again(tmp_path: Path, postgres_server: PostgresServer) -> None:
    path = tmp_path / "questions.sqlite3"
    sqlite_log(path)
    url = postgres_server.new_database()
    first = run("--from", str(path), "--to", url)
    assert first.returncode == 0, first.stderr
    assert "answers: 40 rows, 40 added" in first.stdout and "votes: 10 rows, 10 added" in first.stdout
    before, after = QuestionLog(path).start(), QuestionLog(url).start()
    try:
        assert after.entries(0).result(10) == before.entries(0).result(10)  # questions, quotes, votes: all of it
        assert after.autoanswer_channels().result(10) == {555}
        extra = Entry(new_record_id(), time.time(), "asked after the first copy", 1, 2, False, "h", "none", 1.0, "ask")
        before.record(extra).result(10)
    finally:
        before.close()
        after.close()
    second = run("--from", str(path), "--to", url)  # the bot stopped: copy what is new since
    assert second.returncode == 0, second.stderr
    assert "answers: 41 rows, 1 added, 40 already there" in second.stdout
    assert query(url, "SELECT count(*) FROM answers") == [(41,)]


def test_copy_log_refuses_bad_input_with_a_reason(tmp_path: Path, postgres_server: PostgresServer) -> None:
    url = postgres_server.new_database()
    missing = run("--from", str(tmp_path / "none.sqlite3"), "--to", url)
    assert missing.returncode == 2 and "no question log at" in missing.stderr
    path = tmp_path / "questions.sqlite3"
    sqlite_log(path)
    no_url = run("--from", str(path))
    assert no_url.returncode == 2 and "needs a postgresql:// URL" in no_url.stderr
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        unreachable = f"postgresql://quotebot@127.0.0.1:{s.getsockname()[1]}/x"
    down = run("--from", str(path), "--to", unreachable)
    assert down.returncode == 2 and "cannot open the database postgresql://quotebot@127.0.0.1" in down.stderr
    assert query(url, "SELECT count(*) FROM information_schema.tables WHERE table_schema = 'public'") == [(0,)]
