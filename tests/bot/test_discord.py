"""The real bot package and discord.py client, with the real engine, against the fake Discord
server in tests/bot/fake_discord.py (REST + gateway on 127.0.0.1)."""

from __future__ import annotations

import asyncio
import dataclasses
import itertools
import logging
import os
import signal
import statistics
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass

import discord
import pytest
from fake_discord import GUILD_ID, HEARTBEAT_MS, Call, FakeDiscord, user

from bot.chat.client import ERROR_TEXT, QuoteBot, serve, sync_only
from index.config import Settings
from index.engine import Engine

TOKEN = "fake.token.for-tests-only"
EVERYONE = "@everyone"


@dataclass
class Session:
    server: FakeDiscord
    bot: QuoteBot
    task: asyncio.Task


@pytest.fixture()
def bot_settings(settings: Settings) -> Settings:
    return dataclasses.replace(settings, discord_token=TOKEN, cooldown_seconds=0.0, search_timeout=3.0)


@pytest.fixture()
async def discord_session(server: FakeDiscord, bot_settings: Settings, engine: Engine) -> AsyncIterator[Session]:
    bot = QuoteBot(bot_settings, engine, guild_ready_timeout=0.05)
    task = asyncio.create_task(bot.start(TOKEN))
    await asyncio.wait_for(bot.wait_until_ready(), 20)
    yield Session(server, bot, task)
    await bot.close()
    await asyncio.wait_for(task, 10)


async def first_followup(server: FakeDiscord, token: str, timeout: float = 30.0) -> Call:
    return await server.wait_for(lambda c: c.path.startswith("/webhooks/") and token in c.path
                                 and c.method == "POST", timeout)


async def callback(server: FakeDiscord, token: str) -> Call:
    return await server.wait_for(lambda c: c.path.endswith(f"/{token}/callback"))


def embed_text(call: Call) -> str:
    parts = []
    for embed in call.body.get("embeds") or []:
        parts += [embed.get("title") or "", embed.get("description") or "", (embed.get("footer") or {}).get("text", "")]
        for f in embed.get("fields", []):
            parts += [f["name"], f["value"]]
    return "\n".join(parts)


def assert_within_discord_limits(body: dict) -> None:
    embeds = body.get("embeds") or []
    assert len(body.get("content") or "") <= 2000
    assert len(embeds) <= 10
    total = 0
    for e in embeds:
        assert len(e.get("title") or "") <= 256 and len(e.get("description") or "") <= 4096
        for f in e.get("fields", []):
            assert len(f["name"]) <= 256 and len(f["value"]) <= 1024
        total += len(discord.Embed.from_dict(e))
    assert total <= 6000


# ---- 1. login, identify, ready, command sync -------------------------------------------------


async def test_login_identify_ready_and_command_sync(discord_session: Session) -> None:
    server = discord_session.server
    assert server.identifies == 1 and discord_session.bot.user is not None
    assert any(c.path == "/users/@me" for c in server.calls)
    commands = {c["name"]: c for c in server.commands["global"]}
    assert set(commands) == {"ask", "search", "check", "sources", "help", "reindex", "Check citations", "source",
                             "report", "autoanswer"}
    assert int(commands["reindex"]["default_member_permissions"]) == 1 << 5  # Manage Server
    assert commands["Check citations"]["type"] == 3  # a message context menu
    for name, option in (("ask", "question"), ("search", "query"), ("check", "claim")):
        options = commands[name]["options"]
        assert [o["name"] for o in options] == [option] and options[0]["required"] is True
        assert options[0]["max_length"] == 6000
    await asyncio.sleep(HEARTBEAT_MS / 1000 * 2.5)
    assert len(server.heartbeats) >= 2


# ---- 2. /ask: defer, then a followup with verbatim quotes and citations ----------------------


async def test_ask_defers_then_answers_with_verbatim_cited_quotes(discord_session: Session, engine: Engine) -> None:
    server = discord_session.server
    token = await server.slash("ask", question="How many data halls does the Memphis cluster have?")
    first = await callback(server, token)
    assert first.body["type"] == 5  # deferred "thinking" response
    reply = await first_followup(server, token)
    assert reply.at >= first.at
    assert reply.body["allowed_mentions"] == {"parse": []}
    assert_within_discord_limits(reply.body)
    text = embed_text(reply)
    answer = engine.ask("How many data halls does the Memphis cluster have?")
    for quote in answer.quotes:
        assert discord.utils.escape_markdown(quote.text, as_needed=False).split("\n")[0] in text
        assert quote.title.split(":")[0] in text.replace("\\", "")
    assert any(q.timestamp and q.timestamp in text for q in answer.quotes), "quotes carry their timestamps"


