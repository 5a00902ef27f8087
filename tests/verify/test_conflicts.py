"""Sources that disagree only when they do (issue 25), and tense and modality in claims: each rule
with real sentences of the bundled corpus."""

from __future__ import annotations

import pytest

from bot.terminal.render import render_answer
from index.engine import Engine
from index.text.modality import clauses, modality
from index.text.quantities import extract, units_named
from index.verify.conflicts import compare
from index.verify.focus import Focus
from index.verify.statements import Statement, statements

TESLA_MILLION = ("And now, in less than a year, Grok has been deployed in over 2 million Tesla vehicles, and we've "
                 "also launched the Grok Voice Agent API.")
TESLA_BILLION = "Integration: Grok Voice Agent API now in over 2 billion Teslas."
IMAGES_DAY = "Usage Stats: 50M videos and 6B images generated every day—vastly outpacing Google’s reported usage."
IMAGES_30_DAYS = "Imagine 团队负责人报出了几个数字：用户 每天生成近 5000 万个视频 ，30 天内生成了 60 亿张图片 。"


def said(text: str, unit: str) -> Statement:
    return next(s for s in statements(0, text) if s.quantity.unit == unit)


def focus(units: set[str], names: set[str] = frozenset()) -> Focus:
    return Focus("", frozenset(units), frozenset(names))


# ---- quantities: kinds, wording, rates -----------------------------------------------------


@pytest.mark.parametrize("text", ["2024 年 9 月，OpenAI 已经有了 Advanced Voice Mode，用户可以和 AI 对话。",
                                  "**2024年9月**：OpenAI 推出高级语音模式（Advanced Voice Mode），xAI 当时什么都没有",
                                  "1 月是 X App 有史以来参与度最高的月份", "six months ago, we had almost nothing"])
def test_dates_and_points_in_time_are_never_durations(text: str) -> None:
    assert all(q.unit in ("date", None) for q in extract(text)), extract(text)


def test_a_duration_never_meets_a_date(engine: Engine) -> None:
    duration = "But we started after that; in just six months, starting from scratch, we built a voice product."
    assert not [s for s in statements(0, "2024 年 9 月，OpenAI 已经有了 Advanced Voice Mode。")]
    assert said(duration, "month").quantity.unit == "month"


def test_a_value_inside_a_stated_range_agrees_with_it() -> None:
    assert extract("the entire pre-training team was about 15 people")[0].agrees(
        extract("Teams are tiny (often just 5-15 people)")[0])


@pytest.mark.parametrize(("a", "b"), [
    ("截至 2026 年初约有 560 万篇文章。", "From nothing to nearly 6 million articles"),
    ("超过 847 英里光纤", "850+ miles of fiber"),
    ("at least 9 engineers publicly announced leaving xAI", "TechCrunch 报道至少有三位离开的工程师正在一起启动新项目"),
])
def test_approximate_wording_agrees(a: str, b: str) -> None:
    qa, qb = (next(q for q in extract(t) if q.unit and q.unit != "date") for t in (a, b))
    assert qa.agrees(qb), (qa.interval(), qb.interval())


def test_round_figures_a_thousandfold_apart_disagree() -> None:
    assert not extract("over 2 million Tesla vehicles")[0].agrees(extract("over 2 billion Teslas")[0])


def test_rates_are_compared_per_day() -> None:
    day = said(IMAGES_DAY, "image").quantity
    month = said(IMAGES_30_DAYS, "image").quantity
    per_month = extract("6 Billion images generated per month")[0]
    assert (day.period_days, month.period_days) == (1.0, 30.0)
    assert not day.agrees(month)  # 6 billion a day is thirty times 6 billion in 30 days
    assert month.agrees(per_month)
    both = "Users now generate nearly 50 million videos daily, and 6 billion images in the past 30 days."
    video = said(both, "video")
    assert video.quantity.period == "day"  # "daily" is the videos' period, "in the past 30 days" the images'


def test_what_a_question_asks_for() -> None:
    assert units_named("How many Teslas is Grok deployed in?") == {"car"}
    assert units_named("Imagine 每天生成多少张图片？") == {"image"}
    assert units_named("How long did it take to build each data hall?") >= {"time"}
    assert units_named("What does Musk say Grokipedia should become?") == set()


# ---- the same thing ------------------------------------------------------------------------


def test_a_count_of_one_group_never_meets_a_count_of_another(engine: Engine) -> None:
    left = said("TechCrunch statistics show that in the past week, at least 9 engineers publicly announced leaving "
                "xAI, including co-founders Jimmy Ba and Tony Wu.", "person")
    founders = said("2 月 9 日和 10 日，联合创始人 Tony Wu 和 Jimmy Ba 在 48 小时内 先后宣布离职，"
                    "至此 12 位创始成员已走了一半 。", "person")
    assert "different things counted" in (compare(left, founders, focus({"person"}), engine.lexicon) or "")


def test_one_hall_is_not_the_whole_cluster(engine: Engine) -> None:
    hall = said("每个数据大厅超过850英里的光纤、超过27,000台GPU和超过200,000个连接。", "gpu")
    cluster = said("Scale & Speed: Construction of the Memphis supercomputer cluster (300,000+ GPUs, a "
                   "quarter-gigawatt of power, 850+ miles of fiber, 12 massive data halls) completed in weeks, "
                   "not years.", "gpu")
    assert "each" in hall.scope
    assert "different scope" in (compare(hall, cluster, focus({"gpu"}), engine.lexicon) or "")


