"""Tense and modality of a statement, in English and Chinese: is it said to be so, or still to come?

`modality(text)` is "future" (will, plans, expected, should, 将, 计划, 预计, 即将 ...), "done" (already,
now, has / have / had, was / were, 已经, 已, 了 ...) or "plain" (no marker: a plain statement, which
asserts that something is so). A sentence often says both: "X Money 已在公司内部封闭测试，预计 1-2
个月内开始有限外部测试，之后面向全球所有 X 用户推出" (done, then future). `clauses(text)` splits it
into clauses, each with its own modality, or the one before it when it has no marker of its own
("，之后面向全球所有 X 用户推出" is still expected), so that a claim is compared with the clause
that speaks of what the claim is about.
"""

from __future__ import annotations

import re
from typing import Literal

Modality = Literal["future", "done", "plain"]

_FUTURE_EN = re.compile(
    r"\b(will|won't|shall|should|plans?|planned|planning|expects?|expected|expecting|going to|soon|upcoming|"
    r"aims?|aimed|aiming|intends?|intended|predicts?|predicted|forecasts?|projected|later|next|by the end of|"
    r"set to|due to|on track to|promis\w*|hopes? to|targets?|goal)\b", re.IGNORECASE)
_FUTURE_ZH = re.compile(r"将|即将|预计|计划|打算|准备|未来|有望|目标|预测|之后|以后|明年|年底前|还没|尚未")
_DONE_EN = re.compile(
    r"\b(already|now|has|have|had|was|were|did|crossed|reached|launched|released|completed|achieved|became|"
    r"built|started|announced|left|deployed|surpassed|grew|ago)\b", re.IGNORECASE)
_DONE_ZH = re.compile(r"已经|已|曾|了|过(?![去来])|现在|目前|如今|前(?=[，,。])")
_CLAUSE = re.compile(r"[,，;；。!?！？:：]|\s(?:and|but|while|whereas|then)\s|—", re.IGNORECASE)


def modality(text: str) -> Modality:
    """The modality of a short text (a claim, a clause): future markers win over done markers
    ("is expected to", "预计已" hardly occurs), then done, else plain."""
    if _FUTURE_EN.search(text) or _FUTURE_ZH.search(text):
        return "future"
    if _DONE_EN.search(text) or _DONE_ZH.search(text):
        return "done"
    return "plain"


def clauses(text: str) -> list[tuple[str, Modality]]:
    """The clauses of a sentence, each with its modality (a clause without a marker of its own takes
    the one of the clause before it in the sentence)."""
    out: list[tuple[str, Modality]] = []
    last: Modality = "plain"
    start = 0
    for match in [*_CLAUSE.finditer(text), None]:
        end = match.start() if match else len(text)
        part = text[start:end]
        if part.strip():
            own = modality(part)
            last = own if own != "plain" else last
            out.append((part, last))
        start = match.end() if match else len(text)
    return out


def says_done(mode: Modality) -> bool:
    """A statement that something is or happened (a plain statement says so too)."""
    return mode in ("done", "plain")
