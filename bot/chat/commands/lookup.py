"""/search: the passages that best match a query, a page at a time."""

from __future__ import annotations

import discord
from discord import app_commands

from bot.chat.context import MAX_OPTION_CHARS, Client, heavy
from bot.chat.paging import SearchPager


def setup(bot: Client) -> None:
    @bot.tree.command(name="search", description="Look up the passages that best match a query")
    @app_commands.describe(query="Words or a question to look up")
    @app_commands.check(heavy(bot))
    async def search(interaction: discord.Interaction, query: app_commands.Range[str, 1, MAX_OPTION_CHARS]) -> None:
        await interaction.response.defer(thinking=True)
        quotes = await bot.run_in(interaction.guild_id, "search", query, bot.settings.search_results)
        pager = SearchPager(interaction.user.id, query, quotes, bot.settings.search_page_size,
                            bot.settings.search_timeout)
        pager.message = await interaction.followup.send(embed=pager.embed(), view=pager, wait=True)
