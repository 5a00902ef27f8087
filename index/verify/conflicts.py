"""Sources that disagree: the same kind of quantity, stated differently about the same thing.

Two sentences from different sources conflict when they are about the same thing (their
vectors are close, or they share most content words) and each states a quantity of the same
unit, with different values or for different periods ("2 million Teslas" vs "2 billion
Teslas"; "6 billion images per month" vs "6B images every day"), and neither states the other's value.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np

from ..text.quantities import Quantity, extract

if TYPE_CHECKING:
    from ..storage.store import IndexData

SAME_SUBJECT = 0.55  # cosine between the two sentences' vectors


def _describe(a: Quantity, b: Quantity) -> str:
    if a.same_value(b) and a.period != b.period:
        return f"{a.unit} per {a.period or '?'} vs per {b.period or '?'}"
    return f"{a.unit}: {a.text} vs {b.text}"


def _disagree(a: Quantity, b: Quantity) -> bool:
    if not a.comparable(b):
        return False
    if not a.same_value(b):
        return True
    return a.period is not None and b.period is not None and a.period != b.period


def _agreed(quantity: Quantity, others: Sequence[Quantity]) -> bool:
    """The other sentence states this value too: a sentence giving a total and a per-hall figure
    ("30 万块 GPU … 每个大厅 27,000 块 GPU") does not contradict one giving the per-hall figure."""
    return any(quantity.comparable(q) and not _disagree(quantity, q) for q in others)


def find_conflicts(data: IndexData, sentence_ids: Sequence[int]) -> list[dict]:
    """Conflicts among the given sentences, each reported once with both sides cited."""
    ids = list(dict.fromkeys(sentence_ids))
    quantities = {sid: [q for q in extract(data.sentence_text(sid)) if q.unit and q.unit != "date"] for sid in ids}
    conflicts: list[dict] = []
    seen: set[tuple[str, frozenset[int]]] = set()
    for i, a in enumerate(ids):
        for b in ids[i + 1:]:
            if data.sentences[a].source == data.sentences[b].source or not quantities[a] or not quantities[b]:
                continue
            if float(np.dot(data.sentence_vectors[a], data.sentence_vectors[b])) < SAME_SUBJECT:
                continue
            for qa in quantities[a]:
                qb = next((q for q in quantities[b] if _disagree(qa, q)), None)
                if qb is None or _agreed(qa, quantities[b]) or _agreed(qb, quantities[a]):
                    continue
                key = (qa.unit or "", frozenset((data.sentences[a].source, data.sentences[b].source)))
                if key in seen:
                    continue
                seen.add(key)
                conflicts.append({
                    "about": _describe(qa, qb),
                    "sources": [
                        {"source": data.sources[data.sentences[s].source].file, "text": data.sentence_text(s)}
                        for s in (a, b)
                    ],
                })
                break
    return conflicts
