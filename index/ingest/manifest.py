"""Read corpus/sources.toml: per-document metadata (title, kind, language, dates, URLs)."""

from __future__ import annotations

import logging
import tomllib
from pathlib import Path

log = logging.getLogger(__name__)

MANIFEST_NAME = "sources.toml"
_FIELDS = {
    "file",
    "title",
    "author",
    "publisher",
    "language",
    "kind",
    "published",
    "url",
    "recording",
    "references",
}


def load_manifest(corpus_dir: Path) -> dict[str, dict]:
    """Entries of sources.toml keyed by file name. A broken manifest is reported and ignored
    (documents are still indexed, with titles taken from their text)."""
    path = corpus_dir / MANIFEST_NAME
    if not path.exists():
        return {}
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        log.warning("%s is not valid TOML (%s); indexing without its metadata", path, exc)
        return {}
    entries: dict[str, dict] = {}
    for position, entry in enumerate(data.get("source", []), start=1):
        if not isinstance(entry, dict) or not isinstance(entry.get("file"), str):
            log.warning("%s: [[source]] #%d has no 'file'; ignored", path.name, position)
            continue
        unknown = set(entry) - _FIELDS
        if unknown:
            log.warning("%s: %s has unknown fields %s; ignored", path.name, entry["file"], sorted(unknown))
        clean = {k: v for k, v in entry.items() if k in _FIELDS}
        if not all(isinstance(v, str) for k, v in clean.items() if k != "references"):
            log.warning("%s: %s has a non-text field; ignored", path.name, entry["file"])
            continue
        entries[entry["file"]] = clean
    return entries
