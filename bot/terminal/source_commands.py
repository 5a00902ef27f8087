"""`python -m bot sources list|add|remove [--server ID]`: the shell's way to change what a server (or,
without --server, the shared library) is answered from; the same checks as /source add and remove
(index/corpus.py), the change recorded with the server (bot/storage/source_log.py, by "shell"), the
collection rebuilt at once, and the change undone when its rebuild fails. An operator with a shell is
not held to the per-server limits."""

from __future__ import annotations

import argparse
import shutil
import tempfile
from pathlib import Path

from bot.storage import source_log
from index import corpus
from index.collections import Collections, collection_settings, has_sources
from index.config import Settings
from index.engine import Engine


def add_parser(sub: argparse._SubParsersAction) -> None:
    sources = sub.add_parser("sources", help="list, add or remove sources of a server's collection or the library")
    actions = sources.add_subparsers(dest="action", required=True)
    listing = actions.add_parser("list", help="the sources, by file name")
    add = actions.add_parser("add", help="add (or with --replace, replace) a file")
    add.add_argument("file", type=Path)
    add.add_argument("--title")
    add.add_argument("--url")
    add.add_argument("--recording")
    add.add_argument("--language", choices=sorted(corpus.LANGUAGES))
    add.add_argument("--replace", action="store_true", help="replace the source of the same name")
    remove = actions.add_parser("remove", help="remove a source")
    remove.add_argument("name")
    for parser in (listing, add, remove):
        parser.add_argument("--server", type=int, help="the server's id (default: the shared library)")


def run(settings: Settings, args: argparse.Namespace, out) -> None:
    """Raises corpus.SourceRefused (bad input: exit 2) with the reason; nothing is changed then."""
    server = args.server
    folder = collection_settings(settings, server).corpus_dir
    if args.action == "list":
        names = corpus.source_names(folder)
        where = f"server {server}" if server is not None else "the shared library"
        out.write(f"{len(names)} sources in {where} ({folder}):\n" + "".join(f"  {n}\n" for n in names))
        return
    collections_ = Collections(settings, Engine.load(settings))  # the library's engine: the model for every build
    if args.action == "add":
        if not args.file.is_file():
            raise corpus.SourceRefused(f"no such file: {args.file}")
        entry = corpus.metadata(args.title, args.url, args.recording, args.language)
        with tempfile.TemporaryDirectory(prefix="quotebot-add-") as temporary:
            copy = Path(temporary) / corpus.safe_name(args.file.name)
            shutil.copyfile(args.file, copy)
            checked = corpus.check_content(copy, settings.max_upload_mb)
            folder.mkdir(parents=True, exist_ok=True)
            change = corpus.place(folder, checked, entry, args.replace)
            _rebuild(collections_, server, folder, change, out)
    else:
        change = corpus.remove(folder, args.name, keep_one=server is None)
        _rebuild(collections_, server, folder, change, out)


def _rebuild(collections_: Collections, server: int | None, folder: Path, change: corpus.Change, out) -> None:
    try:
        report = collections_.rebuild(server)
    except Exception:
        corpus.undo(folder, change)
        raise
    if report is not None and change.action != "remove" and change.name in dict(report.skipped):
        corpus.undo(folder, change)
        if has_sources(folder):
            collections_.rebuild(server)
        raise corpus.SourceRefused(f"the build could not use {change.name} ({dict(report.skipped)[change.name]})")
    corpus.keep(change)
    source_log.record(folder, change, None, server=server)
    verb = {"add": "added", "replace": "replaced", "remove": "removed"}[change.action]
    where = f"server {server}'s collection" if server is not None else "the shared library"
    out.write(f"{verb} {change.name} in {where}: {report.summary() if report else 'no sources left'}\n")
