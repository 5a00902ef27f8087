"""/sources and /help: what the bot quotes from (this server's sources, then the shared library's),
turning the library on or off for the server, and how it works."""

from __future__ import annotations

import asyncio

import discord
from discord import app_commands

from bot.chat import embeds
from bot.chat.context import Client
from bot.storage.question_log import LogUnavailable

SWITCH = [app_commands.Choice(name="on", value="on"), app_commands.Choice(name="off", value="off")]


def setup(bot: Client) -> None:
    @bot.tree.command(name="sources", description="The documents the bot quotes from here")
    @app_commands.describe(library="Answer this server from the shared library too (on) or not (off); Manage Server")
    @app_commands.choices(library=SWITCH)
    async def sources(interaction: discord.Interaction, library: app_commands.Choice[str] | None = None) -> None:
        guild_id = interaction.guild_id
        if library is not None:
            if guild_id is None:
                await interaction.response.send_message("That works in a server, not in DMs.", ephemeral=True)
                return
            if not interaction.permissions.manage_guild:
                await interaction.response.send_message("You need the Manage Server permission to do that.",
                                                        ephemeral=True)
                return
            await switch_library(bot, interaction, guild_id, library.value == "on")
            return
        own = [] if guild_id is None else await bot.run_engine(server_sources, bot, guild_id)
        with_library = guild_id is None or guild_id not in bot.library_off
        await interaction.response.send_message(embeds=embeds.sources_embeds(
            own, bot.engine.data.sources if with_library else [], server=guild_id is not None))

    @bot.tree.command(name="help", description="What the bot does and how its citations work")
    async def help_(interaction: discord.Interaction) -> None:
        log_days = bot.settings.log_days if bot.settings.question_log is not None else None
        await interaction.response.send_message(embed=embeds.help_embed(log_days), ephemeral=True)


def server_sources(bot: Client, guild_id: int) -> list:
    """The server's own sources (blocking: loads its collection)."""
    engine = bot.collections.own(guild_id)
    return engine.data.sources if engine is not None else []


async def switch_library(bot: Client, interaction: discord.Interaction, guild_id: int, on: bool) -> None:
    """Turn the shared library on or off for the server; kept in the question log's database."""
    if bot.question_log is not None:
        try:
            await asyncio.wrap_future(bot.question_log.set_library(guild_id, on))
        except LogUnavailable:
            await interaction.response.send_message("The setting cannot be saved just now; nothing was changed.",
                                                    ephemeral=True)
            return
    (bot.library_off.discard if on else bot.library_off.add)(guild_id)
    text = ("This server is answered from its own sources and the shared library." if on else
            "This server is answered from its own sources only; the shared library is off.")
    if bot.question_log is None:
        text += " (The question log is off, so this lasts until the bot restarts.)"
    await interaction.response.send_message(text, ephemeral=True)
