"""Feedback on answers, on the real client against the fake Discord: every answer carries 👍 / 👎 /
More context; one vote per user and answer; the buttons work after a restart; a pruned answer is
said to be no longer on record; More context shows the paragraph with the quote in bold."""

from __future__ import annotations

import dataclasses
import re
import sqlite3
from pathlib import Path

import pytest
from community import buttons, community_settings, ephemeral_reply, running_bot
from fake_discord import FakeDiscord
from test_discord import first_followup

from bot.chat.feedback import NOT_ON_RECORD
from bot.storage.user_hash import UserHasher
from index.config import Settings
from index.engine import Engine


def record_id(body: dict) -> int:
    ids = {int(b["custom_id"].rsplit(":", 1)[1]) for b in buttons(body)}
    assert len(ids) == 1
    return ids.pop()


def rows(path: Path, sql: str, *args: object) -> list[tuple]:
    with sqlite3.connect(path) as conn:
        return conn.execute(sql, args).fetchall()


async def test_every_answer_carries_the_buttons_and_is_logged(server: FakeDiscord, settings: Settings,
                                                              engine: Engine, tmp_path: Path) -> None:
    bot_settings = community_settings(settings, tmp_path)
    async with running_bot(bot_settings, engine) as bot:
        reply = await first_followup(server, await server.slash("ask", user_id=4242, question="What is Macrohard?"))
        parts = buttons(reply.body)
        answer_id = record_id(reply.body)
        assert [b.get("emoji", {}).get("name") or b.get("label") for b in parts] == ["👍", "👎", "More context"]
        assert [b["custom_id"] for b in parts] == [f"qb:up:{answer_id}", f"qb:down:{answer_id}",
                                                   f"qb:more:{answer_id}"]
        await server.user_message(f"<@{bot.user.id}> how many GPUs are in Memphis?", user_id=4243)
        mention = await server.wait_for(lambda c: c.method == "POST" and c.path.endswith("/messages"))
        await server.user_message("How big is the pre-training team?", user_id=4244, mention_bot=False, guild=False)
        dm = await server.wait_for(lambda c: c.method == "POST" and c.path.endswith("/messages") and c is not mention)
        assert len(buttons(mention.body)) == 3 and len(buttons(dm.body)) == 3
    log = bot_settings.question_log
    stored = rows(log, "SELECT id, question, via, user_hash, dm, confidence, latency_ms FROM answers ORDER BY asked_at")
    assert [r[2] for r in stored] == ["ask", "mention", "dm"]
    assert stored[0][0] == answer_id and stored[0][1] == "What is Macrohard?" and stored[2][4] == 1
    hasher = UserHasher.from_settings(bot_settings)
    assert [r[3] for r in stored] == [hasher(4242), hasher(4243), hasher(4244)]
    assert all("4242" not in str(r) for r in rows(log, "SELECT * FROM answers"))  # never the raw id
    assert all(r[6] > 0 for r in stored)
    quotes = rows(log, "SELECT source, start, end, text FROM quotes WHERE answer_id = ?", answer_id)
    assert quotes and all(text == engine.data.texts[[s.file for s in engine.data.sources].index(src)][a:b]
                          for src, a, b, text in quotes)


async def test_a_vote_a_changed_vote_and_one_vote_per_user(server: FakeDiscord, settings: Settings,
                                                           engine: Engine, tmp_path: Path) -> None:
    bot_settings = community_settings(settings, tmp_path)
    async with running_bot(bot_settings, engine):
        reply = await first_followup(server, await server.slash("ask", question="Who left xAI?"))
        answer_id, message = record_id(reply.body), reply.response
        first = await ephemeral_reply(server, await server.press_button(message, f"qb:up:{answer_id}", user_id=7))
        assert "👍 is recorded" in first["content"]
        changed = await ephemeral_reply(server, await server.press_button(message, f"qb:down:{answer_id}", user_id=7))
        assert "now 👎" in changed["content"]
        again = await ephemeral_reply(server, await server.press_button(message, f"qb:down:{answer_id}", user_id=7))
        assert "already recorded" in again["content"]
        other = await ephemeral_reply(server, await server.press_button(message, f"qb:up:{answer_id}", user_id=8))
        assert "👍 is recorded" in other["content"]
    hasher = UserHasher.from_settings(bot_settings)
    votes = dict(rows(bot_settings.question_log, "SELECT user_hash, vote FROM votes WHERE answer_id = ?", answer_id))
    assert votes == {hasher(7): -1, hasher(8): 1}


