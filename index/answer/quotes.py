"""Quote selection: the best sentences (or short runs of adjacent sentences) become quotes.

Owns ranking candidates into quotes, extending a too-short sentence with its neighbour in
the same paragraph, joining quotes of consecutive sentences into one passage (one verbatim span,
one citation, the time of its first sentence), merging near-duplicate quotes across sources (the
same sentence copied by two articles is shown once, citing both), and saying what the quotes are
(confidence.py): an answer, related passages, or nothing on the topic.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from rapidfuzz import fuzz

from ..retrieve.search import Candidate
from ..storage.store import IndexData
from ..text.answer_types import AnswerType
from ..text.sentences import refers_back
from . import confidence

MIN_RELATIVE = 0.6  # later quotes must score at least this share of the best one
SHORT_QUOTE = 7  # words (a Chinese character counts half); a shorter sentence takes a neighbour
MAX_LIST_RUN = 700  # characters; how much of a list an introducing sentence may take with it
MAX_LIST_ITEMS = 6
RUN_RELATIVE = 0.8  # a neighbour in the same paragraph scoring this share of a quote joins it (shares of
# the candidates' score range: similarities crowd together, so raw scores are all "nearly as good")
MAX_RUN_CHARS = 400
NEAR_DUPLICATE = 90  # rapidfuzz ratio (0..100) above which two quotes are the same text
MAX_PASSAGE = 700  # characters; quotes of consecutive sentences join into one passage up to this length
_IMAGE = re.compile(r"!\[[^\]]*\]\([^)]*\)|<img\b[^>]*>", re.IGNORECASE)


@dataclass
class Pick:
    first: int  # sentence ids, inclusive
    last: int
    score: float
    also_in: list[int] = field(default_factory=list)  # other sources with the same text


def _fingerprint(text: str) -> str:
    return re.sub(r"[\W_]+", "", text.lower())


def _same_text(a: str, b: str) -> bool:
    """Near-duplicates: equal, almost equal, or one a long part of the other."""
    return a == b or fuzz.ratio(a, b) >= NEAR_DUPLICATE or (min(len(a), len(b)) > 30 and (a in b or b in a))


def _length_in_words(text: str) -> float:
    return len(re.findall(r"[A-Za-z0-9]+", text)) + len(re.findall(r"[\u3400-\u9fff]", text)) / 2


def _open_quotation(data: IndexData, first: int, last: int) -> bool:
    """True when the run opens a quotation it does not close."""
    text = data.texts[data.sentences[first].source][data.sentences[first].start : data.sentences[last].end]
    return text.count("“") > text.count("”") or text.count('"') % 2 == 1 or text.count("「") > text.count("」")


def _extend(data: IndexData, cand: Candidate) -> tuple[int, int]:
    """Grow a candidate sentence into the run a reader needs: one read with a neighbour (the pair was
    closer to the question) takes it and what lies between, a too-short sentence takes its neighbour
    in the same paragraph, one that refers back takes the sentence it refers to, and a paragraph
    ending in ':' takes the list items that follow it."""
    sid = cand.sid
    first, last = cand.span
    count = len(data.sentences)
    if cand.partner < 0 and _length_in_words(data.sentence_text(sid)) < SHORT_QUOTE:
        if sid + 1 < count and data.same_paragraph(sid, sid + 1):
            last = sid + 1
        elif sid > 0 and data.same_paragraph(sid - 1, sid):
            first = sid - 1
    if first > 0 and data.same_paragraph(first - 1, first) and refers_back(data.sentence_text(first)) \
            and data.sentences[last].end - data.sentences[first - 1].start <= MAX_RUN_CHARS:
        first -= 1  # "He refers to it as…" is quoted with the sentence naming "he" and "it"
    while (
        _open_quotation(data, first, last)
        and last + 1 < count
        and data.same_paragraph(last, last + 1)
        and data.sentences[last + 1].end - data.sentences[first].start <= MAX_LIST_RUN
    ):
        last += 1  # never cut a quotation in half
    ends_block = last + 1 >= count or not data.same_paragraph(last, last + 1)
    if ends_block and data.sentence_text(last).rstrip().endswith((":", "：")):
        anchor = data.sentences[last]
        length = data.sentences[last].end - data.sentences[first].start
        while last + 1 < count:
            nxt = data.sentences[last + 1]
            if nxt.source != anchor.source or nxt.section != anchor.section:
                break
            if nxt.end - data.sentences[first].start > MAX_LIST_RUN and length > 0 and last > sid:
                break
            last += 1
            length = nxt.end - data.sentences[first].start
            if last + 1 < count and data.sentences[last + 1].block - anchor.block > MAX_LIST_ITEMS:
                break
    return first, last


def _join_neighbours(data: IndexData, first: int, last: int, score: float, scores: dict[int, float]) -> tuple[int, int]:
    """A short run: adjacent sentences of the same paragraph that score nearly as well join."""
    def fits(lo: int, hi: int) -> bool:
        return data.sentences[hi].end - data.sentences[lo].start <= MAX_RUN_CHARS

    while last + 1 < len(data.sentences) and data.same_paragraph(last, last + 1) \
            and scores.get(last + 1, 0.0) >= RUN_RELATIVE * score and fits(first, last + 1):
        last += 1
    while first > 0 and data.same_paragraph(first - 1, first) \
            and scores.get(first - 1, 0.0) >= RUN_RELATIVE * score and fits(first - 1, last):
        first -= 1
    return first, last


def consecutive(data: IndexData, last: int, first: int) -> bool:
    """Sentence `first` follows sentence `last` in the same section with only whitespace, images or
    (in a transcript) cue timings between them: quotes of the two are one passage."""
    if first != last + 1:
        return False
    a, b = data.sentences[last], data.sentences[first]
    if a.source != b.source or a.section != b.section:
        return False
    return not _IMAGE.sub("", data.texts[a.source][a.end : b.start]).strip()


def _passage(data: IndexData, picks: list[Pick], first: int, last: int) -> Pick | None:
    """The pick that sentences first..last continue (consecutive on either side), when the joined
    passage stays within MAX_PASSAGE characters."""
    for pick in picks:
        lo, hi = min(pick.first, first), max(pick.last, last)
        if (consecutive(data, pick.last, first) or consecutive(data, last, pick.first)) \
                and data.sentences[hi].end - data.sentences[lo].start <= MAX_PASSAGE:
            return pick
    return None


def select(
    candidates: Sequence[Candidate], data: IndexData, k: int, judge: bool = True,
    question_chinese: bool = False, asked: AnswerType = "",
) -> tuple[confidence.Level, list[Pick]]:
    """(confidence, picks) for a question's candidates, its language and the type of answer it asks
    for (answer_types.py). Without `judge`, the best passages are returned regardless (as "related")."""
    background = data.manifest.get("background", {})
    ranked = sorted(candidates, key=lambda c: c.score, reverse=True)
    if not ranked:
        return "none", []
    level = confidence.CONFIDENCE.judge(confidence.features(ranked, background, question_chinese, asked)) \
        if judge else "related"
    if level == "none":
        return level, []
    low = ranked[-1].score
    scores = {c.sid: (c.score - low) / (ranked[0].score - low or 1.0) for c in candidates}  # 0 .. 1
    floor = ranked[0].score * MIN_RELATIVE if judge else float("-inf")
    picks: list[Pick] = []
    fingerprints: list[str] = []
    used: set[int] = set()
    for cand in ranked:
        if len(picks) >= k or cand.score < floor:
            break
        if cand.sid in used:
            continue
        first, last = _extend(data, cand)
        first, last = _join_neighbours(data, first, last, scores[cand.sid], scores)
        if used.intersection(range(first, last + 1)):
            first = last = cand.sid  # its neighbours are quoted already: the sentence alone
        used.update(range(first, last + 1))
        joined = _passage(data, picks, first, last)
        if joined is not None:  # the quotes are consecutive: one passage, cited at its first sentence
            joined.first, joined.last = min(joined.first, first), max(joined.last, last)
            fingerprints[picks.index(joined)] = _fingerprint(
                " ".join(data.sentence_text(i) for i in range(joined.first, joined.last + 1)))
            continue
        text = _fingerprint(" ".join(data.sentence_text(i) for i in range(first, last + 1)))
        source = data.sentences[first].source
        duplicate = next((i for i, fp in enumerate(fingerprints) if _same_text(fp, text)), None)
        if duplicate is not None:
            other = picks[duplicate]
            if source != data.sentences[other.first].source and source not in other.also_in:
                other.also_in.append(source)
            continue
        picks.append(Pick(first, last, cand.score))
        fingerprints.append(text)
    return level, picks
