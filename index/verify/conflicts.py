"""Sources that disagree: two sources state different values for the same thing.

Two numbers from different sources conflict only when all of these hold (`compare`):

1. they answer what was asked (index/verify/focus.py): a kind of quantity the question names or the
   claim states, and one of them is in the answer itself (a quote, or a deciding piece of evidence);
2. the same kind of quantity: the same unit ("six months" is a duration, "2024 年 9 月" a date, never
   compared), and the same things counted ("9 engineers" and "12 位创始成员" count different groups;
   "100,000 H100" and "330,000 GB300" different chips; "700 survivors" and "2,240 people" too, unless
   the sentence of the people names the survivors; a valuation and a revenue are different sums);
3. the same subject: every name the question or claim gives is in both sentences (or their section
   headings), and neither number belongs to a name the other side does not mention ("Google recently
   said their model generated 1 billion images" is Google's, not Imagine's);
4. the same time and scope (index/verify/statements.py): one hall against the whole cluster, a phase,
   a plan, an increment, an earlier time or a comparison against a plain statement, or a different
   date, is not the same thing;
5. a rate only against a rate, both put per day ("6B images every day" vs "6 billion images in the
   past 30 days"), a total only against a total;
6. values their own wording cannot reconcile (Quantity.interval: rounding, "about", "over",
   "nearly", ranges): "约 560 万" and "nearly 6 million" agree, "15 people" is inside "5-15 people";
7. neither sentence states the other's value too (a sentence giving the total and the per-hall count
   does not contradict one giving the per-hall count).

The rules are grammar and units, not facts of one corpus; none has a fitted threshold. (Comparing the
two statements with their numbers masked by the embedding model was tried and does not separate
same-thing pairs from different-thing ones: see docs/benchmarks.md.)
"""

from __future__ import annotations

import functools
import logging
import re
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

import numpy as np

from ..retrieve.lexical import Lexicon, tokenize
from ..text.quantities import Quantity, dimension
from .focus import Focus, claim_focus, question_focus
from .statements import Statement, names, statements

if TYPE_CHECKING:
    from .locate import Sources

log = logging.getLogger(__name__)

MAX_CONFLICTS = 3
# "five times more effective", "1% of Earth's energy": a ratio is only comparable with one of the same
# base, which the wording rarely makes clear enough to tell; ratios are never set against each other.
RELATIVE_UNITS = {"times", "percent"}
NEIGHBOURS = 5  # sentences of other sources stating the kind of value asked, closest to an answer sentence
NEIGHBOUR_SCAN = 200  # ... among this many closest sentences
_LABELS = {
    "car": "vehicles", "gpu": "GPUs", "image": "images", "video": "videos", "article": "articles",
    "person": "people", "usd": "US dollars", "user": "users", "hall": "data halls", "mile": "miles", "gw": "GW",
    "tw": "TW", "percent": "percent", "times": "times", "division": "teams", "install": "installs",
    "connection": "connections", "cofounder": "co-founders",
}
_SCALES = ((1e12, "trillion"), (1e9, "billion"), (1e6, "million"))
_BOUND_WORDS = {"over": "over ", "least": "at least ", "under": "nearly ", "below": "under ", "about": "about "}
_PER = {"day": "a day", "week": "a week", "month": "a month", "year": "a year"}


def compare(a: Statement, b: Statement, focus: Focus, lexicon: Lexicon,
            contexts: tuple[str, str] = ("", "")) -> str | None:
    """Why two statements do not conflict, or None when they do (the rules in the module docstring)."""
    qa, qb = a.quantity, b.quantity
    kind = dimension(qa.unit or "")
    if kind in RELATIVE_UNITS:
        return "a ratio says nothing without its base"
    if kind != dimension(qb.unit or "") or kind not in focus.units:
        return "not the quantity asked about" if kind == dimension(qb.unit or "") else "different kinds of quantity"
    if qa.noun and qb.noun and not _same_words(qa.noun, qb.noun, lexicon):
        return f"different things counted: {qa.noun} / {qb.noun}"
    if bool(qa.noun) != bool(qb.noun):  # "700 survivors" are people, but not any people
        noun, generic = (qa.noun, b) if qa.noun else (qb.noun, a)
        if not _mentions(generic.sentence, noun or "", lexicon):
            return f"different things counted: {noun} / any"
    for name in focus.names:
        for side, context in ((a, contexts[0]), (b, contexts[1])):
            if not _mentions(side.sentence + " " + context, name, lexicon):
                return f"not about {name}"
    for one, other in ((a, b), (b, a)):
        known = focus.names | other.holders | names(other.lead + " " + other.clause)
        if one.holders and not any(_same_words(h, k, lexicon) for h in one.holders for k in known):
            return f"different subjects: {', '.join(sorted(one.holders))}"
    if kind == "usd":
        kinds_a, kinds_b = _money_kinds(a), _money_kinds(b)
        if kinds_a and kinds_b and not kinds_a & kinds_b:
            return f"different sums of money: {sorted(kinds_a)} / {sorted(kinds_b)}"
    if a.scope != b.scope:
        return f"different scope: {sorted(a.scope)} / {sorted(b.scope)}"
    if a.times != b.times:
        return "different times"
    if a.is_rate != b.is_rate:
        return "a rate and a total"
    if not _shared_topic(a, b, lexicon):
        return "nothing in common but a number"
    if qa.agrees(qb):
        return "the values agree"
    if _states(b, qa) or _states(a, qb):
        return "the other sentence states this value too"
    return None


