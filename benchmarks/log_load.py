"""The question log under load, on SQLite and on PostgreSQL: the figures beside each other.

    python benchmarks/log_load.py [--asks 200] [--postgres postgresql://...]

Two measurements per database, each checked for correctness (every question logged exactly once,
every vote kept, a changed vote replaced):

1. The bot: the real QuoteBot and discord.py client against the fake Discord (tests/bot/fake_discord.py),
   `--asks` concurrent /ask, then a vote on every answer and a changed vote on every fourth, all pressed
   at once. Reported: time until every answer is posted, until every vote is acknowledged, and the
   votes' acknowledgement time p50 / p95 (a vote waits for its write; an answer does not).
2. The log alone (bot/storage/question_log.py): `--asks` writers at once, each recording an answer with
   three quotes and then voting on it, five rounds. Reported: answers written a second, and the time
   from asking for a write to its commit, p50 / p95.

PostgreSQL is a throwaway cluster (tests/postgres.py: Debian's postgresql, initdb in a temporary
folder, fsync on, as installed) unless --postgres names a server. Run it under `nice`: it loads the
model once and answers `--asks` questions per database.
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import logging
import statistics
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests"), str(ROOT / "tests" / "bot")]

import discord  # noqa: E402
from community import TOKEN, buttons, running_bot  # noqa: E402
from discord.gateway import DiscordWebSocket  # noqa: E402
from fake_discord import FakeDiscord  # noqa: E402
from postgres import PostgresServer, query  # noqa: E402

from bot.storage.question_log import Entry, LoggedQuote, QuestionLog, new_record_id  # noqa: E402
from bot.storage.user_hash import UserHasher  # noqa: E402
from index.config import Settings, load_settings  # noqa: E402
from index.engine import Engine  # noqa: E402

QUESTIONS = ["What is Macrohard?", "How many GPUs are in Memphis?", "Who leads Imagine?", "xAI 有多少员工？"]


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


async def _wait(server: FakeDiscord, predicate, timeout: float = 900.0):
    return await server.wait_for(predicate, timeout)


async def bot_load(settings: Settings, engine: Engine, target: Path | str, asks: int) -> dict[str, float]:
    place = {"database_url": target} if isinstance(target, str) else {"question_log": target}
    bot_settings = dataclasses.replace(settings, discord_token=TOKEN, cooldown_seconds=0.0, log_salt="bench", **place)
    server = FakeDiscord()
    await server.start()
    discord.http.Route.BASE = server.rest_base
    DiscordWebSocket.DEFAULT_GATEWAY = discord.gateway.yarl.URL(server.gateway_url)
    try:
        started = time.monotonic()
        async with running_bot(bot_settings, engine):
            questions = {f"{QUESTIONS[i % len(QUESTIONS)]} {i}": 5000 + i for i in range(asks)}
            tokens = [await server.slash("ask", user_id=user, question=q) for q, user in questions.items()]
            replies = await asyncio.gather(*(_wait(server, lambda c, t=t: c.path.startswith("/webhooks/")
                                                   and t in c.path and c.method == "POST") for t in tokens))
            answered = time.monotonic() - started
            presses = []
            for i, reply in enumerate(replies):
                answer_id = int(buttons(reply.body)[0]["custom_id"].rsplit(":", 1)[1])
                presses.append((reply.response, f"qb:{'up' if i % 2 else 'down'}:{answer_id}", 7000 + i, answer_id))
                if i % 4 == 0:
                    presses.append((reply.response, f"qb:up:{answer_id}", 7000 + i, answer_id))
            voting = time.monotonic()
            sent = [(await server.press_button(m, custom_id, user_id=user), time.monotonic())
                    for m, custom_id, user, _ in presses]
            acks = await asyncio.gather(*(_wait(server, lambda c, t=t: c.path.endswith(f"/{t}/callback"))
                                          for t, _ in sent))
            voted = time.monotonic() - voting
            ack_times = [ack.at - at for ack, (_, at) in zip(acks, sent, strict=True)]
        logged = query(target, "SELECT question, count(*) FROM answers GROUP BY question")
        votes = dict(query(target, "SELECT answer_id || ':' || user_hash, vote FROM votes"))
        hasher = UserHasher.from_settings(bot_settings)
        expected = {}
        for _, custom_id, user, answer_id in presses:
            expected[f"{answer_id}:{hasher(user)}"] = 1 if custom_id.startswith("qb:up") else -1
        acknowledged = all(any(word in a.body["data"]["content"] for word in ("recorded", "now 👍")) for a in acks)
        ok = sorted(q for q, _ in logged) == sorted(questions) and all(n == 1 for _, n in logged) \
            and votes == expected and acknowledged
        return {"answered_s": answered, "votes": len(presses), "voted_s": voted,
                "vote_p50_ms": 1000 * statistics.median(ack_times), "vote_p95_ms": 1000 * percentile(ack_times, 95),
                "correct": ok}
    finally:
        await server.stop()


def log_alone(target: Path | str, writers: int, rounds: int = 5) -> dict[str, float]:
    log = QuestionLog(target).start()
    latencies: list[float] = []
    ids: list[int] = []

    def one(i: int) -> None:
        entry = Entry(new_record_id(), time.time(), f"load question {i}", 1, 2, False, f"user{i}", "answer", 12.0,
                      "ask", tuple(LoggedQuote("a.md", j * 10, j * 10 + 9, f"quoted text {j}") for j in range(3)))
        asked = time.monotonic()
        log.record(entry).result(120)
        latencies.append(time.monotonic() - asked)
        asked = time.monotonic()
        log.vote(entry.id, f"voter{i}", 1).result(120)
        latencies.append(time.monotonic() - asked)
        ids.append(entry.id)

    started = time.monotonic()
    try:
        with ThreadPoolExecutor(writers) as pool:
            list(pool.map(one, range(writers * rounds)))
        elapsed = time.monotonic() - started
    finally:
        log.close()
    stored = query(target, "SELECT count(*) FROM answers WHERE question LIKE 'load question %'")[0][0]
    kept = query(target, "SELECT count(*) FROM votes WHERE user_hash LIKE 'voter%'")[0][0]
    return {"answers_per_s": len(ids) / elapsed, "write_p50_ms": 1000 * statistics.median(latencies),
            "write_p95_ms": 1000 * percentile(latencies, 95), "correct": stored == len(ids) == kept}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--asks", type=int, default=200)
    parser.add_argument("--postgres", help="a postgresql:// URL of an empty database (default: a throwaway cluster)")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    settings = load_settings()
    engine = Engine.load(settings)
    server = None
    with tempfile.TemporaryDirectory() as folder:
        if args.postgres:
            databases = {"SQLite": lambda name: Path(folder) / f"{name}.sqlite3", "PostgreSQL": lambda _: args.postgres}
        else:
            server = PostgresServer().start()
            databases = {"SQLite": lambda name: Path(folder) / f"{name}.sqlite3",
                         "PostgreSQL": lambda _: server.new_database()}
        try:
            rows = []
            for name, place in databases.items():
                bot = asyncio.run(bot_load(settings, engine, place("bot"), args.asks))
                alone = log_alone(place("alone"), args.asks)
                rows.append((name, bot, alone))
        finally:
            if server is not None:
                server.stop()
    print(f"\n{args.asks} concurrent /ask, then every vote at once (bot + fake Discord); and the log alone, "
          f"{args.asks} writers x 5 rounds (an answer with 3 quotes, then a vote)\n")
    print("| database | answers posted | votes acknowledged | vote ack p50 / p95 | log alone: answers/s "
          "| write p50 / p95 | all logged once, every vote kept |")
    print("| --- | --- | --- | --- | --- | --- | --- |")
    for name, bot, alone in rows:
        print(f"| {name} | {bot['answered_s']:.1f} s | {bot['votes']} in {bot['voted_s']:.1f} s "
              f"| {bot['vote_p50_ms']:.0f} / {bot['vote_p95_ms']:.0f} ms | {alone['answers_per_s']:.0f} "
              f"| {alone['write_p50_ms']:.1f} / {alone['write_p95_ms']:.1f} ms "
              f"| {'yes' if bot['correct'] and alone['correct'] else 'NO'} |")


if __name__ == "__main__":
    main()
