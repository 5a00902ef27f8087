"""The lines a document's text is read in, and the tests both readers share (plaintext.py for
.txt, markdown.py for Markdown): is a line a heading, links only, or markup never quoted.

A Line is a character span of the document, so whatever is quoted from it is `text[start:end]`.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass

from ..text import timestamps


@dataclass
class Line:
    start: int  # offset of the content (after indentation and markers) in the document
    end: int
    kind: str  # heading | text | table | table_header | code | skip
    level: int = 0
    bullet: bool = False

    def content(self, text: str) -> str:
        return text[self.start : self.end]


LINKS = re.compile(r"\[\[[^\]]*\]\]|!?\[[^\]]*\]\([^)]*\)|https?://\S+|www\.\S+")
TERMINAL = tuple(".。!！?？:：;；,，、\"”’'…")
OPENING_QUOTES = "“\"「‘'"
CLOSING_QUOTES = "”\"」’'"
TABLE_SEPARATOR = re.compile(r"^\|?\s*:?-{2,}:?\s*(\|\s*:?-{2,}:?\s*)*\|?$")
IMAGE = re.compile(r"^(?:(?:Image)+|!\[[^\]]*\]\([^)]*\)|\[(?:image|图片)\])$", re.IGNORECASE)  # placeholders
BOLD_LINE = re.compile(r"^\*\*([^*].*?)\*\*$")
# Markup, never quoted: a line that is one HTML/JSX tag (<Tip>, </Tip>, <Youtube id="x" />), the
# start of a tag continued on the next lines (<CourseFloatingBanner ...), MDX import/export lines,
# template blocks.
TAG_LINE = re.compile(r"^</?[A-Za-z][\w.:-]*(?:\s[^<>]*)?/?>$")
TAG_START = re.compile(r"^<[A-Za-z][\w.:-]*(?:\s[^<>]*)?$")
MDX_STATEMENT = re.compile(r"^(?:import\s.+\sfrom\s+[\"'][^\"']+[\"'];?|export\s+(?:const|default|function)\b.*)$")
TEMPLATE_BLOCK = re.compile(r"^\{[#:/][^{}]*\}$")  # Svelte blocks in MDX: {#if fw === 'pt'}, {:else}, {/if}
_KEY_VALUE = re.compile(r"^[^:：]{1,24}[:：]\s*(.+)$")
_HAS_WORD = re.compile(r"[A-Za-z0-9\u3400-\u9fff]")
_CJK = re.compile(r"[\u3400-\u9fff]")
# A sentence ends inside the line, and more text follows: "…版本。】", "It ran. Then…".
_INNER_END = re.compile(r"[。！？](?=.*[A-Za-z0-9\u3400-\u9fff])|[.!?]\s+(?=[A-Z\u3400-\u9fff])")
_SHORT_NOTE = re.compile(r"[（(][^）)]{0,12}[）)]")  # "（英文）", "(PDF)" after a link


def has_word(text: str) -> bool:
    return bool(_HAS_WORD.search(text))


_LINE = re.compile(r"[^\r\n]*(?:\r\n?|\n|$)")


def raw_lines(text: str) -> list[tuple[int, str]]:
    """(offset, line without its line break) of every line of `text`. Lines break at \\n, \\r\\n
    and \\r only, as CommonMark counts them (markdown.py maps its line numbers back)."""
    return [(m.start(), m.group().rstrip("\r\n")) for m in _LINE.finditer(text) if m.group()]


def is_link_only(content: str) -> bool:
    """A line that is links and numbering only: "4、[title](https://…)（英文）", "- [Docs](…)"."""
    rest = LINKS.sub("", content)
    return rest != content and not re.search(r"[A-Za-z\u3400-\u9fff]{2,}", _SHORT_NOTE.sub("", rest))


def is_markup(stripped: str) -> bool:
    """One HTML/JSX tag, an MDX import/export statement, or a template block line."""
    return bool(TAG_LINE.match(stripped) or MDX_STATEMENT.match(stripped) or TEMPLATE_BLOCK.match(stripped))


def markup_lines(raw: list[tuple[int, str]]) -> set[int]:
    """Numbers of the lines of `raw` (raw_lines) that are markup: is_markup lines, and every line of
    a tag that spans lines (<CourseFloatingBanner … />) up to the one ending in '>'."""
    out: set[int] = set()
    in_tag = False
    for number, (_, line) in enumerate(raw):
        stripped = line.strip()
        starts_tag = bool(TAG_START.match(stripped))
        if in_tag or starts_tag or is_markup(stripped):
            out.add(number)
            in_tag = (in_tag or starts_tag) and not stripped.endswith(">")
    return out


def _title_cased(content: str) -> bool:
    words = [w for w in re.findall(r"[A-Za-z][\w'’]*", content) if len(w) > 3]
    return len(words) >= 2 and sum(w[0].isupper() for w in words) / len(words) >= 0.6


def heading_like(content: str, numbered: bool = False) -> bool:
    """A short line without closing punctuation that is not a 'Key: short value' field
    (a numbered line such as '4. Coding: Toward X' is a heading all the same). A title-cased
    line may end with '?' or '!' ("Four Major Teams, What Do They Do?"). A line in which one
    sentence ends and another starts is text."""
    if not content or len(content) > 100 or "|" in content:
        return False
    # A title may quote a phrase ('Optimus and the “Infinite Money Glitch”'); quoted speech ends
    # with punctuation inside the quotation, or is not title-cased.
    titled = _title_cased(content)
    unquoted = content.rstrip("】])）")  # "【注：…版本。】" is a bracketed sentence
    unquoted = unquoted.rstrip(CLOSING_QUOTES) if titled else unquoted
    if unquoted.endswith(TERMINAL) and not (unquoted.endswith(("?", "!")) and titled):
        return False
    if content[0] in OPENING_QUOTES and not titled:
        return False  # quoted speech is content, not a title
    if timestamps.ends_with_marker(content) is not None:
        return False  # a timestamped line is content
    if content.startswith(("*", "_")) and content.endswith(("*", "_")):  # emphasis, not a title
        return False
    if len(content.split()) > 14 or not has_word(content) or _INNER_END.search(content):
        return False
    field = None if numbered else _KEY_VALUE.match(content)
    return not (field and len(field.group(1).split()) < 4 and not _CJK.search(field.group(1)))


def timed_heading(content: str) -> bool:
    """A line opening with a time range that titles what follows: "[01:06-05:09] — Speaker B:"."""
    return timestamps.heading_range_start(content) is not None and (
        content.endswith((":", "：")) or heading_like(content))


def mark_repeated_titles(text: str, lines: list[Line]) -> None:
    """A line repeated verbatim on the next line is a title (card lists repeat them)."""
    for current, following in itertools.pairwise(lines):
        if current.kind != "skip" and current.content(text).strip() == following.content(text).strip():
            current.kind = "skip"
            following.kind = "heading"
            following.level = max(following.level, 2)
