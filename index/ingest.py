"""Read corpus files and parse their structure into quotable sentences.

Owns: which files are documents, decoding (broken files are skipped with a warning),
line classification (headings, paragraphs, bullets, block quotes, markdown tables,
table-of-contents / link-only lines, image placeholders), the section path of every
sentence, and which timestamp applies to it. Sentences are character spans of the
decoded text, so a quote is always `text[start:end]`, never rewritten. Markdown front
matter gives metadata (and is never quoted); subtitle and Whisper files go through
transcripts.py.
"""

from __future__ import annotations

import hashlib
import itertools
import logging
import re
from dataclasses import dataclass
from pathlib import Path

import yaml

from . import timestamps
from .manifest import load_manifest
from .records import Sentence, Source
from .sentences import split_spans
from .transcripts import TRANSCRIPT_SUFFIXES, TranscriptError, parse_cues, transcript_sentences

log = logging.getLogger(__name__)

DOCUMENT_SUFFIXES = {".txt", ".md", ".markdown", ".mdx"} | TRANSCRIPT_SUFFIXES
SECTION_SEP = " › "

_MD_HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*(?:\[\[[^\]]*\]\])?\s*#*\s*$")  # MDX anchor: [[intro]]
# Markup, never quoted: a line that is one HTML/JSX tag (<Tip>, </Tip>, <Youtube id="x" />), the
# start of a tag continued on the next lines (<CourseFloatingBanner ...), and MDX import/export lines.
_TAG_LINE = re.compile(r"^</?[A-Za-z][\w.:-]*(?:\s[^<>]*)?/?>$")
_TAG_START = re.compile(r"^<[A-Za-z][\w.:-]*(?:\s[^<>]*)?$")
_MDX_STATEMENT = re.compile(r"^(?:import\s.+\sfrom\s+[\"'][^\"']+[\"'];?|export\s+(?:const|default|function)\b.*)$")
_RULE = re.compile(r"^([-*_=])(\s*\1){2,}$")
_TABLE_SEPARATOR = re.compile(r"^\|?\s*:?-{2,}:?\s*(\|\s*:?-{2,}:?\s*)*\|?$")
_BULLET = re.compile(r"^(?:[-*+•·▪●]|\d{1,3}[.)])\s+")
_NUMBERED = re.compile(r"^\d{1,3}[.)]\s+")
_BOLD_LINE = re.compile(r"^\*\*([^*].*?)\*\*$")
_IMAGE = re.compile(r"^(?:(?:Image)+|!\[[^\]]*\]\([^)]*\)|\[(?:image|图片)\])$", re.IGNORECASE)
_LINKS = re.compile(r"\[\[[^\]]*\]\]|!?\[[^\]]*\]\([^)]*\)|https?://\S+|www\.\S+")
_TERMINAL = tuple(".。!！?？:：;；,，、\"”’'…")
_OPENING_QUOTES = "“\"「‘'"
_CLOSING_QUOTES = "”\"」’'"
_KEY_VALUE = re.compile(r"^[^:：]{1,24}[:：]\s*(.+)$")
_HAS_WORD = re.compile(r"[A-Za-z0-9\u3400-\u9fff]")
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


def load_documents(corpus_dir: Path) -> tuple[list[Document], list[tuple[str, str]]]:
    """Parse every readable document; returns (documents, [(file, reason skipped)])."""
    if not corpus_dir.is_dir():
        raise FileNotFoundError(f"corpus folder not found: {corpus_dir}")
    manifest = load_manifest(corpus_dir)
    documents: list[Document] = []
    skipped: list[tuple[str, str]] = []
    for path in discover(corpus_dir):
        try:
            document = _read_document(path, len(documents), manifest.get(path.name, {}))
        except (SkipFile, TranscriptError, OSError) as exc:
            log.warning("skipping %s: %s", path.name, exc)
            skipped.append((path.name, str(exc)))
            continue
        documents.append(document)
    for name in sorted(set(manifest) - {d.source.file for d in documents} - {s[0] for s in skipped}):
        log.warning("sources.toml names %s, which is not in the corpus", name)
    return documents, skipped


