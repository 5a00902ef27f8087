"""Locate a quoted text in the sources, exactly or nearly.

Works on a normalised view of each document (case, width, curly quotes, dashes, spacing and
markdown emphasis ignored) with a map back to the original characters, so what is found is
always an exact substring of the source. Near-exact matches (rapidfuzz alignment) come with
their word-level differences.
"""

from __future__ import annotations

import bisect
import difflib
import re
import unicodedata
from typing import Protocol

from rapidfuzz import fuzz

from ..records import Evidence
from ..retrieve.lexical import Lexicon
from ..retrieve.search import Candidate
from ..storage.store import IndexData

NEAR_EXACT = 90.0  # rapidfuzz partial_ratio (0..100) for a near-exact quote
MIN_QUOTE_CHARS = 12  # shorter texts are too ambiguous to locate as quotes
_FOLD = str.maketrans({"“": '"', "”": '"', "„": '"', "‘": "'", "’": "'", "—": "-", "–": "-", "…": "..."})
_IGNORED = set("*_`")


def normalise_with_map(text: str) -> tuple[str, list[int]]:
    """Folded text (no spaces, case, width, quote style or emphasis marks) and, for each of
    its characters, the index of the original character it came from."""
    out: list[str] = []
    positions: list[int] = []
    for index, char in enumerate(text):
        if char.isspace() or char in _IGNORED:
            continue
        for folded in unicodedata.normalize("NFKC", char).translate(_FOLD).lower():
            if not folded.isspace():
                out.append(folded)
                positions.append(index)
    return "".join(out), positions


def _words(text: str) -> list[str]:
    """Diff units: English words and numbers, single Chinese characters, punctuation marks."""
    return re.findall(r"[\u3400-\u9fff]|[^\W\u3400-\u9fff]+(?:[.,%][^\W\u3400-\u9fff]+)*[%$]?|[^\w\s]",
                      text.translate(_FOLD).lower())


def differences(claimed: str, found: str) -> list[dict]:
    """Word-level differences between the claimed quote and the source text."""
    a, b = _words(claimed), _words(found)
    out = []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(a=a, b=b, autojunk=False).get_opcodes():
        if op != "equal":
            out.append({"claimed": " ".join(a[i1:i2]), "source": " ".join(b[j1:j2])})
    return out


def only_formatting(diffs: list[dict]) -> bool:
    return all(not re.search(r"\w", d["claimed"] + d["source"]) for d in diffs)


class QuoteLocator:
    """Normalised copies of the documents, built once per loaded index."""

    def __init__(self, texts: list[str], sentence_starts: list[list[int]],
                 parts: list[QuoteLocator] | None = None) -> None:
        """`parts`: the locators of several indexes whose texts are `texts`, laid end to end (an engine
        over several indexes): their normalised copies are shared, not made again."""
        self.texts = texts
        self.sentence_starts = sentence_starts  # per source, sorted start offsets of its sentences
        self.parts = parts
        self._views: list[tuple[str, list[int]]] | None = None

    @property
    def views(self) -> list[tuple[str, list[int]]]:
        """The normalised copies, made at first use (a quote to locate), not when the index is loaded."""
        if self._views is None:
            self._views = ([view for part in self.parts for view in part.views] if self.parts is not None
                           else [normalise_with_map(t) for t in self.texts])
        return self._views

    def exact(self, quote: str) -> list[tuple[int, int, int]]:
        """(source, start, end) of every occurrence of `quote`, modulo formatting."""
        needle, _ = normalise_with_map(quote)
        if len(needle) < MIN_QUOTE_CHARS:
            return []
        hits = []
        for source, (view, positions) in enumerate(self.views):
            at = view.find(needle)
            while at >= 0:
                hits.append((source, positions[at], positions[at + len(needle) - 1] + 1))
                at = view.find(needle, at + 1)
        return hits

    def near(self, quote: str, source: int, start: int, end: int) -> tuple[float, int, int]:
        """Best alignment of `quote` inside text[start:end] of `source`: (score, start, end)."""
        needle, _ = normalise_with_map(quote)
        view, positions = normalise_with_map(self.texts[source][start:end])
        if len(needle) < MIN_QUOTE_CHARS or not view:
            return 0.0, start, start
        alignment = fuzz.partial_ratio_alignment(needle, view)
        if alignment is None or alignment.dest_end <= alignment.dest_start:
            return 0.0, start, start
        lo = start + positions[alignment.dest_start]
        hi = start + positions[alignment.dest_end - 1] + 1
        text = self.texts[source]
        while lo > start and text[lo - 1].isalnum() and text[lo].isalnum() and text[lo].isascii():
            lo -= 1  # whole words: the alignment may start or end inside one
        while hi < end and text[hi - 1].isalnum() and text[hi].isalnum() and text[hi].isascii():
            hi += 1
        return float(alignment.score), lo, hi

    def sentence_at(self, source: int, offset: int) -> int:
        """Position (within its source) of the sentence containing `offset`."""
        return max(0, bisect.bisect_right(self.sentence_starts[source], offset) - 1)


