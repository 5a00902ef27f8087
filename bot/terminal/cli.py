"""The `python -m bot` command line: ask, check (single or --batch; --server ID answers as that server
would), console, Discord, sync, report, sources (bot/terminal/source_commands.py).

Exit status: 0 success, 2 bad input (one-line reason on stderr), 1 internal failure.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Any

from bot.storage.migration import move_server_uploads
from bot.terminal import render, source_commands
from index.build import TerminalLog
from index.collections import Collections
from index.config import Settings, load_settings
from index.corpus import SourceRefused
from index.engine import Engine
from index.errors import BadQuestion, ConfigError, CorpusEmpty

log = logging.getLogger(__name__)


class UsageError(ValueError):
    """Bad input from the command line: exit 2 with this message."""


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m bot", description="Answer questions with cited quotes.")
    sub = parser.add_subparsers(dest="command")
    ask = sub.add_parser("ask", help="answer a question with quotes")
    ask.add_argument("question", nargs="?")
    ask.add_argument("--json", action="store_true", help="print JSON")
    ask.add_argument("-k", type=int, default=None, help="number of quotes (1-10)")
    ask.add_argument("--batch", type=Path, help='JSON-lines file of {"id": ..., "question": ...}')
    ask.add_argument("--server", type=int, help="answer as this server would (its collection + the library)")
    check = sub.add_parser("check", help="check a claim or locate a quote")
    check.add_argument("claim", nargs="?")
    check.add_argument("--json", action="store_true", help="print JSON")
    check.add_argument("--batch", type=Path, help='JSON-lines file of {"id": ..., "claim": ...}')
    check.add_argument("--server", type=int, help="check against this server's collection + the library")
    sub.add_parser("console", help="the local console (default when DISCORD_TOKEN is not set)")
    sub.add_parser("sync", help="register the slash commands with Discord (needs DISCORD_TOKEN) and exit")
    report = sub.add_parser("report", help="the gaps report from the question log, as one HTML page")
    report.add_argument("--days", type=int, default=30, help="how many days back (default 30)")
    report.add_argument("--out", type=Path, default=Path("report.html"), help="the HTML file (default report.html)")
    copy = sub.add_parser("copy-log", help="copy the SQLite question log into PostgreSQL (docs/deployment.md)")
    copy.add_argument("--from", dest="source", type=Path, default=None,
                      help="the SQLite log (default: QUOTEBOT_QUESTION_LOG's file)")
    copy.add_argument("--to", dest="url", default=None, help="the postgresql:// URL (default: QUOTEBOT_DATABASE_URL)")
    source_commands.add_parser(sub)
    return parser


def _read_batch(path: Path, field: str) -> list[tuple[object, str | None, str | None]]:
    """(id, text or None, error or None) per non-empty line."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except FileNotFoundError:
        raise UsageError(f"batch file not found: {path}") from None
    except UnicodeDecodeError:
        raise UsageError(f"batch file is not UTF-8: {path}") from None
    items: list[tuple[object, str | None, str | None]] = []
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as exc:
            items.append((None, None, f"line {number}: not JSON ({exc.msg})"))
            continue
        if not isinstance(record, dict) or not isinstance(record.get(field), str):
            items.append(
                (
                    record.get("id") if isinstance(record, dict) else None,
                    None,
                    f'line {number}: needs a text "{field}" field',
                )
            )
            continue
        items.append((record.get("id"), record[field], None))
    return items


def _run_batch(path: Path, field: str, run: Callable[[str], dict], out) -> None:
    for item_id, text, error in _read_batch(path, field):
        if text is not None:
            try:
                result = run(text)
            except BadQuestion as exc:
                result, error = None, str(exc)
        if error is not None:
            result = {field: text, "error": error}
        out.write(json.dumps({"id": item_id, **result}, ensure_ascii=False) + "\n")
        out.flush()


def _ask(engine: Engine, args: argparse.Namespace, out) -> None:
    if args.k is not None and not 1 <= args.k <= 10:
        raise UsageError("-k must be between 1 and 10")
    if args.batch:
        _run_batch(args.batch, "question", lambda q: engine.ask(q, args.k).as_dict(), out)
        return
    if args.question is None:
        raise UsageError('ask needs a question: python -m bot ask "QUESTION"')
    answer = engine.ask(args.question, args.k)
    out.write((json.dumps(answer.as_dict(), ensure_ascii=False) if args.json else render.render_answer(answer)) + "\n")


def _check(engine: Engine, args: argparse.Namespace, out) -> None:
    if args.batch:
        _run_batch(args.batch, "claim", lambda c: engine.check(c).as_dict(), out)
        return
    if args.claim is None:
        raise UsageError('check needs a claim or quote: python -m bot check "TEXT"')
    result = engine.check(args.claim)
    out.write((json.dumps(result.as_dict(), ensure_ascii=False) if args.json else render.render_check(result)) + "\n")


def _validate(args: argparse.Namespace) -> None:
    """Reject bad input before the (slow) engine load."""
    text = getattr(args, "question", None) if args.command == "ask" else getattr(args, "claim", None)
    if args.command in ("ask", "check") and not getattr(args, "batch", None) and text is not None and not text.strip():
        raise UsageError(f"the {'question' if args.command == 'ask' else 'claim'} is empty")
    if getattr(args, "batch", None) and not args.batch.is_file():
        raise UsageError(f"batch file not found: {args.batch}")
    if args.command == "report" and not 1 <= args.days <= 3650:
        raise UsageError("--days must be between 1 and 3650")


