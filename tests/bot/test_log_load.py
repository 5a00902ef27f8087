"""The question log under load and faults, on the real discord.py client against the fake Discord
(127.0.0.1 only): 200 concurrent /asks with votes, a bot SIGKILLed while writing, a corrupt log file,
and a log that cannot be written."""

from __future__ import annotations

import asyncio
import itertools
import logging
import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from community import buttons, community_settings, ephemeral_reply, running_bot
from fake_discord import HEARTBEAT_MS, FakeDiscord
from test_discord import QUESTIONS, callback, first_followup

from bot.storage.user_hash import UserHasher
from index.config import REPO_ROOT, Settings
from index.engine import Engine

CONCURRENT = 200


def record_id(body: dict) -> int:
    return int(buttons(body)[0]["custom_id"].rsplit(":", 1)[1])


async def test_two_hundred_concurrent_asks_with_votes_are_all_logged(
        server: FakeDiscord, settings: Settings, engine: Engine, tmp_path: Path) -> None:
    bot_settings = community_settings(settings, tmp_path)
    started = time.monotonic()
    async with running_bot(bot_settings, engine):
        beats_before = len(server.heartbeats)
        questions = {f"{QUESTIONS[i % len(QUESTIONS)]} {i}": 5000 + i for i in range(CONCURRENT)}
        tokens = {await server.slash("ask", user_id=user, question=q): q for q, user in questions.items()}
        firsts = await asyncio.gather(*(callback(server, t) for t in tokens))
        assert all(c.body["type"] == 5 for c in firsts)
        replies = await asyncio.wait_for(asyncio.gather(*(first_followup(server, t, timeout=300) for t in tokens)),
                                         300)
        answered_at = time.monotonic()
        # every answer gets a vote from its asker, and every fourth a changed vote; all pressed at once
        presses = []
        for i, reply in enumerate(replies):
            answer_id = record_id(reply.body)
            presses.append((reply.response, f"qb:{'up' if i % 2 else 'down'}:{answer_id}", 7000 + i))
            if i % 4 == 0:
                presses.append((reply.response, f"qb:up:{answer_id}", 7000 + i))
        press_tokens = [await server.press_button(message, custom_id, user_id=user)
                        for message, custom_id, user in presses]
        acks = await asyncio.wait_for(asyncio.gather(*(ephemeral_reply(server, t) for t in press_tokens)), 120)
        assert all("recorded" in a["content"] or "now 👍" in a["content"] for a in acks), \
            {a["content"] for a in acks}
        beats = server.heartbeats[beats_before:]
    elapsed = time.monotonic() - started
    gaps = [b - a for a, b in itertools.pairwise(beats)]
    assert gaps and max(gaps) < 3 * HEARTBEAT_MS / 1000, f"heartbeat gap {max(gaps):.2f} s"
    with sqlite3.connect(bot_settings.question_log) as conn:
        logged = conn.execute("SELECT question, count(*) FROM answers GROUP BY question").fetchall()
        votes = dict(conn.execute("SELECT answer_id || ':' || user_hash, vote FROM votes").fetchall())
    assert sorted(q for q, _ in logged) == sorted(questions) and all(n == 1 for _, n in logged)  # exactly once
    hasher = UserHasher.from_settings(bot_settings)
    expected = {}
    for i, reply in enumerate(replies):
        answer_id = record_id(reply.body)
        expected[f"{answer_id}:{hasher(7000 + i)}"] = 1 if i % 2 or i % 4 == 0 else -1
    assert votes == expected  # every vote recorded, a changed vote replaced
    print(f"\n{CONCURRENT} concurrent /ask + {len(presses)} votes: answered in {answered_at - started:.1f} s, "
          f"all votes acknowledged and the log closed at {elapsed:.1f} s; {len(beats)} heartbeats, "
          f"max gap {max(gaps):.2f} s")
    assert elapsed < 600


async def test_a_corrupt_log_is_moved_aside_and_the_bot_starts_a_fresh_one(
        server: FakeDiscord, settings: Settings, engine: Engine, tmp_path: Path,
        caplog: pytest.LogCaptureFixture) -> None:
    bot_settings = community_settings(settings, tmp_path)
    assert bot_settings.question_log is not None
    bot_settings.question_log.write_bytes(b"SQLite format 3\x00" + os.urandom(8000))  # a header, then garbage
    with caplog.at_level(logging.WARNING):
        async with running_bot(bot_settings, engine):
            reply = await first_followup(server, await server.slash("ask", question="What is Macrohard?"))
            assert buttons(reply.body)
    (moved,) = [p for p in tmp_path.iterdir() if ".corrupt-" in p.name and not p.name.endswith(("-wal", "-shm"))]
    warning = next(r.getMessage() for r in caplog.records if "corrupt" in r.getMessage())
    assert str(bot_settings.question_log) in warning and str(moved) in warning
    with sqlite3.connect(bot_settings.question_log) as conn:
        assert conn.execute("SELECT question FROM answers").fetchall() == [("What is Macrohard?",)]


