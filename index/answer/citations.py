"""Citation links: where a quote's "link" points."""

from __future__ import annotations


def citation_url(url: str | None, recording: str | None, seconds: int | None) -> str | None:
    """The moment in the recording when the source names its recording and the quote has a
    timestamp; else the recording or the document's own URL; else None."""
    if recording and seconds is not None:
        separator = "&" if "?" in recording else "?"
        return f"{recording}{separator}t={seconds}s"
    return recording or url
