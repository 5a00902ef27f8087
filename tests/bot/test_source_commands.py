"""/source add and /source remove on the real discord.py client against the fake Discord
(tests/bot/fake_discord.py), with the real engine and real rebuilds: the attachment is served from
the fake's own CDN URL on 127.0.0.1. Add, replace, remove (in the server's own collection), every
refusal, the queue, the progress edits, the record, and questions answered from the new source after
the rebuild (and from the old index during it). Two servers and the library: tests/bot/test_collections.py."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import time
import tomllib
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from fake_discord import GUILD_ID, Call, FakeDiscord
from speech import video_without_sound

from bot.chat.client import QuoteBot
from bot.storage import user_hash
from bot.storage.source_log import read_records
from index.collections import collection_settings
from index.config import Settings, load_settings
from index.engine import Engine
from index.ingest import recordings

TOKEN = "fake.token.for-tests-only"
MANAGE_GUILD = str(1 << 5)
MEMBER = "1024"  # view channels only
JFK = Path(__file__).resolve().parents[1] / "data" / "jfk.flac"  # tests/data/SOURCES.md
JFK_URL = "https://example.org/jfk-inaugural"
DOCS = {
    "alpha.md": "# Alpha notes\n\nThe rocket launched on time.\nIt carried 12 satellites.\n",
    "beta.txt": "Beta report\n\nThe harvest doubled this year. Farmers were pleased.\n",
}
MANIFEST = '# Sources of the test corpus.\n\n[[source]]\nfile = "alpha.md"\ntitle = "Alpha notes"\n'
HARBOUR = "# Harbour notes\n\nThe new pier is four hundred metres long.\nIt opened in March.\n"
HARBOUR_2 = "# Harbour notes\n\nThe new pier is six hundred metres long.\nIt opened in June.\n"


@dataclass
class Running:
    server: FakeDiscord
    bot: QuoteBot
    settings: Settings


@contextlib.asynccontextmanager
async def started(server: FakeDiscord, tmp_path: Path, embedder, monkeypatch: pytest.MonkeyPatch,
                  **changes: object) -> AsyncIterator[Running]:
    """A started bot whose library is DOCS, its data folder in tmp_path; `changes`: settings."""
    monkeypatch.setenv("QUOTEBOT_LOG_SALT", "salt-for-tests")
    monkeypatch.setenv("QUOTEBOT_QUESTION_LOG", str(tmp_path / "questions.sqlite3"))
    user_hash.configure(None)  # the salt is read again, from the environment above
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for name, text in DOCS.items():
        (corpus / name).write_text(text, encoding="utf-8")
    (corpus / "sources.toml").write_text(MANIFEST, encoding="utf-8")
    settings = dataclasses.replace(load_settings(), corpus_dir=corpus, index_dir=tmp_path / "index",
                                   data_dir=tmp_path / "data", question_log=tmp_path / "questions.sqlite3",
                                   discord_token=TOKEN, cooldown_seconds=0.0, max_upload_mb=2, **changes)
    bot = QuoteBot(settings, Engine.load(settings, embedder), guild_ready_timeout=0.05)
    task = asyncio.create_task(bot.start(TOKEN))
    await asyncio.wait_for(bot.wait_until_ready(), 20)
    try:
        yield Running(server, bot, settings)
    finally:
        await bot.close()
        await asyncio.wait_for(task, 10)
        user_hash.configure(None)


@pytest.fixture()
async def running(server: FakeDiscord, tmp_path: Path, embedder, monkeypatch: pytest.MonkeyPatch
                  ) -> AsyncIterator[Running]:
    async with started(server, tmp_path, embedder, monkeypatch) as run:
        yield run


# ---- helpers: what a member does, what reached the fake ---------------------------------------


async def source_add(server: FakeDiscord, filename: str, data: bytes, permissions: str = MANAGE_GUILD,
                     size: int | None = None, user_id: int = 42, guild: int = GUILD_ID, **options: str | bool) -> str:
    """A member runs /source add with `data` attached as `filename`; returns the interaction token."""
    attachment = server.attachment(filename, data, size=size)
    typed = [{"name": "file", "type": 11, "value": attachment["id"]}]
    typed += [{"name": k, "type": 5 if isinstance(v, bool) else 3, "value": v} for k, v in options.items()]
    return await server.slash_with("source", [{"name": "add", "type": 1, "options": typed}],
                                   resolved={"attachments": {attachment["id"]: attachment}},
                                   permissions=permissions, user_id=user_id, guild=guild)


async def source_remove(server: FakeDiscord, name: str, permissions: str = MANAGE_GUILD, guild: int = GUILD_ID,
                        user_id: int = 42) -> str:
    return await server.slash_with("source", [{"name": "remove", "type": 1,
                                               "options": [{"name": "name", "type": 3, "value": name}]}],
                                   permissions=permissions, guild=guild, user_id=user_id)


async def until(condition: Callable[[], object], timeout: float = 120.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        await asyncio.sleep(0.01)


async def callback(server: FakeDiscord, token: str) -> Call:
    return await server.wait_for(lambda c: c.path.endswith(f"/{token}/callback"))


def edits(server: FakeDiscord, token: str) -> list[str]:
    """The contents the reply of `token` was edited to, in order."""
    return [c.body.get("content") or "" for c in server.calls
            if c.method == "PATCH" and f"/{token}/messages/@original" in c.path]


async def final_edit(server: FakeDiscord, token: str, timeout: float = 120.0, ends: tuple[str, ...] = ()) -> str:
    """The edit that ends the command: ready, or nothing changed (or one of `ends`)."""
    ends = ("ready:", "Nothing was changed", "rebuild failed", *ends)
    call = await server.wait_for(lambda c: c.method == "PATCH" and f"/{token}/messages/@original" in c.path
                                 and any(end in (c.body.get("content") or "") for end in ends), timeout)
    return call.body["content"]


async def refusal(server: FakeDiscord, token: str) -> str:
    """The ephemeral message saying why: an immediate one, or the deferred reply's edit."""
    first = await callback(server, token)
    assert first.body["data"]["flags"] & 64, "refusals are ephemeral"
    if first.body["type"] == 4:
        return first.body["data"]["content"]
    assert first.body["type"] == 5
    return await final_edit(server, token)


