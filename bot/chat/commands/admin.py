"""/reindex: rebuild the index from the corpus folder (server admins only)."""

from __future__ import annotations

import discord
from discord import app_commands

from bot.chat.context import Client


def setup(bot: Client) -> None:
    @bot.tree.command(name="reindex", description="Rebuild the index from the corpus folder (admins)")
    @app_commands.guild_only()
    @app_commands.default_permissions(manage_guild=True)
    @app_commands.checks.has_permissions(manage_guild=True)
    async def reindex(interaction: discord.Interaction) -> None:
        await interaction.response.defer(ephemeral=True, thinking=True)
        if bot.rebuild_lock.locked():
            await interaction.edit_original_response(content="A rebuild is already running; yours is queued and "
                                                              "starts when it ends.")
        async with bot.rebuild_lock:
            report = await bot.reindex()
        await interaction.followup.send(f"Index rebuilt and live: {report.summary()}.", ephemeral=True)
