"""Plain-text rendering of answers, checks and source lists (terminal and console).

The quoted text is printed exactly as it stands in the source; only the citation lines
around it are ours.
"""

from __future__ import annotations

import textwrap

from index.records import Answer, CheckResult, Quote, Source

ABSTAIN = "The sources don't answer that."
VERDICTS = {
    "supported": "SUPPORTED by the sources",
    "contradicted": "CONTRADICTED by the sources",
    "not_found": "NOT FOUND in the sources",
}


def citation(title: str, section: str, timestamp: str | None, url: str | None) -> str:
    parts = [title]
    if section:
        parts.append(f"§ {section}")
    if timestamp:
        parts.append(f"at {timestamp}")
    line = " · ".join(parts)
    return f"{line}\n      {url}" if url else line


def _quote_block(number: int, quote: Quote) -> str:
    body = textwrap.indent(quote.text, "    > ", lambda _: True)
    cite = citation(quote.title, quote.section, quote.timestamp, quote.url)
    extra = f"\n      (same text in: {', '.join(quote.also_in)})" if quote.also_in else ""
    return f"[{number}] {quote.source}\n{body}\n    — {cite}{extra}"


def render_answer(answer: Answer) -> str:
    lines = []
    if answer.notice:
        lines.append(f"Note: {answer.notice}")
    if not answer.answered:
        lines.append(ABSTAIN)
        if answer.quotes:
            lines.append("Closest passages (not an answer):")
    lines.extend(_quote_block(i, q) for i, q in enumerate(answer.quotes, start=1))
    return "\n\n".join(lines)


def render_check(result: CheckResult) -> str:
    lines = []
    if result.notice:
        lines.append(f"Note: {result.notice}")
    lines.append(f"Verdict: {VERDICTS.get(result.verdict, result.verdict)}")
    for i, item in enumerate(result.evidence, start=1):
        body = textwrap.indent(item.text, "    > ", lambda _: True)
        cite = citation(item.title, item.section, item.timestamp, item.url)
        lines.append(f"[{i}] {item.stance} ({item.match}) — {item.source}\n{body}\n    — {cite}")
        for diff in item.differences:
            lines.append(f"      differs: claimed “{diff['claimed']}”, source has “{diff['source']}”")
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