@functools.cache
def _not_topic() -> frozenset[str]:
    """Words that say how much, how long or how sure, not what: numbers, scales, times, periods, qualifiers.
    Made on first use, not at import: tokenising the Chinese ones loads jieba's dictionary (about 0.9 s)."""
    return frozenset(tokenize(
        "thousand million billion trillion second minute hour day daily week weekly month monthly year yearly "
        "annual every each per past last next now over under nearly about around almost least more less than "
        "only just 千 万 亿 万个 万亿 秒 分钟 小时 天 日 周 星期 月 个月 年 一年 每天 每日 每月 每年 每周 "
        "内 近 约 超过 不到 至少 只有 大约 左右"))
_NUMERIC = re.compile(r"^[\d.,]+")


def _shared_topic(a: Statement, b: Statement, lexicon: Lexicon) -> bool:
    """The two statements share a word saying what they are about (not a number, a time or a qualifier):
    "A single training step might be only 5 seconds" and "下一年这些模型面临的主要瓶颈" share none."""
    tokens = set(tokenize(b.lead + " " + b.clause)) - _not_topic()
    for term in lexicon.terms(a.lead + " " + a.clause, discount_common=False):
        if term.word in _not_topic() or _NUMERIC.match(term.word):
            continue
        if not term.alternatives.isdisjoint(tokens):
            return True
    return False


def _states(side: Statement, quantity: Quantity) -> bool:
    return any(s.quantity.unit == quantity.unit and s.quantity.agrees(quantity)
               for s in statements(side.sid, side.sentence))


def _same_words(a: str, b: str, lexicon: Lexicon) -> bool:
    """The same word, or words sharing a translation (特斯拉 / Tesla)."""
    if a.lower() == b.lower():
        return True
    senses_a = {s for t in lexicon.terms(a, discount_common=False) for s in t.alternatives}
    senses_b = {s for t in lexicon.terms(b, discount_common=False) for s in t.alternatives}
    return bool(senses_a & senses_b)


def _mentions(text: str, name: str, lexicon: Lexicon) -> bool:
    if name.lower() in text.lower():
        return True
    tokens = set(tokenize(text))
    terms = lexicon.terms(name, discount_common=False)
    return not terms or all(not t.alternatives.isdisjoint(tokens) for t in terms)


def _number(q: Quantity, value: float) -> str:
    money = "$" if q.unit == "usd" else ""
    for size, word in _SCALES:
        if value >= size:
            return f"{money}{value / size:g} {word}"
    return f"{money}{value:,.0f}" if value >= 1000 else f"{money}{value:g}"


def _value(q: Quantity) -> str:
    if dimension(q.unit or "") in ("time", "power"):
        return q.text
    text = _number(q, q.low) if q.low == q.high else f"{_number(q, q.low)}–{_number(q, q.high)}"
    return _BOUND_WORDS.get(q.bound or "", "") + text


def _label(q: Quantity) -> str:
    label = _LABELS.get(q.unit or "", q.unit or "")
    if q.noun and q.noun.isascii() and q.noun not in label.lower():
        return f"{q.noun.upper() if any(c.isdigit() for c in q.noun) else q.noun.capitalize()} {label}"
    return label


def describe(a: Quantity, b: Quantity) -> tuple[str, str]:
    """(about, kind): "over 2 million vs over 2 billion Tesla vehicles", "number"; "6 billion images a
    month vs 6 billion images a day", "rate"."""
    label = _label(a) if a.noun and a.noun.isascii() else _label(b)
    if dimension(a.unit or "") in ("time", "power"):
        return f"{a.text} vs {b.text}", "duration" if dimension(a.unit or "") == "time" else "number"
    if a.period or b.period:
        def per(q: Quantity) -> str:
            return _PER.get(q.period or "", f"in {q.period}")
        kind = "rate" if a.low == b.low and a.high == b.high else "number"
        return f"{_value(a)} {label} {per(a)} vs {_value(b)} {label} {per(b)}", kind
    return f"{_value(a)} vs {_value(b)} {label}", "number"


def answer_conflicts(engine: Sources, question: str, quoted: Sequence[int], pool: Sequence[int],
                     encode: Callable[[str], np.ndarray] | None = None) -> list[dict]:
    """Conflicts shown with an answer: about the value the question asks for, stated in a quote."""
    answer = [s for sid in quoted for s in statements(sid, engine.data.sentence_text(sid))]
    return find_conflicts(engine, question_focus(question, answer, encode), quoted, pool)


