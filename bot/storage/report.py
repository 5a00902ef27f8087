"""The gaps report: how the bot is used and which questions it cannot answer well, from the question
log (bot/storage/question_log.py). `python -m bot report` writes it as one HTML page; `/report` shows it in
Discord with the chart attached.

Figures: questions; the share answered / related / none; 👍 and 👎; the median latency; questions
per day by confidence (a PNG chart, drawn by matplotlib's Agg backend). The gaps: questions told
"none" or "related", or voted 👎, grouped when they ask the same thing, by the engine's question
encoder, across languages ("how many GPUs" and "多少块 GPU" are one group), most asked first.

Grouping. Sentence encoders put every question in a narrow cone, and a question's language shifts
its vector; so each vector is first centred on the mean of a small fixed bank of everyday questions
in its own script (Chinese or not; the two banks are translations of each other), which leaves mostly
what the question asks. Questions then join, most asked first, the group whose members they are
most similar to on average (cosine ≥ GROUP_SIMILARITY), or start a new one.
"""

from __future__ import annotations

import base64
import datetime as dt
import html
import io
import re
import statistics
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np

from bot.storage.question_log import Entry

GROUP_SIMILARITY = 0.6  # average centred cosine to join a group
MAX_DISTINCT_GAPS = 2000  # distinct gap questions grouped (the most asked); the rest are counted, not grouped
COLOURS = {"answer": "#5865F2", "related": "#F0B232", "none": "#949BA4"}
LABELS = {"answer": "answered", "related": "related passages", "none": "nothing in the sources"}
CONFIDENCES = ("answer", "related", "none")

BANK_OTHER = (
    "What time is it?", "Where is the nearest hospital?", "How do I cook rice?", "Who wrote this book?",
    "Why is the sky blue?", "How much does it cost?", "When does the meeting start?", "What is the capital of France?",
    "How many people live in the city?", "Which team won the game?", "Can I bring my dog?",
    "How long does shipping take?", "What does this word mean?", "Where can I park?", "Who is the manager?",
    "How do I install the software?",
)
BANK_CHINESE = (
    "现在几点？", "最近的医院在哪里？", "米饭怎么煮？", "这本书是谁写的？", "天空为什么是蓝色的？", "这个多少钱？",
    "会议什么时候开始？", "法国的首都是哪里？", "这个城市有多少人口？", "哪个队赢了比赛？", "我可以带狗吗？",
    "运输需要多长时间？", "这个词是什么意思？", "我可以在哪里停车？", "经理是谁？", "怎么安装这个软件？",
)
_HAN = re.compile(r"[\u3400-\u9fff]")


@dataclass
class Gap:
    """Questions that ask the same thing and were not answered well."""

    count: int  # times asked
    example: str  # the most asked wording
    wordings: list[str]  # other wordings, most asked first
    none: int = 0
    related: int = 0
    down: int = 0  # 👎 votes on their answers


@dataclass
class Report:
    days: int
    start: dt.date
    end: dt.date
    questions: int
    by_confidence: dict[str, int]
    up: int
    down: int
    median_latency_ms: float | None
    per_day: list[tuple[dt.date, dict[str, int]]]
    gaps: list[Gap] = field(default_factory=list)
    ungrouped: int = 0  # gap questions beyond MAX_DISTINCT_GAPS, counted only

    def share(self, confidence: str) -> float:
        return self.by_confidence.get(confidence, 0) / self.questions if self.questions else 0.0


def is_gap(entry: Entry) -> bool:
    return entry.confidence in ("none", "related") or entry.down > 0


def _normal(text: str) -> str:
    return " ".join(text.casefold().split()).rstrip("?？。.!！ ")


class Centred:
    """Question vectors centred per script on the reference banks, then unit length."""

    def __init__(self, encode: Callable[[str], np.ndarray]) -> None:
        self.encode = encode
        self.mean_chinese = np.mean([encode(q) for q in BANK_CHINESE], axis=0)
        self.mean_other = np.mean([encode(q) for q in BANK_OTHER], axis=0)

    def __call__(self, text: str) -> np.ndarray:
        vector = np.asarray(self.encode(text), dtype=np.float64)
        vector = vector - (self.mean_chinese if _HAN.search(text) else self.mean_other)
        norm = np.linalg.norm(vector)
        return vector / norm if norm > 0 else vector


