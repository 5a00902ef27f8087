"""Read corpus files and parse their structure into quotable sentences.

Owns: which files are documents, decoding (broken files are skipped with a warning), the
section path of every sentence, and which timestamp applies to it. A document's structure
(headings, paragraphs, list items, quotes, tables, code) is read by markdown.py for Markdown
files and by plaintext.py for .txt. Sentences are character spans of the
decoded text, so a quote is always `text[start:end]`, never rewritten. Markdown front
matter gives metadata (and is never quoted); subtitle and Whisper files go through
transcripts.py, and so do recordings, as the WebVTT transcripts recordings.py made of them.
"""

from __future__ import annotations

import dataclasses
import hashlib
import logging
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import yaml

from ..records import Sentence, Source
from ..text import timestamps
from ..text.sentences import split_spans
from .lines import has_word
from .manifest import MANIFEST_NAME, load_manifest
from .markdown import classify as markdown_structure
from .plaintext import classify as plaintext_structure
from .recordings import RECORDING_SUFFIXES, is_recording
from .transcripts import TRANSCRIPT_SUFFIXES, TranscriptError, parse_cues, transcript_sentences, webvtt_language
from .versions import mark_versions

log = logging.getLogger(__name__)

MARKDOWN_SUFFIXES = {".md", ".markdown", ".mdx"}
DOCUMENT_SUFFIXES = {".txt"} | MARKDOWN_SUFFIXES | TRANSCRIPT_SUFFIXES | RECORDING_SUFFIXES
MACHINE_TRANSCRIPT = "machine transcript"  # the kind of a recording's source
SECTION_SEP = " › "

_CJK = re.compile(r"[\u3400-\u9fff]")


class SkipFile(Exception):
    """A corpus file that cannot be indexed; the message says why."""


@dataclass
class Document:
    source: Source
    text: str
    sentences: list[Sentence]


def discover(corpus_dir: Path) -> list[Path]:
    """Document files in corpus_dir (not recursive, hidden files ignored), sorted by name."""
    return sorted(
        p
        for p in corpus_dir.iterdir()
        if p.is_file() and p.suffix.lower() in DOCUMENT_SUFFIXES and not p.name.startswith(".")
    )


def unreadable_types(corpus_dir: Path) -> list[Path]:
    """Files in corpus_dir that are no document type (by suffix), besides sources.toml and hidden files."""
    return sorted(
        p
        for p in corpus_dir.iterdir()
        if p.is_file() and p.suffix.lower() not in DOCUMENT_SUFFIXES and not p.name.startswith(".")
        and p.name != MANIFEST_NAME
    )


def read_text(path: Path) -> str:
    """Decode a document as UTF-8; raise SkipFile for empty, binary or non-UTF-8 files."""
    data = path.read_bytes()
    if not data.strip():
        raise SkipFile("empty file")
    if b"\x00" in data[:8192]:
        raise SkipFile("binary file (contains NUL bytes)")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise SkipFile(f"not UTF-8 text (invalid byte at offset {exc.start})") from None


def load_documents(corpus_dir: Path, transcripts: Mapping[str, str] | None = None,
                   ) -> tuple[list[Document], list[tuple[str, str]]]:
    """Parse every readable document; returns (documents, [(file, reason skipped)]). `transcripts`:
    the WebVTT transcript of each recording (recordings.transcribe_all); a recording without one
    is passed over (transcribing it failed, and was reported then)."""
    if not corpus_dir.is_dir():
        raise FileNotFoundError(f"corpus folder not found: {corpus_dir}")
    transcripts = transcripts or {}
    manifest = load_manifest(corpus_dir)
    documents: list[Document] = []
    skipped: list[tuple[str, str]] = []
    untranscribed: set[str] = set()
    for path in discover(corpus_dir):
        if is_recording(path) and path.name not in transcripts:
            untranscribed.add(path.name)
            continue
        try:
            document = _read_document(path, len(documents), manifest.get(path.name, {}), transcripts.get(path.name))
        except (SkipFile, TranscriptError, OSError) as exc:
            log.warning("skipping %s: %s", path.name, exc)
            skipped.append((path.name, str(exc)))
            continue
        documents.append(document)
    for path in unreadable_types(corpus_dir):
        reason = f"not a type of document the bot reads ({path.suffix or 'no suffix'})"
        log.warning("skipping %s: %s", path.name, reason)
        skipped.append((path.name, reason))
    for name in sorted(set(manifest) - {d.source.file for d in documents} - {s[0] for s in skipped} - untranscribed):
        log.warning("sources.toml names %s, which is not in the corpus", name)
    marked = mark_versions([d.source for d in documents])
    return [dataclasses.replace(d, source=s) for d, s in zip(documents, marked, strict=True)], skipped


def read_document(path: Path) -> Document:
    """One text or transcript file as a Document, without its metadata; raises SkipFile or
    TranscriptError when it cannot be indexed (the message says why)."""
    return _read_document(path, 0, {})