def _read_document(path: Path, number: int, entry: dict) -> Document:
    """One corpus file as a Document; raises SkipFile / TranscriptError when it cannot be used."""
    raw = read_text(path)
    suffix = path.suffix.lower()
    if suffix in TRANSCRIPT_SUFFIXES:
        text, sentences = transcript_sentences(parse_cues(suffix, raw), number)
        entry = {"title": path.stem, **entry}
    else:
        meta, end = front_matter(raw)
        if end:
            log.info("%s: metadata from its front matter: %s", path.name, ", ".join(sorted(meta)))
        text = raw
        sentences = parse(_blank(raw, end), number)  # offsets stay those of the file
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
        sha256=hashlib.sha256(text.encode("utf-8")).hexdigest(),
    )


def _first_line(text: str) -> str:
    for line in text.splitlines():
        cleaned = line.strip().lstrip("#").strip()
        if cleaned:
            return cleaned[:200]
    return "untitled"


# ---------------------------------------------------------------------------------------
# Line classification


@dataclass
class _Line:
    start: int  # offset of the content (after indentation and markers) in the document
    end: int
    kind: str  # heading | text | table | table_header | skip
    level: int = 0
    bullet: bool = False

    def content(self, text: str) -> str:
        return text[self.start : self.end]


def _lines(text: str) -> list[tuple[int, str]]:
    offset = 0
    out = []
    for raw in text.splitlines(keepends=True):
        out.append((offset, raw.rstrip("\r\n")))
        offset += len(raw)
    return out


_SHORT_NOTE = re.compile(r"[（(][^）)]{0,12}[）)]")  # "（英文）", "(PDF)" after a link


def _is_link_only(content: str) -> bool:
    """A line that is links and numbering only: "4、[title](https://…)（英文）", "- [Docs](…)"."""
    rest = _LINKS.sub("", content)
    return rest != content and not re.search(r"[A-Za-z\u3400-\u9fff]{2,}", _SHORT_NOTE.sub("", rest))


def _title_cased(content: str) -> bool:
    words = [w for w in re.findall(r"[A-Za-z][\w'’]*", content) if len(w) > 3]
    return len(words) >= 2 and sum(w[0].isupper() for w in words) / len(words) >= 0.6


def _heading_like(content: str, numbered: bool = False) -> bool:
    """A short line without closing punctuation that is not a 'Key: short value' field
    (a numbered line such as '4. Coding: Toward X' is a heading all the same). A title-cased
    line may end with '?' or '!' ("Four Major Teams, What Do They Do?")."""
    if not content or len(content) > 100 or "|" in content:
        return False
    # A title may quote a phrase ('Optimus and the “Infinite Money Glitch”'); quoted speech ends
    # with punctuation inside the quotation, or is not title-cased.
    titled = _title_cased(content)
    unquoted = content.rstrip(_CLOSING_QUOTES) if titled else content
    if unquoted.endswith(_TERMINAL) and not (unquoted.endswith(("?", "!")) and titled):
        return False
    if content[0] in _OPENING_QUOTES and not titled:
        return False  # quoted speech is content, not a title
    if timestamps.ends_with_marker(content) is not None:
        return False  # a timestamped line is content
    if content.startswith(("*", "_")) and content.endswith(("*", "_")):  # emphasis, not a title
        return False
    if len(content.split()) > 14 or not _HAS_WORD.search(content):
        return False
    field = None if numbered else _KEY_VALUE.match(content)
    return not (field and len(field.group(1).split()) < 4 and not _CJK.search(field.group(1)))


