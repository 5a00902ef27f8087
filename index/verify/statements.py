"""A number in its sentence: what it counts, whose it is, and which time or part it is about.

`statements(text)` reads each quantity (index/text/quantities.py) with the words that govern it:

* the *lead*: the sentence before the number, from the last colon, dash or sentence end, and the rest
  of its clause after it ("每个数据大厅超过850英里的光纤、超过27,000台GPU": the lead of 27,000 says 每个);
* *holders*: the names in the number's own clause before it ("Google recently said their model
  generated 1 billion images": Google), outside brackets ("**Videos** (MP4, M4V, MOV, WebM) **up to
  99MB**": a bracketed list is an aside, not whose the figure is);
* *scope*: words that make the number about a part, another time or another thing than a plain
  statement of the whole, now: each / 每个 (a part), phase / 阶段, first / initially / 当时 (an earlier
  time), will / plans / 计划 (a plan), additional / 再 (an increment), for comparison / 作为对比
  (another thing, given as a yardstick); "1502 out of 2224 passengers" (a part of a whole);
* *times*: the dates and years said in the number's own clause ("于 2024 年部署了约 20 万块"; not "On
  April 15, 1912, ... the Titanic sank ..., killing 1502 out of 2224", where the date is another clause's).

Two numbers can only be about the same thing when their scopes and times are equal
(index/verify/conflicts.py). The word lists are grammar (English and Chinese), not corpus facts.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..text.quantities import Quantity, extract

_LEAD_START = re.compile(r".*[。；;!?！？:：—\n]", re.DOTALL)  # the lead starts after the last of these
_CLAUSE_START = re.compile(r".*[,，;；。!?！？:：—(（\n]", re.DOTALL)
_CLAUSE_END = re.compile(r"[,，;；。!?！？—)）\n]|\.(?!\d)|$")
_TIME_WORDS = r"(?:day|week|month|year|hour|minute|second|quarter)s?"
SCOPES: dict[str, re.Pattern[str]] = {
    "each": re.compile(rf"\b(?:each|per|every)\s+(?!{_TIME_WORDS}\b)[a-z]|每个|每(?![天日月年周个])|单个|单台|单块",
                       re.IGNORECASE),
    "phase": re.compile(r"\bphase\b|\bstage\b|阶段|一期|二期|三期", re.IGNORECASE),
    "earlier": re.compile(r"\b(?:first|initial|initially|original|originally|previously|formerly|used to|"
                          r"at (?:that|the) time|back then|last year|earlier)\b|最初|起初|当时|此前|之前|以前|原先|"
                          r"去年|首个|第一个", re.IGNORECASE),
    "planned": re.compile(r"\b(?:will|plans?|planned|planning|expects?|expected|going to|to be|aims?|aimed|"
                          r"targets?|projected|could|would|may|might|upcoming|next|soon)\b|将|计划|预计|即将|打算|目标|"
                          r"有望|可能|未来", re.IGNORECASE),
    "added": re.compile(r"\b(?:additional|another|extra|further)\b|再|新增|追加|增加", re.IGNORECASE),
    "comparison": re.compile(r"\b(?:for comparison|compared (?:with|to)|by comparison|in comparison|for reference|"
                             r"as a reference|versus|vs\.?)\b|作为对比|作为参考|对比|相比|相较|比起", re.IGNORECASE),
}
_PART = re.compile(r"\b(?:out of|of)\s+(?:the\s+|these\s+|those\s+|all\s+)?\d", re.IGNORECASE)  # 1502 out of 2224
_NAME = re.compile(r"\b(?:[A-Z][a-z][A-Za-z0-9]*|[a-z]+[A-Z][A-Za-z0-9]*|X)\b")
_SENTENCE_OPENING = re.compile(r"^\W*[A-Z][a-z]+")
_ASIDE = re.compile(r"\([^()]*\)|（[^（）]*）")  # "(MP4, M4V, MOV, WebM)": a list of formats, nobody's figure


@dataclass(frozen=True)
class Statement:
    """One quantity of one sentence, with the words that govern it."""

    sid: int
    quantity: Quantity
    sentence: str
    lead: str  # the sentence before the number (from the last colon, dash or sentence end)
    clause: str  # the number's clause: from the last comma (or stronger mark) to the next
    holders: frozenset[str]  # names in the clause before the number, lower-cased
    scope: frozenset[str]  # keys of SCOPES
    times: frozenset[float]  # dates and years in the number's clause

    @property
    def is_rate(self) -> bool:
        return self.quantity.period is not None


def name_spans(text: str) -> list[tuple[int, str]]:
    """Names in a text with their positions, lower-cased: capitalised words other than the one opening
    it (Google, Grokipedia), words with an inner capital (xAI), the app X."""
    opening = _SENTENCE_OPENING.match(text)
    skip = opening.end() if opening and not re.search(r"[\u4e00-\u9fff]", text[:40]) else 0
    return [(m.start(), m.group(0).lower()) for m in _NAME.finditer(text) if m.start() >= skip]


def names(text: str) -> set[str]:
    return {name for _, name in name_spans(text)}


def statements(sid: int, text: str) -> list[Statement]:
    """The quantities of one sentence (dates excluded), each with its lead, clause, holders, scope, times."""
    found = [q for q in extract(text) if q.start >= 0]
    dates = [q for q in found if q.unit == "date"]
    out = []
    for q in found:
        if q.unit is None or q.unit == "date":
            continue
        before = text[: q.start]
        lead_match = _LEAD_START.match(before)
        lead = before[lead_match.end():] if lead_match else before
        clause_match = _CLAUSE_START.match(before)
        clause_lead = before[clause_match.end():] if clause_match else before
        after_end = _CLAUSE_END.search(text, q.start + len(q.text)).start()  # type: ignore[union-attr]
        after = text[q.start + len(q.text): after_end]
        governing = lead + " " + after
        clause_at = len(before) - len(clause_lead)
        times = frozenset(d.low for d in dates if clause_at <= d.start < after_end)
        scope = frozenset(key for key, pattern in SCOPES.items() if pattern.search(governing)) \
            | ({"part"} if _PART.search(q.text) else set())
        asides = [m.span() for m in _ASIDE.finditer(text)]
        holders = frozenset(name for at, name in name_spans(text)
                            if clause_at <= at < q.start and not any(a <= at < b for a, b in asides))
        out.append(Statement(sid, q, text, lead, clause_lead + q.text + after, holders, scope, times))
    return out