def _copy_log(settings: Settings, args: argparse.Namespace, out) -> int:
    """`python -m bot copy-log`: the SQLite log into PostgreSQL, one line per table."""
    from bot.storage.copy_log import CopyError, copy_log
    from bot.storage.database import is_postgres_url, without_password

    source = args.source or settings.question_log
    url = args.url or settings.database_url
    if source is None:
        raise UsageError("the question log is off (QUOTEBOT_QUESTION_LOG=off): name the SQLite log with --from")
    if not url or not is_postgres_url(url):
        raise UsageError("copy-log needs a postgresql:// URL: --to or QUOTEBOT_DATABASE_URL")
    try:
        copied = copy_log(source, url)
    except CopyError as exc:
        raise UsageError(str(exc)) from None
    for table in copied:
        out.write(f"{table.table}: {table.rows} rows, {table.added} added, {table.rows - table.added} already there\n")
    out.write(f"copied {source} into {without_password(url)}\n")
    return 0


def _report_problem(settings: Settings) -> None:
    if settings.question_log is None:
        raise UsageError("the question log is off (QUOTEBOT_QUESTION_LOG=off): there is nothing to report")
    if settings.database_url:
        return
    if not settings.question_log.is_file():
        raise UsageError(f"no question log at {settings.question_log} (set QUOTEBOT_QUESTION_LOG to its path)")


def _report(settings: Settings, engine: Engine, args: argparse.Namespace, out) -> None:
    """`python -m bot report`: read the log, group the gaps with the engine's encoder, write the page."""
    import time

    from bot.storage import report
    from bot.storage.question_log import DAY, LogUnavailable, QuestionLog, log_target

    target = log_target(settings)
    assert target is not None
    question_log = QuestionLog(target, settings.log_days).start()
    try:
        entries = question_log.entries(time.time() - args.days * DAY).result(120)
    except LogUnavailable as exc:
        raise UsageError(f"cannot read the question log {question_log.name}: {exc}") from None
    finally:
        question_log.close()
    built = report.build(entries, engine.encode, args.days)
    args.out.write_text(report.to_html(built, report.chart_png(built)), encoding="utf-8")
    out.write(f"{report.text(built)}\n\nThe report: {args.out}\n")


def main(argv: list[str] | None = None, out=None) -> int:
    out = out or sys.stdout
    args = _parser().parse_args(argv)
    try:
        settings = load_settings()
    except ConfigError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    logging.basicConfig(level=settings.log_level, format="%(levelname)s %(name)s: %(message)s",
                        handlers=[TerminalLog(sys.stderr)])  # the first build's progress: one line, updated
    try:
        _validate(args)
        if args.command == "sync":
            return _sync(settings)
        if args.command is None and settings.discord_token:
            return _discord(settings)
        if args.command == "copy-log":
            return _copy_log(settings, args, out)
        if args.command == "report":
            _report_problem(settings)
        move_server_uploads(settings)  # once, on an install from before collections
        if args.command == "sources":
            source_commands.run(settings, args, out)
            return 0
        one_shot = args.command in ("ask", "check") and not args.batch  # one question, then the process ends
        engine = Engine.load(settings, one_shot=one_shot)
        if getattr(args, "server", None) is not None:
            engine = Collections(settings, engine).engine(args.server, _library_on(settings, args.server))
        if args.command == "ask":
            _ask(engine, args, out)
        elif args.command == "check":
            _check(engine, args, out)
        elif args.command == "report":
            _report(settings, engine, args, out)
        else:
            from bot.terminal.console import run_console

            run_console(engine, sys.stdin, out)
    except (UsageError, BadQuestion, CorpusEmpty, SourceRefused) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    except Exception:
        log.exception("internal error")
        print("error: internal failure (details in the log above)", file=sys.stderr)
        return 1
    return 0


def _library_on(settings: Settings, server: int) -> bool:
    """Whether the server answers from the library too, as its /sources library setting says."""
    if settings.question_log is None or not settings.question_log.is_file():
        return True
    from bot.storage.question_log import LogUnavailable, QuestionLog

    question_log = QuestionLog(settings.question_log, settings.log_days).start()
    try:
        return server not in question_log.library_off().result(60)
    except LogUnavailable as error:
        log.warning("the server's settings cannot be read (%s); answering from its collection and the library", error)
        return True
    finally:
        question_log.close()


def _discord(settings: Settings) -> int:
    from bot.chat.client import serve

    engine = Engine.load(settings)  # once, before connecting: every command shares it
    return _on_discord(serve(settings, engine))


def _sync(settings: Settings) -> int:
    from bot.chat.client import sync_only

    if not settings.discord_token:
        raise UsageError("sync needs DISCORD_TOKEN")
    return _on_discord(sync_only(settings))


def _on_discord(session: Coroutine[Any, Any, object]) -> int:
    """Run a Discord session; Discord refusing the token or the intents is exit 2 with a reason."""
    import asyncio

    import discord

    try:
        asyncio.run(session)
    except discord.LoginFailure:
        print("error: Discord rejected the token in DISCORD_TOKEN", file=sys.stderr)
        return 2
    except discord.PrivilegedIntentsRequired:
        print("error: Discord refused the intents the bot asked for", file=sys.stderr)
        return 2
    return 0
