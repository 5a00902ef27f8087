"""Timestamps in source text: find markers and ranges, normalise to seconds / HH:MM:SS.

Two forms occur (see DESIGN.md):
  * a marker ending a sentence or paragraph, `[00:13:48]` or `[03:38]`; it applies to that text;
  * a range starting a heading line, `[01:06-05:09] — Speaker B:`; it applies to the section
    below it until the next heading.
A list item may also start with a bare time (`- 01:06 — opening summary`). Nothing else is
read as a timestamp, so a source without these markers gets none.
"""

from __future__ import annotations

import re

_TIME = r"\d{1,2}:\d{2}(?::\d{2})?"
_DASH = r"\s*[-–—]\s*"
# A bracketed marker or range: [03:38], [00:13:48], [01:06-05:09]
MARKER_RE = re.compile(rf"\[(?P<start>{_TIME})(?:{_DASH}(?P<end>{_TIME}))?\]")
# A bare time opening a list item or line: "01:06 — Elon Musk's opening summary"
LEADING_TIME_RE = re.compile(rf"^(?P<start>{_TIME})\s+[-–—]\s+")
# A heading that starts with a range or marker: "[01:06-05:09] — Speaker B (Elon Musk):"
HEADING_RANGE_RE = re.compile(rf"^\s*{MARKER_RE.pattern}")


def to_seconds(text: str) -> int:
    """'03:38' -> 218, '00:13:48' -> 828. MM:SS is minutes and seconds."""
    parts = [int(p) for p in text.split(":")]
    if len(parts) == 2:
        minutes, seconds = parts
        hours = 0
    else:
        hours, minutes, seconds = parts
    return hours * 3600 + minutes * 60 + seconds


def format_hms(seconds: int | None) -> str | None:
    """Seconds -> 'HH:MM:SS' (None stays None)."""
    if seconds is None:
        return None
    return f"{seconds // 3600:02d}:{seconds % 3600 // 60:02d}:{seconds % 60:02d}"


def first_marker(text: str) -> int | None:
    """Seconds of the first bracketed marker (or range start) in `text`, or a leading bare time."""
    lead = LEADING_TIME_RE.match(text)
    if lead:
        return to_seconds(lead.group("start"))
    match = MARKER_RE.search(text)
    return to_seconds(match.group("start")) if match else None


def ends_with_marker(text: str) -> int | None:
    """Seconds of a marker that ends `text` (allowing trailing punctuation), else None."""
    stripped = text.rstrip(" \t.。:：;；,，)）")
    matches = list(MARKER_RE.finditer(stripped))
    match = matches[-1] if matches else None
    if match is None or match.end() != len(stripped):
        return None
    return to_seconds(match.group("start"))


def heading_range_start(heading: str) -> int | None:
    """Seconds at which a heading's range starts, when the heading opens with one."""
    match = HEADING_RANGE_RE.match(heading)
    return to_seconds(match.group("start")) if match else None


def strip_markers(text: str) -> str:
    """Text without its timestamp markers (for matching claims that omit them)."""
    return re.sub(r"\s*" + MARKER_RE.pattern, "", text)