# ---- 3. /search paging, /check, /sources, the context menu, a mention -----------------------


async def test_search_pages_with_buttons_only_for_its_user(discord_session: Session) -> None:
    server = discord_session.server
    token = await server.slash("search", user_id=42, query="Memphis data center GPUs")
    reply = await first_followup(server, token)
    components = reply.body["components"][0]["components"]
    assert [b["label"] for b in components] == ["Previous", "Next"] and components[0]["disabled"] is True
    page1 = embed_text(reply)
    assert "Page 1 of" in page1
    bot_message = reply.response  # the message the followup created
    message_id = bot_message["id"]

    other = await server.press_button(bot_message, "search:next", user_id=7)
    refused = await callback(server, other)
    assert refused.body["type"] == 4 and refused.body["data"]["flags"] & 64  # ephemeral refusal
    assert "Only the person who searched" in refused.body["data"]["content"]

    mine = await server.press_button(bot_message, "search:next", user_id=42)
    turned = await callback(server, mine)
    assert turned.body["type"] == 7  # the message is updated in place
    page2 = "\n".join(e.get("description", "") + (e.get("footer") or {}).get("text", "")
                      for e in turned.body["data"]["embeds"])
    assert "Page 2 of" in page2 and page2 != page1
    assert turned.body["data"]["components"][0]["components"][0]["disabled"] is False

    # After the timeout the buttons are disabled on the message.
    edit = await server.wait_for(
        lambda c: c.method == "PATCH" and token in c.path and c.path.endswith(f"/messages/{message_id}"), timeout=10
    )
    assert all(b["disabled"] for b in edit.body["components"][0]["components"])


async def test_check_command_gives_verdict_and_evidence(discord_session: Session) -> None:
    server = discord_session.server
    token = await server.slash("check", claim="Musk expects Grok Code to reach state of the art within 2 to 3 years.")
    assert (await callback(server, token)).body["type"] == 5
    reply = await first_followup(server, token)
    text = embed_text(reply)
    assert "Contradicted" in text and "contradicts" in text and "why:" in text
    assert_within_discord_limits(reply.body)


async def test_check_shows_sources_that_disagree_side_by_side(discord_session: Session) -> None:
    server = discord_session.server
    token = await server.slash("check", claim="Grok is in over 2 billion Teslas.")
    reply = await first_followup(server, token)
    conflict = next(e for e in reply.body["embeds"] if "disagree" in (e.get("title") or ""))
    sides = [f for f in conflict["fields"] if f["inline"]]
    assert len(sides) == 2 and sides[0]["name"] != sides[1]["name"]
    assert "2 million" in sides[0]["value"] + sides[1]["value"] and "2 billion" in sides[0]["value"] + sides[1]["value"]


async def test_sources_and_help(discord_session: Session, engine: Engine) -> None:
    server = discord_session.server
    token = await server.slash("sources")
    reply = await callback(server, token)
    assert reply.body["type"] == 4
    text = "\n".join(e.get("description", "") for e in reply.body["data"]["embeds"]).replace("\\", "")
    for source in engine.data.sources:
        assert source.title in text
    token = await server.slash("help")
    reply = await callback(server, token)
    assert reply.body["data"]["flags"] & 64 and "verbatim" in reply.body["data"]["embeds"][0]["title"]


async def test_check_citations_menu_checks_a_message_claim_by_claim(discord_session: Session) -> None:
    server = discord_session.server
    target = {"id": "123456789", "channel_id": "1", "type": 0, "author": user(5), "embeds": [], "attachments": [],
              "mentions": [], "mention_roles": [], "mention_everyone": False, "pinned": False, "tts": False,
              "timestamp": "2026-11-23T08:00:00+00:00", "edited_timestamp": None, "flags": 0, "components": [],
              "content": "The Memphis cluster has 12 data halls. X Money is already available worldwide."}
    token = await server.context_menu("Check citations", target)
    first = await callback(server, token)
    assert first.body["type"] == 5 and first.body["data"]["flags"] & 64  # ephemeral
    reply = await first_followup(server, token)
    summary = reply.body["embeds"][0]["description"].split("\n\n")
    assert len(summary) == 2 and "Supported" in summary[0] and "Contradicted" in summary[1]


async def test_a_mention_is_answered_like_ask(discord_session: Session) -> None:
    server = discord_session.server
    bot_id = discord_session.bot.user.id
    await server.user_message(f"<@{bot_id}> how many GPUs are in Memphis?")
    reply = await server.wait_for(lambda c: c.method == "POST" and c.path.endswith("/messages"), timeout=30)
    assert reply.body["message_reference"] and reply.body["allowed_mentions"]["parse"] == []
    assert "Memphis" in embed_text(reply)
    assert any(c.path.endswith("/typing") for c in server.calls)


