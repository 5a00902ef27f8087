"""What the command modules share: the client they run in, as a protocol (so they never import
the client, bot/chat/client.py), and the defer-run-followup pattern of the heavy commands."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any, Protocol, TypeVar

import discord
from discord import app_commands

from bot.chat.cooldowns import Cooldowns
from bot.storage.question_log import QuestionLog
from index.build import BuildReport
from index.config import Settings
from index.engine import Engine

T = TypeVar("T")
MAX_OPTION_CHARS = 6000  # Discord's own limit for a string option


class Client(Protocol):
    """The parts of the Discord client that command handlers use."""

    settings: Settings
    cooldowns: Cooldowns
    tree: app_commands.CommandTree
    reindexing: bool
    rebuild_lock: asyncio.Lock  # held around a rebuild and the corpus change before it
    question_log: QuestionLog | None  # None when QUOTEBOT_QUESTION_LOG=off (bot/storage/question_log.py)
    autoanswer_channels: set[int]  # channels where questions are answered unasked (bot/chat/autoanswer.py)
    message_content: bool  # Discord granted the Message Content intent (auto-answer needs it)

    @property
    def engine(self) -> Engine: ...

    async def run_engine(self, function: Callable[..., T], *args: Any) -> T: ...

    async def reindex(self, progress: Callable[[str], None] | None = None) -> BuildReport: ...


def heavy(bot: Client) -> Callable[[discord.Interaction], bool]:
    """A command check: the command counts against the user's cooldown (raises when on it)."""

    def check(interaction: discord.Interaction) -> bool:
        bot.cooldowns.check(interaction.user.id)
        return True

    check.cooldown = True  # type: ignore[attr-defined]  # read by command_docs.py
    return check


async def respond(bot: Client, interaction: discord.Interaction, work: Callable[[str], Any], text: str,
                  render: Callable[[Any], list[discord.Embed]], ephemeral: bool = False) -> None:
    """Defer at once (Discord wants a first response within 3 s), run the engine off the event
    loop, send the rendered embeds as the followup. Errors go to the client's one handler."""
    await interaction.response.defer(thinking=True, ephemeral=ephemeral)
    result = await bot.run_engine(work, text)
    await interaction.followup.send(embeds=render(result), ephemeral=ephemeral)
