"""What a question or a claim is about: the kinds of quantity it asks for and the names it gives.

Sources that disagree are reported only about a value that answers the question asked
(index/verify/conflicts.py): a question names the kind of value it wants ("How many Teslas ...",
"多少张图片", "how long ..."), and a claim states one. When a question asks for an amount without
naming its unit ("How big is Grokipedia?"), the embedding model picks it: the number of the answer
whose clause, numbers masked, reads closest to the question (a few encodes, at most MAX_ENCODES).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from ..text.quantities import dimension, extract, units_named
from .statements import Statement, names

MAX_ENCODES = 4  # clauses embedded to find the value a question asks for without naming its unit
_ASKS_AMOUNT = re.compile(r"\bhow (?:many|much|big|large|fast|long|often)\b|\bwhat (?:is|was|are) the (?:number|size|"
                          r"count|amount|scale)\b|多少|几|多大|多快|多久|多长|规模", re.IGNORECASE)
_NUMBER = re.compile(r"\d+(?:[.,]\d+)*\s*(?:万亿|亿|万|千|(?:thousand|million|billion|trillion)\b|[KMBkmb]\b)?\+?")


@dataclass(frozen=True)
class Focus:
    """The kinds of quantity (dimensions: "gpu", "car", "time", ...) a text asks for, and its names."""

    text: str
    units: frozenset[str]
    names: frozenset[str]


def mask_numbers(text: str) -> str:
    """The text with its numbers replaced by "#" (the statement, not its values)."""
    return _NUMBER.sub("#", text)


def question_focus(question: str, answer: Sequence[Statement],
                   encode: Callable[[str], np.ndarray] | None = None,
                   question_vector: np.ndarray | None = None) -> Focus:
    """What a question asks for: the units it names; else, when it asks for an amount and an encoder
    is given, the unit of the answer's number whose masked clause is closest to it in meaning.
    `question_vector`: the question's embedding when the caller has it (else it is encoded)."""
    units = set(units_named(question))
    if not units and encode is not None and answer and _ASKS_AMOUNT.search(question):
        asked = question_vector if question_vector is not None else encode(question)
        best = max(answer[:MAX_ENCODES], key=lambda s: float(np.dot(asked, encode(mask_numbers(s.clause)))))
        units = {dimension(best.quantity.unit or "")}
    return Focus(question, frozenset(units), frozenset(names(question)))


def claim_focus(claim: str) -> Focus:
    """A claim asks about the quantities it states."""
    units = {dimension(q.unit) for q in extract(claim) if q.unit and q.unit != "date"}
    return Focus(claim, frozenset(units), frozenset(names(claim)))
