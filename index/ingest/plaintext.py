"""Structure of a plain-text document (.txt): headings, paragraphs, bullets, block quotes, tables.

Plain text marks little, so headings are read from the line's shape (lines.heading_like):
a short line without closing punctuation that is not part of a list or a wrapped paragraph.
A paragraph hard-wrapped across lines ("…posted to comp.lang.python under a / thread called…")
is one span, so its sentences are whole and no line of it is taken for a title.
"""

from __future__ import annotations

import re

from . import lines
from .lines import Line

_MD_HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*(?:\[\[[^\]]*\]\])?\s*#*\s*$")  # MDX anchor: [[intro]]
_RULE = re.compile(r"^([-*_=~^])(\s*\1){2,}$")
_BULLET = re.compile(r"^(?:[-*+•·▪●]|\d{1,3}[.)])\s+")
_NUMBERED = re.compile(r"^\d{1,3}[.)]\s+")
_QUOTE = re.compile(r"^(?:>\s?)+")
_DIRECTIVE = re.compile(r"^\.\.\s+[\w:-]+::")  # reStructuredText: ".. code-block:: pycon"
_CONTINUES = re.compile(r"^[a-z](?![A-Z])")  # a wrapped line goes on in lower case (not "xAI’s…")


def classify(text: str) -> list[Line]:
    raw = lines.raw_lines(text)
    markup = lines.markup_lines(raw)
    result: list[Line] = []
    open_line = -1  # number of the line the last Line ends on, when that line may go on (wrapped)
    for number, (offset, line) in enumerate(raw):
        stripped = line.strip()
        start = offset + len(line) - len(line.lstrip())
        end = start + len(stripped)
        previous_open, open_line = open_line, -1
        if number in markup or not stripped or _RULE.match(stripped) or lines.IMAGE.match(stripped) \
                or _DIRECTIVE.match(stripped):
            continue
        md = _MD_HEADING.match(stripped)
        if md:
            result.append(Line(start + md.start(2), start + md.end(2), "heading", len(md.group(1))))
            continue
        if stripped.startswith("|") and stripped.endswith("|"):
            if lines.TABLE_SEPARATOR.match(stripped):
                if result and result[-1].kind == "table":
                    result[-1].kind = "table_header"
                continue
            cells = stripped.strip("|")
            first = len(cells) - len(cells.lstrip())
            last = len(cells.rstrip())
            result.append(Line(start + 1 + first, start + 1 + last, "table"))
            continue
        bullet = _BULLET.match(stripped)
        quote = None if bullet else _QUOTE.match(stripped)
        if previous_open == number - 1 and not bullet and not quote and _CONTINUES.match(stripped):
            result[-1].end = end  # a hard-wrapped paragraph goes on
            result[-1].kind = "text"
            open_line = number if not stripped.endswith(lines.TERMINAL) else -1
            continue
        numbered = bool(_NUMBERED.match(stripped))
        marker = bullet or quote
        if marker:
            start += marker.end()
        content = text[start:end]
        if not content.strip() or lines.is_link_only(content):
            continue
        if not bullet and lines.BOLD_LINE.match(content):
            result.append(Line(start + 2, end - 2, "heading", 4))
            continue
        if lines.timed_heading(content):
            result.append(Line(start, end, "heading", 6))
            continue
        if not content.endswith(lines.TERMINAL) and not quote:
            open_line = number  # the next line may go on with this one
        if not result and number < 3 and not bullet and len(content) <= 200 and not content.endswith(lines.TERMINAL):
            result.append(Line(start, end, "heading", 1))  # the document's title line
            continue
        # "1. …" right above or below "2. …" is a numbered list, not a run of headings
        in_list = numbered and any(
            0 <= n < len(raw) and _NUMBERED.match(raw[n][1].strip()) for n in (number - 1, number + 1))
        if (not bullet or numbered) and not quote and not in_list and lines.heading_like(content, numbered):
            result.append(Line(start, end, "heading", 3 if numbered else 2))
            continue
        if len(content) <= 40 and content.endswith((":", "：")) and len(content.split()) <= 4:
            continue  # a label such as "Notable Quote:" introduces text; it is not a quote
        result.append(Line(start, end, "text", bullet=bool(bullet)))
    lines.mark_repeated_titles(text, result)
    return result