async def ask(server: FakeDiscord, question: str, user_id: int = 42, guild: int | None = GUILD_ID) -> str:
    token = await server.slash("ask", user_id=user_id, question=question, guild=guild)
    reply = await server.wait_for(lambda c: c.path.startswith("/webhooks/") and token in c.path
                                  and c.method == "POST", 60)
    return "\n".join((e.get("description") or "") + " " + " ".join(f["value"] for f in e.get("fields", []))
                     for e in reply.body["embeds"]).replace("\\", "")


def own(settings: Settings, guild: int = GUILD_ID) -> Path:
    """The corpus folder of the server's collection."""
    return collection_settings(settings, guild).corpus_dir


def folder(path: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(path.iterdir())} if path.is_dir() else {}


def entries(path: Path) -> dict[str, dict]:
    data = tomllib.loads((path / "sources.toml").read_text(encoding="utf-8"))
    return {e["file"]: e for e in data["source"]}


# ---- add -------------------------------------------------------------------------------------


async def test_a_file_added_from_discord_is_answerable_after_the_rebuild(running: Running) -> None:
    server, bot, settings = running.server, running.bot, running.settings
    library = folder(settings.corpus_dir)
    token = await source_add(server, "harbour.md", HARBOUR.encode(), title="Harbour notes, March",
                             url="https://example.org/harbour")
    first = await callback(server, token)
    assert first.body["type"] == 5 and first.body["data"]["flags"] & 64  # deferred, only to the admin
    during = []
    await until(lambda: bot.reindexing or edits(server, token))
    while bot.reindexing:  # questions asked meanwhile are answered from the previous index
        during.append(await server.slash("ask", user_id=500 + len(during), question="How many satellites?"))
        await asyncio.sleep(0.05)
    done = await final_edit(server, token)
    assert "Added **harbour.md** — ready: 2 sentences" in done, done
    assert any("harbour.md** (Markdown, 2 sentences): rebuilding the index…\n-# [" in e for e in edits(server, token))
    assert during, "no question was asked while the rebuild ran"
    for asked in during:
        reply = await server.wait_for(lambda c, t=asked: c.path.startswith("/webhooks/") and t in c.path
                                      and c.method == "POST", 60)
        assert reply.body["embeds"]
    assert (own(settings) / "harbour.md").read_text() == HARBOUR  # into the server's collection
    assert folder(settings.corpus_dir) == library  # the shared library is as it was
    assert entries(own(settings))["harbour.md"] == {"file": "harbour.md", "title": "Harbour notes, March",
                                                    "url": "https://example.org/harbour"}
    answer = await ask(server, "How long is the new pier?")
    assert "four hundred metres" in answer and "this server's sources" in answer  # the citation says where from
    [record] = read_records(own(settings))
    assert record["action"] == "add" and record["file"] == "harbour.md" and record["at"].endswith("Z")
    assert record["by"] == user_hash.salted_user_hash(42) and "42" not in record["by"]
    assert record["server"] == GUILD_ID
    sources = await callback(server, await server.slash("sources"))  # the server's sources, then the library's
    listed = "\n".join(e.get("description", "") for e in sources.body["data"]["embeds"])
    assert listed.index("Harbour notes, March") < listed.index("Shared library") < listed.index("Alpha notes")


