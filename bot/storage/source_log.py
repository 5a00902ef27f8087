"""The record of sources added, replaced and removed from Discord: one JSON line per change in
`<corpus folder>/.source-changes.jsonl` (hidden, so never read as a document), kept with the corpus
it describes. Each line says when (UTC), what (action, file, sha256 of its bytes, title), who: the
salted hash of the member's user id (bot/storage/user_hash.py, the same as the question log's), never
the id or the name, and where: `server`, the id of the server whose collection changed (null for the
shared library). Records written before collections existed have no `server`.
"""

from __future__ import annotations

import json
import logging
import os
from datetime import UTC, datetime
from pathlib import Path

from bot.storage.user_hash import salted_user_hash
from index.corpus import Change

log = logging.getLogger(__name__)

LOG_NAME = ".source-changes.jsonl"


def log_path(corpus_dir: Path) -> Path:
    return corpus_dir / LOG_NAME


def record(corpus_dir: Path, change: Change, user_id: int | None, when: datetime | None = None,
           server: int | None = None) -> dict:
    """Append one line for `change`, made by `user_id` (None: from the shell) in the collection of
    `server` (None: the library); returns it. A record that cannot be written is reported in the log
    (the change itself stands)."""
    entry = {
        "at": (when or datetime.now(UTC)).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "action": change.action,
        "file": change.name,
        "sha256": change.sha256,
        "title": (change.entry or change.old_entry or {}).get("title"),
        "by": salted_user_hash(user_id) if user_id is not None else "shell",
        "server": server,
    }
    path = log_path(corpus_dir)
    try:
        with open(path, "a", encoding="utf-8") as out:
            out.write(json.dumps(entry, ensure_ascii=False) + "\n")
            out.flush()
            os.fsync(out.fileno())
    except OSError as error:
        log.warning("could not record the %s of %s in %s (%s)", change.action, change.name, path, error)
    return entry


def read_records(corpus_dir: Path) -> list[dict]:
    """Every change recorded for this corpus, oldest first."""
    path = log_path(corpus_dir)
    if not path.is_file():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