async def test_a_dm_is_answered(discord_session: Session) -> None:
    server = discord_session.server
    await server.user_message("How big is the pre-training team?", mention_bot=False, guild=False)
    reply = await server.wait_for(lambda c: c.method == "POST" and c.path.endswith("/messages"), timeout=30)
    assert reply.body["embeds"]


# ---- 4. abuse ----------------------------------------------------------------------------


async def test_mass_mentions_cannot_ping(discord_session: Session) -> None:
    server = discord_session.server
    token = await server.slash("ask", question=f"{EVERYONE} @here <@&123> <@456> what is Macrohard?")
    reply = await first_followup(server, token)
    assert reply.body["allowed_mentions"] == {"parse": []}


async def test_huge_option_is_answered_on_a_truncated_question(discord_session: Session) -> None:
    server = discord_session.server
    token = await server.slash("ask", question="How many GPUs are in Memphis? " + "very " * 1195)
    reply = await first_followup(server, token)
    assert_within_discord_limits(reply.body)
    footers = [embed["footer"]["text"] for embed in reply.body["embeds"] if "footer" in embed]
    assert any("only the first" in footer for footer in footers)  # the notice, under the quotes


@pytest.mark.parametrize("question", ["", "   ", "*** ~~ ``` ||"])
async def test_empty_option_gets_a_clear_message(discord_session: Session, question: str) -> None:
    server = discord_session.server
    token = await server.slash("ask", question=question)
    reply = await first_followup(server, token)
    assert reply.body["content"].startswith("Sorry:") and reply.body["flags"] & 64


async def test_markdown_injection_is_shown_literally(discord_session: Session) -> None:
    server = discord_session.server
    question = "**[click me](https://evil.example)** # what is `Grok` ||spoiler||"
    token = await server.slash("ask", question=question)
    reply = await first_followup(server, token)
    text = embed_text(reply)
    assert "](https://evil.example" not in text and "**[click" not in text and "||" not in text


async def test_a_failing_command_reports_and_the_bot_keeps_serving(
    discord_session: Session, caplog: pytest.LogCaptureFixture
) -> None:
    server = discord_session.server
    server.fail_next_followup = 1  # Discord rejects the answer once (HTTP 400)
    with caplog.at_level(logging.DEBUG):
        token = await server.slash("ask", question="What is Macrohard?")
        await first_followup(server, token)
        error = await server.wait_for(lambda c: token in c.path and c.method == "POST"
                                      and c.path.startswith("/webhooks/") and c.body.get("content") == ERROR_TEXT)
    assert error.body["flags"] & 64
    assert any("/ask failed" in r.getMessage() for r in caplog.records)
    assert TOKEN not in caplog.text
    token = await server.slash("ask", question="What is Macrohard?")
    assert (await first_followup(server, token)).body["embeds"]


async def test_cooldown_tells_the_user_when_to_retry(discord_session: Session) -> None:
    server = discord_session.server
    discord_session.bot.cooldowns.seconds = 30.0
    first = await server.slash("check", user_id=77, claim="The Memphis cluster has 12 data halls.")
    await first_followup(server, first)
    second = await server.slash("check", user_id=77, claim="The Memphis cluster has 12 data halls.")
    reply = await callback(server, second)
    assert reply.body["type"] == 4 and "try again in" in reply.body["data"]["content"]
    assert reply.body["data"]["flags"] & 64


# ---- 5. load ---------------------------------------------------------------------------


QUESTIONS = [
    "How many GPUs are in Memphis?", "What is Macrohard?", "Who left xAI?", "How big is the pre-training team?",
    "What did Musk say about Grok Code?", "马斯克说了什么关于太空数据中心？", "What is X Money?",
    "How many videos does Imagine generate per day?", "What are the four teams?", "Grokipedia 有多少篇文章？",
]


