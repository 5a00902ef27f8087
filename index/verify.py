"""Citation checks: locate a quoted text in the sources and say whether they back it.

Locating works on a normalised view of each document (case, width, curly quotes, dashes,
spacing and markdown emphasis ignored) with a map back to the original characters, so
the evidence is always an exact substring of the source. An exact match is `supported`;
a near-exact one (rapidfuzz alignment) is located with its differences listed, and is
`supported` only when they are formatting alone.
"""

from __future__ import annotations

import bisect
import difflib
import re
import unicodedata
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from rapidfuzz import fuzz

from .citations import citation_url
from .search import Candidate
from .timestamps import format_hms

if TYPE_CHECKING:
    from .engine import Engine

NEAR_EXACT = 90.0  # rapidfuzz partial_ratio (0..100) for a near-exact quote
MIN_QUOTE_CHARS = 12  # shorter texts are too ambiguous to locate as quotes
_FOLD = str.maketrans({"“": '"', "”": '"', "„": '"', "‘": "'", "’": "'", "—": "-", "–": "-", "…": "..."})
_IGNORED = set("*_`")


@dataclass
class Evidence:
    text: str
    source: str
    title: str
    section: str
    timestamp: str | None
    url: str | None
    stance: str  # "supports" | "contradicts"
    score: float
    match: str  # "exact" | "near-exact" | "related"
    differences: list[dict] = field(default_factory=list)

    def as_dict(self) -> dict[str, object]:
        data: dict[str, object] = {
            "text": self.text,
            "source": self.source,
            "title": self.title,
            "section": self.section,
            "timestamp": self.timestamp,
            "url": self.url,
            "stance": self.stance,
            "score": round(self.score, 4),
            "match": self.match,
        }
        if self.differences:
            data["differences"] = self.differences
        return data


@dataclass
class CheckResult:
    claim: str
    verdict: str  # "supported" | "contradicted" | "not_found"
    evidence: list[Evidence] = field(default_factory=list)
    conflicts: list[dict] = field(default_factory=list)
    notice: str | None = None

    def as_dict(self) -> dict[str, object]:
        data: dict[str, object] = {
            "claim": self.claim,
            "verdict": self.verdict,
            "evidence": [e.as_dict() for e in self.evidence],
            "conflicts": self.conflicts,
        }
        if self.notice:
            data["notice"] = self.notice
        return data


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
    return re.findall(r"[\w.%$]+|[^\w\s]", text.translate(_FOLD).lower())


def differences(claimed: str, found: str) -> list[dict]:
    """Word-level differences between the claimed quote and the source text."""
    a, b = _words(claimed), _words(found)
    out = []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(a=a, b=b, autojunk=False).get_opcodes():
        if op != "equal":
            out.append({"claimed": " ".join(a[i1:i2]), "source": " ".join(b[j1:j2])})
    return out


def _only_formatting(diffs: list[dict]) -> bool:
    return all(not re.search(r"\w", d["claimed"] + d["source"]) for d in diffs)


class QuoteLocator:
    """Normalised copies of the documents, built once per loaded index."""

    def __init__(self, texts: list[str], sentence_starts: list[list[int]]) -> None:
        self.texts = texts
        self.views = [normalise_with_map(t) for t in texts]
        self.sentence_starts = sentence_starts  # per source, sorted start offsets of its sentences

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
        return float(alignment.score), lo, hi

    def sentence_at(self, source: int, offset: int) -> int:
        """Position (within its source) of the sentence containing `offset`."""
        return max(0, bisect.bisect_right(self.sentence_starts[source], offset) - 1)


def check_claim(claim: str, engine: Engine, candidates: list[Candidate]) -> CheckResult:
    """Locate `claim` as a quote; when it is not one, report it as not found (for now)."""
    located = locate(claim, engine, candidates)
    if located:
        best = located[0]
        if best.match == "exact" or _only_formatting(best.differences):
            verdict = "supported"
        else:
            verdict = "contradicted"
            for item in located:
                item.stance = "contradicts"
        return CheckResult(claim, verdict, located)
    return CheckResult(claim, "not_found", [])


def _evidence(engine: Engine, source: int, start: int, end: int, score: float, match: str, claim: str) -> Evidence:
    data = engine.data
    locator = engine.locator
    first_sid = engine.source_sentence_ids[source][locator.sentence_at(source, start)]
    sentence = data.sentences[first_sid]
    src = data.sources[source]
    text = data.texts[source][start:end]
    return Evidence(
        text=text,
        source=src.file,
        title=src.title,
        section=sentence.section,
        timestamp=format_hms(sentence.timestamp),
        url=citation_url(src.url, src.recording, sentence.timestamp),
        stance="supports",
        score=score / 100.0,
        match=match,
        differences=[] if match == "exact" else differences(claim, text),
    )


def locate(claim: str, engine: Engine, candidates: list[Candidate]) -> list[Evidence]:
    """Exact occurrences first (timestamped sources first); else the best near-exact match."""
    hits = engine.locator.exact(claim)
    if hits:
        found = [_evidence(engine, s, a, b, 100.0, "exact", claim) for s, a, b in hits]
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
    return [_evidence(engine, best[1], best[2], best[3], best[0], "near-exact", claim)]
