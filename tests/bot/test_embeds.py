"""Discord rendering within Discord's limits, without Discord: plain functions over records."""

from __future__ import annotations

import discord
import pytest

from bot.chat.embeds import (
    DESCRIPTION_LIMIT,
    EMBEDS_PER_MESSAGE,
    EMBEDS_TOTAL_LIMIT,
    answer_embeds,
    message_check_embeds,
    plain,
    shorten,
)
from bot.terminal.render import render_answer
from bot.wording import NOTHING_ON_TOPIC, RELATED_HEADING
from index.answer.citations import citation_url
from index.records import Answer, CheckResult, Evidence, Quote

LONG_SENTENCES = " ".join(f"Sentence number {i} says something rather long about the meeting." for i in range(200))


def quote(text: str, n: int = 1, timestamp: str | None = "00:40:14", seconds: int = 2414) -> Quote:
    url = citation_url(None, "https://www.youtube.com/watch?v=5eFbeEMFna4", seconds if timestamp else None)
    return Quote(text=text, source=f"doc{n}.md", title=f"Title {n}", section="Part › Section", timestamp=timestamp,
                 url=url, score=1.0)


def within_limits(embeds: list[discord.Embed]) -> None:
    assert 1 <= len(embeds) <= EMBEDS_PER_MESSAGE
    assert sum(len(e) for e in embeds) <= EMBEDS_TOTAL_LIMIT
    for e in embeds:
        assert len(e.description or "") <= DESCRIPTION_LIMIT and len(e.title or "") <= 256
        assert all(len(f.value) <= 1024 and len(f.name) <= 256 for f in e.fields)


def test_a_timestamp_links_to_that_moment_of_the_recording() -> None:
    embed = answer_embeds(Answer("q", "answer", [quote("Hello there.")]))[0]
    assert "[00:40:14](https://www.youtube.com/watch?v=5eFbeEMFna4&t=2414s)" in embed.description


def test_a_source_without_timestamp_gets_no_invented_one() -> None:
    embed = answer_embeds(Answer("q", "answer", [quote("Hello there.", timestamp=None)]))[0]
    assert "00:" not in embed.description and "[source](" in embed.description


def test_long_quotes_are_shortened_on_a_sentence_boundary_and_citations_stay_whole() -> None:
    answer = Answer("q", "answer", [quote(LONG_SENTENCES, n) for n in range(1, 11)])
    embeds = answer_embeds(answer)
    within_limits(embeds)
    text = "\n".join(e.description or "" for e in embeds)
    shown = [n for n in range(1, 11) if f"*Title {n}* · § Section · [00:40:14](" in text]
    assert shown == list(range(1, len(shown) + 1)) and len(shown) >= 3  # whole citations, in order
    for block in text.split("**[")[1:]:
        body = block.split("\n> ", 1)[1].split("\n—")[0]
        assert body.endswith("meeting. […]")  # cut after a full sentence
    if len(shown) < 10:
        assert "more not shown" in (embeds[-1].footer.text or "")


def test_related_passages_come_under_a_heading_and_nothing_on_topic_says_so() -> None:
    related = answer_embeds(Answer("q", "related", [quote("Hello there.")]))[0]
    assert related.description.startswith(RELATED_HEADING) and "Hello there." in related.description
    assert render_answer(Answer("q", "related", [quote("Hello there.")])).startswith(RELATED_HEADING)
    nothing = answer_embeds(Answer("q", "none", []))[0]
    assert nothing.description.startswith(NOTHING_ON_TOPIC)
    assert render_answer(Answer("q", "none", [])) == NOTHING_ON_TOPIC
    answer = answer_embeds(Answer("q", "answer", [quote("Hello there.")]))[0]
    assert RELATED_HEADING not in answer.description


def test_markdown_and_mentions_in_quotes_are_shown_literally() -> None:
    embed = answer_embeds(Answer("q", "answer", [quote("**Bold** claim _here_ @everyone")]))[0]
    assert "\\*\\*Bold\\*\\*" in embed.description and "\\_here\\_" in embed.description


def test_a_quote_wrapped_across_lines_stays_one_block_quote() -> None:
    """A Markdown paragraph wrapped over lines (CRLF files too) is one quote: every line quoted."""
    wrapped = quote("The new generation of API\r\n  platform has been launched.")
    embed = answer_embeds(Answer("q", "answer", [wrapped]))[0]
    assert "> The new generation of API\n>   platform has been launched." in embed.description
    assert "\r" not in embed.description


def test_shorten_never_exceeds_its_limit() -> None:
    for limit in (10, 50, 333, 1000):
        assert len(shorten(LONG_SENTENCES, limit)) <= limit
        assert len(plain("*_`" * 1000, limit)) <= limit


@pytest.mark.parametrize("claims", [2, 10])
def test_a_long_message_check_has_one_verdict_line_per_claim(claims: int) -> None:
    evidence = Evidence(text=LONG_SENTENCES, source="doc.md", title="Title", section="S", timestamp=None, url=None,
                        stance="supports", score=1.0, match="claim", reason="same quantity")
    results = [CheckResult(f"Claim {i}.", "supported", [evidence, evidence]) for i in range(claims)]
    embeds = message_check_embeds(results)
    within_limits(embeds)
    lines = embeds[0].description.split("\n\n")
    assert len(lines) == claims and all("Supported" in line for line in lines)
