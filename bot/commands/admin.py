"""/reindex: rebuild the index from the corpus folder (server admins only)."""

from __future__ import annotations

import discord
from discord import app_commands

from ..context import Client


def setup(bot: Client) -> None:
    @bot.tree.command(name="reindex", description="Rebuild the index from the corpus folder (admins)")
    @app_commands.guild_only()
    @app_commands.default_permissions(manage_guild=True)
    @app_commands.checks.has_permissions(manage_guild=True)
    async def reindex(interaction: discord.Interaction) -> None:
        if bot.reindexing:
            await interaction.response.send_message("A rebuild is already running.", ephemeral=True)
            return
        await interaction.response.defer(ephemeral=True, thinking=True)
        report = await bot.reindex()
        await interaction.followup.send(f"Index rebuilt and live: {report.summary()}.", ephemeral=True)