async def test_fifty_concurrent_asks_are_all_answered_while_heartbeats_flow(discord_session: Session) -> None:
    server = discord_session.server
    beats_before = len(server.heartbeats)
    sent: dict[str, float] = {}
    tokens = []
    for i in range(50):
        sent_at = time.monotonic()
        token = await server.slash("ask", user_id=1000 + i, question=QUESTIONS[i % len(QUESTIONS)])
        sent[token] = sent_at
        tokens.append(token)
    started = time.monotonic()
    firsts = await asyncio.gather(*(callback(server, t) for t in tokens))
    finals = await asyncio.gather(*(first_followup(server, t, timeout=120) for t in tokens))
    elapsed = time.monotonic() - started
    first_latency = [c.at - sent[t] for c, t in zip(firsts, tokens, strict=True)]
    answer_latency = [c.at - sent[t] for c, t in zip(finals, tokens, strict=True)]
    assert all(c.body["type"] == 5 for c in firsts)
    assert max(first_latency) < 3.0, f"first response took {max(first_latency):.2f}s"
    assert all(f.body["embeds"] for f in finals)
    beats = server.heartbeats[beats_before:]
    gaps = [b - a for a, b in itertools.pairwise(beats)]
    assert len(beats) >= int(elapsed / (HEARTBEAT_MS / 1000)) - 1
    assert not gaps or max(gaps) < 3 * HEARTBEAT_MS / 1000
    p = statistics.quantiles
    print(f"\n50 concurrent /ask: first response p50 {statistics.median(first_latency) * 1000:.0f} ms, "
          f"p95 {p(first_latency, n=20)[18] * 1000:.0f} ms; full answer p50 {statistics.median(answer_latency):.2f} s, "
          f"p95 {p(answer_latency, n=20)[18]:.2f} s; {len(beats)} heartbeats, max gap {max(gaps or [0]):.2f} s")


# ---- 6. reconnect ----------------------------------------------------------------------


async def test_dropped_gateway_connection_resumes_and_keeps_answering(discord_session: Session) -> None:
    server = discord_session.server
    await server.drop_connection()
    await server.wait_connected(count=2, timeout=20)
    assert server.resumes == 1  # the session was resumed, not re-identified
    token = await server.slash("ask", question="What is Macrohard?")
    assert (await first_followup(server, token)).body["embeds"]


# ---- sync and shutdown -----------------------------------------------------------------


async def test_sync_command_registers_on_the_development_server(server: FakeDiscord, bot_settings: Settings) -> None:
    assert await sync_only(dataclasses.replace(bot_settings, discord_guild_id=GUILD_ID)) == 0
    assert {c["name"] for c in server.commands[str(GUILD_ID)]} >= {"ask", "search", "check", "Check citations"}
    assert server.connections == 0  # HTTP only, no gateway session


async def test_sigterm_shuts_the_bot_down_cleanly(server: FakeDiscord, bot_settings: Settings, engine: Engine) -> None:
    running = asyncio.create_task(serve(bot_settings, engine, guild_ready_timeout=0.05))
    await server.wait_connected()
    os.kill(os.getpid(), signal.SIGTERM)
    await asyncio.wait_for(running, 10)  # serve() returns: the client closed its gateway and HTTP sessions
    assert server.open_connections == 0


# ---- /reindex --------------------------------------------------------------------------

MANAGE_GUILD = str(1 << 5)


async def test_reindex_is_for_admins_and_swaps_while_answering(
    server: FakeDiscord, tiny_settings: Settings, embedder
) -> None:
    settings = dataclasses.replace(tiny_settings, discord_token=TOKEN, cooldown_seconds=0.0)
    engine = Engine.load(settings, embedder)
    bot = QuoteBot(settings, engine, guild_ready_timeout=0.05)
    task = asyncio.create_task(bot.start(TOKEN))
    try:
        await asyncio.wait_for(bot.wait_until_ready(), 20)
        refused = await callback(server, await server.slash("reindex"))
        assert "Manage Server" in refused.body["data"]["content"] and refused.body["data"]["flags"] & 64
        assert bot.engine is engine

        (settings.corpus_dir / "c.md").write_text("# Gamma\n\nThe submarine dove to 300 meters.\n", encoding="utf-8")
        own = await server.slash("reindex", permissions=MANAGE_GUILD)  # a server's admin: their collection only
        assert "no sources of its own" in (await first_followup(server, own, timeout=60)).body["content"]
        assert bot.engine is engine
        token = await server.slash_with("reindex", [{"name": "library", "type": 5, "value": True}],
                                        permissions=MANAGE_GUILD, user_id=1)  # the library: the bot's owner
        assert (await callback(server, token)).body["data"]["flags"] & 64  # ephemeral defer
        during = []
        while bot.reindexing:
            during.append(await server.slash("ask", user_id=500 + len(during), question="How many satellites?"))
            await asyncio.sleep(0.05)
        done = await first_followup(server, token, timeout=60)
        assert "1 added" in done.body["content"] and "2 unchanged" in done.body["content"]
        assert during, "no question was asked while the rebuild ran"
        for asked in during:  # every query during the rebuild was answered
            assert (await first_followup(server, asked)).body["embeds"]
        assert bot.engine is not engine and len(bot.engine.data.sources) == 3
        after = await first_followup(server, await server.slash("ask", question="How deep did the submarine dive?"))
        assert "submarine" in embed_text(after)
    finally:
        await bot.close()
        await asyncio.wait_for(task, 10)
