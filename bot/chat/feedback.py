"""The buttons under every answer: 👍, 👎 and More context.

They are persistent (discord.py DynamicItem): the custom_id carries the answer's record id in the
question log (`qb:up:<id>`, `qb:down:<id>`, `qb:more:<id>`), so they keep working after the bot
restarts. Each user has one vote per answer (voting again replaces it); every press gets a short
answer only the presser sees, never a failed interaction.
"""

from __future__ import annotations

import asyncio
import logging
import re
from typing import Any

import discord

from bot.chat.context import Client
from bot.chat.more_context import context_embeds
from bot.storage.question_log import LogUnavailable
from bot.storage.user_hash import salted_user_hash

log = logging.getLogger(__name__)

NOT_ON_RECORD = "This answer is no longer on record."
LOG_DOWN = "Your vote could not be recorded just now; please try again later."
LOG_OFF = "Feedback is not kept on this bot (its question log is turned off)."
VOTES = {"up": 1, "down": -1}
EMOJI = {"up": "👍", "down": "👎"}
ACKS = {
    "new": "Thanks — your {emoji} is recorded.",
    "changed": "Thanks — your vote is now {emoji}.",
    "same": "Your {emoji} was already recorded.",
}
TIMEOUT = 2.5  # seconds to wait for the log before answering the press anyway (Discord allows 3)


TEMPLATE = r"qb:(?P<action>up|down|more):(?P<id>[0-9]{1,19})"  # the custom_id: action and record id


class AnswerButton(discord.ui.DynamicItem[discord.ui.Button], template=TEMPLATE):
    def __init__(self, action: str, record_id: int) -> None:
        if action == "more":
            button = discord.ui.Button(label="More context", style=discord.ButtonStyle.secondary,
                                       custom_id=f"qb:more:{record_id}")
        else:
            button = discord.ui.Button(emoji=EMOJI[action], style=discord.ButtonStyle.secondary,
                                       custom_id=f"qb:{action}:{record_id}")
        super().__init__(button)
        self.action = action
        self.record_id = record_id

    @classmethod
    async def from_custom_id(cls, interaction: discord.Interaction, item: discord.ui.Button,
                             match: re.Match[str]) -> AnswerButton:
        return cls(match["action"], int(match["id"]))

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        bot: Client = interaction.client
        try:
            if self.action == "more":
                await more_context(bot, interaction, self.record_id)
            else:
                await vote(bot, interaction, self.record_id, VOTES[self.action])
        except Exception:
            log.exception("the %s button failed for answer %s", self.action, self.record_id)
            if not interaction.response.is_done():
                await interaction.response.send_message("Something went wrong on our side; it has been logged.",
                                                        ephemeral=True)


def answer_view(record_id: int) -> discord.ui.View:
    """The buttons for one answer (no timeout: they work for as long as the answer is on record)."""
    view = discord.ui.View(timeout=None)
    for action in ("up", "down", "more"):
        view.add_item(AnswerButton(action, record_id))
    return view


async def vote(bot: Client, interaction: discord.Interaction, record_id: int, value: int) -> None:
    if bot.question_log is None:
        await interaction.response.send_message(LOG_OFF, ephemeral=True)
        return
    emoji = EMOJI["up" if value > 0 else "down"]
    try:
        result = await asyncio.wait_for(asyncio.wrap_future(
            bot.question_log.vote(record_id, salted_user_hash(interaction.user.id), value)), TIMEOUT)
    except (LogUnavailable, TimeoutError):
        await interaction.response.send_message(LOG_DOWN, ephemeral=True)
        return
    text = NOT_ON_RECORD if result == "missing" else ACKS[result].format(emoji=emoji)
    await interaction.response.send_message(text, ephemeral=True)


async def more_context(bot: Client, interaction: discord.Interaction, record_id: int) -> None:
    if bot.question_log is None:
        await interaction.response.send_message(LOG_OFF, ephemeral=True)
        return
    try:
        entry = await asyncio.wait_for(asyncio.wrap_future(bot.question_log.answer(record_id)), TIMEOUT)
    except (LogUnavailable, TimeoutError):
        await interaction.response.send_message("The answer's record cannot be read just now; please try again.",
                                                ephemeral=True)
        return
    if entry is None:
        await interaction.response.send_message(NOT_ON_RECORD, ephemeral=True)
        return
    await interaction.response.send_message(embeds=context_embeds(bot.engine, entry.quotes), ephemeral=True)
