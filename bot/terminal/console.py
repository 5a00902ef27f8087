"""The local console: the bot's commands in a terminal, rendered as text.

/ask QUESTION     quotes that answer it (plain text without a slash does the same)
/check TEXT       is this claim or quote backed by the sources? (several sentences: one verdict each)
/search QUERY     the top passages for a lookup
/sources          the documents in the corpus
/help, /quit
"""

from __future__ import annotations

from typing import TextIO

from bot.terminal import render
from index.engine import Engine
from index.errors import BadQuestion

HELP = __doc__.split("\n\n", 1)[1].rstrip() if __doc__ else ""
PROMPT = "quotebot> "


def handle_line(engine: Engine, line: str) -> str | None:
    """The console's reply to one input line; None means quit."""
    text = line.strip()
    if not text:
        return ""
    command, _, rest = text.partition(" ") if text.startswith("/") else ("/ask", "", text)
    command = command.lower()
    try:
        if command in ("/quit", "/exit"):
            return None
        if command == "/help":
            return HELP
        if command == "/sources":
            return render.render_sources(engine.data.sources)
        if command == "/ask":
            return render.render_answer(engine.ask(rest))
        if command == "/check":
            return render.render_checks(engine.check_message(rest))
        if command == "/search":
            return render.render_search(engine.search(rest, limit=engine.settings.search_page_size))
    except BadQuestion as exc:
        return f"Sorry: {exc}. Type /help for the commands."
    return f"Unknown command {command}. Type /help for the commands."


def run_console(engine: Engine, stdin: TextIO, out: TextIO) -> None:
    interactive = stdin.isatty()
    out.write(f"Ask about the corpus ({len(engine.data.sources)} documents). /help for commands, /quit to leave.\n")
    while True:
        if interactive:
            out.write(PROMPT)
            out.flush()
        line = stdin.readline()
        if not line:
            break
        reply = handle_line(engine, line)
        if reply is None:
            break
        if reply:
            out.write(reply + "\n\n")
            out.flush()
