"""The settings of shard processes and PostgreSQL: QUOTEBOT_SHARDS, QUOTEBOT_SHARD_IDS and
QUOTEBOT_DATABASE_URL read (bad values refused with the reason), and a process warned, once, about
collections in its data folder that belong to other processes' shards."""

from __future__ import annotations

import dataclasses
import logging
from pathlib import Path

import pytest
from fake_discord import guild_on_shard

from bot.chat.client import ShardedQuoteBot, shard_of, warn_misplaced_collections
from index.collections import server_folder
from index.config import Settings, load_settings
from index.errors import ConfigError


def test_shard_and_database_settings_are_read(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("QUOTEBOT_SHARDS", "QUOTEBOT_SHARD_IDS", "QUOTEBOT_DATABASE_URL"):
        monkeypatch.delenv(name, raising=False)
    plain = load_settings()
    assert (plain.shards, plain.shard_ids, plain.database_url) == (None, None, None)  # SQLite, one process
    monkeypatch.setenv("QUOTEBOT_SHARDS", "8")
    monkeypatch.setenv("QUOTEBOT_SHARD_IDS", "0, 2,4-6")
    monkeypatch.setenv("QUOTEBOT_DATABASE_URL", "postgresql://bot:secret@db/quotebot")
    settings = load_settings()
    assert (settings.shards, settings.shard_ids) == (8, (0, 2, 4, 5, 6))
    assert settings.database_url == "postgresql://bot:secret@db/quotebot" and "secret" not in repr(settings)
    bot = ShardedQuoteBot(settings, None)
    assert (bot.shard_count, bot.shard_ids) == (8, [0, 2, 4, 5, 6])


@pytest.mark.parametrize(("env", "message"), [
    ({"QUOTEBOT_SHARD_IDS": "0"}, "QUOTEBOT_SHARD_IDS needs QUOTEBOT_SHARDS"),
    ({"QUOTEBOT_SHARDS": "2", "QUOTEBOT_SHARD_IDS": "2"}, "between 0 and 1"),
    ({"QUOTEBOT_SHARDS": "2", "QUOTEBOT_SHARD_IDS": "one"}, "shard numbers like 0,1 or 4-7"),
    ({"QUOTEBOT_SHARDS": "-1"}, "QUOTEBOT_SHARDS must be between"),
    ({"QUOTEBOT_DATABASE_URL": "mysql://db/quotebot"}, "must be a postgresql:// URL"),
])
def test_bad_shard_and_database_settings_are_refused(monkeypatch: pytest.MonkeyPatch, env: dict[str, str],
                                                     message: str) -> None:
    for name in ("QUOTEBOT_SHARDS", "QUOTEBOT_SHARD_IDS", "QUOTEBOT_DATABASE_URL"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    with pytest.raises(ConfigError, match=message):
        load_settings()


def test_collections_of_other_shards_are_named_in_one_warning(tmp_path: Path,
                                                              caplog: pytest.LogCaptureFixture) -> None:
    settings = dataclasses.replace(Settings(), data_dir=tmp_path, shards=2, shard_ids=(0,))
    mine, theirs = guild_on_shard(0, 2), guild_on_shard(1, 2)
    assert (shard_of(mine, 2), shard_of(theirs, 2)) == (0, 1)
    server_folder(tmp_path, mine).mkdir(parents=True)
    with caplog.at_level(logging.WARNING):
        warn_misplaced_collections(settings, (0,))
    assert caplog.records == []
    server_folder(tmp_path, theirs).mkdir(parents=True)
    with caplog.at_level(logging.WARNING):
        warn_misplaced_collections(settings, (0,))
    (warning,) = [r.getMessage() for r in caplog.records]
    assert f"{theirs} (shard 1)" in warning and str(mine) not in warning and "1 collections" in warning
