"""Shard processes sharing one PostgreSQL: two real bot processes (`serve`, as `python -m bot` runs it,
with QUOTEBOT_SHARDS=2 and QUOTEBOT_SHARD_IDS=0 or 1) against a fake Discord serving two shards and
the throwaway PostgreSQL server. Each server's questions are answered by the process running its
shard; votes and /report see everything of that server; a process SIGKILLed mid-write loses nothing
committed, the other keeps answering, and the process started in its place sees all of its records."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from community import MANAGE_GUILD, TOKEN, buttons, ephemeral_reply
from fake_discord import FakeDiscord, guild_on_shard
from postgres import PostgresServer, query
from test_discord import first_followup

from index.config import REPO_ROOT, Settings
from index.engine import Engine

SHARD_BOT = textwrap.dedent("""
    import asyncio, logging, sys
    import discord
    from discord.gateway import DiscordWebSocket
    from bot.chat.client import serve
    from index.config import load_settings
    from index.engine import Engine

    discord.http.Route.BASE = sys.argv[1]  # the fake Discord
    DiscordWebSocket.DEFAULT_GATEWAY = discord.gateway.yarl.URL(sys.argv[2])
    settings = load_settings()
    logging.basicConfig(level=settings.log_level, format="%(levelname)s %(name)s: %(message)s")
    asyncio.run(serve(settings, Engine.load(settings)))