async def test_buttons_work_after_a_restart_and_a_pruned_answer_is_not_on_record(
        server: FakeDiscord, settings: Settings, engine: Engine, tmp_path: Path) -> None:
    bot_settings = community_settings(settings, tmp_path)
    async with running_bot(bot_settings, engine):
        reply = await first_followup(server, await server.slash("ask", question="What is X Money?"))
    answer_id, message = record_id(reply.body), reply.response
    async with running_bot(bot_settings, engine):  # a new process would do the same: nothing is kept in memory
        pressed = await ephemeral_reply(server, await server.press_button(message, f"qb:up:{answer_id}", user_id=9))
        assert "👍 is recorded" in pressed["content"]
        more = await ephemeral_reply(server, await server.press_button(message, f"qb:more:{answer_id}", user_id=9))
        assert more["embeds"] and "**" in more["embeds"][0]["description"]
    assert rows(bot_settings.question_log, "SELECT vote FROM votes WHERE answer_id = ?", answer_id) == [(1,)]
    with sqlite3.connect(bot_settings.question_log) as conn:  # the answer was asked 91 days ago ...
        conn.execute("UPDATE answers SET asked_at = asked_at - 91 * 86400 WHERE id = ?", (answer_id,))
    async with running_bot(bot_settings, engine):  # ... so the next start prunes it (QUOTEBOT_LOG_DAYS 90)
        for custom_id in (f"qb:down:{answer_id}", f"qb:more:{answer_id}"):
            refused = await ephemeral_reply(server, await server.press_button(message, custom_id, user_id=9))
            assert refused["content"] == NOT_ON_RECORD
    assert rows(bot_settings.question_log, "SELECT * FROM votes WHERE answer_id = ?", answer_id) == []


@pytest.fixture()
def recorded_settings(tiny_settings: Settings) -> Settings:
    """The tiny corpus, its notes naming the recording their timestamps refer to."""
    (tiny_settings.corpus_dir / "sources.toml").write_text(
        '[[source]]\nfile = "a.md"\ntitle = "Alpha notes"\nrecording = "https://video.example/launch"\n',
        encoding="utf-8")
    return tiny_settings


async def test_more_context_shows_the_paragraph_with_the_quote_in_bold_and_the_moment(
        server: FakeDiscord, recorded_settings: Settings, embedder, tmp_path: Path) -> None:
    bot_settings = community_settings(recorded_settings, tmp_path / "log")
    engine = Engine.load(bot_settings, embedder)
    async with running_bot(bot_settings, engine):
        reply = await first_followup(server, await server.slash("ask", question="How many satellites did it carry?",
                                                                user_id=11))
        answer_id = record_id(reply.body)
        more = await ephemeral_reply(server, await server.press_button(reply.response, f"qb:more:{answer_id}",
                                                                       user_id=12))
    first = more["embeds"][0]["description"]
    assert "The rocket launched on time." in first  # the rest of the paragraph, verbatim
    assert re.search(r"\*\*It carried 12 satellites", first)  # the quoted part in bold
    assert "https://video.example/launch?t=90s" in first  # the moment in the recording
    assert more["flags"] & 64


async def test_with_the_log_off_answers_have_no_buttons_and_nothing_is_written(
        server: FakeDiscord, settings: Settings, engine: Engine, tmp_path: Path) -> None:
    bot_settings = dataclasses.replace(community_settings(settings, tmp_path), question_log=None, log_salt="s")
    async with running_bot(bot_settings, engine) as bot:
        assert bot.question_log is None
        reply = await first_followup(server, await server.slash("ask", question="What is Macrohard?"))
        assert reply.body["embeds"] and not buttons(reply.body)
    assert list(tmp_path.iterdir()) == []
