"""Sources added and removed from Discord (/source add, /source remove): the file is downloaded
and checked before anything changes, the corpus folder is changed (index/corpus.py), and the index
is rebuilt in the background while the reply shows the build's progress. Questions asked meanwhile
are answered from the previous index (the client swaps the engine when the build is done).

One change and its rebuild at a time (the client's rebuild lock): a change asked for while another
rebuild runs is queued, and its reply says so. A rebuild that fails, or skips the new file, undoes the
change. Every change that goes live is recorded (bot/storage/source_log.py). Every refusal is a short
ephemeral message that says why; nothing is changed then.
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
from bot.storage import source_log
from index import corpus
from index.corpus import Change, SourceRefused

log = logging.getLogger(__name__)

CONFIRM_SECONDS = 120.0  # how long the Remove button waits
DOWNLOAD_TIMEOUT = 600.0
CHUNK = 1 << 16
QUEUED = "A rebuild is already running: this change is queued and starts when it ends."
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


async def add(bot: Client, interaction: discord.Interaction, file: discord.Attachment, title: str | None,
              url: str | None, recording: str | None, language: str | None, replace: bool,
              versioning: tuple[str | None, str | None, str | None] = (None, None, None)) -> None:
    """/source add: check, download, check again, then place the file and rebuild. `versioning`: the
    document, version and date the file is a version of (all None when it is not)."""
    settings = bot.settings
    try:
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

    with tempfile.TemporaryDirectory(prefix="quotebot-upload-") as folder:
        path = Path(folder) / name
        try:
            await download(file.url, path, settings.max_upload_mb)
            checked = await asyncio.to_thread(corpus.check_content, path, settings.max_upload_mb)
            await asyncio.to_thread(corpus.check_place, settings.corpus_dir, checked, replace)
        except SourceRefused as refused:
            await edit(nothing_changed(refused))
            return
        heading = f"{'Replacing' if replace else 'Adding'} **{_name(name)}** ({checked.kind}, {checked.detail})"
        await change_and_rebuild(bot, edit, heading, interaction.user.id,
                                 lambda: corpus.place(settings.corpus_dir, checked, entry, replace))


async def ask_to_remove(bot: Client, interaction: discord.Interaction, name: str) -> None:
    """/source remove: a confirmation with a button; the removal and rebuild run when it is pressed."""
    try:
        name = await asyncio.to_thread(corpus.check_remove, bot.settings.corpus_dir, name)
    except SourceRefused as refused:
        await interaction.response.send_message(nothing_changed(refused), ephemeral=True)
        return
    view = ConfirmRemoval(bot, interaction, name)
    await interaction.response.send_message(
        f"Remove **{_name(name)}**? Its file and its sources.toml entry are deleted and the index is rebuilt "
        "without it.", view=view, ephemeral=True)


class ConfirmRemoval(discord.ui.View):
    """Remove / Cancel, for the member who asked, for CONFIRM_SECONDS."""

    def __init__(self, bot: Client, asked: discord.Interaction, name: str) -> None:
        super().__init__(timeout=CONFIRM_SECONDS)
        self.bot = bot
        self.asked = asked
        self.name = name

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

        corpus_dir = self.bot.settings.corpus_dir
        await change_and_rebuild(self.bot, edit, heading, interaction.user.id,
                                 lambda: corpus.remove(corpus_dir, self.name))

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


async def change_and_rebuild(bot: Client, edit: Edit, heading: str, user_id: int,
                             apply: Callable[[], Change]) -> None:
    """Wait for the rebuild slot (saying so when queued), change the folder, rebuild with progress
    in the reply, then keep and record the change, or undo it."""
    corpus_dir = bot.settings.corpus_dir
    if bot.rebuild_lock.locked():
        await edit(f"{heading}\n{QUEUED}")
    async with bot.rebuild_lock:
        try:
            change = await asyncio.to_thread(apply)
        except SourceRefused as refused:  # the folder changed while this one was queued
            await edit(nothing_changed(refused))
            return
        progress = ProgressReply(edit, f"{heading}: rebuilding the index…")
        try:
            report = await bot.reindex(progress)
        except Exception:
            await progress.stop()
            log.exception("the rebuild after the %s of %s failed; the change is undone", change.action, change.name)
            await asyncio.to_thread(corpus.undo, corpus_dir, change)
            await edit(FAILED)
            return
        await progress.stop()
        skipped = dict(report.skipped).get(change.name) if change.action != "remove" else None
        if skipped is not None:  # e.g. a recording in which no speech was found
            await asyncio.to_thread(corpus.undo, corpus_dir, change)
            if change.action == "replace":  # the earlier file is back: index it again
                await bot.reindex()
            await edit(nothing_changed(f"the build could not use {change.name} ({skipped})"))
            return
        await asyncio.to_thread(corpus.keep, change)
        await asyncio.to_thread(source_log.record, corpus_dir, change, user_id)
        await edit(done_text(bot, change, report.summary()))


def done_text(bot: Client, change: Change, summary: str) -> str:
    data = bot.engine.data
    if change.action == "remove":
        return (f"Removed **{_name(change.name)}** — ready: {_count(len(data.sentences), 'sentence')} from "
                f"{_count(len(data.sources), 'source')} ({summary}).")
    number = next(i for i, source in enumerate(data.sources) if source.file == change.name)
    sentences = sum(1 for sentence in data.sentences if sentence.source == number)
    verb = "Replaced" if change.action == "replace" else "Added"
    return (f"{verb} **{_name(change.name)}** — ready: {_count(sentences, 'sentence')}, answerable now "
            f"({summary}).")
