"""Change the corpus folder from outside it (the Discord /source commands): add a checked file
under a safe name with its sources.toml entry, or remove one, and undo either when the rebuild
that follows fails.

The third front door, beside the engine and build_index. Nothing here touches the index: the caller
rebuilds after a change. Every refusal is a SourceRefused whose message says why, in words for the
person who sent the file; a refused file changes nothing in the folder.

* Names: the file keeps its own name, if it is a plain one: no path parts (`/`, `\\`, `..`, `:`), no
  hidden name (a leading dot), no control characters; a name already in the folder is taken only when
  replacing.
* Content: text and Markdown must be UTF-8 with something quotable; a transcript must parse; a
  recording must decode (FFmpeg) and have a sound track, the same decoding step the build uses. A file
  whose bytes (sha256) are already a source's is refused.
* Writes: the file is copied in under a hidden name and renamed into place; sources.toml is replaced
  atomically (ingest/manifest.py). What a change replaced or removed is kept aside (hidden) until the
  caller keeps or undoes the change.
"""

from __future__ import annotations

import json
import logging
import os
import re
import shutil
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from .ingest.documents import (
    DOCUMENT_SUFFIXES,
    MARKDOWN_SUFFIXES,
    SkipFile,
    discover,
    read_document,
)
from .ingest.manifest import MANIFEST_NAME, ManifestError, drop_entry, load_manifest, set_entry
from .ingest.recordings import SAMPLING_RATE, TranscriptionError, decode, is_recording
from .ingest.transcripts import TRANSCRIPT_SUFFIXES, TranscriptError
from .storage.checksums import sha256_file

log = logging.getLogger(__name__)

LANGUAGES = {"en": "English", "zh": "Chinese"}
MAX_NAME_BYTES = 200
MAX_TITLE_CHARS = 300
MEGABYTE = 1024 * 1024


class SourceRefused(Exception):
    """A file or a change that is refused; the message says why (it is shown to the user)."""


def kind_of(name: str) -> str:
    """What a file is by its suffix: recording, transcript, Markdown or text; refuses any other type."""
    suffix = Path(name).suffix.lower()
    if suffix not in DOCUMENT_SUFFIXES:
        shown = suffix or "a file without a suffix"
        raise SourceRefused(f"{name}: {shown} is not a type the bot reads. It takes text (.txt), Markdown (.md), "
                            "transcripts (.vtt, .srt, Whisper .json) and audio or video recordings "
                            "(.mp3, .wav, .m4a, .flac, .ogg, .opus, .mp4, .mkv, .mov, .webm and more)")
    if is_recording(Path(name)):
        return "recording"
    if suffix in TRANSCRIPT_SUFFIXES:
        return "transcript"
    return "Markdown" if suffix in MARKDOWN_SUFFIXES else "text"


def safe_name(name: str) -> str:
    """`name` as a file name inside the corpus folder; refuses one that would escape it, a hidden
    one, or one with control characters."""
    name = unicodedata.normalize("NFC", name.strip())
    if not name:
        raise SourceRefused("the file has no name")
    if any(part in name for part in ("/", "\\", ":")) or name in (".", ".."):
        raise SourceRefused(f"the name {name!r} would escape the corpus folder; give the file a plain name")
    if name.startswith("."):
        raise SourceRefused(f"the name {name!r} is hidden (it starts with a dot); give the file a visible name")
    if any(unicodedata.category(ch).startswith("C") for ch in name):
        raise SourceRefused(f"the name {name!r} has control characters in it")
    if len(name.encode("utf-8")) > MAX_NAME_BYTES:
        raise SourceRefused(f"the name {name[:40]!r}… is too long (at most {MAX_NAME_BYTES} bytes)")
    if name == MANIFEST_NAME:
        raise SourceRefused(f"{MANIFEST_NAME} is the folder's metadata, not a source")
    return name


