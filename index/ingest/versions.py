"""Versions of one document: which sources are editions of the same page, and which is the newest.

A source is a version of a document when

* `sources.toml` says so: `document = "Rate limits"`, with `version = "3.0"` and/or `date = "2025-11-21"`
  (or the `/source add` options of the same names); or
* its name says so plainly, and nothing in `sources.toml` does: two or more files whose stems are the
  same but for a version or date suffix (`limits-v2.3.md` / `limits-v3.0.md`, `faq_2024-01-05.md` /
  `faq_2025-03-01.md`, `notes-20240105.txt`), or whose titles are the same but for one (`Limits (v2.3)`
  / `Limits (v3.0)`). A lone `report-2024.md` is no version of anything; a file without a suffix is
  not matched with suffixed ones (`limits.md` and `limits-v2.md` may be two different pages).

The newest version is the one with the latest date, else the highest version number (dates win when
both are given; a version without either sorts first). Answers quote the newest version and say what
changed (index/engine.py); a claim that matches only an older version is "outdated" (verify/claims.py).
"""

from __future__ import annotations

import dataclasses
import re
from collections import defaultdict
from collections.abc import Sequence

from ..records import Source

# A version or date at the end of a stem or title: "-v2.3", "_3.0", " 2024-01-05", "-20240105", "(v2)".
_TAG = re.compile(
    r"^(?P<base>.*?\S)[\s_.\-–—(\[]+(?P<tag>\b[vV](?:er(?:sion)?)?\s?\d+(?:\.\d+)*|(?<![\d.])\d+\.\d+(?:\.\d+)*|"
    r"(?:19|20)\d{2}-\d{1,2}-\d{1,2}|(?:19|20)\d{2}(?:0[1-9]|1[0-2])(?:[0-2]\d|3[01]))[)\]]?$"
)
_DATE = re.compile(r"^(?P<y>(?:19|20)\d{2})-?(?P<m>\d{1,2})-?(?P<d>\d{1,2})$")


def split_tag(text: str) -> tuple[str, str] | None:
    """(base, tag) when `text` ends in a version or date ("limits-v2.3" -> ("limits", "v2.3")), else None."""
    match = _TAG.match(text.strip())
    if not match:
        return None
    return match.group("base").strip(" _.-–—([").lower(), match.group("tag")


def _fields(tag: str) -> dict[str, str]:
    date = _DATE.match(tag)
    if date:
        return {"date": f"{date.group('y')}-{int(date.group('m')):02d}-{int(date.group('d')):02d}"}
    return {"version": re.sub(r"^[vV](?:er(?:sion)?)?\s?", "", tag)}


def mark_versions(sources: Sequence[Source]) -> list[Source]:
    """The sources, with `document` (and `version` or `date`) filled in for files plainly named as
    versions of one document (module docstring); sources marked in sources.toml are kept as they are."""
    groups: dict[tuple[str, str], list[tuple[int, str]]] = defaultdict(list)
    for i, source in enumerate(sources):
        if source.document:
            continue
        stem = source.file.rsplit(".", 1)[0]
        for kind, text in (("name", stem), ("title", source.title)):
            found = split_tag(text)
            if found and found[0]:
                groups[(kind, found[0])].append((i, found[1]))
    marked = list(sources)
    for (kind, base), members in sorted(groups.items()):
        if len(members) < 2 or len({tag for _, tag in members}) < len(members):
            continue
        if any(marked[i].document for i, _ in members):
            continue  # already grouped by name
        titles = {marked[i].title for i, _ in members}
        document = titles.pop() if len(titles) == 1 and kind == "name" else base
        for i, tag in members:
            fields = {k: v for k, v in _fields(tag).items() if not getattr(marked[i], k)}
            marked[i] = dataclasses.replace(marked[i], document=document, **fields)
    return marked


def _number_key(version: str | None) -> tuple[int, ...]:
    return tuple(int(n) for n in re.findall(r"\d+", version or ""))


def order_key(source: Source) -> tuple[str, tuple[int, ...]]:
    """Sorts a document's versions oldest first: by date, then by version number."""
    return (source.date or "", _number_key(source.version))


def label(source: Source) -> str:
    """How an answer names a version: "v3.0", "the 2025-11-21 version"."""
    if source.version:
        return source.version if not source.version[:1].isdigit() else f"v{source.version}"
    return source.date or source.file


def outdated_by(sources: Sequence[Source]) -> dict[int, int]:
    """For each source that is an older version of a document, the index of that document's newest
    version."""
    documents: dict[str, list[int]] = defaultdict(list)
    for i, source in enumerate(sources):
        if source.document:
            documents[source.document.casefold()].append(i)
    older: dict[int, int] = {}
    for members in documents.values():
        if len(members) < 2:
            continue
        newest = max(members, key=lambda i: order_key(sources[i]))
        older.update({i: newest for i in members if i != newest and order_key(sources[i]) < order_key(sources[newest])})
    return older


def same_document(a: Source, b: Source) -> bool:
    return bool(a.document and b.document and a.document.casefold() == b.document.casefold())
