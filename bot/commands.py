"""The slash commands and the "Check citations" message menu: thin handlers over the engine.

Each heavy handler counts against the user's cooldown, defers at once (Discord wants a first
response within 3 s), runs the engine on the bot's worker threads, and sends the rendered
embeds as a followup. Errors go to the one handler in discord_bot.py.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import discord
from discord import app_commands

from . import embeds
from .paging import SearchPager

if TYPE_CHECKING:
    from .discord_bot import QuoteBot

MAX_OPTION_CHARS = 6000  # Discord's own limit for a string option


def register(tree: app_commands.CommandTree, bot: QuoteBot) -> None:
    """Add every command to the tree; handlers reach the engine through `bot`."""

    def heavy(interaction: discord.Interaction) -> bool:
        bot.cooldowns.check(interaction.user.id)
        return True

    async def answer(interaction: discord.Interaction, work: Callable[[str], Any], text: str,
                     render: Callable[[Any], list[discord.Embed]], ephemeral: bool = False) -> None:
        """Defer, run the engine off the event loop, send the rendered embeds as the followup."""
        await interaction.response.defer(thinking=True, ephemeral=ephemeral)
        result = await bot.run_engine(work, text)
        await interaction.followup.send(embeds=render(result), ephemeral=ephemeral)

    @tree.command(name="ask", description="Answer a question with verbatim quotes from the sources")
    @app_commands.describe(question="What do you want to know?")
    @app_commands.check(heavy)
    async def ask(interaction: discord.Interaction, question: app_commands.Range[str, 1, MAX_OPTION_CHARS]) -> None:
        await answer(interaction, bot.engine.ask, question, embeds.answer_embeds)

    @tree.command(name="search", description="Look up the passages that best match a query")
    @app_commands.describe(query="Words or a question to look up")
    @app_commands.check(heavy)
    async def search(interaction: discord.Interaction, query: app_commands.Range[str, 1, MAX_OPTION_CHARS]) -> None:
        await interaction.response.defer(thinking=True)
        quotes = await bot.run_engine(bot.engine.search, query, bot.settings.search_results)
        pager = SearchPager(interaction.user.id, query, quotes, bot.settings.search_page_size,
                            bot.settings.search_timeout)
        pager.message = await interaction.followup.send(embed=pager.embed(), view=pager, wait=True)

    @tree.command(name="check", description="Is a claim or quote supported, contradicted, or not in the sources?")
    @app_commands.describe(claim="A claim or a quotation to check")
    @app_commands.check(heavy)
    async def check(interaction: discord.Interaction, claim: app_commands.Range[str, 1, MAX_OPTION_CHARS]) -> None:
        await answer(interaction, bot.engine.check, claim, embeds.check_embeds)

    @tree.command(name="sources", description="The documents the bot quotes from")
    async def sources(interaction: discord.Interaction) -> None:
        await interaction.response.send_message(embeds=embeds.sources_embeds(bot.engine.data.sources))

    @tree.command(name="help", description="What the bot does and how its citations work")
    async def help_(interaction: discord.Interaction) -> None:
        await interaction.response.send_message(embed=embeds.help_embed(), ephemeral=True)

    @tree.command(name="reindex", description="Rebuild the index from the corpus folder (admins)")
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

    @tree.context_menu(name="Check citations")
    @app_commands.check(heavy)
    async def check_citations(interaction: discord.Interaction, message: discord.Message) -> None:
        if not message.content.strip():
            await interaction.response.send_message("That message has no text to check.", ephemeral=True)
            return
        await answer(interaction, bot.engine.check_message, message.content, embeds.message_check_embeds,
                     ephemeral=True)
