"""What changed between versions of one document (index/ingest/versions.py).

An answer quotes the newest version. For the first quoted sentence that states a value of the kind
asked for, its counterpart in each older version is found (`counterpart`):

* the same sentence, or one that is the same but for its numbers (conflicts.aligned); else
* the mutual best match: the older version's sentence whose wording, numbers masked, is closest to
  it (difflib's ratio over conflicts.masked text) and whose own closest sentence in the newer version
  is the quoted one ("**Images** (PNG, JPG, GIF) **up to 8MB**." and "**Images** (PNG, JPG, HEIF,
  WEBP, AVIF) **up to 16MB**."); failing that, the mutual best match in meaning (stored vectors: a
  reordered sentence, "视频将被转换为最大比特率1300kbps，最大帧率60fps的H.264 MP4" / "视频将被转码为 H.264 MP4，
  最大比特率为 1300kbps，帧率为 120fps"). A sentence whose closest match is elsewhere has no counterpart (a
  rewritten section does not pair "Videos up to 40MB" with "Images up to 16MB"). No threshold: mutual
  best only.

The two are compared by the rules of conflicts.compare (the same kind of quantity, in the same
place, that the values cannot reconcile). A change reads "changed: the 2022-12-21 version said up to
40MB; the 2025-11-21 version says up to 99MB", with both sentences cited.

A claim is "outdated" (`outdated_claim`) when it agrees with an older version's value and the newest
version states another in the same place.
"""

from __future__ import annotations

from collections.abc import Sequence
from difflib import SequenceMatcher
from typing import TYPE_CHECKING

import numpy as np

from ..ingest.versions import label, order_key, outdated_by
from ..records import CheckResult, Evidence
from ..retrieve.search import Candidate
from ..text.quantities import dimension, extract
from .conflicts import aligned, asked, cite, compare, describe, masked, section_names, values_agree
from .focus import Focus, claim_focus
from .statements import Statement

if TYPE_CHECKING:
    from .locate import Sources


def _closest_in_meaning(engine: Sources, sid: int, source: int) -> int:
    """The sentence of `source` closest in meaning to sentence sid (stored vectors)."""
    ids = engine.source_sentence_ids[source]
    vectors = engine.data.sentence_vectors
    return ids[int(np.argmax(vectors[ids] @ vectors[sid]))]


def _closest_in_wording(engine: Sources, sid: int, source: int) -> int:
    """The sentence of `source` worded most like sentence sid, numbers and markup aside."""
    matcher = SequenceMatcher(autojunk=False)
    matcher.set_seq2(masked(engine.data.sentence_text(sid)))
    best, best_ratio = -1, -1.0
    for other in engine.source_sentence_ids[source]:
        matcher.set_seq1(masked(engine.data.sentence_text(other)))
        if matcher.real_quick_ratio() > best_ratio and matcher.quick_ratio() > best_ratio \
                and (ratio := matcher.ratio()) > best_ratio:
            best, best_ratio = other, ratio
    return best


def counterpart(engine: Sources, sid: int, source: int) -> int | None:
    """The sentence of `source` (another version of sid's document) in the same place as sentence sid."""
    text = engine.data.sentence_text(sid)
    ids = engine.source_sentence_ids[source]
    for other in ids:
        if engine.data.sentence_text(other) == text:
            return other
    for other in ids:
        if aligned(text, engine.data.sentence_text(other)):
            return other
    own = engine.data.sentences[sid].source
    for closest in (_closest_in_wording, _closest_in_meaning):
        best = closest(engine, sid, source)
        if closest(engine, best, own) == sid:
            return best
    return None


def _versions(engine: Sources) -> dict[int, list[int]]:
    """Newest version -> its older versions, newest first."""
    sources = engine.data.sources
    newer: dict[int, list[int]] = {}
    for old, new in outdated_by(sources).items():
        newer.setdefault(new, []).append(old)
    return {new: sorted(olds, key=lambda i: order_key(sources[i]), reverse=True) for new, olds in newer.items()}