def _classify(text: str) -> list[_Line]:
    lines = _lines(text)
    result: list[_Line] = []
    in_tag = False  # inside a tag that spans lines
    for number, (offset, raw) in enumerate(lines):
        stripped = raw.strip()
        start = offset + len(raw) - len(raw.lstrip())
        end = start + len(stripped)
        if in_tag:
            in_tag = not stripped.endswith(">")
            continue
        if _TAG_START.match(stripped):
            in_tag = True
            continue
        if not stripped or _RULE.match(stripped) or _IMAGE.match(stripped) or _TAG_LINE.match(stripped) \
                or _MDX_STATEMENT.match(stripped):
            continue
        md = _MD_HEADING.match(stripped)
        if md:
            result.append(_Line(start + md.start(2), start + md.end(2), "heading", len(md.group(1))))
            continue
        if stripped.startswith("|") and stripped.endswith("|"):
            if _TABLE_SEPARATOR.match(stripped):
                if result and result[-1].kind == "table":
                    result[-1].kind = "table_header"
                continue
            cells = stripped.strip("|")
            first = len(cells) - len(cells.lstrip())
            last = len(cells.rstrip())
            result.append(_Line(start + 1 + first, start + 1 + last, "table"))
            continue
        bullet = False
        marker = _BULLET.match(stripped) or (re.match(r"^>\s?", stripped) if stripped.startswith(">") else None)
        numbered = bool(_NUMBERED.match(stripped))
        if marker:
            bullet = not stripped.startswith(">")
            start += marker.end()
        content = text[start:end]
        if not content.strip() or _is_link_only(content):
            continue
        if not bullet and _BOLD_LINE.match(content):
            result.append(_Line(start + 2, end - 2, "heading", 4))
            continue
        if timestamps.heading_range_start(content) is not None and (
            content.endswith((":", "：")) or _heading_like(content)
        ):
            result.append(_Line(start, end, "heading", 6))
            continue
        if not result and number < 3 and not bullet and len(content) <= 200 and not content.endswith(_TERMINAL):
            result.append(_Line(start, end, "heading", 1))  # the document's title line
            continue
        if (not bullet or numbered) and _heading_like(content, numbered):
            level = 3 if numbered else 2
            result.append(_Line(start, end, "heading", level))
            continue
        if len(content) <= 40 and content.endswith((":", "：")) and len(content.split()) <= 4:
            continue  # a label such as "Notable Quote:" introduces text; it is not a quote
        result.append(_Line(start, end, "text", bullet=bullet))
    _mark_repeated_titles(text, result)
    return result


def _mark_repeated_titles(text: str, lines: list[_Line]) -> None:
    """A line repeated verbatim on the next line is a title (card lists repeat them)."""
    for current, following in itertools.pairwise(lines):
        if current.kind != "skip" and current.content(text).strip() == following.content(text).strip():
            current.kind = "skip"
            following.kind = "heading"
            following.level = max(following.level, 2)


# ---------------------------------------------------------------------------------------
# Sentences with sections and timestamps


def parse(text: str, source: int) -> list[Sentence]:
    """Quotable sentences of a document, each with its section path and timestamp."""
    sentences: list[Sentence] = []
    stack: list[tuple[int, str, int | None]] = []  # (level, heading text, range start)
    block = 0
    for line in _classify(text):
        content = line.content(text)
        if line.kind == "heading":
            while stack and stack[-1][0] >= line.level:
                stack.pop()
            stack.append((line.level, content, timestamps.heading_range_start(content)))
            continue
        if line.kind != "text" and line.kind != "table":
            continue
        section = SECTION_SEP.join(h for lvl, h, _ in stack if lvl > 1)
        section_time = next((t for _, _, t in reversed(stack) if t is not None), None)
        spans = [(0, len(content))] if line.kind == "table" else split_spans(content)
        paragraph_time = timestamps.ends_with_marker(content)
        for s, e in spans:
            piece = content[s:e]
            if not _HAS_WORD.search(timestamps.strip_markers(piece)):
                continue
            own = timestamps.first_marker(piece)
            stamp = own if own is not None else paragraph_time if paragraph_time is not None else section_time
            sentences.append(Sentence(source, line.start + s, line.start + e, block, section, stamp))
        block += 1
    return sentences
