"""Structure of a Markdown document (.md, .markdown, .mdx), read by a CommonMark parser.

markdown-it-py says where each block is (headings, paragraphs, list items, block quotes,
tables, code); this module turns its line ranges back into character spans of the document, so
quotes stay `text[start:end]`. A paragraph wrapped across lines is one span; a numbered list item
is an item, never a heading; code lines are quoted line by line and never titles.

MDX markup (JSX tags, import/export lines) is blanked before parsing, offsets kept.
"""

from __future__ import annotations

import re

from markdown_it import MarkdownIt
from markdown_it.token import Token

from . import lines
from .lines import Line

_PARSER = MarkdownIt("commonmark").enable("table")
_ANCHOR = re.compile(r"\s*\[\[[^\]]*\]\]")


def _blank_markup(text: str) -> str:
    """`text` with MDX/JSX markup lines turned to spaces (same length, same line breaks)."""
    chars = list(text)
    raw = lines.raw_lines(text)
    for number in lines.markup_lines(raw):
        offset, line = raw[number]
        chars[offset : offset + len(line)] = " " * len(line)
    return "".join(chars)


class _Reader:
    def __init__(self, text: str) -> None:
        self.text = text
        self.raw = lines.raw_lines(text)
        self.out: list[Line] = []

    def span(self, number: int, piece: str) -> tuple[int, int]:
        """Where `piece` (a line of a block's content, markers removed) stands in line `number`."""
        offset, line = self.raw[number]
        body = line.rstrip()
        # the markers are a prefix, so the content ends the line ("1. 1": the second "1"), except
        # after a heading's closing hashes ("## Title ##")
        at = len(body) - len(piece) if piece and body.endswith(piece) else line.find(piece) if piece else -1
        if at < 0:  # not found as it is: the line without its indentation
            at = len(line) - len(line.lstrip())
            return offset + at, offset + len(line.rstrip())
        return offset + at, offset + at + len(piece)

    def block(self, first: int, content: str) -> tuple[int, int]:
        """The span of a block whose content lines start at line `first`."""
        pieces = content.split("\n")
        start, _ = self.span(first, pieces[0].strip())
        _, end = self.span(first + len(pieces) - 1, pieces[-1].strip())
        return start, end

    def heading(self, token: Token, inline: Token) -> None:
        start, end = self.block(token.map[0], inline.content)
        anchor = _ANCHOR.search(self.text, start, end)  # MDX: "## Welcome![[welcome]]"
        end = anchor.start() if anchor and anchor.end() == end else end
        self.out.append(Line(start, end, "heading", int(token.tag[1])))

    def paragraph(self, token: Token, inline: Token, quoted: bool, bullet: bool) -> None:
        content = inline.content
        if quoted:  # each line of a block quote carries its '>' marker: one span a line
            for i, piece in enumerate(content.split("\n")):
                if lines.has_word(piece) and not lines.is_link_only(piece.strip()):
                    self.out.append(Line(*self.span(token.map[0] + i, piece.strip()), "text"))
            return
        start, end = self.block(token.map[0], content)
        single = "\n" not in content.strip()
        if lines.is_link_only(content) or not lines.has_word(content) or lines.IMAGE.match(content.strip()):
            return
        if single and not bullet and lines.BOLD_LINE.match(content.strip()):
            self.out.append(Line(start + 2, end - 2, "heading", 4))
        elif single and lines.timed_heading(content.strip()):
            self.out.append(Line(start, end, "heading", 6))
        else:
            self.out.append(Line(start, end, "text", bullet=bullet))

    def rows(self, first: int, last: int, kind: str) -> None:
        """Table rows, or code lines: one span a line."""
        for number in range(first, last):
            offset, line = self.raw[number]
            stripped = line.strip()
            if not stripped:
                continue
            start = offset + len(line) - len(line.lstrip())
            if kind == "table":
                if lines.TABLE_SEPARATOR.match(stripped):
                    if self.out and self.out[-1].kind == "table":
                        self.out[-1].kind = "table_header"
                    continue
                cells = stripped.strip("|")
                start += (1 if stripped.startswith("|") else 0) + len(cells) - len(cells.lstrip())
                self.out.append(Line(start, start + len(cells.strip()), "table"))
            elif not stripped.startswith("<") and lines.has_word(stripped):
                self.out.append(Line(start, start + len(stripped), kind))


def classify(text: str) -> list[Line]:
    reader = _Reader(text)
    tokens = _PARSER.parse(_blank_markup(text))
    quoted = 0
    items = 0
    for i, token in enumerate(tokens):
        if token.type == "blockquote_open":
            quoted += 1
        elif token.type == "blockquote_close":
            quoted -= 1
        elif token.type == "list_item_open":
            items += 1
        elif token.type == "list_item_close":
            items -= 1
        elif token.type == "heading_open":
            reader.heading(token, tokens[i + 1])
        elif token.type == "paragraph_open" and token.map:
            reader.paragraph(token, tokens[i + 1], quoted > 0, items > 0)
        elif token.type == "table_open" and token.map:
            reader.rows(token.map[0], token.map[1], "table")
        elif token.type in ("fence", "code_block") and token.map:
            first, last = token.map
            if token.type == "fence":
                first += 1  # the opening fence
                if last - 1 > first and reader.raw[last - 1][1].strip().startswith(token.markup):
                    last -= 1  # the closing fence
            reader.rows(first, last, "code")
        elif token.type == "html_block" and token.map:
            reader.rows(token.map[0], token.map[1], "text")
    lines.mark_repeated_titles(text, reader.out)
    return reader.out
