"""docs/commands.md, generated from the slash-command definitions (bot/chat/commands/):

    python -m bot.chat.command_docs          # rewrite docs/commands.md
    python -m bot.chat.command_docs --check  # exit 1 when it is stale (tests/bot/test_command_docs.py does the same)
"""

from __future__ import annotations

import argparse
import dataclasses
import logging
import sys
from collections.abc import Iterator

import discord
from discord import app_commands

from bot.chat.client import QuoteBot
from index.config import REPO_ROOT, load_settings

DOCS = REPO_ROOT / "docs" / "commands.md"
log = logging.getLogger(__name__)

HEADER = """# Commands

Generated from the command definitions in `bot/chat/commands/` by `python -m bot.chat.command_docs`; do not
edit by hand. A test fails when this file is stale. Every command also works by mentioning the bot
with a question (or in a DM): that is `/ask`."""
PERMISSION_NAMES = {"manage_guild": "Manage Server"}  # as Discord's own settings name them


def _limits(parameter: app_commands.Parameter) -> str:
    if parameter.choices:
        return "one of: " + ", ".join(f"{choice.name} (`{choice.value}`)" for choice in parameter.choices)
    low, high = parameter.min_value, parameter.max_value
    if parameter.type is not discord.AppCommandOptionType.string or (low is None and high is None):
        return ""
    return f"{low or 0}–{high} characters"


def _notes(command: app_commands.Command | app_commands.ContextMenu) -> list[str]:
    notes = []
    if any(getattr(check, "cooldown", False) for check in command.checks):
        notes.append("counts against the per-user cooldown (`QUOTEBOT_COOLDOWN_SECONDS`)")
    root = getattr(command, "root_parent", None) or command  # a group's subcommands share its settings
    if root.guild_only:
        notes.append("in servers only, not in DMs")
    if root.default_permissions is not None:
        allowed = [PERMISSION_NAMES.get(name, name.replace("_", " ").title())
                   for name, value in root.default_permissions if value]
        notes.append(f"needs the {', '.join(allowed)} permission")
    return notes


def _flat(commands: list) -> Iterator[app_commands.Command | app_commands.ContextMenu]:
    """The commands, each group replaced by its subcommands, in order."""
    for command in commands:
        if isinstance(command, app_commands.Group):
            yield from (c for c in command.walk_commands() if isinstance(c, app_commands.Command))
        else:
            yield command


def render(tree: app_commands.CommandTree) -> str:
    """The Markdown page for every command in `tree`, in the order they are registered."""
    parts = [HEADER]
    for command in _flat(tree.get_commands()):
        if isinstance(command, app_commands.ContextMenu):
            parts.append(f"## {command.name} (message menu)\n\nRight-click a message (long-press on mobile) → "
                         f"Apps → {command.name}.")
        else:
            options = " ".join(f"{p.name}:" for p in command.parameters)
            end = "" if command.description.endswith(("?", ".", "!")) else "."
            heading = f"/{command.qualified_name}{' ' + options if options else ''}"
            parts.append(f"## `{heading}`\n\n{command.description}{end}")
            if command.parameters:
                rows = ["| option | required | what | limits |", "| --- | --- | --- | --- |"]
                rows += [f"| `{p.name}` | {'yes' if p.required else 'no'} | {p.description} | {_limits(p)} |"
                         for p in command.parameters]
                parts.append("\n".join(rows))
        notes = _notes(command)
        if notes:
            parts.append("".join(f"* {note[0].upper()}{note[1:]}.\n" for note in notes).rstrip("\n"))
    return "\n\n".join(parts) + "\n"


def current() -> str:
    """The page for the commands as the bot registers them (no connection needed)."""
    settings = dataclasses.replace(load_settings(), sync_commands=False)
    return render(QuoteBot(settings, None).tree)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Write docs/commands.md from the command definitions.")
    parser.add_argument("--check", action="store_true", help="only report whether it is up to date")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    text = current()
    if args.check:
        stale = not DOCS.is_file() or DOCS.read_text(encoding="utf-8") != text
        log.info("%s is %s", DOCS, "stale: run python -m bot.chat.command_docs" if stale else "up to date")
        return 1 if stale else 0
    DOCS.write_text(text, encoding="utf-8")
    log.info("wrote %s", DOCS)
    return 0


if __name__ == "__main__":
    sys.exit(main())