def metadata(title: str | None = None, url: str | None = None, recording: str | None = None,
             language: str | None = None, document: str | None = None, version: str | None = None,
             date: str | None = None) -> dict[str, str]:
    """A sources.toml entry (without `file`) from what the user gave; refuses a malformed field.
    `document`, `version`, `date`: the file is that version of a document (index/ingest/versions.py)."""
    entry: dict[str, str] = {}
    if title and title.strip():
        if len(title.strip()) > MAX_TITLE_CHARS:
            raise SourceRefused(f"the title is too long (at most {MAX_TITLE_CHARS} characters)")
        entry["title"] = title.strip()
    for field, value in (("url", url), ("recording", recording)):
        if value and value.strip():
            value = value.strip()
            if not value.startswith(("https://", "http://")) or any(ch.isspace() for ch in value):
                raise SourceRefused(f"{field} must be a web address starting with https:// or http://")
            entry[field] = value
    if language:
        if language not in LANGUAGES:
            raise SourceRefused(f"language must be one of {', '.join(LANGUAGES)}")
        entry["language"] = language
    entry.update(_version_fields(document, version, date))
    return entry


_ISO_DATE = re.compile(r"(?:19|20)\d{2}-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12]\d|3[01])")


def _version_fields(document: str | None, version: str | None, date: str | None) -> dict[str, str]:
    given = {k: v.strip() for k, v in (("document", document), ("version", version), ("date", date)) if v and v.strip()}
    if not given:
        return {}
    if "document" not in given:
        raise SourceRefused("version and date say which version of a document the file is: give document too")
    if len(given["document"]) > MAX_TITLE_CHARS or len(given.get("version", "")) > 40:
        raise SourceRefused(f"document is at most {MAX_TITLE_CHARS} characters, version at most 40")
    if "date" in given and not _ISO_DATE.fullmatch(given["date"]):
        raise SourceRefused("date must be written YYYY-MM-DD (2025-11-21)")
    return given


@dataclass(frozen=True)
class Checked:
    """An uploaded file whose content was checked, waiting (outside the folder) to be placed."""

    name: str
    path: Path  # the file as downloaded, outside the corpus folder
    kind: str  # recording, transcript, Markdown or text
    sha256: str
    size: int
    detail: str  # what was found in it: "12 sentences", "0:11 of sound"
    seconds: float = 0.0  # a recording's length


def check_size(name: str, size: int, max_mb: int) -> None:
    """Refuse a file over the upload limit (or an empty one) before it is downloaded."""
    if size > max_mb * MEGABYTE:
        raise SourceRefused(f"{name} is {size / MEGABYTE:.1f} MB; the limit is {max_mb} MB "
                            "(QUOTEBOT_MAX_UPLOAD_MB)")
    if size == 0:
        raise SourceRefused(f"{name} is empty")


def check_content(path: Path, max_mb: int) -> Checked:
    """Check a downloaded file (named as it will be in the folder) the way the build will read it:
    a recording is decoded, any other document parsed. Slow for long recordings: run it off the
    event loop."""
    name = safe_name(path.name)
    kind = kind_of(name)
    size = path.stat().st_size
    check_size(name, size, max_mb)
    seconds = 0.0
    try:
        if kind == "recording":
            seconds = len(decode(path)) / SAMPLING_RATE
            minutes, secs = divmod(round(seconds), 60)
            detail = f"{minutes}:{secs:02d} of sound"
        else:
            count = len(read_document(path).sentences)
            detail = f"{count} sentence{'s' if count != 1 else ''}"
    except (SkipFile, TranscriptError, TranscriptionError) as exc:
        raise SourceRefused(f"{name}: {exc}") from None
    return Checked(name, path, kind, sha256_file(path), size, detail, seconds)


@dataclass(frozen=True)
class Limits:
    """What one collection may hold (a server's: QUOTEBOT_SERVER_MAX_*)."""

    sources: int
    megabytes: int
    recording_minutes: int


LENGTHS = ".recording-lengths.json"  # hidden: each recording's length in seconds, kept as files are placed


