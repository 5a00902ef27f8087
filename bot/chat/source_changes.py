"""Sources added and removed from Discord (/source add, /source remove): the file is downloaded
and checked before anything changes, the collection's folder is changed (index/corpus.py), and its
index is rebuilt in the background while the reply shows the build's progress. Questions asked
meanwhile are answered from the previous index (the client swaps the engine when the build is done).

Who changes what: a member with Manage Server changes the collection of the server they run the
command in, within its limits (QUOTEBOT_SERVER_MAX_*); the shared library only the bot's owner, with
`library: True`. QUOTEBOT_SOURCES_FROM_DISCORD=off refuses every upload.

One change and its rebuild at a time per collection, fair across servers (bot/chat/rebuilds.py): a
change asked for while another runs is queued, and its reply says so. A rebuild that fails, or skips
the new file, undoes the change. Every change that goes live is recorded, with the server
(bot/storage/source_log.py). Every refusal is a short ephemeral message that says why; nothing is
changed then.
"""

from __future__ import annotations

import asyncio
import logging
import tempfile
from collections.abc import Awaitable, Callable
from pathlib import Path

import aiohttp
import discord

from bot.chat.build_progress import ProgressReply
from bot.chat.context import Client
from bot.chat.rebuilds import lane_for
from bot.storage import source_log
from index import corpus
from index.collections import collection_settings
from index.config import Settings
from index.corpus import Change, SourceRefused
from index.engine import Engine

log = logging.getLogger(__name__)

CONFIRM_SECONDS = 120.0  # how long the Remove button waits
DOWNLOAD_TIMEOUT = 600.0
CHUNK = 1 << 16
QUEUED = "A rebuild is already running: this change is queued and starts when it ends."
UPLOADS_OFF = "adding sources from Discord is turned off on this bot (QUOTEBOT_SOURCES_FROM_DISCORD=off)"
OWNER_ONLY = "only the bot's owner can change the shared library"
FAILED = ("The rebuild failed, so nothing was changed and the previous index is still live. "
          "It has been logged.")

Edit = Callable[[str], Awaitable[object]]


def nothing_changed(reason: object) -> str:
    return f"Nothing was changed: {reason}."


def _name(name: str) -> str:
    return discord.utils.escape_markdown(name)


def _count(number: int, what: str) -> str:
    return f"{number} {what}{'' if number == 1 else 's'}"


async def download(url: str, path: Path, max_mb: int) -> None:
    """Fetch an attachment from Discord's CDN into `path`, refusing it past `max_mb` megabytes."""
    limit = max_mb * corpus.MEGABYTE
    received = 0
    try:
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=DOWNLOAD_TIMEOUT)) as session, \
                session.get(url) as response:
            if response.status != 200:
                raise SourceRefused(f"the file could not be downloaded from Discord (HTTP {response.status})")
            with open(path, "wb") as out:
                async for chunk in response.content.iter_chunked(CHUNK):
                    received += len(chunk)
                    if received > limit:
                        raise SourceRefused(f"{path.name} is over the limit of {max_mb} MB (QUOTEBOT_MAX_UPLOAD_MB)")
                    out.write(chunk)
    except (aiohttp.ClientError, TimeoutError) as error:
        raise SourceRefused(f"the file could not be downloaded from Discord ({error or 'timed out'})") from None


def limits(settings: Settings) -> corpus.Limits:
    return corpus.Limits(settings.server_max_sources, settings.server_max_mb, settings.server_max_recording_minutes)


def folder_of(bot: Client, guild_id: int | None) -> Path:
    """The corpus folder of a server's collection (None: the library's)."""
    return collection_settings(bot.settings, guild_id).corpus_dir


async def target(bot: Client, interaction: discord.Interaction, library: bool) -> int | None:
    """The server whose collection the command changes (None: the library, for the owner only); /source add,
    /source remove and /reindex."""
    if library and not await bot.is_owner(interaction.user):
        raise SourceRefused(OWNER_ONLY)
    return None if library else interaction.guild_id