class Sources(Protocol):
    """What the verify stage reads of the engine (index/engine.py provides it): the loaded index,
    its lexicon, the quote locator, and how a span of a source is cited as evidence."""

    data: IndexData
    lexicon: Lexicon
    locator: QuoteLocator
    source_sentence_ids: list[list[int]]  # each source's sentence ids, in order

    def evidence(self, source: int, start: int, end: int, score: float, match: str,
                 stance: str = "supports") -> Evidence: ...


def locate(claim: str, engine: Sources, candidates: list[Candidate]) -> list[Evidence]:
    """Exact occurrences first (timestamped sources first); else the best near-exact match."""
    hits = engine.locator.exact(claim)
    if hits:
        found = [engine.evidence(s, a, b, 1.0, "exact") for s, a, b in hits]
        return sorted(found, key=lambda e: e.timestamp is None)
    best: tuple[float, int, int, int] | None = None
    data = engine.data
    for cand in sorted(candidates, key=lambda c: c.score, reverse=True)[:20]:
        sentence = data.sentences[cand.sid]
        lo, hi = data.paragraph(cand.sid)  # whole paragraph, so multi-sentence quotes align
        score, a, b = engine.locator.near(claim, sentence.source, data.sentences[lo].start, data.sentences[hi].end)
        if best is None or score > best[0]:
            best = (score, sentence.source, a, b)
    if best is None or best[0] < NEAR_EXACT:
        return []
    score, source, start, end = best
    start, end = _cover_edges(claim, engine.data.texts[source], start, end)
    found = engine.evidence(source, start, end, score / 100.0, "near-exact")
    found.differences = differences(claim, found.text)
    return [found]


_WORD = re.compile(r"[^\W\u3400-\u9fff]+|[\u3400-\u9fff]")


def _cover_edges(claim: str, text: str, start: int, end: int) -> tuple[int, int]:
    """Widen a match over the source words that the claim's unmatched first / last words stand in for.

    An alignment stops at the last matching word, so "in record speed" matches "in record" of
    "in record time". A claim word at either edge that the source does not have nearby replaces
    the source's adjacent word: take that word in, so the difference shows as a change. (An edge
    word the source has nearby was merely moved up by an abridgement and is left alone.)"""
    diffs = differences(claim, text[start:end])
    nearby = _words(text[max(0, start - 80): min(len(text), end + 80)])
    if diffs and _words(claim)[-1:] == _words(diffs[-1]["claimed"])[-1:] and not diffs[-1]["source"]:
        extra = [w for w in _words(diffs[-1]["claimed"]) if w.isalnum() and w not in nearby]
        for match in list(_WORD.finditer(text, end))[: len(extra)]:
            end = match.end()
    if diffs and _words(claim)[:1] == _words(diffs[0]["claimed"])[:1] and not diffs[0]["source"]:
        extra = [w for w in _words(diffs[0]["claimed"]) if w.isalnum() and w not in nearby]
        before = list(_WORD.finditer(text, max(0, start - 80), start))
        for match in reversed(before[-len(extra):] if extra else []):
            start = match.start()
    return start, end
