"""Answering a question in Discord (/ask, a mention, a DM, an auto-answer): run the engine off the
event loop, time it, queue the answer's record for the question log, and attach the feedback
buttons (bot/chat/feedback.py) that point at that record. The log is written by its own thread: posting
an answer never waits on the disk, and an answer is posted whether or not the log can be written.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import discord

from bot.chat.context import Client
from bot.chat.feedback import answer_view
from bot.storage.question_log import Entry, LoggedQuote, new_record_id
from bot.storage.user_hash import salted_user_hash
from index.records import Answer


@dataclass(frozen=True)
class Place:
    """Where a question was asked."""

    guild_id: int | None
    channel_id: int | None

    @property
    def dm(self) -> bool:
        return self.guild_id is None


async def answer(bot: Client, question: str) -> tuple[Answer, float]:
    """The engine's answer and how long it took, in milliseconds."""
    started = time.perf_counter()
    result = await bot.run_engine(bot.engine.ask, question)
    return result, (time.perf_counter() - started) * 1000


def log_answer(bot: Client, result: Answer, user_id: int, place: Place, latency_ms: float,
               via: str) -> discord.ui.View | discord.utils._MissingSentinel:
    """Queue the answer's record; its buttons, or MISSING (no buttons) when the log is off."""
    if bot.question_log is None:
        return discord.utils.MISSING
    entry = Entry(id=new_record_id(), asked_at=time.time(), question=result.question, guild_id=place.guild_id,
                  channel_id=place.channel_id, dm=place.dm, user_hash=salted_user_hash(user_id),
                  confidence=result.confidence, latency_ms=round(latency_ms, 1), via=via,
                  quotes=tuple(LoggedQuote(q.source, q.start, q.end, q.text) for q in result.quotes))
    bot.question_log.record(entry)  # written by the log's thread; a failure is logged there, once
    return answer_view(entry.id)
