"""docs/commands.md is generated from the command definitions, and kept up to date."""

from __future__ import annotations

from bot.chat.command_docs import DOCS, current


def test_docs_commands_md_matches_the_command_definitions() -> None:
    stale = "docs/commands.md is stale: run python -m bot.chat.command_docs"
    assert DOCS.read_text(encoding="utf-8") == current(), stale


def test_every_command_is_documented_with_its_options_and_permissions() -> None:
    page = current()
    for heading in ("## `/ask question:`", "## `/check claim:`", "## `/search query:`", "## `/sources library:`",
                    "## `/help`", "## `/reindex library:`", "## Check citations (message menu)"):
        assert heading in page
    assert "| `question` | yes | What do you want to know? | 1–6000 characters |" in page
    assert "Needs the Manage Server permission." in page and "In servers only, not in DMs." in page