def group(texts: Sequence[str], counts: Sequence[int], vector: Callable[[str], np.ndarray],
          threshold: float = GROUP_SIMILARITY) -> list[list[int]]:
    """Indices of `texts` in groups: each text, most asked first, joins the group it is most
    similar to on average (≥ threshold) or starts one. Groups come most asked first."""
    order = sorted(range(len(texts)), key=lambda i: -counts[i])
    groups: list[list[int]] = []
    sums: list[np.ndarray] = []  # sum of the members' vectors: mean similarity = v · sum / n
    for i in order:
        v = vector(texts[i])
        best, best_sim = -1, threshold
        for g, total in enumerate(sums):
            sim = float(v @ total) / len(groups[g])
            if sim >= best_sim:
                best, best_sim = g, sim
        if best < 0:
            groups.append([i])
            sums.append(v.copy())
        else:
            groups[best].append(i)
            sums[best] += v
    return sorted(groups, key=lambda members: -sum(counts[i] for i in members))


def build(entries: Sequence[Entry], encode: Callable[[str], np.ndarray], days: int,
          today: dt.date | None = None) -> Report:
    """The report over `entries` (the last `days` days up to `today`, UTC)."""
    today = today or dt.datetime.now(dt.UTC).date()
    start = today - dt.timedelta(days=days - 1)
    by_day: dict[dt.date, Counter] = {start + dt.timedelta(days=i): Counter() for i in range(days)}
    for entry in entries:
        day = dt.datetime.fromtimestamp(entry.asked_at, dt.UTC).date()
        if day in by_day:
            by_day[day][entry.confidence] += 1
    confidences = Counter(entry.confidence for entry in entries)
    report = Report(
        days=days, start=start, end=today, questions=len(entries),
        by_confidence={c: confidences.get(c, 0) for c in CONFIDENCES},
        up=sum(e.up for e in entries), down=sum(e.down for e in entries),
        median_latency_ms=statistics.median(e.latency_ms for e in entries) if entries else None,
        per_day=[(day, {c: counts.get(c, 0) for c in CONFIDENCES}) for day, counts in by_day.items()],
    )
    report.gaps, report.ungrouped = gaps([e for e in entries if is_gap(e)], encode)
    return report


def gaps(entries: Sequence[Entry], encode: Callable[[str], np.ndarray]) -> tuple[list[Gap], int]:
    """The gap entries grouped by what they ask; and how many were left ungrouped (over the cap)."""
    if not entries:
        return [], 0
    wordings: dict[str, Counter] = {}  # normalised text -> its wordings as asked
    members: dict[str, list[Entry]] = {}
    for entry in entries:
        key = _normal(entry.question)
        wordings.setdefault(key, Counter())[entry.question.strip()] += 1
        members.setdefault(key, []).append(entry)
    keys = sorted(members, key=lambda k: -len(members[k]))
    kept, dropped = keys[:MAX_DISTINCT_GAPS], keys[MAX_DISTINCT_GAPS:]
    texts = [wordings[k].most_common(1)[0][0] for k in kept]
    counts = [len(members[k]) for k in kept]
    result = []
    for group_indices in group(texts, counts, Centred(encode)):
        asked = [entry for i in group_indices for entry in members[kept[i]]]
        said = Counter()  # every wording as asked, most asked first
        for i in group_indices:
            said.update(wordings[kept[i]])
        ordered = [text for text, _ in said.most_common()]
        result.append(Gap(count=len(asked), example=ordered[0], wordings=ordered[1:],
                          none=sum(e.confidence == "none" for e in asked),
                          related=sum(e.confidence == "related" for e in asked),
                          down=sum(e.down for e in asked)))
    return result, sum(len(members[k]) for k in dropped)


# ---- the chart ----------------------------------------------------------------------------


