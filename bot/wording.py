"""Wording shared by the console and Discord: what an answer's confidence means, and how a
machine transcript is cited."""

from __future__ import annotations

NOTHING_ON_TOPIC = "Nothing in the sources is about that."
RELATED_HEADING = "Not sure these answer the question; they are the closest passages in the sources:"
# Cited after a quote from a recording: its text is a speech recogniser's, not a person's.
MACHINE_TRANSCRIPT = "machine transcript"

# Which collection a quote comes from (Quote.collection, index/collections.py).
COLLECTIONS = {"server": "this server's sources", "library": "shared library"}

# Sources that disagree: what kind of disagreement, and where each side stands.
CONFLICT_KINDS = {"number": "on a number", "rate": "on a rate", "duration": "on a duration"}


def conflict_heading(conflict: dict) -> str:
    """"Sources disagree on a number (over 2 million vs over 2 billion Tesla vehicles)"."""
    kind = CONFLICT_KINDS.get(conflict.get("kind", ""), "")
    return f"Sources disagree{' ' + kind if kind else ''} ({conflict['about']})"


def change_heading(change: dict) -> str:
    """"Changed: the v2.3 version said 30 days; the v3.0 version says 14 days (Rate limits)"."""
    document = f" ({change['document']})" if change.get("document") else ""
    return change["summary"][:1].upper() + change["summary"][1:] + document


def side_citation(side: dict) -> str:
    """The source of one side of a disagreement: file, then title · § section · at time, when known."""
    parts = [p for p in (side.get("title"), f"§ {side['section']}" if side.get("section") else None,
                         f"at {side['timestamp']}" if side.get("timestamp") else None) if p]
    return " · ".join([side["source"], *parts])
