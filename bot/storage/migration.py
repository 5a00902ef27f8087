"""Moving an existing install to collections, once, at start: files that were added from Discord into
the shared corpus folder, whose change record names a server, move into that server's collection.

What a record says (bot/storage/source_log.py): records written before collections existed have no
`server` field, so the server that added those files is not known. They stay in the library (where
every server has been answered from them all along) and are listed in the log, once (a marker in the
data folder), with how to move one by hand. A record that names a server moves its file when the
file in the folder is still the one recorded (same sha256): the file, its sources.toml entry and its
records go to the collection, and the library's record gains a `move` line. Nothing is deleted; a
move that fails leaves the file where it was.
"""

from __future__ import annotations

import json
import logging
import shutil
from pathlib import Path

from bot.storage import source_log
from index.collections import collection_settings
from index.config import Settings
from index.ingest.manifest import drop_entry, load_manifest, set_entry
from index.storage.checksums import sha256_file

log = logging.getLogger(__name__)

MARKER = ".collections-migrated"  # in the data folder: the unattributed files have been reported


def move_server_uploads(settings: Settings) -> list[tuple[str, int]]:
    """Move each file whose latest record names a server into that server's collection; returns
    (file, server) for each moved."""
    library = settings.corpus_dir
    latest: dict[str, dict] = {}
    for entry in source_log.read_records(library):
        latest[entry.get("file", "")] = entry
    moved: list[tuple[str, int]] = []
    unattributed: list[str] = []
    for name, entry in latest.items():
        path = library / name
        if entry.get("action") not in ("add", "replace") or not name or not path.is_file():
            continue
        if entry.get("server") is None:
            unattributed.append(name)
            continue
        if sha256_file(path) != entry.get("sha256"):
            continue  # changed on disk since: the operator's file now
        server = int(entry["server"])
        try:
            _move(library, name, collection_settings(settings, server).corpus_dir, server)
        except OSError as error:
            log.warning("could not move %s into the collection of server %s (%s); it stays in the library",
                        name, server, error)
            continue
        moved.append((name, server))
    if moved:
        log.info("collections: moved %d file(s) added from Discord into their servers' collections: %s",
                 len(moved), ", ".join(f"{name} -> server {server}" for name, server in moved))
    _report_unattributed(settings, unattributed)
    return moved


def _move(library: Path, name: str, target: Path, server: int) -> None:
    target.mkdir(parents=True, exist_ok=True)
    entry = load_manifest(library).get(name)
    shutil.copy2(library / name, target / name)  # copy first: the library keeps it until the copy is whole
    if entry is not None:
        set_entry(target, name, {k: v for k, v in entry.items() if k != "file"})
    with open(source_log.log_path(target), "a", encoding="utf-8") as out:
        for record in source_log.read_records(library):
            if record.get("file") == name:
                out.write(json.dumps(record, ensure_ascii=False) + "\n")
    (library / name).unlink()
    if entry is not None:
        drop_entry(library, name)
    with open(source_log.log_path(library), "a", encoding="utf-8") as out:
        out.write(json.dumps({"action": "move", "file": name, "server": server}) + "\n")


def _report_unattributed(settings: Settings, names: list[str]) -> None:
    marker = settings.data_dir / MARKER
    if not names or marker.exists():
        return
    log.info("collections: %d file(s) were added from Discord before the bot recorded which server added them "
             "(%s); they stay in the shared library. To give one to a server: python -m bot sources remove NAME, "
             "then python -m bot sources add FILE --server ID", len(names), ", ".join(sorted(names)))
    try:
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        marker.write_text("\n".join(sorted(names)) + "\n", encoding="utf-8")
    except OSError as error:
        log.warning("could not write %s (%s)", marker, error)
