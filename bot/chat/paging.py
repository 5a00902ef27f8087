"""Previous/Next buttons for /search results: only the person who searched can page, and the
buttons are disabled when the view times out."""

from __future__ import annotations

import logging

import discord

from bot.chat.embeds import search_embed
from index.records import Quote

log = logging.getLogger(__name__)


class SearchPager(discord.ui.View):
    def __init__(self, owner_id: int, query: str, quotes: list[Quote], page_size: int, timeout: float) -> None:
        super().__init__(timeout=timeout)
        self.owner_id = owner_id
        self.query = query
        self.quotes = quotes
        self.page_size = page_size
        self.page = 0
        self.message: discord.WebhookMessage | None = None  # set once sent, to disable the buttons later
        self._update_buttons()

    @property
    def pages(self) -> int:
        return max(1, -(-len(self.quotes) // self.page_size))

    def embed(self) -> discord.Embed:
        return search_embed(self.query, self.quotes, self.page, self.page_size)

    def _update_buttons(self) -> None:
        self.previous.disabled = self.page == 0
        self.next.disabled = self.page >= self.pages - 1

    async def interaction_check(self, interaction: discord.Interaction) -> bool:
        if interaction.user.id == self.owner_id:
            return True
        await interaction.response.send_message(
            "Only the person who searched can turn these pages; run /search yourself.", ephemeral=True
        )
        return False

    async def _turn(self, interaction: discord.Interaction, step: int) -> None:
        self.page = min(max(0, self.page + step), self.pages - 1)
        self._update_buttons()
        await interaction.response.edit_message(embed=self.embed(), view=self)

    @discord.ui.button(label="Previous", style=discord.ButtonStyle.secondary, custom_id="search:previous")
    async def previous(self, interaction: discord.Interaction, _: discord.ui.Button) -> None:
        await self._turn(interaction, -1)

    @discord.ui.button(label="Next", style=discord.ButtonStyle.primary, custom_id="search:next")
    async def next(self, interaction: discord.Interaction, _: discord.ui.Button) -> None:
        await self._turn(interaction, +1)

    async def on_timeout(self) -> None:
        for item in self.children:
            if isinstance(item, discord.ui.Button):
                item.disabled = True
        if self.message is not None:
            try:
                await self.message.edit(view=self)
            except discord.HTTPException:
                log.info("could not disable the search buttons (message gone or token expired)")

    async def on_error(self, interaction: discord.Interaction, error: Exception, item: discord.ui.Item) -> None:
        log.error("search pager failed for user %s", interaction.user.id, exc_info=error)