async def test_a_recording_shows_transcription_progress_and_a_change_during_a_rebuild_is_queued(
        running: Running, monkeypatch: pytest.MonkeyPatch) -> None:
    server, settings = running.server, running.settings
    monkeypatch.setattr(recordings, "PROGRESS_SECONDS", 0.0)  # a progress line per segment, not every 10 s
    speech = await source_add(server, "jfk.flac", JFK.read_bytes(), recording=JFK_URL)
    await until(lambda: any("transcribing" in e for e in edits(server, speech)))
    text = await source_add(server, "harbour.md", HARBOUR.encode())  # while jfk.flac is transcribed
    assert "queued" in (await server.wait_for(
        lambda c: c.method == "PATCH" and f"/{text}/" in c.path and "queued" in (c.body.get("content") or "")
    )).body["content"]
    done = await final_edit(server, speech)
    assert "Added **jfk.flac** — ready:" in done and "1 recordings transcribed" in done
    shown = edits(server, speech)
    assert any(e.startswith("Adding **jfk.flac** (recording, 0:11 of sound): rebuilding the index…")
               and "transcribing jfk.flac" in e for e in shown)
    assert any("transcribing jfk.flac: " in e and "% of 0:11 done, about " in e and " left" in e for e in shown)
    assert "Added **harbour.md** — ready: 2 sentences" in await final_edit(server, text)
    answer = await ask(server, "What did Kennedy ask his fellow Americans?")
    assert "ask not what your country can do for you" in answer.lower()
    assert f"{JFK_URL}?t=" in answer  # the citation links to the second in the recording
    assert [r["file"] for r in read_records(own(settings))] == ["jfk.flac", "harbour.md"]


async def test_replace_takes_a_new_version_of_a_source_only_when_asked(running: Running) -> None:
    server, settings = running.server, running.settings
    assert "ready:" in await final_edit(server, await source_add(server, "harbour.md", HARBOUR.encode(),
                                                                 title="Harbour notes"))
    before = folder(own(settings))
    refused = await refusal(server, await source_add(server, "harbour.md", HARBOUR_2.encode()))
    assert "a source named harbour.md is already there; add it with replace: True" in refused
    assert folder(own(settings)) == before
    token = await source_add(server, "harbour.md", HARBOUR_2.encode(), replace=True)
    done = await final_edit(server, token)
    assert "Replaced **harbour.md** — ready: 2 sentences" in done and "1 changed" in done
    assert (own(settings) / "harbour.md").read_text() == HARBOUR_2
    assert entries(own(settings))["harbour.md"]["title"] == "Harbour notes"  # kept: no new title was given
    answer = await ask(server, "How long is the new pier?")
    assert "six hundred metres" in answer and "four hundred" not in answer
    assert [r["action"] for r in read_records(own(settings))] == ["add", "replace"]
    assert not [p for p in own(settings).iterdir() if p.name.endswith((".previous", ".part"))]


# ---- remove ----------------------------------------------------------------------------------


async def test_remove_asks_for_confirmation_then_removes_and_rebuilds(running: Running) -> None:
    server, settings = running.server, running.settings
    assert "ready:" in await final_edit(server, await source_add(server, "harbour.md", HARBOUR.encode(),
                                                                 title="Harbour notes"))
    before, library = folder(own(settings)), folder(settings.corpus_dir)
    refused = await refusal(server, await source_remove(server, "alpha.md"))  # the library's: not this server's
    assert "there is no source named alpha.md" in refused
    asked = await callback(server, await source_remove(server, "harbour.md"))
    assert asked.body["type"] == 4 and asked.body["data"]["flags"] & 64
    assert "Remove **harbour.md**?" in asked.body["data"]["content"]
    buttons = {b["label"]: b["custom_id"] for b in asked.body["data"]["components"][0]["components"]}
    assert set(buttons) == {"Remove", "Cancel"}
    message = asked.response["resource"]["message"]

    cancelled = await callback(server, await server.press_button(message, buttons["Cancel"]))
    assert cancelled.body["type"] == 7 and "Nothing was removed" in cancelled.body["data"]["content"]
    assert folder(own(settings)) == before

    asked = await callback(server, await source_remove(server, "harbour.md"))
    buttons = {b["label"]: b["custom_id"] for b in asked.body["data"]["components"][0]["components"]}
    pressed = await server.press_button(asked.response["resource"]["message"], buttons["Remove"])
    assert (await callback(server, pressed)).body["data"]["components"] == []  # the buttons are gone
    done = await final_edit(server, pressed, ends=("no sources of its own",))
    assert "Removed **harbour.md**: this server has no sources of its own now" in done
    manifest = tomllib.loads((own(settings) / "sources.toml").read_text(encoding="utf-8"))
    assert not (own(settings) / "harbour.md").exists() and manifest.get("source", []) == []
    assert folder(settings.corpus_dir) == library
    assert "four hundred" not in await ask(server, "How long is the new pier?")
    sources = await callback(server, await server.slash("sources"))
    assert "Harbour notes" not in str(sources.body["data"]["embeds"])
    assert [r["action"] for r in read_records(own(settings))] == ["add", "remove"]
    assert read_records(own(settings))[-1]["title"] == "Harbour notes"


