"""Auto-answer channels on the real client against the fake Discord: a forum (each new post's opening
message, answered in its thread), a text channel (questions only, each in a new thread), only when
the confidence is `answer`, kept across restarts, Manage Server only, and the bot running on
without auto-answer when Discord refuses the Message Content intent."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path

import pytest
from community import MANAGE_GUILD, buttons, community_settings, ephemeral_reply, running_bot
from fake_discord import (
    CHANNEL_ID,
    FORUM_ID,
    GUILD_ID,
    MESSAGE_CONTENT,
    FakeDiscord,
    forum_channel,
    text_channel,
)
from test_discord import first_followup

from bot.chat.autoanswer import is_question
from bot.chat.client import MESSAGE_CONTENT_REFUSED, QuoteBot
from index.config import Settings
from index.engine import Engine

ANSWERED = "How many GPUs are in the Memphis data center?"
NOT_ANSWERED = "What's the weather in Paris tomorrow?"


async def joined(fake: FakeDiscord, bot: QuoteBot) -> None:
    await fake.add_guild()
    for _ in range(200):
        if bot.get_guild(GUILD_ID) is not None:
            return
        await asyncio.sleep(0.02)
    raise TimeoutError("the bot did not see the server")


async def autoanswer(fake: FakeDiscord, switch: str, channel: dict, permissions: str = MANAGE_GUILD) -> dict:
    options = [{"name": switch, "type": 1, "options": [{"name": "channel", "type": 7, "value": channel["id"]}]}]
    resolved = {"channels": {channel["id"]: {**channel, "permissions": "2147483647"}}}
    return await ephemeral_reply(fake, await fake.slash_with("autoanswer", options, resolved, permissions=permissions))


async def logged(caplog: pytest.LogCaptureFixture, text: str, timeout: float = 60.0) -> None:
    for _ in range(int(timeout / 0.05)):
        if any(text in r.getMessage() for r in caplog.records):
            return
        await asyncio.sleep(0.05)
    raise TimeoutError(f"no log line with {text!r}")


def test_what_counts_as_a_question() -> None:
    for text in ("How many GPUs?", "how many gpus are there", "Does it ship in May", "多少块 GPU", "有人知道吗",
                 "Memphis 有多少 GPU？", "anyone know the launch date"):
        assert is_question(text), text
    for text in ("good morning everyone", "thanks!", "", "I love this server", "已经好了。"):
        assert not is_question(text), text


async def test_autoanswer_in_a_forum_answers_new_posts_in_their_thread(
        server: FakeDiscord, settings: Settings, engine: Engine, tmp_path: Path,
        caplog: pytest.LogCaptureFixture) -> None:
    bot_settings = community_settings(settings, tmp_path)
    async with running_bot(bot_settings, engine) as bot:
        await joined(server, bot)
        refused = await autoanswer(server, "on", forum_channel(), permissions="1024")
        assert "Manage Server" in refused["content"] and FORUM_ID not in bot.autoanswer_channels
        done = await autoanswer(server, "on", forum_channel())
        assert "Auto-answer is on" in done["content"] and "kept across restarts" in done["content"]
        assert bot.autoanswer_channels == {FORUM_ID}
    async with running_bot(bot_settings, engine) as bot:  # the setting survives a restart
        assert bot.autoanswer_channels == {FORUM_ID}
        await joined(server, bot)
        with caplog.at_level(logging.INFO, logger="bot.chat.autoanswer"):
            skipped = await server.forum_post("Weather?", NOT_ANSWERED)
            await logged(caplog, "auto-answer: not posted")
            post = await server.forum_post("GPUs in Memphis", ANSWERED, user_id=77)
            reply = await server.wait_for(lambda c: c.method == "POST" and c.path == f"/channels/{post['id']}/messages")
        assert reply.body["embeds"] and "Memphis" in reply.body["embeds"][0]["description"]
        assert len(buttons(reply.body)) == 3  # the answer carries its feedback buttons
        assert not server.posts_in(skipped["id"])  # in auto mode, never a related / "none" reply
        # a later message in the post's thread is not the opening message: not auto-answered
        await server.channel_message(ANSWERED, channel_id=int(post["id"]))
        off = await autoanswer(server, "off", forum_channel())
        assert "off" in off["content"] and not bot.autoanswer_channels
        late = await server.forum_post("More GPUs", ANSWERED)
        await asyncio.sleep(1.0)
        assert not server.posts_in(late["id"]) and len(server.posts_in(post["id"])) == 1
        assert bot.question_log is not None
        (entry,) = [e for e in await asyncio.wrap_future(bot.question_log.entries(0)) if e.via == "auto"]
        assert entry.confidence == "answer" and entry.channel_id == int(post["id"])


async def test_autoanswer_in_a_text_channel_answers_questions_in_a_new_thread(
        server: FakeDiscord, settings: Settings, engine: Engine, tmp_path: Path,
        caplog: pytest.LogCaptureFixture) -> None:
    async with running_bot(community_settings(settings, tmp_path), engine) as bot:
        await joined(server, bot)
        done = await autoanswer(server, "on", text_channel())
        assert "each new message that is a question, in a new thread" in done["content"]
        chatter = await server.channel_message("good morning everyone")
        with caplog.at_level(logging.INFO, logger="bot.chat.autoanswer"):
            unanswerable = await server.channel_message(NOT_ANSWERED)
            await logged(caplog, "auto-answer: not posted")
        question = await server.channel_message(ANSWERED, user_id=78)
        thread = await server.wait_for(lambda c: c.method == "POST"
                                       and c.path == f"/channels/{CHANNEL_ID}/messages/{question['id']}/threads")
        assert thread.body["name"] == ANSWERED
        reply = await server.wait_for(lambda c: c.method == "POST" and c.path == f"/channels/{question['id']}/messages")
        assert reply.body["embeds"] and len(buttons(reply.body)) == 3
        started = [c.path for c in server.calls if c.path.endswith("/threads")]
        assert started == [thread.path]  # no thread for chatter, none for a question the sources do not answer
        assert chatter["id"] not in str(started) and unanswerable["id"] not in str(started)
        assert not server.posts_in(CHANNEL_ID)  # nothing posted in the channel itself


async def test_a_refused_message_content_intent_is_one_line_and_the_bot_runs_on(
        server: FakeDiscord, settings: Settings, engine: Engine, tmp_path: Path,
        caplog: pytest.LogCaptureFixture) -> None:
    server.refuse_intents = MESSAGE_CONTENT  # the application has not been granted it
    with caplog.at_level(logging.DEBUG):
        async with running_bot(community_settings(settings, tmp_path), engine) as bot:
            assert not bot.message_content and server.intents & MESSAGE_CONTENT == 0 and server.identifies == 1
            reply = await first_followup(server, await server.slash("ask", question="What is Macrohard?"))
            assert reply.body["embeds"]  # everything else works
            await joined(server, bot)
            done = await autoanswer(server, "on", forum_channel())
            assert "refused me the Message Content intent" in done["content"]
            post = await server.forum_post("GPUs", ANSWERED)
            await asyncio.sleep(1.0)
            assert not server.posts_in(post["id"])
    refusals = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert [r.getMessage() for r in refusals] == [MESSAGE_CONTENT_REFUSED]
    assert not any(r.exc_info for r in caplog.records if r.levelno >= logging.WARNING)
    assert "Traceback" not in caplog.text
