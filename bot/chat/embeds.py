"""Discord rendering: answers, checks, search pages, sources and help as embeds within Discord's limits.

Quoted text is shown exactly as the source has it: markdown characters are escaped so that
Discord displays them literally instead of formatting them. A quote too long for its embed is
shortened on a sentence boundary and marked with "[…]"; a citation is never cut: every quote
travels with its citation as one block, and a block that does not fit goes to the next embed.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

import discord
from discord.utils import escape_markdown

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

# Discord's limits (https://discord.com/developers/docs/resources/message#embed-object-embed-limits)
TITLE_LIMIT = 256
DESCRIPTION_LIMIT = 4096
FIELD_NAME_LIMIT = 256
FIELD_VALUE_LIMIT = 1024
FOOTER_LIMIT = 2048
EMBEDS_TOTAL_LIMIT = 6000
EMBEDS_PER_MESSAGE = 10

QUOTE_BUDGET = 1500  # characters of one quote shown before it is shortened
SECTION_LIMIT = 120
MORE = " […]"

COLOURS = {
    "answer": discord.Colour.blurple(),
    "abstain": discord.Colour.light_grey(),
    "supported": discord.Colour.green(),
    "contradicted": discord.Colour.red(),
    "not_found": discord.Colour.light_grey(),
    "conflict": discord.Colour.orange(),
    "outdated": discord.Colour.gold(),
}
VERDICTS = {"supported": "✅ Supported", "contradicted": "❌ Contradicted", "not_found": "❔ Not found in the sources",
            "outdated": "🕓 Outdated (only an older version says this)"}

_SENTENCE_END = re.compile(r"(?<=[.!?。！？])[\"'”’」)]*\s*")


def shorten(text: str, limit: int) -> str:
    """`text` if it fits, else its longest prefix ending a sentence (else a word) plus "[…]"."""
    if len(text) <= limit:
        return text
    room = max(0, limit - len(MORE))
    cut = max((m.end() for m in _SENTENCE_END.finditer(text, 0, room) if m.end() <= room), default=0)
    if cut < room // 3:  # no sentence end in reach: cut at a word
        cut = text.rfind(" ", 0, room)
        cut = cut if cut > room // 3 else room
    return text[:cut].rstrip() + MORE


def plain(text: str, limit: int) -> str:
    """User or source text shown literally (markdown escaped), within `limit` characters."""
    escaped = escape_markdown(text, as_needed=False)
    while len(escaped) > limit:
        text = shorten(text, max(1, len(text) - (len(escaped) - limit) - len(MORE)))
        escaped = escape_markdown(text, as_needed=False)
    return escaped


def blockquote(text: str, limit: int) -> str:
    """Source text as a Discord block quote ("> " before each line), within `limit` characters."""
    body = plain(text, limit - 2 * (text.count("\n") + 1))
    return "\n".join(f"> {line}" if line.strip() else ">" for line in body.splitlines())  # \r\n files too


def citation(item: Quote | Evidence) -> str:
    """— *Title* · § Section · [00:12:34](link to that moment) · machine transcript of talk.mp3."""
    parts = [f"*{plain(item.title, 200)}*"]
    if item.section:
        parts.append(f"§ {plain(item.section.split(' › ')[-1], SECTION_LIMIT)}")
    if item.timestamp and item.url:
        parts.append(f"[{item.timestamp}]({item.url})")
    elif item.timestamp:
        parts.append(item.timestamp)
    elif item.url:
        parts.append(f"[source]({item.url})")
    if item.transcript:
        parts.append(f"{MACHINE_TRANSCRIPT} of {plain(item.source, 100)}")
    if item.collection:
        parts.append(COLLECTIONS[item.collection])
    return "— " + " · ".join(parts)


def quote_block(number: int, quote: Quote, budget: int = QUOTE_BUDGET) -> str:
    """A numbered quote with its citation; the quote is shortened to fit `budget`, never the citation."""
    cite = citation(quote)
    if quote.also_in:
        cite += f"\n(same text in: {', '.join(plain(s, 100) for s in quote.also_in)})"
    room = max(40, budget - len(cite) - 12)
    return f"**[{number}]**\n{blockquote(quote.text, room)}\n{cite}"


def evidence_block(number: int, item: Evidence) -> str:
    lines = [f"**[{number}] {item.stance}** ({item.match})",
             blockquote(item.text, QUOTE_BUDGET), citation(item)]
    for diff in item.differences[:5]:
        lines.append(f"differs: claimed “{plain(diff['claimed'], 100)}”, the source has “{plain(diff['source'], 100)}”")
    if item.reason:
        lines.append(f"why: {plain(item.reason, 300)}")
    return "\n".join(lines)


def pack(title: str, blocks: Iterable[str], colour: discord.Colour, intro: str = "",
         footer: str | None = None, budget: int = EMBEDS_TOTAL_LIMIT) -> list[discord.Embed]:
    """Blocks into as many embeds as needed (each block whole), within the per-message limits.
    Blocks that do not fit in the remaining budget are left out and counted in the footer."""
    embeds: list[discord.Embed] = []
    current = intro
    left_out = 0
    title = plain(title, TITLE_LIMIT)
    spent = len(title) + (len(footer) if footer else 0) + 60  # 60: room for a "left out" footer

    def flush() -> None:
        nonlocal current
        if current:
            embeds.append(discord.Embed(title=title if not embeds else None, description=current, colour=colour))
            current = ""

    for block in blocks:
        if len(block) > DESCRIPTION_LIMIT:  # cannot happen with the block builders above; never cut one
            left_out += 1
            continue
        candidate = f"{current}\n\n{block}" if current else block
        if len(candidate) > DESCRIPTION_LIMIT:
            if len(embeds) + 1 >= EMBEDS_PER_MESSAGE or spent + len(current) + len(block) > budget:
                left_out += 1
                continue
            spent += len(current)
            flush()
            candidate = block
        if spent + len(candidate) > budget:
            left_out += 1
            continue
        current = candidate
    flush()
    if not embeds:
        embeds.append(discord.Embed(title=title, colour=colour))
    notes = [n for n in (footer, f"{left_out} more not shown (Discord's size limits)" if left_out else None) if n]
    if notes:
        embeds[-1].set_footer(text=shorten(" · ".join(notes), FOOTER_LIMIT))
    return embeds


def conflict_embed(conflicts: list[dict], changes: list[dict] | None = None) -> discord.Embed | None:
    """Sources that disagree, side by side: one inline field per source, a row per disagreement; values
    that changed between versions of a document first, the older version beside the newer."""
    rows = [(change_heading(c), [c["before"], c["after"]]) for c in changes or []]
    rows += [(conflict_heading(c).removeprefix("Sources disagree ").strip(), c["sources"]) for c in conflicts]
    if not rows:
        return None
    title = "⚠️ Sources disagree" if conflicts else "🕓 Changed since an older version"
    embed = discord.Embed(title=title, colour=COLOURS["conflict"])
    for heading, sides in rows[:4]:
        embed.add_field(name=shorten(heading, FIELD_NAME_LIMIT), value="\u200b", inline=False)
        for side in sides[:2]:
            embed.add_field(name=shorten(side_citation(side), FIELD_NAME_LIMIT),
                            value=blockquote(side["text"], FIELD_VALUE_LIMIT), inline=True)
    return embed


def _with_conflicts(embeds: list[discord.Embed], conflicts: list[dict],
                    changes: list[dict] | None = None) -> list[discord.Embed]:
    extra = conflict_embed(conflicts, changes)
    if extra is not None and len(embeds) < EMBEDS_PER_MESSAGE \
            and sum(len(e) for e in embeds) + len(extra) <= EMBEDS_TOTAL_LIMIT:
        embeds.append(extra)
    return embeds


def answer_embeds(answer: Answer) -> list[discord.Embed]:
    blocks = [quote_block(i, q) for i, q in enumerate(answer.quotes, start=1)]
    conflict = conflict_embed(answer.conflicts, answer.changed)
    budget = EMBEDS_TOTAL_LIMIT - (len(conflict) if conflict else 0)
    if answer.confidence == "answer":
        embeds = pack(answer.question, blocks, COLOURS["answer"], footer=answer.notice, budget=budget)
    else:
        intro = RELATED_HEADING if answer.confidence == "related" else NOTHING_ON_TOPIC
        embeds = pack(answer.question, blocks, COLOURS["abstain"], intro=intro, footer=answer.notice, budget=budget)
    return _with_conflicts(embeds, answer.conflicts, answer.changed)


def check_embeds(result: CheckResult) -> list[discord.Embed]:
    title = f"{VERDICTS.get(result.verdict, result.verdict)}: {result.claim}"
    blocks = [evidence_block(i, e) for i, e in enumerate(result.evidence, start=1)]
    conflict = conflict_embed(result.conflicts)
    budget = EMBEDS_TOTAL_LIMIT - (len(conflict) if conflict else 0)
    intro = "" if blocks else "No passage in the sources speaks to this."
    embeds = pack(title, blocks, COLOURS.get(result.verdict, COLOURS["answer"]), intro=intro,
                  footer=result.notice, budget=budget)
    return _with_conflicts(embeds, result.conflicts)


def verdict_line(number: int, result: CheckResult) -> str:
    first = result.evidence[0] if result.evidence else None
    where = f" — {citation(first)[2:]}" if first else ""
    return f"**{number}.** {VERDICTS.get(result.verdict, result.verdict)}: “{plain(result.claim, 300)}”{where}"


def message_check_embeds(results: list[CheckResult]) -> list[discord.Embed]:
    """A message checked claim by claim: one verdict line each, then the evidence per claim."""
    if len(results) == 1:
        return check_embeds(results[0])
    lines = [verdict_line(i, r) for i, r in enumerate(results, start=1)]
    embeds = pack("Citation check, claim by claim", lines, discord.Colour.blurple())
    for i, result in enumerate(results, start=1):
        blocks = [evidence_block(j, e) for j, e in enumerate(result.evidence[:2], start=1)]
        detail = pack(f"{i}. {VERDICTS.get(result.verdict, result.verdict)}: {result.claim}", blocks,
                      COLOURS.get(result.verdict, COLOURS["answer"]),
                      budget=EMBEDS_TOTAL_LIMIT - sum(len(e) for e in embeds))
        if len(embeds) + len(detail) > EMBEDS_PER_MESSAGE or \
                sum(len(e) for e in embeds + detail) > EMBEDS_TOTAL_LIMIT:
            embeds[-1].set_footer(text=f"Evidence shown for claims 1–{i - 1}; use /check on the others.")
            break
        embeds.extend(detail)
    return embeds


def search_embed(query: str, quotes: list[Quote], page: int, page_size: int) -> discord.Embed:
    """One page of /search results."""
    pages = max(1, -(-len(quotes) // page_size))
    start = page * page_size
    budget = min(QUOTE_BUDGET, (DESCRIPTION_LIMIT - 200) // page_size)
    blocks = [quote_block(i, q, budget) for i, q in enumerate(quotes[start:start + page_size], start=start + 1)]
    intro = "" if blocks else "No passages found."
    return pack(f"Search: {query}", blocks, COLOURS["answer"], intro=intro,
                footer=f"Page {page + 1} of {pages} · {len(quotes)} passages")[0]


def sources_embeds(own: list[Source], library: list[Source], server: bool = False) -> list[discord.Embed]:
    """/sources: the server's own sources, then the shared library's (in a DM, the library's only)."""
    def block(src: Source) -> str:
        facts = " · ".join(f for f in (src.kind, src.language, src.published, plain(src.file, 100)) if f)
        link = src.url or src.recording
        return f"**{plain(src.title, 200)}**\n{facts}" + (f"\n{link}" if link else "")

    heading = [f"**This server's sources ({len(own)})**" if own else "**This server has no sources of its own** "
               "(members with Manage Server add them with /source add)"] if server else []
    shared = [f"**Shared library ({len(library)})**" if library else "**Shared library: off for this server**"]
    blocks = [*heading, *map(block, own), *shared, *map(block, library)]
    return pack(f"Sources ({len(own) + len(library)} documents)", blocks, COLOURS["answer"])


HELP_TEXT = (
    "I answer questions about the documents in my corpus **only with quotes copied word for word** "
    "from them, each with its citation. I never write prose of my own about the content.\n\n"
    "**/ask** `question` — the quotes that answer it (or I say the sources don't).\n"
    "**/search** `query` — the top passages, with buttons to page through them.\n"
    "**/check** `claim` — is a claim or quote supported, contradicted, or not found in the sources?\n"
    "**/sources** — the documents I quote from.\n"
    "**Check citations** (right-click a message › Apps) — checks a message claim by claim.\n"
    "You can also mention me with a question, or ask in a DM.\n\n"
    "**Citations**: source title · § section · timestamp. The timestamp is the moment in the "
    "recording where the source places the quote (`HH:MM:SS`); where the source names its "
    "recording it links to that moment. No timestamp means the source gives none there — "
    "I never guess one."
)


def kept_text(log_days: int | None) -> str:
    """What the question log keeps (bot/storage/question_log.py), and how it is turned off; None: it is off."""
    if log_days is None:
        return ("**What is kept**: nothing — this bot's question log is turned off, so questions and votes are "
                "not stored (and answers carry no feedback buttons).")
    return ("**Feedback**: every answer has 👍 / 👎 (one vote each; vote again to change it) and **More context** "
            "(the paragraph around each quote).\n**What is kept**, for each answer: the question and the time; the "
            "server and channel ids, or that it was a DM; a salted hash of your user id (never your id or name); "
            "the confidence; each quote's source, position and text; how long it took; and the votes. It is deleted "
            f"after {log_days} days. The bot's operator turns it off with `QUOTEBOT_QUESTION_LOG=off`. Server "
            "admins get **/report** (the questions not answered well) and **/autoanswer**.")


def help_embed(log_days: int | None = 90) -> discord.Embed:
    """/help; `log_days`: the question log's retention, None when the log is off."""
    return discord.Embed(title="QuoteBot — answers with verbatim quotes",
                         description=f"{HELP_TEXT}\n\n{kept_text(log_days)}", colour=COLOURS["answer"])