# ---- refusals: each changes nothing and says why, only to the member ---------------------------


async def test_every_bad_input_changes_nothing_and_says_why(running: Running, tmp_path: Path) -> None:
    server, bot, settings = running.server, running.bot, running.settings
    engine, before, library = bot.engine, folder(own(settings)), folder(settings.corpus_dir)
    silent = video_without_sound(tmp_path / "silent.mp4").read_bytes()
    cases = [  # (file name, bytes, options, what the refusal says)
        ("slides.pdf", b"%PDF-1.4", {}, "slides.pdf: .pdf is not a type the bot reads"),
        ("big.txt", b"Big.\n", {"size": 3 * 1024 * 1024}, "big.txt is 3.0 MB; the limit is 2 MB"),
        ("liar.txt", b"The sea is wide.\n" * 140_000, {"size": 100}, "liar.txt is over the limit of 2 MB"),
        ("empty.txt", b"", {}, "empty.txt is empty"),
        ("blank.md", b"\n  \n", {}, "blank.md: empty file"),
        ("latin1.txt", "Caf\xe9.\n".encode("latin-1"), {}, "latin1.txt: not UTF-8 text"),
        ("noise.mp3", b"not audio at all\n" * 300, {}, "noise.mp3: cannot decode the audio"),
        ("silent.mp4", silent, {}, "silent.mp4: cannot decode the audio (no sound track)"),
        ("copy.txt", DOCS["beta.txt"].encode(), {}, "copy.txt has the same content (sha256"),
        ("../escape.txt", b"Out.\n", {}, "the name '../escape.txt' would escape the corpus folder"),
        (".hidden.md", b"# Hidden\n\nA secret.\n", {}, "is hidden"),
        ("notes.txt", b"Fine notes. Really.\n", {"url": "ftp://x"}, "url must be a web address"),
        ("notes.txt", b"Fine notes. Really.\n", {"document": "Notes", "date": "21/11/2025"}, "date must be written"),
        ("notes.txt", b"Fine notes. Really.\n", {"version": "3.0"}, "give document too"),
    ]
    for name, data, options, why in cases:
        size = options.pop("size", None)
        said = await refusal(server, await source_add(server, name, data, size=size, **options))
        assert said.startswith("Nothing was changed: ") and why in said, (name, said)
    said = await refusal(server, await source_add(server, "notes.txt", b"Fine notes.\n", permissions=MEMBER))
    assert "You need the Manage Server permission" in said
    for name, why in (("../alpha.md", "would escape the corpus folder"), ("gone.txt", "no source named gone.txt")):
        assert why in await refusal(server, await source_remove(server, name))
    assert "Manage Server" in await refusal(server, await source_remove(server, "alpha.md", permissions=MEMBER))
    assert folder(own(settings)) == before and folder(settings.corpus_dir) == library
    assert bot.engine is engine and not bot.reindexing
    assert read_records(own(settings)) == [] and read_records(settings.corpus_dir) == []
    assert len(server.downloads) == 6  # type, size, name, metadata and permission are refused before downloading


async def test_a_command_definition_is_for_managers_only(running: Running) -> None:
    [source] = [c for c in running.server.commands["global"] if c["name"] == "source"]
    assert int(source["default_member_permissions"]) == 1 << 5
    add = next(o for o in source["options"] if o["name"] == "add")
    assert [(o["name"], o["type"], o.get("required", False)) for o in add["options"]] == [
        ("file", 11, True), ("title", 3, False), ("url", 3, False), ("recording", 3, False),
        ("language", 3, False), ("replace", 5, False), ("library", 5, False), ("document", 3, False),
        ("version", 3, False), ("date", 3, False)]
