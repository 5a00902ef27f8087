"""Dataclasses passed between the index modules: sources, sentences, chunks, results (and
which sentences share a paragraph)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np


@dataclass(frozen=True)
class Source:
    """One document of the corpus with the metadata sources.toml (or the text) gives it."""

    file: str
    title: str
    language: str
    kind: str | None = None
    author: str | None = None
    publisher: str | None = None
    published: str | None = None
    url: str | None = None
    recording: str | None = None
    references: tuple[str, ...] = ()
    transcript: str | None = None  # a recording's machine transcript: its WebVTT file in the build
    sha256: str = ""
    document: str | None = None  # the document this source is a version of (index/ingest/versions.py)
    version: str | None = None  # its version ("3.0") and/or date ("2025-11-21") as that document's version
    date: str | None = None

    def as_dict(self) -> dict[str, object]:
        return {
            "file": self.file,
            "title": self.title,
            "language": self.language,
            "kind": self.kind,
            "author": self.author,
            "publisher": self.publisher,
            "published": self.published,
            "url": self.url,
            "recording": self.recording,
            "references": list(self.references),
            "transcript": self.transcript,
            "sha256": self.sha256,
            "document": self.document,
            "version": self.version,
            "date": self.date,
        }

    @classmethod
    def from_dict(cls, data: dict) -> Source:
        return cls(**{**data, "references": tuple(data.get("references", ()))})


@dataclass(frozen=True)
class Sentence:
    """A quotable span: `text[start:end]` of its source document, never rewritten."""

    source: int  # index into the list of sources
    start: int
    end: int
    block: int  # paragraph / bullet / table row it belongs to (adjacency)
    section: str  # heading path, " › "-joined; "" before the first heading
    timestamp: int | None  # seconds into the recording, or None


def previous_in_paragraph(sentences: Sequence[Sentence]) -> np.ndarray:
    """For each sentence, the id of the sentence before it in the same paragraph, or -1."""
    source = np.fromiter((s.source for s in sentences), dtype=np.int64, count=len(sentences))
    block = np.fromiter((s.block for s in sentences), dtype=np.int64, count=len(sentences))
    previous = np.full(len(sentences), -1, dtype=np.int64)
    same = (source[1:] == source[:-1]) & (block[1:] == block[:-1])
    previous[1:][same] = np.flatnonzero(same)
    return previous


@dataclass(frozen=True)
class Chunk:
    """A run of consecutive sentences of one section, bounded in tokens."""

    source: int
    first: int  # sentence ids, inclusive
    last: int
    section: str


@dataclass
class Quote:
    """A quote picked for an answer, with its citation."""

    text: str
    source: str
    title: str
    section: str
    timestamp: str | None
    url: str | None
    score: float
    start: int = 0
    end: int = 0
    also_in: list[str] = field(default_factory=list)
    transcript: str | None = None  # a recording's machine transcript (WebVTT file) the text comes from
    collection: str | None = None  # "server" or "library" when a server's question is answered from both

    def as_dict(self) -> dict[str, object]:
        data: dict[str, object] = {
            "text": self.text,
            "source": self.source,
            "title": self.title,
            "section": self.section,
            "timestamp": self.timestamp,
            "url": self.url,
            "score": round(self.score, 4),
        }
        if self.also_in:
            data["also_in"] = self.also_in
        if self.transcript:
            data["transcript"] = self.transcript
        if self.collection:
            data["collection"] = self.collection
        return data


@dataclass
class Answer:
    question: str
    confidence: str  # "answer" | "related" (closest passages, may not answer) | "none" (no quotes)
    quotes: list[Quote]
    conflicts: list[dict] = field(default_factory=list)
    notice: str | None = None
    changed: list[dict] = field(default_factory=list)  # values that changed since an older version

    @property
    def answered(self) -> bool:
        """Quotes are shown (an answer, or related passages)."""
        return self.confidence != "none"

    def as_dict(self) -> dict[str, object]:
        data: dict[str, object] = {
            "question": self.question,
            "answered": self.answered,
            "confidence": self.confidence,
            "quotes": [q.as_dict() for q in self.quotes],
            "conflicts": self.conflicts,
            "changed": self.changed,
        }
        if self.notice:
            data["notice"] = self.notice
        return data


@dataclass
class Evidence:
    text: str
    source: str
    title: str
    section: str
    timestamp: str | None
    url: str | None
    stance: str  # "supports" | "contradicts"; for an "outdated" claim "outdated" | "current"
    score: float
    match: str  # "exact" | "near-exact" (a located quote) | "claim" (evidence for a claim)
    differences: list[dict] = field(default_factory=list)
    reason: str | None = None  # why this evidence decides, e.g. "different number: 6 million vs 60 million"
    transcript: str | None = None  # as Quote.transcript
    collection: str | None = None  # as Quote.collection

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
        if self.reason:
            data["reason"] = self.reason
        if self.transcript:
            data["transcript"] = self.transcript
        if self.collection:
            data["collection"] = self.collection
        return data


@dataclass
class CheckResult:
    claim: str
    verdict: str  # "supported" | "contradicted" | "not_found" | "outdated" (matches only an older version)
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