def claim_conflicts(engine: Sources, claim: str, deciding: Sequence[int], pool: Sequence[int]) -> list[dict]:
    """Conflicts shown with a claim's verdict: about the quantities the claim states."""
    return find_conflicts(engine, claim_focus(claim), deciding, pool)


def find_conflicts(engine: Sources, focus: Focus, answer_ids: Sequence[int], pool_ids: Sequence[int]) -> list[dict]:
    """Conflicts about what `focus` asks for, between a sentence of the answer (`answer_ids`) and any
    other sentence of the answer or the pool, each disagreement reported once with both sides cited."""
    if not focus.units:
        return []
    data = engine.data
    answer = list(dict.fromkeys(answer_ids))
    said = {sid: _asked(engine, sid, focus) for sid in answer}
    neighbours = [n for sid in answer if said[sid] for n in _neighbours(engine, sid, focus)]
    ids = list(dict.fromkeys([*answer, *pool_ids, *neighbours]))
    said.update({sid: _asked(engine, sid, focus) for sid in ids if sid not in said})
    conflicts: list[dict] = []
    shown: list[tuple[Quantity, Quantity]] = []  # the values of each disagreement reported
    for i, a in enumerate(ids):
        for b in ids[i + 1:]:
            if (a not in answer and b not in answer) or data.sentences[a].source == data.sentences[b].source:
                continue
            contexts = (_context(engine, a), _context(engine, b))
            for sa in said[a]:
                for sb in said[b]:
                    why = compare(sa, sb, focus, engine.lexicon, contexts)
                    log.debug("%s | %s: %s", sa.quantity.text, sb.quantity.text, why or "conflict")
                    if why is None and not _repeats(sa.quantity, sb.quantity, shown):
                        shown.append((sa.quantity, sb.quantity))
                        conflicts.append(_report(engine, sa, sb))
    return conflicts[:MAX_CONFLICTS]


# What a sum of money is: a valuation, a revenue, a cost, a funding round ("合并估值 1.25 万亿美元" is not
# "10亿美元年度经常性收入").
_MONEY_KINDS = {
    "valuation": re.compile(r"valu(?:ation|ed)|worth|market cap|估值|市值", re.IGNORECASE),
    "revenue": re.compile(r"revenue|\bARR\b|sales|income|收入|营收|销售额", re.IGNORECASE),
    "cost": re.compile(r"\bcost|spent|spend|price|paid|花费|成本|价格|售价|花了", re.IGNORECASE),
    "funding": re.compile(r"raised|funding|invest|融资|投资", re.IGNORECASE),
}


def _money_kinds(side: Statement) -> set[str]:
    text = side.lead + " " + side.clause
    return {kind for kind, pattern in _MONEY_KINDS.items() if pattern.search(text)}


def _repeats(a: Quantity, b: Quantity, shown: list[tuple[Quantity, Quantity]]) -> bool:
    """The same disagreement again, from other sources ("200万辆" vs "2 billion" after "2 million" vs
    "2 billion"): shown once, with the first (best-ranked) pair of sentences."""
    return any(dimension(x.unit or "") == dimension(a.unit or "")
               and ((x.agrees(a) and y.agrees(b)) or (x.agrees(b) and y.agrees(a))) for x, y in shown)


def _asked(engine: Sources, sid: int, focus: Focus) -> list[Statement]:
    said = statements(sid, engine.data.sentence_text(sid))
    return [s for s in said if dimension(s.quantity.unit or "") in focus.units]


def _neighbours(engine: Sources, sid: int, focus: Focus) -> list[int]:
    """The sentences of other sources that state a value of the kind asked for and are closest in
    meaning to an answer's sentence (its stored vector against the others, the closest NEIGHBOUR_SCAN
    read: array work, no model call): where another source states the same thing, even when the
    question's wording did not retrieve it."""
    data = engine.data
    scores = data.sentence_vectors @ data.sentence_vectors[sid]
    source = data.sentences[sid].source
    found: list[int] = []
    for i in np.argsort(-scores)[:NEIGHBOUR_SCAN]:
        if data.sentences[int(i)].source != source and _asked(engine, int(i), focus):
            found.append(int(i))
            if len(found) == NEIGHBOURS:
                break
    return found


def _context(engine: Sources, sid: int) -> str:
    """What a sentence is about besides its own words: its section headings and its paragraph."""
    data = engine.data
    first, last = data.paragraph(sid)
    return " ".join([data.sentences[sid].section, *(data.sentence_text(i) for i in range(first, last + 1))])


def _report(engine: Sources, a: Statement, b: Statement) -> dict:
    about, kind = describe(a.quantity, b.quantity)
    sides = []
    for side in (a, b):
        sentence = engine.data.sentences[side.sid]
        cited = engine.evidence(sentence.source, sentence.start, sentence.end, 1.0, "claim")
        sides.append({"source": cited.source, "text": cited.text, "value": side.quantity.text, "title": cited.title,
                      "section": cited.section, "timestamp": cited.timestamp, "url": cited.url})
    return {"about": about, "kind": kind, "sources": sides}
