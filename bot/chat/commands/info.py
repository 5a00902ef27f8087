"""/sources and /help: what the bot quotes from, and how it works."""

from __future__ import annotations

import discord

from bot.chat import embeds
from bot.chat.context import Client


def setup(bot: Client) -> None:
    @bot.tree.command(name="sources", description="The documents the bot quotes from")
    async def sources(interaction: discord.Interaction) -> None:
        await interaction.response.send_message(embeds=embeds.sources_embeds(bot.engine.data.sources))

    @bot.tree.command(name="help", description="What the bot does and how its citations work")
    async def help_(interaction: discord.Interaction) -> None:
        log_days = bot.settings.log_days if bot.settings.question_log is not None else None
        await interaction.response.send_message(embed=embeds.help_embed(log_days), ephemeral=True)