def test_a_phase_in_2024_is_not_now(engine: Engine) -> None:
    phase = said("第一阶段（Colossus 1）于 2024 年部署了约 20 万块 H100/H200 GPU，"
                 "创下 122 天从零到上线 的行业纪录。", "gpu")
    now = said("Memphis 数据中心目前有 30 万块 Grace Blackwell GPU ，"
               "Macrohard 和 Macroharder 两栋楼将再加 55 万块", "gpu")
    assert "phase" in phase.scope and phase.times
    assert compare(phase, now, focus({"gpu"}), engine.lexicon) is not None


def test_another_subjects_figure_is_not_a_disagreement(engine: Engine) -> None:
    google = said("For comparison, Google recently said their model generated 1 billion images in 30 days; we are six "
                  "times that.", "image")
    wikipedia = said("作为参考，维基百科有约700万篇英文文章。", "article")
    grokipedia = said("Grokipedia Milestone: From nothing to nearly 6 million articles, headed for, and beyond, "
                      "Wikipedia’s scale.", "article")
    assert google.holders == {"google"}
    assert compare(google, said(IMAGES_DAY, "image"), focus({"image"}, {"imagine"}), engine.lexicon) is not None
    assert compare(wikipedia, grokipedia, focus({"article"}, {"grokipedia"}), engine.lexicon) is not None


def test_the_known_disagreements_are_disagreements(engine: Engine) -> None:
    teslas = focus({"car"}, {"grok"})
    assert compare(said(TESLA_MILLION, "car"), said(TESLA_BILLION, "car"), teslas, engine.lexicon) is None
    chinese = said("又过了 6 个月，Grok 语音已经部署在超过 200 万辆特斯拉 中，还推出了语音 agent API。", "car")
    assert compare(chinese, said(TESLA_BILLION, "car"), teslas, engine.lexicon) is None
    images = focus({"image"}, {"imagine"})
    assert compare(said(IMAGES_30_DAYS, "image"), said(IMAGES_DAY, "image"), images, engine.lexicon,
                   ("", "Imagine: The Image/Video Supremacy Play")) is None


# ---- only when it matters, shown honestly ----------------------------------------------------


@pytest.mark.parametrize("question", [
    "How many GPUs are in the Memphis data center?", "How many engineers left xAI?",
    "How many articles does Grokipedia have?", "What is X's annual recurring revenue from subscriptions?",
    "How many people were on the pre-training team?", "What does Musk say Grokipedia should become?",
    "xAI 用了多长时间从零做出语音模型？",
])
def test_no_false_alarm_on_questions_the_old_detector_got_wrong(engine: Engine, question: str) -> None:
    assert not engine.ask(question).conflicts


def test_a_disagreement_is_shown_with_both_citations_and_its_kind(engine: Engine) -> None:
    answer = engine.ask("How many Teslas is Grok deployed in?")
    assert answer.conflicts
    conflict = answer.conflicts[0]
    assert "2 million" in conflict["about"] and "2 billion" in conflict["about"] and conflict["kind"] == "number"
    assert all(side["title"] and side["value"] for side in conflict["sources"])
    shown = render_answer(answer)
    assert "Sources disagree" in shown and conflict["about"] in shown


def test_a_claims_conflicts_are_about_its_own_quantity(engine: Engine) -> None:
    assert engine.check("Grok is in over 2 billion Teslas.").conflicts
    assert not engine.check("X Money is in closed beta inside the company.").conflicts  # no quantity claimed


# ---- tense and modality in claims ------------------------------------------------------------


def test_modality_is_read_per_clause() -> None:
    sentence = "X Money 已在公司内部封闭测试，预计 1-2 个月内开始有限外部测试，之后面向全球所有 X 用户推出。"
    assert [mode for _, mode in clauses(sentence)] == ["done", "future", "future"]
    assert modality("X Money is already available to all users worldwide.") == "done"
    assert modality("xAI plans to release Imagine v1.") == "future"
    assert modality("Grokipedia has about 6 million articles.") == "done"


@pytest.mark.parametrize(("claim", "verdict"), [
    ("X Money is already available to all users worldwide.", "contradicted"),  # the source: will, later
    ("X Money 已经向全球所有用户开放。", "contradicted"),
    ("Grok Code has already reached state of the art.", "contradicted"),  # "we expect ... within 2-3 months"
    ("Grok Code 已经达到业界最先进水平。", "contradicted"),
    ("Grok will be deployed in Tesla vehicles.", "contradicted"),  # the source: has been deployed
    ("xAI 计划发布 Imagine v1。", "contradicted"),  # the source: 发布了 Imagine v1
    ("X Money is expected to start limited external testing within 1-2 months.", "supported"),
    ("X Money 预计在 1-2 个月内开始有限外部测试。", "supported"),
    ("xAI will open a research lab on Mars next year.", "not_found"),
])
def test_what_is_so_and_what_is_to_come_do_not_support_each_other(engine: Engine, claim: str, verdict: str) -> None:
    result = engine.check(claim)
    assert result.verdict == verdict, [(e.text, e.reason) for e in result.evidence]