def _read_document(path: Path, number: int, entry: dict, transcript: str | None = None) -> Document:
    """One corpus file as a Document; raises SkipFile / TranscriptError when it cannot be used.
    `transcript`: a recording's WebVTT transcript, read in place of the file."""
    suffix = path.suffix.lower()
    if transcript is not None:
        text, sentences = transcript_sentences(parse_cues(".vtt", transcript), number)
        entry = {"title": path.stem, "kind": MACHINE_TRANSCRIPT, "language": webvtt_language(transcript), **entry,
                 "transcript": f"{path.name}.vtt"}
    elif suffix in TRANSCRIPT_SUFFIXES:
        text, sentences = transcript_sentences(parse_cues(suffix, read_text(path)), number)
        entry = {"title": path.stem, **entry}
    else:
        raw = read_text(path)
        meta, end = front_matter(raw)
        if end:
            log.info("%s: metadata from its front matter: %s", path.name, ", ".join(sorted(meta)))
        text = raw
        sentences = parse(_blank(raw, end), number, suffix in MARKDOWN_SUFFIXES)  # offsets stay those of the file
        entry = {**meta, **entry}  # sources.toml wins where both give a field
    if not sentences:
        raise SkipFile("no quotable text found")
    return Document(make_source(path.name, text, entry), text, sentences)


_FRONT_MATTER = re.compile(r"\A---[ \t]*\n(.*?\n)---[ \t]*(?:\n|\Z)", re.DOTALL)
_FRONT_MATTER_KEYS = {"title": "title", "author": "author", "publisher": "publisher", "language": "language",
                      "kind": "kind", "date": "published", "published": "published", "url": "url",
                      "recording": "recording", "video": "recording", "references": "references"}


def front_matter(text: str) -> tuple[dict, int]:
    """Metadata from a leading `---` YAML block (title, url, date, recording, ...), and where the
    block ends (0 when there is none). A broken block is reported and treated as text."""
    match = _FRONT_MATTER.match(text)
    if not match:
        return {}, 0
    try:
        data = yaml.safe_load(match.group(1)) or {}
    except yaml.YAMLError as exc:
        log.warning("front matter is not valid YAML (%s); read as text", str(exc).splitlines()[0])
        return {}, 0
    if not isinstance(data, dict):
        return {}, 0
    meta: dict = {}
    for key, value in data.items():
        field = _FRONT_MATTER_KEYS.get(str(key).lower())
        if field == "references" and isinstance(value, list):
            meta[field] = [str(v) for v in value]
        elif field and value is not None and not isinstance(value, (list, dict)):
            meta[field] = str(value)
    return meta, match.end()


def _blank(text: str, end: int) -> str:
    """`text` with its first `end` characters turned to spaces (newlines kept): same offsets."""
    return re.sub(r"[^\n]", " ", text[:end]) + text[end:]


def detect_language(text: str) -> str:
    letters = sum(1 for ch in text if ch.isalpha())
    return "zh" if letters and len(_CJK.findall(text)) / letters > 0.2 else "en"


def make_source(file: str, text: str, entry: dict) -> Source:
    title = entry.get("title") or _first_line(text)
    return Source(
        file=file,
        title=title,
        language=entry.get("language") or detect_language(text),
        kind=entry.get("kind"),
        author=entry.get("author"),
        publisher=entry.get("publisher"),
        published=entry.get("published"),
        url=entry.get("url"),
        recording=entry.get("recording"),
        references=tuple(entry.get("references", ())),
        transcript=entry.get("transcript"),
        document=entry.get("document"),
        version=entry.get("version"),
        date=entry.get("date"),
        sha256=hashlib.sha256(text.encode("utf-8")).hexdigest(),
    )


def _first_line(text: str) -> str:
    for line in text.splitlines():
        cleaned = line.strip().lstrip("#").strip()
        if cleaned:
            return cleaned[:200]
    return "untitled"


# ---------------------------------------------------------------------------------------
# Sentences with sections and timestamps


def parse(text: str, source: int, markdown: bool = False) -> list[Sentence]:
    """Quotable sentences of a document, each with its section path and timestamp. `markdown`:
    read its structure as Markdown (markdown.py), else as plain text (plaintext.py)."""
    sentences: list[Sentence] = []
    stack: list[tuple[int, str, int | None]] = []  # (level, heading text, range start)
    first_heading = True
    block = 0
    for line in (markdown_structure(text) if markdown else plaintext_structure(text)):
        content = line.content(text)
        if line.kind == "heading":
            # The document's title (a first top-level heading) is no section; later top-level ones are.
            level = 0 if first_heading and line.level == 1 else line.level
            first_heading = False
            while stack and stack[-1][0] >= level:
                stack.pop()
            stack.append((level, content, timestamps.heading_range_start(content)))
            continue
        if line.kind not in ("text", "table", "code"):
            continue
        section = SECTION_SEP.join(h for lvl, h, _ in stack if lvl > 0)
        section_time = next((t for _, _, t in reversed(stack) if t is not None), None)
        spans = [(0, len(content))] if line.kind in ("table", "code") else split_spans(content)
        paragraph_time = timestamps.ends_with_marker(content)
        for s, e in spans:
            piece = content[s:e]
            if not has_word(timestamps.strip_markers(piece)):
                continue
            own = timestamps.first_marker(piece)
            stamp = own if own is not None else paragraph_time if paragraph_time is not None else section_time
            sentences.append(Sentence(source, line.start + s, line.start + e, block, section, stamp))
        block += 1
    return sentences
