"""More context for an answer: the paragraph around each quote, verbatim, the quoted part in bold,
with the quote's citation (a link to the moment in the recording where the source has one).

Quotes come from the question log (source file, character span, text). The index may have been
rebuilt since the answer: a span that no longer holds the quoted text is looked up by its text,
and a quote whose text is gone from the sources is said to be so.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import discord

from bot.chat.embeds import COLOURS, DESCRIPTION_LIMIT, EMBEDS_TOTAL_LIMIT, citation, plain
from bot.storage.question_log import LoggedQuote
from index.engine import Engine

GONE = "This quote is no longer in the sources (they changed since the answer)."


@dataclass(frozen=True)
class Passage:
    """Source text around a quote: before + quote + after is one verbatim slice of the source."""

    before: str
    quote: str
    after: str
    cut_before: bool  # the paragraph goes on before `before`
    cut_after: bool
    cite: str  # the quote's citation line (embeds.citation)


def passage(engine: Engine, quote: LoggedQuote, budget: int) -> Passage | None:
    """The paragraph around `quote`, whole sentences, at most about `budget` characters; None
    when its text is no longer in the sources."""
    data = engine.data
    # The source of that name that still has the quote (a server's collection and the library may
    # each have a file of the same name).
    source = next((i for i, s in enumerate(data.sources) if s.file == quote.source and quote.text in data.texts[i]),
                  None)
    if source is None:
        return None
    text = data.texts[source]
    start, end = quote.start, quote.end
    if text[start:end] != quote.text:
        start = text.find(quote.text)
        if start < 0:
            return None
        end = start + len(quote.text)
    ids = engine.source_sentence_ids[source]
    first = ids[engine.locator.sentence_at(source, start)]
    last = ids[engine.locator.sentence_at(source, max(start, end - 1))]
    low, high = data.paragraph(first)
    high = max(high, data.paragraph(last)[1])
    sentences = data.sentences
    while True:  # grow one sentence at a time on each side while it fits
        grown = False
        if first > low and sentences[last].end - sentences[first - 1].start <= budget:
            first -= 1
            grown = True
        if last < high and sentences[last + 1].end - sentences[first].start <= budget:
            last += 1
            grown = True
        if not grown:
            break
    begin = min(start, sentences[first].start)
    finish = max(end, sentences[last].end)
    evidence = engine.evidence(source, start, end, 0.0, "exact")
    return Passage(before=text[begin:start], quote=text[start:end], after=text[end:finish],
                   cut_before=first > low, cut_after=last < high, cite=citation(evidence))


def _bold(text: str) -> str:
    """Escaped text in bold, line by line (bold cannot span an empty line in Discord)."""
    lines = text.split("\n")
    return "\n".join(f"**{plain(line, DESCRIPTION_LIMIT)}**" if line.strip() else line for line in lines)


def render(passage: Passage | None) -> str:
    if passage is None:
        return GONE
    before = plain(passage.before, DESCRIPTION_LIMIT) if passage.before.strip() else passage.before
    after = plain(passage.after, DESCRIPTION_LIMIT) if passage.after.strip() else passage.after
    body = ("[…] " if passage.cut_before else "") + before + _bold(passage.quote) + after + \
        (" […]" if passage.cut_after else "")
    return f"{body.strip()}\n{passage.cite}"


def context_embeds(engine: Engine, quotes: Sequence[LoggedQuote]) -> list[discord.Embed]:
    """One embed per quote (its paragraph, the quote in bold, its citation), within Discord's limits."""
    if not quotes:
        return [discord.Embed(title="More context", description="This answer had no quotes.",
                              colour=COLOURS["abstain"])]
    share = (EMBEDS_TOTAL_LIMIT - 100) // len(quotes)
    embeds = []
    for number, quote in enumerate(quotes, start=1):
        budget = min(DESCRIPTION_LIMIT, share) - 400  # room for escapes, bold marks and the citation
        description = render(passage(engine, quote, budget))
        while len(description) > min(DESCRIPTION_LIMIT, share) and budget > 100:  # escaping made it longer
            budget //= 2
            description = render(passage(engine, quote, budget))
        embeds.append(discord.Embed(title=f"[{number}] in context", description=description[:DESCRIPTION_LIMIT],
                                    colour=COLOURS["answer"]))
    return embeds
