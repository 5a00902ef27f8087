"""What the Discord tests share: the fake Discord, with discord.py pointed at it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import discord
import pytest
from discord.gateway import DiscordWebSocket
from fake_discord import FakeDiscord


@pytest.fixture(autouse=True)
def data_dir(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Each test's own data folder (servers' collections), never the repository's .data."""
    folder = tmp_path_factory.mktemp("data")
    monkeypatch.setenv("QUOTEBOT_DATA_DIR", str(folder))
    return folder


@pytest.fixture()
async def server(monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[FakeDiscord]:
    """The fake Discord, with discord.py's REST base and gateway URL pointed at it."""
    fake = FakeDiscord()
    await fake.start()
    monkeypatch.setattr(discord.http.Route, "BASE", fake.rest_base)
    monkeypatch.setattr(DiscordWebSocket, "DEFAULT_GATEWAY", discord.gateway.yarl.URL(fake.gateway_url))
    yield fake
    await fake.stop()


@pytest.fixture(params=["sqlite", "postgres"])
def log_target(request: pytest.FixtureRequest, tmp_path: Path) -> Path | str:
    """Where a test's question log is kept, once per database: a SQLite file, or a fresh database
    on the throwaway PostgreSQL server (tests/postgres.py)."""
    if request.param == "sqlite":
        return tmp_path / "questions.sqlite3"
    return request.getfixturevalue("postgres_server").new_database()
