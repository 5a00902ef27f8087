"""Auto-answer channels (/autoanswer, bot/chat/commands/autoanswer.py): the bot answers without being asked.

In a forum channel it answers each new post's opening message, in the post's thread. In a text
channel it answers each new message that is a question, in a new thread started from it. It posts
only when the engine's confidence is `answer`: in auto mode it never posts related passages or
"nothing in the sources". Reading messages that do not mention the bot needs the privileged
Message Content intent; without it (Discord refused it at start) auto-answer is off.
"""

from __future__ import annotations

import logging
import re

import discord

from bot.chat import answering, embeds
from bot.chat.context import Client
from bot.chat.embeds import shorten

log = logging.getLogger(__name__)

THREAD_NAME_LIMIT = 100  # Discord's limit for a thread name
_QUESTION_MARK = re.compile(r"[?？]\s*$|[?？]\s")
_EN_START = re.compile(
    r"^(who|whom|whose|what|when|where|which|why|how|is|are|was|were|do|does|did|can|could|will|would|should|"
    r"has|have|had|may|might|any(one|body)|tell me|explain)\b", re.IGNORECASE)
_ZH_QUESTION = re.compile(r"吗|什么|为什么|为何|怎么|怎样|如何|多少|几个|几块|哪|谁|是否|有没有|是不是|呢[。！]?$")


def is_question(text: str) -> bool:
    """A message that asks something: a question mark, or an English or Chinese question word."""
    text = text.strip()
    if not text:
        return False
    return bool(_QUESTION_MARK.search(text) or _EN_START.match(text) or _ZH_QUESTION.search(text))


def forum_post_opening(message: discord.Message, channels: set[int]) -> discord.Thread | None:
    """The thread when `message` opens a post in an auto-answer forum (its id is the thread's)."""
    channel = message.channel
    if isinstance(channel, discord.Thread) and channel.parent_id in channels and message.id == channel.id \
            and isinstance(channel.parent, discord.ForumChannel):
        return channel
    return None


async def auto_answer(bot: Client, message: discord.Message) -> bool:
    """Answer `message` when it is in an auto-answer channel; True when it was one of those
    (whether or not an answer was posted)."""
    if not bot.message_content or message.author.bot or message.guild is None or not bot.autoanswer_channels:
        return False
    thread = forum_post_opening(message, bot.autoanswer_channels)
    in_text_channel = isinstance(message.channel, discord.TextChannel) and message.channel.id in bot.autoanswer_channels
    if thread is None and not in_text_channel:
        return False
    content = message.content.strip()
    if thread is not None:
        question = content if is_question(content) or not content else f"{thread.name}\n{content}"
        question = question or thread.name
    elif is_question(content):
        question = content
    else:
        return True
    if bot.cooldowns.retry_after(message.author.id) is not None:
        log.info("auto-answer skipped: user %s is on cooldown", message.author.id)
        return True
    result, latency_ms = await answering.answer(bot, question)
    if result.confidence != "answer":
        log.info("auto-answer: not posted (confidence %s) in channel %s", result.confidence, message.channel.id)
        return True
    target: discord.abc.Messageable = thread if thread is not None else await message.create_thread(
        name=shorten(" ".join(content.split()), THREAD_NAME_LIMIT))
    view = answering.log_answer(bot, result, message.author.id,
                                answering.Place(message.guild.id, target.id), latency_ms, "auto")
    await target.send(embeds=embeds.answer_embeds(result), view=view)
    return True