async def add(bot: Client, interaction: discord.Interaction, file: discord.Attachment, title: str | None,
              url: str | None, recording: str | None, language: str | None, replace: bool,
              library: bool = False,
              versioning: tuple[str | None, str | None, str | None] = (None, None, None)) -> None:
    """/source add: check, download, check again, then place the file and rebuild. `versioning`: the
    document, version and date the file is a version of (all None when it is not)."""
    settings = bot.settings
    try:
        if not settings.sources_from_discord:
            raise SourceRefused(UPLOADS_OFF)
        guild_id = await target(bot, interaction, library)
        name = corpus.safe_name(file.filename)
        corpus.kind_of(name)
        corpus.check_size(name, file.size, settings.max_upload_mb)
        entry = corpus.metadata(title, url, recording, language, *versioning)
    except SourceRefused as refused:
        await interaction.response.send_message(nothing_changed(refused), ephemeral=True)
        return
    await interaction.response.defer(ephemeral=True, thinking=True)

    async def edit(text: str) -> object:
        return await interaction.edit_original_response(content=text)

    corpus_dir = folder_of(bot, guild_id)
    with tempfile.TemporaryDirectory(prefix="quotebot-upload-") as folder:
        path = Path(folder) / name
        try:
            await download(file.url, path, settings.max_upload_mb)
            checked = await asyncio.to_thread(corpus.check_content, path, settings.max_upload_mb)
            await asyncio.to_thread(check_placing, corpus_dir, checked, replace, guild_id, settings)
        except SourceRefused as refused:
            await edit(nothing_changed(refused))
            return
        heading = f"{'Replacing' if replace else 'Adding'} **{_name(name)}** ({checked.kind}, {checked.detail})"

        def apply() -> Change:
            check_placing(corpus_dir, checked, replace, guild_id, settings)  # again: others may have changed it
            return corpus.place(corpus_dir, checked, entry, replace)

        await change_and_rebuild(bot, edit, heading, interaction.user.id, apply, guild_id, lane_for(checked.kind,
                                                                                                      guild_id))


def check_placing(corpus_dir: Path, checked: corpus.Checked, replace: bool, guild_id: int | None,
                  settings: Settings) -> None:
    """Refuse a file that cannot go into the collection: a clash, a copy, or over a server's limit."""
    corpus_dir.mkdir(parents=True, exist_ok=True)
    corpus.check_place(corpus_dir, checked, replace)
    if guild_id is not None:
        twin = corpus.same_content(settings.corpus_dir, checked)
        if twin is not None:
            raise SourceRefused(f"{checked.name} has the same content (sha256 {checked.sha256[:12]}…) as {twin} in "
                                "the shared library, which this server is answered from already")
        corpus.check_limits(corpus_dir, checked, replace, limits(settings))


async def ask_to_remove(bot: Client, interaction: discord.Interaction, name: str, library: bool = False) -> None:
    """/source remove: a confirmation with a button; the removal and rebuild run when it is pressed."""
    try:
        guild_id = await target(bot, interaction, library)
        name = await asyncio.to_thread(corpus.check_remove, folder_of(bot, guild_id), name, guild_id is None)
    except SourceRefused as refused:
        await interaction.response.send_message(nothing_changed(refused), ephemeral=True)
        return
    view = ConfirmRemoval(bot, interaction, name, guild_id)
    await interaction.response.send_message(
        f"Remove **{_name(name)}**? Its file and its sources.toml entry are deleted and the index is rebuilt "
        "without it.", view=view, ephemeral=True)


