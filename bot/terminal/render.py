"""Plain-text rendering of answers, checks and source lists (terminal and console).

The quoted text is printed exactly as it stands in the source; only the citation lines
around it are ours.
"""

from __future__ import annotations

import textwrap

from bot.wording import (
    COLLECTIONS,
    MACHINE_TRANSCRIPT,
    NOTHING_ON_TOPIC,
    RELATED_HEADING,
    change_heading,
    conflict_heading,
    side_citation,
)
from index.records import Answer, CheckResult, Evidence, Quote, Source

VERDICTS = {
    "supported": "SUPPORTED by the sources",
    "contradicted": "CONTRADICTED by the sources",
    "not_found": "NOT FOUND in the sources",
    "outdated": "OUTDATED: an older version of the document says this; the newest says otherwise",
}


def citation(item: Quote | Evidence) -> str:
    """Title · § section · at 00:12:34 · machine transcript of talk.mp3, then the link on its own line."""
    parts = [item.title]
    if item.section:
        parts.append(f"§ {item.section}")
    if item.timestamp:
        parts.append(f"at {item.timestamp}")
    if item.transcript:
        parts.append(f"{MACHINE_TRANSCRIPT} of {item.source}")
    if item.collection:
        parts.append(COLLECTIONS[item.collection])
    line = " · ".join(parts)
    return f"{line}\n      {item.url}" if item.url else line


def _quote_block(number: int, quote: Quote) -> str:
    body = textwrap.indent(quote.text, "    > ", lambda _: True)
    cite = citation(quote)
    extra = f"\n      (same text in: {', '.join(quote.also_in)})" if quote.also_in else ""
    return f"[{number}] {quote.source}\n{body}\n    — {cite}{extra}"


def render_answer(answer: Answer) -> str:
    lines = []
    if answer.notice:
        lines.append(f"Note: {answer.notice}")
    if answer.confidence == "none":
        lines.append(NOTHING_ON_TOPIC)
    elif answer.confidence == "related":
        lines.append(RELATED_HEADING)
    lines.extend(_quote_block(i, q) for i, q in enumerate(answer.quotes, start=1))
    lines.extend(render_changes(answer.changed))
    lines.extend(render_conflicts(answer.conflicts))
    return "\n\n".join(lines)


def _sides(heading: str, sides: list[dict]) -> str:
    """A heading, then each side quoted and cited."""
    body = "\n".join(
        f"  {side_citation(side)}:\n" + textwrap.indent(side["text"], "    > ", lambda _: True)
        + (f"\n      {side['url']}" if side.get("url") else "")
        for side in sides
    )
    return f"{heading}:\n{body}"


def render_conflicts(conflicts: list[dict]) -> list[str]:
    """One block per disagreement, both sides quoted and cited, and what kind of disagreement it is."""
    return [_sides(conflict_heading(conflict), conflict["sources"]) for conflict in conflicts]


def render_changes(changes: list[dict]) -> list[str]:
    """One block per value that changed between versions of a document: the older sentence, then the newer."""
    return [_sides(change_heading(change), [change["before"], change["after"]]) for change in changes]


def verdict_line(result: CheckResult) -> str:
    """One line per claim: verdict and the deciding source (for messages checked claim by claim)."""
    first = result.evidence[0] if result.evidence else None
    cite = f" — {first.title}" + (f" at {first.timestamp}" if first and first.timestamp else "") if first else ""
    return f"{VERDICTS.get(result.verdict, result.verdict)}: “{result.claim}”{cite}"


def render_checks(results: list[CheckResult]) -> str:
    """A message checked claim by claim: one verdict line each, then the details of each."""
    if len(results) == 1:
        return render_check(results[0])
    summary = "\n".join(f"{i}. {verdict_line(r)}" for i, r in enumerate(results, start=1))
    details = "\n\n".join(f"— Claim {i} —\n{render_check(r)}" for i, r in enumerate(results, start=1))
    return f"{summary}\n\n{details}"


def render_check(result: CheckResult) -> str:
    lines = []
    if result.notice:
        lines.append(f"Note: {result.notice}")
    lines.append(f"Verdict: {VERDICTS.get(result.verdict, result.verdict)}")
    for i, item in enumerate(result.evidence, start=1):
        body = textwrap.indent(item.text, "    > ", lambda _: True)
        cite = citation(item)
        block = [f"[{i}] {item.stance} ({item.match}) — {item.source}\n{body}\n    — {cite}"]
        block += [f"      differs: claimed “{d['claimed']}”, source has “{d['source']}”" for d in item.differences]
        if item.reason:
            block.append(f"      why: {item.reason}")
        lines.append("\n".join(block))
    lines.extend(render_conflicts(result.conflicts))
    return "\n\n".join(lines)


def render_search(quotes: list[Quote]) -> str:
    if not quotes:
        return "No passages found."
    return "\n\n".join(_quote_block(i, q) for i, q in enumerate(quotes, start=1))


def render_sources(sources: list[Source]) -> str:
    lines = []
    for src in sources:
        facts = [f for f in (src.kind, src.language, src.published) if f]
        lines.append(
            f"- {src.title} ({', '.join(facts)})\n  {src.file}"
            + (f"\n  {src.url or src.recording}" if src.url or src.recording else "")
        )
    return "\n".join(lines)
