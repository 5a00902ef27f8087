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
   does not contradict one giving the per-hall count), nor does the other source state it in a
   sentence closer in meaning (`_stated_closer`: that sentence is where it speaks of the same thing).

Two rules come before these. *Aligned sentences*: two sentences that are the same but for their
numbers, once whitespace and markup are normalised (`aligned`), are about the same thing, and each
number is set only against the number in the same place of the other ("**up to 8MB**" / "**up to
16MB**"). *Headings are part of the subject* (`subject_differs`): values under two differently named
sections, where one document has a section named like the other's, or in two table rows with
different first cells, are never set against each other (the "Uploading" row's 30 minutes against the
"Account access" row's 5 minutes). Two versions of one
document (index/ingest/versions.py) do not "disagree": what changed between them is reported by
index/verify/changes.py, and older versions take no part here.

The rules are grammar and units, not facts of one corpus; none has a fitted threshold. (Comparing the
two statements with their numbers masked by the embedding model was tried and does not separate
same-thing pairs from different-thing ones: see docs/benchmarks.md.)
"""

from __future__ import annotations

import dataclasses
import functools
import logging
import re
from collections.abc import Callable, Collection, Sequence
from typing import TYPE_CHECKING

import numpy as np

from ..ingest.documents import SECTION_SEP
from ..ingest.versions import outdated_by, same_document
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
            contexts: tuple[str, str] = ("", ""), sections: tuple[str, str] = ("", ""),
            headings: tuple[Collection[str], Collection[str]] = ((), ())) -> str | None:
    """Why two statements do not conflict, or None when they do (the rules in the module docstring).
    `contexts`: each side's section headings and paragraph; `sections`: each side's heading path;
    `headings`: the section headings of each side's document (subject_differs)."""
    qa, qb = a.quantity, b.quantity
    kind = dimension(qa.unit or "")
    if kind in RELATIVE_UNITS:
        return "a ratio says nothing without its base"
    if kind != dimension(qb.unit or "") or kind not in focus.units:
        return "not the quantity asked about" if kind == dimension(qb.unit or "") else "different kinds of quantity"
    if aligned(a.sentence, b.sentence):
        if _place(a) != _place(b):
            return "aligned sentences, different places"
        return "the values agree" if values_agree(qa, qb) else None
    differs = subject_differs(a.sentence, b.sentence, sections, lexicon, headings)
    if differs:
        return differs
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
    if values_agree(qa, qb):
        return "the values agree"
    if _states(b, qa) or _states(a, qb):
        return "the other sentence states this value too"
    return None


_MARKUP = re.compile(r"[*_`~#>|\\]+|\[|\]\([^)]*\)|\]|<[^>]+>")
_DIGITS = re.compile(r"\d+(?:[.,]\d+)*")


def masked(text: str) -> str:
    """A sentence without its numbers, markup and spacing: what two versions of it share."""
    return "".join(_DIGITS.sub("#", _MARKUP.sub(" ", text)).casefold().split())


def aligned(a: str, b: str) -> bool:
    """The same sentence but for its numbers ("Images up to 8MB." / "Images **up to 16MB**.")."""
    return a != b and masked(a) == masked(b) and bool(_DIGITS.search(a))


def _place(side: Statement) -> int:
    """Which of its sentence's quantities a statement is (0 for the first)."""
    return [s.quantity.start for s in statements(side.sid, side.sentence)].index(side.quantity.start)


def values_agree(qa: Quantity, qb: Quantity) -> bool:
    """The values agree; two limits stated alike ("up to 8MB" / "up to 16MB", "at least 3" / "at least 5")
    are compared as the limits they state, not as the ranges they allow."""
    if qa.bound and qa.bound == qb.bound and qa.bound in ("below", "least"):
        return qa.agrees(dataclasses.replace(qb, bound=None)) and qb.agrees(dataclasses.replace(qa, bound=None))
    return qa.agrees(qb)


def _leaf(section: str) -> str:
    return section.rsplit(SECTION_SEP, 1)[-1].strip()


def _row_head(sentence: str) -> str | None:
    """A table row's first cell ("|`POST /api/v1/media`|Uploading|30 minutes|30|" -> the endpoint)."""
    cells = [c.strip() for c in sentence.strip().strip("|").split("|")] if sentence.lstrip().startswith("|") else []
    return masked(cells[0]) if len(cells) > 1 else None


def _alike(a: str, b: str, lexicon: Lexicon) -> bool:
    """Two headings that name the same thing: equal but for numbers and markup, or sharing a word that
    says what they are about (through the English-Chinese bridge: "上传媒体" meets "Uploading media")."""
    return masked(a) == masked(b) or _shares_topic_word(a, b, lexicon)


def subject_differs(a: str, b: str, sections: tuple[str, str], lexicon: Lexicon,
                    headings: tuple[Collection[str], Collection[str]] = ((), ())) -> str | None:
    """Why two sentences are about different named things by where they stand, or None: table rows with
    different first cells; or sections named differently where one document has a section named like
    the other's (its value for that thing would stand there: "Password resets" in a page that also has
    "Uploading media"). `headings`: the section headings (last level) of each sentence's document.
    Headings of unrelated documents, which name nothing in common, never tell sentences apart."""
    rows = _row_head(a), _row_head(b)
    if rows[0] and rows[1] and rows[0] != rows[1]:
        return f"different table rows: {rows[0]} / {rows[1]}"
    leaves = _leaf(sections[0]), _leaf(sections[1])
    if not leaves[0] or not leaves[1] or _alike(leaves[0], leaves[1], lexicon):
        return None
    if any(_alike(leaves[0], h, lexicon) for h in headings[1]) \
            or any(_alike(leaves[1], h, lexicon) for h in headings[0]):
        return f"different sections: {leaves[0]} / {leaves[1]}"
    return None


@functools.cache
def _not_topic() -> frozenset[str]:
    """Words that say how much, how long or how sure, not what: numbers, scales, times, periods, qualifiers.
    Made on first use, not at import: tokenising the Chinese ones loads jieba's dictionary."""
    return frozenset(tokenize(
        "thousand million billion trillion second minute hour day daily week weekly month monthly year yearly "
        "annual every each per past last next now over under nearly about around almost least more less than "
        "only just 千 万 亿 万个 万亿 秒 分钟 小时 天 日 周 星期 月 个月 年 一年 每天 每日 每月 每年 每周 "
        "内 近 约 超过 不到 至少 只有 大约 左右"))


_NUMERIC = re.compile(r"^[\d.,]+")


def _shared_topic(a: Statement, b: Statement, lexicon: Lexicon) -> bool:
    """The two statements share a word saying what they are about (not a number, a time or a qualifier):
    "A single training step might be only 5 seconds" and "下一年这些模型面临的主要瓶颈" share none."""
    return _shares_topic_word(a.lead + " " + a.clause, b.lead + " " + b.clause, lexicon)


def _shares_topic_word(a: str, b: str, lexicon: Lexicon) -> bool:
    tokens = set(tokenize(b)) - _not_topic()
    for term in lexicon.terms(a, discount_common=False):
        if term.word in _not_topic() or _NUMERIC.match(term.word):
            continue
        if not term.alternatives.isdisjoint(tokens):
            return True
    return False


def _states(side: Statement, quantity: Quantity) -> bool:
    return any(s.quantity.unit == quantity.unit and values_agree(s.quantity, quantity)
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


def answer_focus(engine: Sources, question: str, quoted: Sequence[int],
                 encode: Callable[[str], np.ndarray] | None = None,
                 question_vector: np.ndarray | None = None) -> Focus:
    """What the question asks for, read with the answer's quoted sentences."""
    answer = [s for sid in quoted for s in statements(sid, engine.data.sentence_text(sid))]
    return question_focus(question, answer, encode, question_vector)


def answer_conflicts(engine: Sources, question: str, quoted: Sequence[int], pool: Sequence[int],
                     encode: Callable[[str], np.ndarray] | None = None) -> list[dict]:
    """Conflicts shown with an answer: about the value the question asks for, stated in a quote."""
    return find_conflicts(engine, answer_focus(engine, question, quoted, encode), quoted, pool)


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
    said = {sid: asked(engine, sid, focus) for sid in answer}
    neighbours = [n for sid in answer if said[sid] for n in _neighbours(engine, sid, focus)]
    ids = list(dict.fromkeys([*answer, *pool_ids, *neighbours]))
    said.update({sid: asked(engine, sid, focus) for sid in ids if sid not in said})
    conflicts: list[dict] = []
    shown: list[tuple[Quantity, Quantity]] = []  # the values of each disagreement reported
    older = outdated_by(data.sources)
    ids = [sid for sid in ids if data.sentences[sid].source not in older]  # changes: index/verify/changes.py
    for i, a in enumerate(ids):
        for b in ids[i + 1:]:
            if (a not in answer and b not in answer) or data.sentences[a].source == data.sentences[b].source \
                    or same_document(data.sources[data.sentences[a].source], data.sources[data.sentences[b].source]):
                continue
            contexts = (_context(engine, a), _context(engine, b))
            sections = (data.sentences[a].section, data.sentences[b].section)
            headings = tuple(section_names(engine, data.sentences[sid].source) for sid in (a, b))
            for sa in said[a]:
                for sb in said[b]:
                    why = compare(sa, sb, focus, engine.lexicon, contexts, sections, headings)
                    if why is None and (_stated_closer(engine, sa, sb) or _stated_closer(engine, sb, sa)):
                        why = "the other source states this value in a sentence closer to this one"
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


def asked(engine: Sources, sid: int, focus: Focus) -> list[Statement]:
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
        if data.sentences[int(i)].source != source and asked(engine, int(i), focus):
            found.append(int(i))
            if len(found) == NEIGHBOURS:
                break
    return found


def _stated_closer(engine: Sources, one: Statement, other: Statement) -> bool:
    """`other`'s source states `one`'s value, of the same kind, in a sentence closer in meaning to `one`
    than `other` is: that sentence, not `other`, is where the source speaks of `one`'s thing (the
    Chinese page's "视频 … 1300kbps" has its own "音频 … 192kbps" beside the English audio sentence's 192kbps)."""
    data = engine.data
    vectors = data.sentence_vectors
    near = float(vectors[other.sid] @ vectors[one.sid])
    kind = dimension(one.quantity.unit or "")
    for sid in engine.source_sentence_ids[data.sentences[other.sid].source]:
        if sid != other.sid and float(vectors[sid] @ vectors[one.sid]) > near and any(
                dimension(s.quantity.unit or "") == kind and values_agree(s.quantity, one.quantity)
                for s in statements(sid, data.sentence_text(sid))):
            return True
    return False


def section_names(engine: Sources, source: int) -> set[str]:
    """The headings (last level) of a source's sections."""
    return {_leaf(engine.data.sentences[sid].section) for sid in engine.source_sentence_ids[source]} - {""}


def _context(engine: Sources, sid: int) -> str:
    """What a sentence is about besides its own words: its section headings and its paragraph."""
    data = engine.data
    first, last = data.paragraph(sid)
    return " ".join([data.sentences[sid].section, *(data.sentence_text(i) for i in range(first, last + 1))])


def _report(engine: Sources, a: Statement, b: Statement) -> dict:
    about, kind = describe(a.quantity, b.quantity)
    return {"about": about, "kind": kind, "sources": [cite(engine, a), cite(engine, b)]}


def cite(engine: Sources, side: Statement) -> dict:
    """One side of a disagreement or a change: the whole sentence, verbatim, with its citation."""
    sentence = engine.data.sentences[side.sid]
    cited = engine.evidence(sentence.source, sentence.start, sentence.end, 1.0, "claim")
    return {"source": cited.source, "text": cited.text, "value": side.quantity.text, "title": cited.title,
            "section": cited.section, "timestamp": cited.timestamp, "url": cited.url}