def recording_lengths(corpus_dir: Path) -> dict[str, float]:
    """The length of each recording in the folder, in seconds: as recorded when it was placed, else
    decoded once now (a file put in by hand) and recorded."""
    known = _known_lengths(corpus_dir)
    lengths: dict[str, float] = {}
    for file in discover(corpus_dir):
        if is_recording(file):
            if file.name not in known:
                try:
                    known[file.name] = len(decode(file)) / SAMPLING_RATE
                except TranscriptionError:
                    known[file.name] = 0.0
            lengths[file.name] = float(known[file.name])
    _write_lengths(corpus_dir, lengths)
    return lengths


def _known_lengths(corpus_dir: Path) -> dict[str, float]:
    path = corpus_dir / LENGTHS
    try:
        return json.loads(path.read_text(encoding="utf-8")) if path.is_file() else {}
    except (OSError, ValueError):
        return {}


def _write_lengths(corpus_dir: Path, lengths: dict[str, float]) -> None:
    partial = corpus_dir / f"{LENGTHS}.part"
    partial.write_text(json.dumps(lengths, sort_keys=True), encoding="utf-8")
    os.replace(partial, corpus_dir / LENGTHS)


def check_limits(corpus_dir: Path, checked: Checked, replace: bool, limits: Limits) -> None:
    """Refuse `checked` when, with it in the folder, the collection would be over one of its limits."""
    files = {p.name: p.stat().st_size for p in discover(corpus_dir)} if corpus_dir.is_dir() else {}
    replacing = replace and checked.name in files
    if not replacing and len(files) + 1 > limits.sources:
        raise SourceRefused(f"this server already has {len(files)} sources; the limit is {limits.sources} "
                            "(QUOTEBOT_SERVER_MAX_SOURCES). Remove one first")
    files[checked.name] = checked.size
    total = sum(files.values()) / MEGABYTE
    if total > limits.megabytes:
        raise SourceRefused(f"with {checked.name} this server's sources would take {total:.1f} MB; the limit is "
                            f"{limits.megabytes} MB (QUOTEBOT_SERVER_MAX_MB)")
    if checked.kind == "recording":
        lengths = recording_lengths(corpus_dir) if corpus_dir.is_dir() else {}
        lengths[checked.name] = checked.seconds
        minutes = sum(lengths.values()) / 60
        if minutes > limits.recording_minutes:
            raise SourceRefused(f"with {checked.name} this server's recordings would last {minutes:.0f} minutes; "
                                f"the limit is {limits.recording_minutes} (QUOTEBOT_SERVER_MAX_RECORDING_MINUTES)")


def same_content(corpus_dir: Path, checked: Checked) -> str | None:
    """The source in the folder whose bytes are those of `checked`, if any."""
    for path in discover(corpus_dir):
        if path.stat().st_size == checked.size and sha256_file(path) == checked.sha256:
            return path.name
    return None


def check_place(corpus_dir: Path, checked: Checked, replace: bool) -> None:
    """Refuse to place `checked` over another source (unless replacing) or as a copy of one."""
    target = corpus_dir / checked.name
    if target.exists() and not target.is_file():
        raise SourceRefused(f"{checked.name} is a folder in the corpus folder")
    if target.is_file() and not replace:
        raise SourceRefused(f"a source named {checked.name} is already there; add it with replace: True to "
                            "replace it, or rename the file")
    twin = same_content(corpus_dir, checked)
    if twin is not None:
        raise SourceRefused(f"{checked.name} has the same content (sha256 {checked.sha256[:12]}…) as the source "
                            f"{twin}, which is already there")


@dataclass
class Change:
    """A file added, replaced or removed, with what it replaced kept aside until kept or undone."""

    action: str  # add, replace or remove
    name: str
    sha256: str
    entry: dict | None  # the sources.toml entry now (None after a removal)
    old_entry: dict | None  # the entry before
    kept_aside: Path | None  # the earlier file (replace, remove), hidden in the folder


def _aside(path: Path) -> Path:
    return path.with_name(f".{path.name}.previous")


def _copy_in(source: Path, target: Path) -> None:
    partial = target.with_name(f".{target.name}.part")
    try:
        shutil.copyfile(source, partial)
        with open(partial, "rb") as file:
            os.fsync(file.fileno())
        os.replace(partial, target)
    finally:
        partial.unlink(missing_ok=True)


