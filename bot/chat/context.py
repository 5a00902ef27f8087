"""What the command modules share: the client they run in, as a protocol (so they never import
the client, bot/chat/client.py), and the defer-run-followup pattern of the heavy commands."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol, TypeVar

import discord
from discord import app_commands

from bot.chat.cooldowns import Cooldowns
from bot.chat.rebuilds import Rebuilds
from bot.storage.question_log import QuestionLog
from index.build import BuildReport
from index.collections import Collections
from index.config import Settings
from index.engine import Engine

T = TypeVar("T")
MAX_OPTION_CHARS = 6000  # Discord's own limit for a string option


class Client(Protocol):
    """The parts of the Discord client that command handlers use."""

    settings: Settings
    collections: Collections  # the library and the servers' collections (index/collections.py)
    cooldowns: Cooldowns
    tree: app_commands.CommandTree
    rebuilds: Rebuilds  # one rebuild per collection at a time (bot/chat/rebuilds.py)
    library_off: set[int]  # servers that turned the shared library off
    question_log: QuestionLog | None  # None when QUOTEBOT_QUESTION_LOG=off (bot/storage/question_log.py)
    autoanswer_channels: set[int]  # channels where questions are answered unasked (bot/chat/autoanswer.py)
    message_content: bool  # Discord granted the Message Content intent (auto-answer needs it)

    @property
    def engine(self) -> Engine: ...  # the library's

    def engine_in(self, guild_id: int | None) -> Engine: ...  # a server's collection + library; blocking

    async def run_engine(self, function: Callable[..., T], *args: Any) -> T: ...

    async def run_in(self, guild_id: int | None, method: str, *args: Any) -> Any: ...

    async def rebuild(self, guild_id: int | None, progress: Callable[[str], None] | None = None
                      ) -> BuildReport | None: ...

    async def is_owner(self, user: discord.abc.User) -> bool: ...


def heavy(bot: Client) -> Callable[[discord.Interaction], bool]:
    """A command check: the command counts against the user's cooldown (raises when on it)."""

    def check(interaction: discord.Interaction) -> bool:
        bot.cooldowns.check(interaction.user.id)
        return True

    check.cooldown = True  # type: ignore[attr-defined]  # read by command_docs.py
    return check


async def respond(bot: Client, interaction: discord.Interaction, method: str, text: str,
                  render: Callable[[Any], list[discord.Embed]], ephemeral: bool = False) -> None:
    """Defer at once (Discord wants a first response within 3 s), run the engine method of the
    interaction's server off the event loop, send the rendered embeds as the followup. Errors go
    to the client's one handler."""
    await interaction.response.defer(thinking=True, ephemeral=ephemeral)
    result = await bot.run_in(interaction.guild_id, method, text)
    await interaction.followup.send(embeds=render(result), ephemeral=ephemeral)
