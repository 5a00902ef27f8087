"""/source add and /source remove: manage the server's own sources from Discord (Manage Server), or,
for the bot's owner, the shared library (`library: True`). The work is in bot/chat/source_changes.py;
these are the command definitions."""

from __future__ import annotations

import discord
from discord import app_commands

from bot.chat import source_changes
from bot.chat.context import Client
from index import corpus

LANGUAGES = [app_commands.Choice(name=name, value=code) for code, name in corpus.LANGUAGES.items()]
MAX_CHOICES = 25  # Discord's limits for autocomplete suggestions: how many, how long
MAX_CHOICE_CHARS = 100


def setup(bot: Client) -> None:
    group = app_commands.Group(name="source", description="Add or remove a source (Manage Server)",
                               guild_only=True, default_permissions=discord.Permissions(manage_guild=True))

    @group.command(name="add", description="Add a file as a source: text, Markdown, transcript or recording")
    @app_commands.describe(
        file="A .txt, .md, .vtt, .srt, Whisper .json, or audio/video recording (.mp3, .flac, .ogg, .mp4, .mkv, …)",
        title="The title as the document gives it",
        url="Where the document can be read (https://…)",
        recording="The recording its timestamps refer to (https://…): citations then link to the second",
        language="The document's language (detected when left out)",
        replace="Replace the source of the same name",
        library="Add it to the shared library that every server is answered from (the bot's owner only)",
        document="This file is a version of this document (answers quote the newest and say what changed)",
        version="Which version of the document it is (3.0)",
        date="The date of this version (YYYY-MM-DD); the newest date is the current version",
    )
    @app_commands.choices(language=LANGUAGES)
    @app_commands.checks.has_permissions(manage_guild=True)
    async def add(interaction: discord.Interaction, file: discord.Attachment,
                  title: app_commands.Range[str, 1, corpus.MAX_TITLE_CHARS] | None = None,
                  url: app_commands.Range[str, 1, 2000] | None = None,
                  recording: app_commands.Range[str, 1, 2000] | None = None,
                  language: app_commands.Choice[str] | None = None, replace: bool = False,
                  library: bool = False,
                  document: app_commands.Range[str, 1, corpus.MAX_TITLE_CHARS] | None = None,
                  version: app_commands.Range[str, 1, 40] | None = None,
                  date: app_commands.Range[str, 10, 10] | None = None) -> None:
        await source_changes.add(bot, interaction, file, title, url, recording, language.value if language else None,
                                 replace, library, (document, version, date))

    @group.command(name="remove", description="Remove a source (asks to confirm), then rebuild the index")
    @app_commands.describe(name="The source's file name, as /sources lists it",
                           library="Remove it from the shared library (the bot's owner only)")
    @app_commands.checks.has_permissions(manage_guild=True)
    async def remove(interaction: discord.Interaction, name: app_commands.Range[str, 1, 200],
                     library: bool = False) -> None:
        await source_changes.ask_to_remove(bot, interaction, name, library)

    @remove.autocomplete("name")
    async def source_names(interaction: discord.Interaction, current: str) -> list[app_commands.Choice[str]]:
        names = corpus.source_names(source_changes.folder_of(bot, interaction.guild_id))  # this server's only
        return [app_commands.Choice(name=n, value=n) for n in names
                if current.lower() in n.lower() and len(n) <= MAX_CHOICE_CHARS][:MAX_CHOICES]

    bot.tree.add_command(group)
