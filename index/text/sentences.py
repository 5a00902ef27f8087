"""Sentence boundaries for English and Chinese text, as character spans.

Hand-written because the rules are about this corpus's forms, which general splitters get
wrong: a timestamp marker after a full stop belongs to the sentence before it
(`... daily [00:13:48].`), an attribution after a closing quote stays with the quote
(`"...close." — Elon Musk [03:38]`), and decimals, versions, money and abbreviations
(`99.8%`, `Grok 4.2`, `$1 Billion`, `Mr. Musk`, `U.S.`) never end a sentence.
"""

from __future__ import annotations

import re

from .timestamps import MARKER_RE

_ABBREVIATIONS = {
    "mr",
    "mrs",
    "ms",
    "dr",
    "prof",
    "sr",
    "jr",
    "st",
    "vs",
    "e.g",
    "i.e",
    "inc",
    "ltd",
    "co",
    "corp",
    "no",
    "nos",
    "fig",
    "approx",
    "est",
    "dept",
    "gen",
    "gov",
    "sen",
    "rep",
    "u.s",
    "u.k",
    "u.n",
    "a.m",
    "p.m",
    "jan",
    "feb",
    "mar",
    "apr",
    "jun",
    "jul",
    "aug",
    "sep",
    "sept",
    "oct",
    "nov",
    "dec",
    "mt",
    "vol",
    "cf",
    "al",
}
_CLOSERS = "\"'”’」』）)］]"
# CJK terminators end a sentence wherever they stand (plus any closing quotes).
_CJK_END = re.compile(rf"[。！？]+[{re.escape(_CLOSERS)}]*|[!?]+[{re.escape(_CLOSERS)}]*(?=[\u4e00-\u9fff])")
# Latin terminators end a sentence only before whitespace and a sentence-like start.
# (A sentence may also open with a lower-case brand name: xAI, iPhone.)
_LATIN_END = re.compile(
    rf"[.!?]+[{re.escape(_CLOSERS)}]*(?=\s+(?:[\"“‘'(\[A-Z0-9\u4e00-\u9fff\u3400-\u4dbf]|[a-z][A-Z]))"
)
_WORD_BEFORE = re.compile(r"([A-Za-z][A-Za-z.]*)$")


def _is_abbreviation(block: str, dot: int) -> bool:
    """True when the '.' at `dot` closes an abbreviation or an initial (`M.` in `John M. Smith`)."""
    match = _WORD_BEFORE.search(block, 0, dot)
    if not match:
        return False
    word = match.group(1)
    if len(word) == 1 and word.isupper():
        return True
    return word.lower().rstrip(".") in _ABBREVIATIONS


def _is_enumerator(block: str, dot: int) -> bool:
    """'1.' opening a list item is a number, not a sentence end."""
    return block[:dot].strip().isdigit()


def split_spans(block: str) -> list[tuple[int, int]]:
    """Sentence spans (start, end) of `block`, whitespace-trimmed, covering all its text."""
    cuts: set[int] = set()
    for match in _CJK_END.finditer(block):
        cuts.add(match.end())
    for match in _LATIN_END.finditer(block):
        dot = match.start()
        if block[dot] == "." and (_is_abbreviation(block, dot) or _is_enumerator(block, dot)):
            continue
        cuts.add(match.end())
    spans: list[tuple[int, int]] = []
    start = 0
    for cut in sorted(cuts):
        # A marker right after the cut ("... sentence. [00:12:00] Next") belongs before it.
        rest = block[cut:]
        after = MARKER_RE.match(block, cut + len(rest) - len(rest.lstrip()))
        if after:
            cut = after.end()
            while cut < len(block) and block[cut] in ".。":
                cut += 1
        if cut > start:
            spans.append((start, cut))
            start = cut
    spans.append((start, len(block)))
    trimmed = []
    for s, e in spans:
        while s < e and block[s].isspace():
            s += 1
        while e > s and block[e - 1].isspace():
            e -= 1
        if e > s:
            trimmed.append((s, e))
    return trimmed


# A sentence opening with a pronoun or demonstrative points at the one before it
# ("He refers to it as…", "This growth is driven by…", "这意味着…").
_REFERS_BACK = re.compile(r"(?:He|She|It|They|This|These|That|Those|His|Her|Its|Their)\b|[他她它这该其]")


def refers_back(sentence: str) -> bool:
    """Does the sentence lean on the one before it for its subject? Read alone it loses it."""
    return bool(_REFERS_BACK.match(sentence))
