"""The client loads the command modules from one list, and a module that fails does not stop the others."""

from __future__ import annotations

import dataclasses
import logging

import pytest

from bot.chat import client
from bot.chat.client import COMMAND_MODULES, QuoteBot
from index.config import load_settings


def _names(bot: QuoteBot) -> set[str]:
    return {command.name for command in bot.tree.get_commands()}


def test_every_command_module_is_loaded_from_the_list() -> None:
    assert len(COMMAND_MODULES) == len(set(COMMAND_MODULES)) == 7
    bot = QuoteBot(dataclasses.replace(load_settings(), sync_commands=False), None)
    assert _names(bot) == {"ask", "check", "Check citations", "search", "sources", "help", "reindex", "source",
                           "report", "autoanswer"}


def test_a_command_module_that_fails_is_logged_and_the_others_still_load(monkeypatch: pytest.MonkeyPatch,
                                                                         caplog: pytest.LogCaptureFixture) -> None:
    modules = ("bot.chat.commands.info", "bot.chat.commands.nothing", "bot.chat.commands.admin")
    monkeypatch.setattr(client, "COMMAND_MODULES", modules)
    with caplog.at_level(logging.ERROR):
        bot = QuoteBot(dataclasses.replace(load_settings(), sync_commands=False), None)
    assert _names(bot) == {"sources", "help", "reindex"}
    assert "could not load the commands of bot.chat.commands.nothing" in caplog.text