def _why(error: Exception) -> str:
    """An error's reason without the server's paths in it."""
    return getattr(error, "strerror", None) or str(error)


def place(corpus_dir: Path, checked: Checked, entry: dict, replace: bool = False) -> Change:
    """Put `checked` into the folder under its name, with `entry` as its sources.toml metadata.
    Replacing, the earlier file is kept aside and its entry's fields are kept where `entry` has none."""
    check_place(corpus_dir, checked, replace)
    target = corpus_dir / checked.name
    kept_aside = None
    old_entry = load_manifest(corpus_dir).get(checked.name)
    new_entry = {**{k: v for k, v in (old_entry or {}).items() if k != "file"}, **entry}
    try:
        if target.is_file():
            kept_aside = _aside(target)
            os.replace(target, kept_aside)
        _copy_in(checked.path, target)
        if new_entry or old_entry:
            set_entry(corpus_dir, checked.name, new_entry)
    except (OSError, ManifestError) as exc:  # e.g. a read-only folder: put back what was there
        if kept_aside is not None and kept_aside.is_file():
            os.replace(kept_aside, target)
        elif kept_aside is None:
            target.unlink(missing_ok=True)
        raise SourceRefused(f"{checked.name} could not be saved in the corpus folder ({_why(exc)})") from None
    if checked.kind == "recording":
        _write_lengths(corpus_dir, {**_known_lengths(corpus_dir), checked.name: checked.seconds})
    action = "replace" if kept_aside is not None else "add"
    log.info("%s %s (%s, sha256 %s) in %s", "replaced" if kept_aside else "added", checked.name, checked.kind,
             checked.sha256[:12], corpus_dir)
    return Change(action, checked.name, checked.sha256, new_entry or None, old_entry, kept_aside)


def source_names(corpus_dir: Path) -> list[str]:
    """The documents in the folder, by name."""
    return [path.name for path in discover(corpus_dir)] if corpus_dir.is_dir() else []


def check_remove(corpus_dir: Path, name: str, keep_one: bool = True) -> str:
    """`name` when it is a source that can be removed; refuses a name that is not one, or, with
    `keep_one` (the library: its index cannot be empty), the last one."""
    name = safe_name(name)
    names = source_names(corpus_dir)
    if name not in names:
        raise SourceRefused(f"there is no source named {name} (/sources lists them)")
    if keep_one and len(names) == 1:
        raise SourceRefused(f"{name} is the only source, and the index cannot be empty; add another one first")
    return name


def remove(corpus_dir: Path, name: str, keep_one: bool = True) -> Change:
    """Take a source out of the folder (kept aside until the change is kept) with its sources.toml entry."""
    name = check_remove(corpus_dir, name, keep_one)
    target = corpus_dir / name
    sha = sha256_file(target)
    kept_aside = _aside(target)
    try:
        os.replace(target, kept_aside)
        old_entry = drop_entry(corpus_dir, name)
    except (OSError, ManifestError) as exc:  # e.g. a read-only folder: put back what was there
        if kept_aside.is_file():
            os.replace(kept_aside, target)
        raise SourceRefused(f"{name} could not be removed from the corpus folder ({_why(exc)})") from None
    log.info("removed %s (sha256 %s) from %s", name, sha[:12], corpus_dir)
    return Change("remove", name, sha, None, old_entry, kept_aside)


def keep(change: Change) -> None:
    """The change is live: forget what it replaced or removed."""
    if change.kept_aside is not None:
        change.kept_aside.unlink(missing_ok=True)


def undo(corpus_dir: Path, change: Change) -> None:
    """Put the folder back as it was before `change` (its rebuild failed)."""
    target = corpus_dir / change.name
    if change.kept_aside is not None and change.kept_aside.is_file():
        os.replace(change.kept_aside, target)
    elif change.action == "add":
        target.unlink(missing_ok=True)
    if change.old_entry is not None:
        set_entry(corpus_dir, change.name, {k: v for k, v in change.old_entry.items() if k != "file"})
    elif change.entry is not None:
        drop_entry(corpus_dir, change.name)
    log.info("undid the %s of %s in %s", change.action, change.name, corpus_dir)