@pytest.mark.parametrize("fault", ["read-only place", "disk full"])
async def test_when_the_log_cannot_be_written_the_bot_keeps_answering_with_one_warning(
        server: FakeDiscord, settings: Settings, engine: Engine, tmp_path: Path,
        caplog: pytest.LogCaptureFixture, fault: str) -> None:
    # /proc takes no new files, even from root (these tests may run as root, which ignores chmod)
    place = Path("/proc/quotebot-questions.sqlite3") if fault == "read-only place" else tmp_path / "q.sqlite3"
    bot_settings = community_settings(settings, tmp_path, question_log=place, log_salt="salt")
    with caplog.at_level(logging.WARNING):
        async with running_bot(bot_settings, engine) as bot:
            if fault == "disk full":  # SQLite's own "database or disk is full" from here on
                log = bot.question_log
                assert log is not None
                pages = await asyncio.wrap_future(log.call(lambda c: c.execute("PRAGMA page_count").fetchone()[0]))
                await asyncio.wrap_future(log.call(lambda c: c.execute(f"PRAGMA max_page_count={pages}")))
            for i in range(6):
                question = f"What is Macrohard? {'x' * 4000} {i}"
                reply = await first_followup(server, await server.slash("ask", question=question))
                assert reply.body["embeds"]  # answered all the same
            vote = await ephemeral_reply(server, await server.press_button(
                reply.response, f"qb:up:{record_id(reply.body)}", user_id=3))
            assert "try again later" in vote["content"] or "no longer on record" in vote["content"]
    warnings = [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]
    assert len(warnings) == 1 and str(place) in warnings[0], warnings
    assert "Traceback" not in caplog.text


KILLED_BOT = textwrap.dedent("""
    import asyncio, dataclasses, sqlite3, sys
    from pathlib import Path
    import discord
    from discord.gateway import DiscordWebSocket
    sys.path.insert(0, "tests/bot")
    from community import community_settings, running_bot
    from fake_discord import FakeDiscord
    from index.config import load_settings
    from index.engine import Engine

    async def main() -> None:
        folder = Path(sys.argv[1])
        settings = community_settings(load_settings(), folder)
        engine = Engine.load(settings)
        fake = FakeDiscord()
        await fake.start()
        discord.http.Route.BASE = fake.rest_base
        DiscordWebSocket.DEFAULT_GATEWAY = discord.gateway.yarl.URL(fake.gateway_url)
        async with running_bot(settings, engine):
            print("ready", flush=True)
            seen: set[int] = set()
            i = 0
            while True:
                for _ in range(10):
                    i += 1
                    await fake.slash("ask", user_id=100 + i, question=f"What is Macrohard? {i}")
                await asyncio.sleep(0.2)
                with sqlite3.connect(settings.question_log) as conn:  # what another reader sees committed
                    for (answer_id,) in conn.execute("SELECT id FROM answers"):
                        if answer_id not in seen:
                            seen.add(answer_id)
                            print(answer_id, flush=True)

    asyncio.run(main())
""")


def test_a_bot_sigkilled_while_writing_leaves_every_committed_row(settings: Settings, engine: Engine,
                                                                   tmp_path: Path) -> None:
    env = {**os.environ, "QUOTEBOT_CORPUS_DIR": str(settings.corpus_dir), "QUOTEBOT_INDEX_DIR": str(settings.index_dir),
           "QUOTEBOT_LOG_LEVEL": "WARNING", "QUOTEBOT_MODEL": settings.index.model}
    process = subprocess.Popen([sys.executable, "-c", KILLED_BOT, str(tmp_path)], stdout=subprocess.PIPE, text=True,
                               cwd=REPO_ROOT, env=env)
    committed: list[int] = []
    try:
        assert process.stdout is not None
        assert process.stdout.readline().strip() == "ready"
        while len(committed) < 60:
            line = process.stdout.readline()
            assert line, "the bot stopped early"
            committed.append(int(line))
    finally:
        os.kill(process.pid, signal.SIGKILL)  # mid-stream: answers queued, transactions in flight
        process.wait(30)
    path = tmp_path / "questions.sqlite3"
    with sqlite3.connect(path) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        stored = {row[0] for row in conn.execute("SELECT id FROM answers")}
    assert set(committed) <= stored