""")
SHARDS = 2
BURST = 12  # questions asked at once of the process that is then SIGKILLed


class ShardProcess:
    def __init__(self, shard: int, server: FakeDiscord, settings: Settings, url: str, folder: Path) -> None:
        self.shard = shard
        env = {**os.environ, "DISCORD_TOKEN": TOKEN, "QUOTEBOT_SHARDS": str(SHARDS), "QUOTEBOT_SHARD_IDS": str(shard),
               "QUOTEBOT_DATABASE_URL": url, "QUOTEBOT_DATA_DIR": str(folder / f"shard-{shard}"),
               "QUOTEBOT_LOG_SALT": "one salt for every process", "QUOTEBOT_COOLDOWN_SECONDS": "0",
               "QUOTEBOT_CORPUS_DIR": str(settings.corpus_dir), "QUOTEBOT_INDEX_DIR": str(settings.index_dir),
               "QUOTEBOT_MODEL": settings.index.model, "QUOTEBOT_LOG_LEVEL": "INFO"}
        env.pop("QUOTEBOT_QUESTION_LOG", None)
        self.output = folder / f"shard-{shard}-{time.monotonic_ns()}.log"
        with open(self.output, "w") as out:
            self.process = subprocess.Popen([sys.executable, "-c", SHARD_BOT, server.rest_base, server.gateway_url],
                                            cwd=REPO_ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)

    @property
    def pid(self) -> int:
        return self.process.pid

    def stop(self, sig: int = signal.SIGTERM) -> None:
        if self.process.poll() is None:
            self.process.send_signal(sig)
        try:
            self.process.wait(30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(10)


async def ready(server: FakeDiscord, process: ShardProcess, identifies: int = 1, timeout: float = 180) -> None:
    """The process identified for its shard and registered the commands."""
    deadline = time.monotonic() + timeout
    while server.identified.get(process.shard, 0) < identifies or not server.commands:
        assert process.process.poll() is None, process.output.read_text()[-3000:]
        assert time.monotonic() < deadline, f"shard {process.shard} did not connect: " + \
            process.output.read_text()[-3000:]
        await asyncio.sleep(0.2)


async def ask(server: FakeDiscord, guild: int, question: str, user_id: int):
    return await first_followup(server, await server.slash("ask", guild=guild, user_id=user_id, question=question),
                                timeout=120)


def answer_id(body: dict) -> int:
    return int(buttons(body)[0]["custom_id"].rsplit(":", 1)[1])


async def report_embed(server: FakeDiscord, guild: int) -> str:
    reply = await first_followup(server, await server.slash("report", guild=guild, permissions=MANAGE_GUILD),
                                 timeout=120)
    return reply.body["embeds"][0]["description"]


@pytest.fixture()
async def shard_server() -> FakeDiscord:
    fake = FakeDiscord(shards=SHARDS, track_processes=True)
    await fake.start()
    yield fake
    await fake.stop()


async def test_two_shard_processes_share_one_postgres(shard_server: FakeDiscord, settings: Settings, engine: Engine,
                                                      postgres_server: PostgresServer, tmp_path: Path) -> None:
    server = shard_server
    url = postgres_server.new_database()
    guilds = [guild_on_shard(shard, SHARDS) for shard in range(SHARDS)]
    processes = [ShardProcess(shard, server, settings, url, tmp_path) for shard in range(SHARDS)]
    try:
        for process in processes:
            await ready(server, process)
        # each server's questions are answered by the process running its shard
        replies: dict[int, list] = {guild: [] for guild in guilds}
        for k in range(3):
            for shard, guild in enumerate(guilds):
                reply = await ask(server, guild, f"What is Macrohard? (server {shard}, question {k})", 5000 + k)
                assert reply.pid == processes[shard].pid, f"server {guild} answered by the wrong process"
                replies[guild].append(reply)
        # votes on every answer, each acknowledged by the process of its server
        for shard, guild in enumerate(guilds):
            for k, reply in enumerate(replies[guild]):
                token = await server.press_button(reply.response, f"qb:up:{answer_id(reply.body)}", user_id=7000 + k,
                                                  guild=guild)
                assert "recorded" in (await ephemeral_reply(server, token))["content"]
                assert server.calls[-1].pid == processes[shard].pid
        for guild in guilds:
            assert query(url, "SELECT count(*) FROM answers WHERE guild_id = ?", guild) == [(3,)]
            assert query(url, "SELECT count(*) FROM votes v JOIN answers a ON a.id = v.answer_id"
                              " WHERE a.guild_id = ?", guild) == [(3,)]
        for guild in guilds:  # /report: this server's questions and votes, all of them, not the other's
            description = await report_embed(server, guild)
            assert "Questions: 3 " in description and "Votes: 👍 3 / 👎 0" in description, description

        # shard 1's process is SIGKILLed while it writes a burst of answers
        burst = [await server.slash("ask", guild=guilds[1], user_id=6000 + i, question=f"How many GPUs? {i}")
                 for i in range(BURST)]
        deadline = time.monotonic() + 600
        while query(url, "SELECT count(*) FROM answers WHERE question LIKE ?", "How many GPUs%")[0][0] < 3:
            assert time.monotonic() < deadline, "the burst was not written"
            await asyncio.sleep(0.05)
        processes[1].stop(signal.SIGKILL)
        committed = {row[0] for row in query(url, "SELECT id FROM answers WHERE guild_id = ?", guilds[1])}
        assert len(committed) >= 3 + 3 and len(burst) == BURST
        # the other process keeps answering and logging
        reply = await ask(server, guilds[0], "What is Macrohard? (after the kill)", 5100)
        assert reply.pid == processes[0].pid
        deadline = time.monotonic() + 30
        while not query(url, "SELECT 1 FROM answers WHERE id = ?", answer_id(reply.body)):
            assert time.monotonic() < deadline, "the surviving process stopped logging"
            await asyncio.sleep(0.1)

        # a new process for shard 1 sees every committed record of its server: votes and /report
        processes.append(ShardProcess(1, server, settings, url, tmp_path))
        await ready(server, processes[-1], identifies=2)
        stored = {row[0] for row in query(url, "SELECT id FROM answers WHERE guild_id = ?", guilds[1])}
        assert committed <= stored  # nothing committed was lost
        first = replies[guilds[1]][0]
        token = await server.press_button(first.response, f"qb:down:{answer_id(first.body)}", user_id=7000,
                                          guild=guilds[1])
        vote = await ephemeral_reply(server, token)
        assert "now 👎" in vote["content"], vote  # the vote the killed process recorded is there, and changed
        description = await report_embed(server, guilds[1])
        assert f"Questions: {len(stored)} " in description and "Votes: 👍 2 / 👎 1" in description, description
        assert server.calls[-1].pid == processes[-1].pid
        print(f"\nshards: 2 processes, 6 questions and 6 votes routed by server; SIGKILL with {len(committed) - 3} of "
              f"a {BURST}-question burst committed, all kept; the new shard-1 process saw {len(stored)} answers")
    finally:
        for process in processes:
            process.stop()
