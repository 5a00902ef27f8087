"""Citation checks: quantities, quotes whose meaning changed, claims, and sources that disagree."""

from __future__ import annotations

import pytest

from bot.terminal.render import render_answer, render_check, render_checks
from index.engine import Engine
from index.text.quantities import extract


@pytest.mark.parametrize(
    ("text", "low", "high", "unit", "period"),
    [
        ("50 million videos", 5e7, 5e7, "video", None),
        ("50M videos", 5e7, 5e7, "video", None),
        ("5000 万个视频", 5e7, 5e7, "video", None),
        ("6 billion images per day", 6e9, 6e9, "image", "day"),
        ("每天 60 亿张图片", 6e9, 6e9, "image", "day"),
        ("1.25 万亿美元", 1.25e12, 1.25e12, "usd", None),
        ("300,000 GPUs", 3e5, 3e5, "gpu", None),
        ("30 万块 GPU", 3e5, 3e5, "gpu", None),
        ("100–200 GW", 100, 200, "gw", None),
        ("99.8%", 99.8, 99.8, "percent", None),
        ("15 people", 15, 15, "person", None),
        ("15 人", 15, 15, "person", None),
        ("2-3 months", 2, 3, "month", None),
        ("2 to 3 years", 2, 3, "year", None),
    ],
)
def test_quantities_are_read_with_scale_unit_and_period(
    text: str, low: float, high: float, unit: str, period: str | None
) -> None:
    found = [q for q in extract(text) if q.unit == unit]
    assert found, f"no {unit} quantity in {text!r}: {extract(text)}"
    q = found[0]
    assert (q.low, q.high, q.period) == (pytest.approx(low), pytest.approx(high), period)


@pytest.mark.parametrize("text", ["Feb 10", "2 月 10 日"])
def test_dates_in_both_languages_are_the_same_date(text: str) -> None:
    dates = [q for q in extract(text) if q.unit == "date"]
    assert len(dates) == 1 and dates[0].same_value(extract("February 10")[0])


def test_months_and_years_compare_but_differ() -> None:
    months, years = extract("2-3 months")[0], extract("2 to 3 years")[0]
    assert months.comparable(years) and not months.same_value(years)
    assert extract("50 million")[0].same_value(extract("5000 万")[0])


@pytest.mark.parametrize(
    ("claim", "verdict"),
    [
        ("Musk expects Grok Code to reach state of the art within 2 to 3 months.", "supported"),
        ("Musk expects Grok Code to reach state of the art within 2 to 3 years.", "contradicted"),  # unit
        ("The Memphis cluster has 20 data halls.", "contradicted"),  # number
        ("Imagine users generate nearly 50 million videos per month.", "contradicted"),  # period
        ("Grokipedia has about 600,000 articles.", "contradicted"),  # scale
        ("预训练团队大约有 15 人。", "supported"),
        ("Memphis 数据中心有 300 万块 GPU。", "contradicted"),
        ("Tony Wu announced his resignation on Feb 9.", "supported"),  # date
    ],
)
def test_claims_with_quantities(engine: Engine, claim: str, verdict: str) -> None:
    result = engine.check(claim)
    assert result.verdict == verdict, render_check(result)
    deciding = [e for e in result.evidence if e.stance == ("supports" if verdict == "supported" else "contradicts")]
    assert deciding and all(e.reason for e in deciding)


@pytest.mark.parametrize(
    "claim", ["X Money is already available worldwide.", "X Money 已经在全球上线。"]
)
def test_modality_counts_future_is_not_already(engine: Engine, claim: str) -> None:
    result = engine.check(claim)
    assert result.verdict == "contradicted", render_check(result)
    assert any(e.stance == "contradicts" and "to come" in (e.reason or "") for e in result.evidence)


@pytest.mark.parametrize(
    "claim",
    [
        "xAI plans to open a research lab on the Moon next spring.",
        "The Grok team has a dedicated office in Tokyo.",
        "马斯克宣布 xAI 将收购一家足球俱乐部。",
    ],
)
def test_nothing_relevant_is_not_found_never_supported(engine: Engine, claim: str) -> None:
    assert engine.check(claim).verdict == "not_found"


def test_topic_similarity_alone_is_never_support(engine: Engine) -> None:
    # On topic (Memphis, GPUs, data halls) but the number is backed by no source.
    assert engine.check("The Memphis data center has exactly 47 data halls.").verdict != "supported"


@pytest.mark.parametrize(
    ("altered", "changed"),
    [
        ("And now, in less than a year, Grok has been deployed in over 5 million Tesla vehicles", "5"),  # number
        ("Tony Wu and Jimmy Ba did not leave within 48 hours", "not"),  # negation
    ],
)
def test_quote_with_changed_meaning_is_not_supported(engine: Engine, altered: str, changed: str) -> None:
    result = engine.check(altered)
    assert result.verdict != "supported", render_check(result)


def test_swapped_name_in_a_quote_is_not_supported(engine: Engine) -> None:
    original = "Feb 10, Jimmy Ba (Co-founder, Head of Research & Safety) wrote"
    assert engine.check(original).verdict == "supported"
    result = engine.check(original.replace("Jimmy Ba", "Tony Wu"))
    assert result.verdict != "supported", render_check(result)


def test_sources_that_disagree_are_reported_with_both_sides(engine: Engine) -> None:
    answer = engine.ask("How many Teslas is Grok deployed in?")
    assert answer.conflicts, "2 million vs 2 billion Teslas should be reported"
    conflict = answer.conflicts[0]
    texts = " ".join(side["text"] for side in conflict["sources"])
    assert "2 million" in texts and "2 billion" in texts
    assert len({side["source"] for side in conflict["sources"]}) == 2
    assert "Sources disagree" in render_answer(answer)
    assert engine.check("Grok is in over 2 billion Teslas.").conflicts


def test_a_sentence_stating_both_values_does_not_disagree_with_one_of_them(engine: Engine) -> None:
    # one source gives the total (30 万) and the per-hall count (27,000); another only the per-hall count
    answer = engine.ask("How many GPUs are in the Memphis data center?")
    assert answer.answered
    assert not any("27,000" in c["about"] for c in answer.conflicts), answer.conflicts


def test_a_message_is_checked_claim_by_claim(engine: Engine) -> None:
    message = (
        "The Memphis cluster has 12 data halls. X Money is already available worldwide. "
        "xAI plans to open a research lab on the Moon next spring."
    )
    results = engine.check_message(message)
    assert [r.verdict for r in results] == ["supported", "contradicted", "not_found"]
    summary = render_checks(results).split("\n\n")[0].splitlines()
    assert len(summary) == 3 and summary[0].startswith("1. SUPPORTED")


def test_a_quoted_message_is_checked_as_one_quote(engine: Engine) -> None:
    quote = "Feb 10, Jimmy Ba (Co-founder, Head of Research & Safety) wrote"
    results = engine.check_message(quote)
    assert len(results) == 1 and results[0].evidence[0].match == "exact"


def test_every_evidence_quote_is_verbatim(engine: Engine) -> None:
    texts = {s.file: t for s, t in zip(engine.data.sources, engine.data.texts, strict=True)}
    for claim in ("Grok is in over 2 billion Teslas.", "Memphis 数据中心有 300 万块 GPU。", "X Money is already live."):
        result = engine.check(claim)
        for item in result.evidence:
            assert item.text in texts[item.source]
        for conflict in result.conflicts:
            for side in conflict["sources"]:
                assert side["text"] in texts[side["source"]]