class ConfirmRemoval(discord.ui.View):
    """Remove / Cancel, for the member who asked, for CONFIRM_SECONDS."""

    def __init__(self, bot: Client, asked: discord.Interaction, name: str, guild_id: int | None) -> None:
        super().__init__(timeout=CONFIRM_SECONDS)
        self.bot = bot
        self.asked = asked
        self.name = name
        self.guild_id = guild_id  # the server whose collection it is (None: the library)

    async def interaction_check(self, interaction: discord.Interaction) -> bool:
        if interaction.user.id == self.asked.user.id:
            return True
        await interaction.response.send_message("Only the member who asked can confirm this.", ephemeral=True)
        return False

    @discord.ui.button(label="Remove", style=discord.ButtonStyle.danger)
    async def remove(self, interaction: discord.Interaction, _: discord.ui.Button) -> None:
        self.stop()
        heading = f"Removing **{_name(self.name)}**"
        await interaction.response.edit_message(content=f"{heading}…", view=None)

        async def edit(text: str) -> object:
            return await interaction.edit_original_response(content=text)

        corpus_dir = folder_of(self.bot, self.guild_id)
        await change_and_rebuild(self.bot, edit, heading, interaction.user.id,
                                 lambda: corpus.remove(corpus_dir, self.name, self.guild_id is None), self.guild_id,
                                 lane_for(None, self.guild_id))

    @discord.ui.button(label="Cancel", style=discord.ButtonStyle.secondary)
    async def cancel(self, interaction: discord.Interaction, _: discord.ui.Button) -> None:
        self.stop()
        await interaction.response.edit_message(content=f"Nothing was removed: **{_name(self.name)}** stays.",
                                                view=None)

    async def on_timeout(self) -> None:
        try:
            await self.asked.edit_original_response(content="Nothing was removed (not confirmed in time).", view=None)
        except discord.HTTPException:
            log.info("could not close the removal question for %s", self.name)

    async def on_error(self, interaction: discord.Interaction, error: Exception, item: discord.ui.Item) -> None:
        log.error("removing %s failed for user %s", self.name, interaction.user.id, exc_info=error)


async def change_and_rebuild(bot: Client, edit: Edit, heading: str, user_id: int, apply: Callable[[], Change],
                             guild_id: int | None, lane: str) -> None:
    """Wait for the collection's rebuild slot (saying so when queued), change its folder, rebuild with
    progress in the reply, then keep and record the change, or undo it."""
    corpus_dir = folder_of(bot, guild_id)
    if bot.rebuilds.busy(guild_id, lane):
        await edit(f"{heading}\n{QUEUED}")
    async with bot.rebuilds.slot(guild_id, lane):
        try:
            change = await asyncio.to_thread(apply)
        except SourceRefused as refused:  # the folder changed while this one was queued
            await edit(nothing_changed(refused))
            return
        progress = ProgressReply(edit, f"{heading}: rebuilding the index…")
        try:
            report = await bot.rebuild(guild_id, progress)
        except Exception:
            await progress.stop()
            log.exception("the rebuild after the %s of %s failed; the change is undone", change.action, change.name)
            await asyncio.to_thread(corpus.undo, corpus_dir, change)
            await edit(FAILED)
            return
        await progress.stop()
        skipped = dict(report.skipped).get(change.name) if report and change.action != "remove" else None
        if skipped is not None:  # e.g. a recording in which no speech was found
            await asyncio.to_thread(corpus.undo, corpus_dir, change)
            await bot.rebuild(guild_id)  # the collection as it was (a replaced file is back)
            await edit(nothing_changed(f"the build could not use {change.name} ({skipped})"))
            return
        await asyncio.to_thread(corpus.keep, change)
        record = await asyncio.to_thread(source_log.record, corpus_dir, change, user_id, None, guild_id)
        if bot.question_log is not None:  # and in the database, every server's in one place
            bot.question_log.record_source_change(record)  # a failure is the log's one warning
        engine = bot.engine if guild_id is None else await asyncio.to_thread(bot.collections.own, guild_id)
        await edit(done_text(engine, change, report.summary() if report else "no sources left"))


def done_text(engine: Engine | None, change: Change, summary: str) -> str:
    if engine is None:
        return f"Removed **{_name(change.name)}**: this server has no sources of its own now ({summary})."
    data = engine.data
    if change.action == "remove":
        return (f"Removed **{_name(change.name)}** — ready: {_count(len(data.sentences), 'sentence')} from "
                f"{_count(len(data.sources), 'source')} ({summary}).")
    number = next(i for i, source in enumerate(data.sources) if source.file == change.name)
    sentences = sum(1 for sentence in data.sentences if sentence.source == number)
    verb = "Replaced" if change.action == "replace" else "Added"
    return (f"{verb} **{_name(change.name)}** — ready: {_count(sentences, 'sentence')}, answerable now "
            f"({summary}).")
