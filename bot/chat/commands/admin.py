"""/reindex: rebuild this server's collection from its folder (Manage Server), or the shared library
(`library: True`, the bot's owner only)."""

from __future__ import annotations

import discord
from discord import app_commands

from bot.chat.context import Client
from bot.chat.rebuilds import lane_for
from bot.chat.source_changes import target
from index.corpus import SourceRefused


def setup(bot: Client) -> None:
    @bot.tree.command(name="reindex", description="Rebuild this server's index from its sources (admins)")
    @app_commands.describe(library="Rebuild the shared library instead (the bot's owner only)")
    @app_commands.guild_only()
    @app_commands.default_permissions(manage_guild=True)
    @app_commands.checks.has_permissions(manage_guild=True)
    async def reindex(interaction: discord.Interaction, library: bool = False) -> None:
        try:
            guild_id = await target(bot, interaction, library)
        except SourceRefused:
            await interaction.response.send_message("Only the bot's owner can rebuild the shared library.",
                                                    ephemeral=True)
            return
        await interaction.response.defer(ephemeral=True, thinking=True)
        lane = lane_for(None, guild_id)
        if bot.rebuilds.busy(guild_id, lane):
            await interaction.edit_original_response(content="A rebuild is already running; yours is queued and "
                                                              "starts when it ends.")
        async with bot.rebuilds.slot(guild_id, lane):
            report = await bot.rebuild(guild_id)
        text = f"Index rebuilt and live: {report.summary()}." if report else "This server has no sources of its own."
        await interaction.followup.send(text, ephemeral=True)