def _changed(engine: Sources, old: Statement, new: Statement, focus: Focus) -> bool:
    data = engine.data
    sources = (data.sentences[old.sid].source, data.sentences[new.sid].source)
    sections = (data.sentences[old.sid].section, data.sentences[new.sid].section)
    headings = (section_names(engine, sources[0]), section_names(engine, sources[1]))
    return compare(old, new, focus, engine.lexicon, sections, sections, headings) is None


def _report(engine: Sources, old: Statement, new: Statement) -> dict:
    sources = engine.data.sources
    before, after = sources[engine.data.sentences[old.sid].source], sources[engine.data.sentences[new.sid].source]
    about, kind = describe(old.quantity, new.quantity)
    return {
        "about": about,
        "kind": kind,
        "document": after.document,
        "summary": f"changed: the {label(before)} version said {old.quantity.text}; "
                   f"the {label(after)} version says {new.quantity.text}",
        "before": {**cite(engine, old), "version": label(before)},
        "after": {**cite(engine, new), "version": label(after)},
    }


def changes(engine: Sources, quoted: Sequence[int], focus: Focus) -> list[dict]:
    """What changed, since the older versions, in the value asked for, as the first of the `quoted`
    sentences (the caller orders them, closest to the question first) that states a value of that kind
    gives it (another quoted sentence stating another value of the kind, "kept for 14 days" under "how
    often can I ask?", is not what was asked)."""
    first = next((sid for sid in dict.fromkeys(quoted) if asked(engine, sid, focus)), None) if focus.units else None
    if first is None:
        return []
    new_said = asked(engine, first, focus)
    for old_source in _versions(engine).get(engine.data.sentences[first].source, []):
        match = counterpart(engine, first, old_source)
        if match is None:
            continue
        pairs = [(o, n) for n in new_said for o in asked(engine, match, focus) if _changed(engine, o, n, focus)]
        return [_report(engine, o, n) for o, n in pairs[:1]]  # the latest older version with this sentence
    return []


def outdated_claim(engine: Sources, claim: str, candidates: list[Candidate]) -> CheckResult | None:
    """"outdated" when the claim's value is an older version's and the newest version's differs there: the
    first candidate sentence stating a value of the kind claimed decides which sentence it is about."""
    focus = claim_focus(claim)
    older = outdated_by(engine.data.sources)
    if not focus.units or not older:
        return None
    claimed = [q for q in extract(claim) if q.unit and dimension(q.unit) in focus.units]
    versions = _versions(engine)
    for cand in sorted(candidates, key=lambda c: c.score, reverse=True):
        source = engine.data.sentences[cand.sid].source
        if not asked(engine, cand.sid, focus):
            continue
        if source in older:
            old_sid, new_sid = cand.sid, counterpart(engine, cand.sid, older[source])
        elif source in versions:
            old_sid, new_sid = counterpart(engine, cand.sid, versions[source][0]), cand.sid
        else:
            return None
        if old_sid is None or new_sid is None:
            return None
        for new in asked(engine, new_sid, focus):
            for old in asked(engine, old_sid, focus):
                matches_old = [q for q in claimed if q.comparable(old.quantity) and values_agree(q, old.quantity)]
                if matches_old and _changed(engine, old, new, focus) \
                        and not any(values_agree(q, new.quantity) for q in matches_old):
                    change = _report(engine, old, new)
                    evidence = [_evidence(engine, old_sid, "outdated", change["summary"]),
                                _evidence(engine, new_sid, "current", change["summary"])]
                    return CheckResult(claim, "outdated", evidence)
        return None
    return None


def _evidence(engine: Sources, sid: int, stance: str, reason: str) -> Evidence:
    sentence = engine.data.sentences[sid]
    found = engine.evidence(sentence.source, sentence.start, sentence.end, 1.0, "claim", stance)
    found.reason = reason
    return found
