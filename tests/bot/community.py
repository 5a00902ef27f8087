"""Helpers for the tests of the community features (feedback, question log, report, auto-answer):
a real QuoteBot with its own question log, run against the fake Discord."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
from collections.abc import AsyncIterator
from pathlib import Path

from fake_discord import FakeDiscord

from bot.chat.client import QuoteBot
from index.config import Settings
from index.engine import Engine

TOKEN = "fake.token.for-tests-only"
MANAGE_GUILD = str(1 << 5)


def community_settings(settings: Settings, folder: Path, **changes: object) -> Settings:
    defaults: dict[str, object] = {"discord_token": TOKEN, "cooldown_seconds": 0.0,
                                   "question_log": folder / "questions.sqlite3"}
    return dataclasses.replace(settings, **{**defaults, **changes})


@contextlib.asynccontextmanager
async def running_bot(settings: Settings, engine: Engine) -> AsyncIterator[QuoteBot]:
    """A started QuoteBot (READY), closed (its log flushed) on exit."""
    bot = QuoteBot(settings, engine, guild_ready_timeout=0.05)
    task = asyncio.create_task(bot.start(TOKEN))
    try:
        await asyncio.wait_for(bot.wait_until_ready(), 20)
        yield bot
    finally:
        await bot.close()
        await asyncio.wait_for(task, 10)


def buttons(body: dict) -> list[dict]:
    return [c for row in body.get("components") or [] for c in row["components"]]


async def ephemeral_reply(server: FakeDiscord, token: str) -> dict:
    """The immediate (type 4) ephemeral answer to an interaction."""
    call = await server.wait_for(lambda c: c.path.endswith(f"/{token}/callback"))
    assert call.body["type"] == 4 and call.body["data"]["flags"] & 64, call.body
    return call.body["data"]