def chart_png(report: Report) -> bytes:
    """Questions per day, stacked by confidence, as a PNG (matplotlib, Agg backend)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    figure = Figure(figsize=(9, 3.2), dpi=100)
    FigureCanvasAgg(figure)
    axes = figure.add_subplot()
    days = [day for day, _ in report.per_day]
    bottom = np.zeros(len(days))
    for confidence in CONFIDENCES:
        values = np.array([counts[confidence] for _, counts in report.per_day], dtype=float)
        axes.bar(days, values, bottom=bottom, color=COLOURS[confidence], label=LABELS[confidence], width=0.8)
        bottom += values
    axes.set_title(f"Questions per day, last {report.days} days")
    axes.set_ylabel("questions")
    axes.yaxis.get_major_locator().set_params(integer=True)
    axes.legend(loc="upper left", frameon=False, fontsize=8)
    axes.spines[["top", "right"]].set_visible(False)
    figure.autofmt_xdate()
    figure.tight_layout()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()


# ---- text and HTML ------------------------------------------------------------------------


def totals_lines(report: Report) -> list[str]:
    latency = f"{report.median_latency_ms / 1000:.2f} s" if report.median_latency_ms is not None else "–"
    shares = " / ".join(f"{report.share(c):.0%} {LABELS[c]}" for c in CONFIDENCES)
    return [
        f"Questions: {report.questions} ({report.start.isoformat()} to {report.end.isoformat()}, UTC)",
        f"Answers: {shares}",
        f"Votes: 👍 {report.up} / 👎 {report.down}",
        f"Median latency: {latency}",
    ]


def why(gap: Gap) -> str:
    parts = [f"{gap.none}× nothing in the sources" if gap.none else "",
             f"{gap.related}× related passages only" if gap.related else "",
             f"{gap.down}× 👎" if gap.down else ""]
    return ", ".join(p for p in parts if p)


def text(report: Report, limit: int = 20) -> str:
    """The report as plain text (the command line prints it)."""
    lines = [*totals_lines(report), "", "Gaps (asked, not answered well), most asked first:"]
    if not report.gaps:
        lines.append("  none")
    for number, gap in enumerate(report.gaps[:limit], start=1):
        lines.append(f"{number:3d}. {gap.count}× {gap.example}  ({why(gap)})")
    if len(report.gaps) > limit:
        lines.append(f"     … and {len(report.gaps) - limit} more groups in the HTML report")
    return "\n".join(lines)


STYLE = """
body{font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"Noto Sans","Noto Sans CJK SC",sans-serif;
margin:2rem auto;max-width:960px;padding:0 1rem;color:#1e1f22}
h1{font-size:1.6rem;margin:0 0 .2rem}h2{font-size:1.2rem;margin:2rem 0 .6rem}.muted{color:#5c5e66}
.totals{display:grid;grid-template-columns:repeat(4,1fr);gap:.8rem;margin:1.2rem 0}
.totals div{background:#f2f3f5;border-radius:8px;padding:.7rem .9rem}.totals b{display:block;font-size:1.3rem}
img.chart{width:100%;height:auto;border:1px solid #e3e5e8;border-radius:8px}
table{border-collapse:collapse;width:100%}th,td{text-align:left;vertical-align:top;padding:.45rem .5rem;
border-bottom:1px solid #e3e5e8}th{background:#f2f3f5}td.n{text-align:right;white-space:nowrap}
.wordings{color:#5c5e66;font-size:.9em}
"""


def to_html(report: Report, png: bytes) -> str:
    """One self-contained page (no network resources: the chart is a data: URI, the style inline)."""
    e = html.escape
    latency = f"{report.median_latency_ms / 1000:.2f} s" if report.median_latency_ms is not None else "–"
    totals = [
        (str(report.questions), "questions"),
        (" / ".join(f"{report.share(c):.0%}" for c in CONFIDENCES), "answered / related / none"),
        (f"👍 {report.up} / 👎 {report.down}", "votes"),
        (latency, "median latency"),
    ]
    rows = []
    for number, gap in enumerate(report.gaps, start=1):
        others = f'<div class="wordings">also: {e(" · ".join(gap.wordings[:5]))}' + \
            (f" (+{len(gap.wordings) - 5})" if len(gap.wordings) > 5 else "") + "</div>" if gap.wordings else ""
        rows.append(f'<tr class="gap"><td class="n">{number}</td><td class="n">{gap.count}</td>'
                    f"<td>{e(gap.example)}{others}</td><td>{e(why(gap))}</td></tr>")
    table = ('<table id="gaps"><thead><tr><th>#</th><th>asked</th><th>question</th><th>why it is a gap</th></tr>'
             f"</thead><tbody>{''.join(rows)}</tbody></table>") if rows else "<p>No gaps: every question was answered."
    if report.ungrouped:
        table += f'<p class="muted">{report.ungrouped} more rarely asked questions are counted but not grouped.</p>'
    chart = base64.b64encode(png).decode("ascii")
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; img-src data:; style-src 'unsafe-inline'">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>quotebot gaps report, {report.start.isoformat()} to {report.end.isoformat()}</title>
<style>{STYLE}</style></head>
<body>
<h1>Gaps report</h1>
<p class="muted">The last {report.days} days, {report.start.isoformat()} to {report.end.isoformat()} (UTC), from the
question log.</p>
<div class="totals">{"".join(f"<div><b>{e(value)}</b>{e(label)}</div>" for value, label in totals)}</div>
<h2>Questions per day</h2>
<img class="chart" id="chart" alt="Questions per day by confidence" src="data:image/png;base64,{chart}">
<h2>Gaps</h2>
<p class="muted">Questions told "nothing in the sources" or shown only related passages, or voted 👎; questions that ask
the same thing (in any language) are one row, most asked first.</p>
{table}
</body></html>
"""
