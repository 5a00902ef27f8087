"""Collections on the real discord.py client against the fake Discord, with two servers and a DM, the
real engine and real rebuilds: each server is answered from its own sources and the shared library,
a DM from the library only; a server's admin changes only their server's collection; the library
changes only by the bot's owner; every limit refuses with nothing changed; a server turns the library
off. (Eviction and reload under concurrent questions: tests/test_collection_engines.py.)"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import time
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from community import buttons, ephemeral_reply
from fake_discord import GUILD_ID, FakeDiscord
from speech import Line, encode, speak
from test_discord import first_followup
from test_source_commands import (
    HARBOUR,
    HARBOUR_2,
    JFK,
    MANAGE_GUILD,
    Running,
    ask,
    callback,
    edits,
    final_edit,
    folder,
    own,
    refusal,
    source_add,
    source_remove,
    started,
    until,
)

from bot.storage.source_log import read_records

log = logging.getLogger(__name__)
GUILD_B = GUILD_ID + 1
OWNER = 1  # the application's owner in the fake Discord's application info
ADMIN_A, ADMIN_B = 42, 77
PIER = "How long is the new pier?"
SATELLITES = "How many satellites did the rocket carry?"


@pytest.fixture()
async def running(server: FakeDiscord, tmp_path: Path, embedder, monkeypatch: pytest.MonkeyPatch
                  ) -> AsyncIterator[Running]:
    async with started(server, tmp_path, embedder, monkeypatch, server_max_sources=2,
                       server_max_recording_minutes=0) as run:
        yield run


async def listed(server: FakeDiscord, guild: int | None) -> str:
    sources = await callback(server, await server.slash("sources", guild=guild))
    return "\n".join(e.get("description", "") for e in sources.body["data"]["embeds"])


async def test_a_servers_sources_answer_in_that_server_only_and_the_library_answers_everywhere(
        running: Running) -> None:
    server, settings = running.server, running.settings
    library = folder(settings.corpus_dir)
    assert "ready:" in await final_edit(server, await source_add(server, "harbour.md", HARBOUR.encode(),
                                                                 title="Harbour notes", user_id=ADMIN_A))
    in_a = await ask(server, PIER)
    assert "four hundred metres" in in_a and "this server's sources" in in_a
    assert "four hundred" not in await ask(server, PIER, guild=GUILD_B)  # never answered from A's sources
    assert "four hundred" not in await ask(server, PIER, guild=None)  # a DM: the library only
    await server.user_message(PIER, mention_bot=False, guild=False)  # a DM message
    reply = await server.wait_for(lambda c: c.method == "POST" and c.path.endswith("/messages"), 60)
    assert reply.body["embeds"] and "four hundred" not in str(reply.body)
    for guild in (GUILD_ID, GUILD_B, None):  # the library answers both servers and DMs
        answer = await ask(server, SATELLITES, guild=guild)
        assert "12 satellites" in answer and ("shared library" in answer) == (guild is not None), (guild, answer)
    search = await first_followup(server, await server.slash("search", query="pier length", guild=GUILD_B))
    assert "four hundred" not in str(search.body)

    # Server B's admin can neither list, remove nor replace A's source.
    assert "Harbour notes" in await listed(server, GUILD_ID)
    assert "Harbour notes" not in await listed(server, GUILD_B)
    assert "Harbour notes" not in await listed(server, None)
    refused = await refusal(server, await source_remove(server, "harbour.md", guild=GUILD_B, user_id=ADMIN_B))
    assert "there is no source named harbour.md" in refused
    replaced = await final_edit(server, await source_add(server, "harbour.md", HARBOUR_2.encode(), replace=True,
                                                         guild=GUILD_B, user_id=ADMIN_B))
    assert "Added **harbour.md**" in replaced  # into B's own collection, as a new source there
    assert (own(settings) / "harbour.md").read_text() == HARBOUR  # A's is as it was
    assert (own(settings, GUILD_B) / "harbour.md").read_text() == HARBOUR_2
    assert "four hundred" in await ask(server, PIER) and "six hundred" not in await ask(server, PIER)
    in_b = await ask(server, PIER, guild=GUILD_B)
    assert "six hundred" in in_b and "four hundred" not in in_b
    assert folder(settings.corpus_dir) == library
    assert [r["server"] for r in read_records(own(settings, GUILD_B))] == [GUILD_B]

    # More context on A's answer reads A's source.
    reply = await first_followup(server, await server.slash("ask", question=PIER, user_id=11))
    more_id = next(b["custom_id"] for b in buttons(reply.body) if b["custom_id"].startswith("qb:more:"))
    more = await ephemeral_reply(server, await server.press_button(reply.response, more_id, user_id=12))
    assert "four hundred" in more["embeds"][0]["description"]


async def test_only_the_bots_owner_changes_the_library(running: Running) -> None:
    server, settings = running.server, running.settings
    library = folder(settings.corpus_dir)
    notes = b"Gamma notes\n\nThe lighthouse was painted red in 1990.\n"
    said = await refusal(server, await source_add(server, "gamma.txt", notes, library=True, user_id=ADMIN_A))
    assert "only the bot's owner can change the shared library" in said
    said = await refusal(server, await server.slash_with("source", [{"name": "remove", "type": 1, "options": [
        {"name": "name", "type": 3, "value": "alpha.md"}, {"name": "library", "type": 5, "value": True}]}],
        permissions=MANAGE_GUILD))
    assert "only the bot's owner" in said
    reindex = await callback(server, await server.slash_with("reindex", [{"name": "library", "type": 5, "value": True}],
                                                             permissions=MANAGE_GUILD))
    assert "Only the bot's owner" in reindex.body["data"]["content"]
    assert folder(settings.corpus_dir) == library and not folder(own(settings))

    done = await final_edit(server, await source_add(server, "gamma.txt", notes, library=True, user_id=OWNER))
    assert "Added **gamma.txt**" in done and (settings.corpus_dir / "gamma.txt").read_bytes() == notes
    for guild in (GUILD_ID, GUILD_B, None):
        assert "painted red" in await ask(server, "What colour was the lighthouse painted?", guild=guild)
    [record] = read_records(settings.corpus_dir)
    assert record["server"] is None and record["file"] == "gamma.txt"


async def test_every_limit_refuses_with_nothing_changed(running: Running, monkeypatch: pytest.MonkeyPatch) -> None:
    server, bot, settings = running.server, running.bot, running.settings
    said = await refusal(server, await source_add(server, "jfk.flac", JFK.read_bytes()))  # 0 recording minutes
    assert "this server's recordings would last 0 minutes; the limit is 0" in said
    for name in ("one.md", "two.md"):
        text = f"# {name}\n\nThe note {name} says the ferry leaves at {len(name)} o'clock.\n"
        assert "ready:" in await final_edit(server, await source_add(server, name, text.encode()))
    before = folder(own(settings))
    said = await refusal(server, await source_add(server, "three.md", b"# Three\n\nA third note here.\n"))
    assert "this server already has 2 sources; the limit is 2" in said
    bot.settings = dataclasses.replace(settings, server_max_sources=10, server_max_mb=0)
    said = await refusal(server, await source_add(server, "three.md", b"# Three\n\nA third note here.\n"))
    assert "would take 0.0 MB; the limit is 0 MB" in said
    bot.settings = dataclasses.replace(settings, sources_from_discord=False)
    downloads = len(server.downloads)
    said = await refusal(server, await source_add(server, "three.md", b"# Three\n\nA third note here.\n"))
    assert "adding sources from Discord is turned off on this bot" in said and len(server.downloads) == downloads
    assert folder(own(settings)) == before and len(read_records(own(settings))) == 2


async def test_a_server_can_turn_the_library_off(running: Running) -> None:
    server, bot = running.server, running.bot
    member = await callback(server, await server.slash("sources", library="off"))
    assert "Manage Server" in member.body["data"]["content"] and not bot.library_off
    said = await callback(server, await server.slash("sources", library="off", permissions=MANAGE_GUILD))
    assert "the shared library is off" in said.body["data"]["content"]
    assert await asyncio.wrap_future(bot.question_log.library_off()) == {GUILD_ID}  # kept across restarts
    assert "this server has no sources of its own and has turned the library off" in \
        (await first_followup(server, await server.slash("ask", question=SATELLITES))).body["content"]
    assert "12 satellites" in await ask(server, SATELLITES, guild=GUILD_B)  # B still has it
    assert "Shared library: off" in await listed(server, GUILD_ID)
    await callback(server, await server.slash("sources", library="on", permissions=MANAGE_GUILD))
    assert "12 satellites" in await ask(server, SATELLITES)


async def test_a_long_recording_in_one_server_does_not_hold_another_servers_text_file(
        running: Running, tmp_path: Path) -> None:
    server, bot, settings = running.server, running.bot, running.settings
    bot.settings = dataclasses.replace(settings, server_max_recording_minutes=60, max_upload_mb=20)
    lines = [Line(6.0 * i, f"Part {i} of the talk: the ferry timetable changes in week {i}.") for i in range(30)]
    wav = tmp_path / "talk.wav"
    seconds = speak(lines, wav)
    talk = encode(wav, tmp_path / "talk.ogg").read_bytes()
    started = time.monotonic()
    speech = await source_add(server, "talk.ogg", talk)  # server A: minutes of transcription
    await until(lambda: any("transcribing talk.ogg" in e or "Nothing was changed" in e for e in edits(server, speech)))
    assert any("transcribing talk.ogg" in e for e in edits(server, speech)), edits(server, speech)
    text = await source_add(server, "harbour.md", HARBOUR.encode(), guild=GUILD_B, user_id=ADMIN_B)
    asked = time.monotonic()
    assert "Added **harbour.md**" in await final_edit(server, text)
    text_done = time.monotonic()
    assert not any("ready:" in e for e in edits(server, speech)), "B's text file waited for A's recording"
    assert not any("queued" in e for e in edits(server, text))
    assert "Added **talk.ogg**" in await final_edit(server, speech, timeout=600)
    speech_done = time.monotonic()
    log.warning("fairness: a %.0f s recording in server A took %.1f s to add; server B's text file, added %.1f s "
                "into it, was live %.1f s later (A still transcribing)", seconds, speech_done - started,
                asked - started, text_done - asked)
    assert "six hundred" not in await ask(server, PIER, guild=GUILD_B)
    assert "four hundred metres" in await ask(server, PIER, guild=GUILD_B)
