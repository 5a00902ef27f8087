"""Read corpus/sources.toml: per-document metadata (title, kind, language, dates, URLs); set and
drop one document's entry (set_entry, drop_entry: the rest of the file, comments included, is kept
as it is, and the new file replaces the old one atomically)."""

from __future__ import annotations

import logging
import os
import re
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
    "document",
    "version",
    "date",
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


class ManifestError(ValueError):
    """sources.toml cannot be changed (it is not valid TOML); the message says why."""


_TABLE = re.compile(r"^\s*\[\[\s*source\s*\]\]\s*(#.*)?$")
_TRAILING = re.compile(r"^\s*(#.*)?$")  # a blank or comment line


def _blocks(text: str) -> tuple[list[str], list[list[str]]]:
    """The lines before the first [[source]] table, and each table's lines. Comment and blank lines
    just above a table belong to it (they usually describe it)."""
    head: list[str] = []
    blocks: list[list[str]] = []
    for line in text.splitlines(keepends=True):
        if _TABLE.match(line):
            before = blocks[-1] if blocks else head
            moved: list[str] = []
            while before and _TRAILING.match(before[-1]) and before[-1].strip():
                moved.insert(0, before.pop())
            blocks.append([*moved, line])
        elif blocks:
            blocks[-1].append(line)
        else:
            head.append(line)
    return head, blocks


def _file_of(block: list[str]) -> str | None:
    entries = tomllib.loads("".join(block)).get("source") or [{}]
    file = entries[0].get("file")
    return file if isinstance(file, str) else None


def _toml_string(value: str) -> str:
    out = []
    for ch in value:
        if ch in '"\\':
            out.append("\\" + ch)
        elif ord(ch) < 0x20 or ord(ch) == 0x7F:
            out.append(f"\\u{ord(ch):04X}")
        else:
            out.append(ch)
    return '"' + "".join(out) + '"'


def render_entry(entry: dict) -> str:
    """One [[source]] table: `file` first, then the other fields in the documented order."""
    lines = ["[[source]]\n"]
    for key in ("file", *sorted(_FIELDS - {"file"}, key=_ORDER.index)):
        value = entry.get(key)
        if isinstance(value, str):
            lines.append(f"{key} = {_toml_string(value)}\n")
        elif key == "references" and value:
            lines.append(f"{key} = [{', '.join(_toml_string(str(v)) for v in value)}]\n")
    return "".join(lines)


_ORDER = ["file", "title", "author", "publisher", "language", "kind", "published", "url", "recording", "references",
          "document", "version", "date"]


def _change(corpus_dir: Path, file: str, entry: dict | None) -> dict | None:
    """Drop `file`'s entry from sources.toml and, when `entry` is given, append it; returns the
    entry that was there. The new text is checked and replaces the old file atomically."""
    path = corpus_dir / MANIFEST_NAME
    text = path.read_text(encoding="utf-8") if path.exists() else ""
    try:
        tomllib.loads(text)
        head, blocks = _blocks(text)
        kept = [b for b in blocks if _file_of(b) != file]
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ManifestError(f"{MANIFEST_NAME} is not valid TOML ({exc}); fix it first") from None
    old = load_manifest(corpus_dir).get(file) if len(kept) != len(blocks) else None
    if entry is None and old is None and len(kept) == len(blocks):
        return None
    new = ("".join(head) + "".join("".join(b) for b in kept)).rstrip("\n")
    if entry is not None:
        new += ("\n\n" if new.strip() else "") + render_entry({**entry, "file": file})
    elif new.strip():
        new += "\n"
    tomllib.loads(new)  # what is written always reads back
    partial = corpus_dir / f".{MANIFEST_NAME}.part"
    with open(partial, "w", encoding="utf-8") as out:
        out.write(new)
        out.flush()
        os.fsync(out.fileno())
    os.replace(partial, path)
    return old


def set_entry(corpus_dir: Path, file: str, entry: dict) -> dict | None:
    """Make `entry` the metadata of `file` in sources.toml (replacing any entry it had, which is returned)."""
    return _change(corpus_dir, file, entry)


def drop_entry(corpus_dir: Path, file: str) -> dict | None:
    """Remove `file`'s entry from sources.toml; returns it (None when it had none)."""
    return _change(corpus_dir, file, None)
