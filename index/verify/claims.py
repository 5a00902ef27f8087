"""Citation checks: is a claim or a quote backed by the sources?

A quote is first located (locate.py): exact -> supported; near-exact -> supported when only
formatting or function words differ, contradicted (a misquote) when a number, a negation, a
name or any content word was changed -- the differences are listed either way. Anything
else is checked as a claim against the best passages:

* quantities (index/text/quantities.py) of the same unit must agree -- a different number, unit or
  period (per day vs per month) on the same subject contradicts;
* negation, tense and modality count (index/text/modality.py): "never" against a plain statement; a
  claim that something is or happened is never supported by a clause saying it will, is planned or
  expected (contradicted: it is still to come), nor the other way round (contradicted when the
  source says it already happened);
* support needs the passage to contain nearly all the claim's words and to be close in
  meaning; topic similarity alone is never support. Nothing relevant -> not_found.

The verdict follows the distinct sources that decide; sources that disagree among themselves
are reported in `conflicts`.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from ..records import CheckResult, Evidence
from ..retrieve.lexical import Lexicon, Term, tokenize
from ..retrieve.search import Candidate
from ..text.modality import Modality, clauses, modality
from ..text.quantities import (
    MONTHS,
    SCALE_WORDS,
    Quantity,
    extract,
    negated,
    negated_scopes,
    quantity_words,
)
from .conflicts import claim_conflicts
from .locate import Sources, locate, only_formatting

EVIDENCE_POOL = 20  # best passages examined for a claim
MAX_EVIDENCE = 5
SUPPORT_COVERAGE = 0.75  # share of the claim's words a passage must contain to support it
SUPPORT_MEANING = 0.45
NUMBER_SUPPORT_COVERAGE = 0.5  # ... when it also states the claim's quantity
NUMBER_COVERAGE = 0.6  # a passage this close that states the same kind of quantity differently contradicts
NEGATION_COVERAGE = 0.65  # ... or that says the opposite, or names someone else in the claim's place
SURE_TOPIC = 0.7  # coverage at which a passage is on the claim's subject even without its rarest word
# Words that say how, not what: compared by the rules above, never matched as topic words.
_NOT_TOPIC = {
    "never", "not", "no", "none", "without", "nor", "neither", "不", "没有", "没", "无", "未", "从不", "绝不",
    "alreadi", "now", "still", "yet", "soon", "已经", "已", "将", "即将",
    # tense and modality: compared by index/text/modality.py
    "will", "plan", "expect", "aim", "intend", "predict", "should", "计划", "预计", "打算", "有望",
    # qualifiers of a quantity ("under six weeks", "约 600 万"): the quantity rules compare those
    "under", "over", "about", "near", "approxim", "almost", "rough", "least", "less", "than", "around",
    "约", "近", "超过", "不到", "大约", "至少", "左右", "多",
} | SCALE_WORDS
RARE_NAME_SENTENCES = 6  # a capitalised word in at most this many sentences is likely a person's name
_NUMERIC = re.compile(r"^[\d.,]+$")
_NAME_WORD = re.compile(r"(?<![.!?]\s)(?<!^)\b[A-Z][a-z]{2,}\b")  # capitalised, not opening a sentence
_CAPITALISED = re.compile(r"\b[A-Z][a-zA-Z]+\b")


def names(text: str, lexicon: Lexicon) -> set[str]:
    """Likely names of people or things in `text`: capitalised words (not at a sentence start,
    not acronyms, not months) that are rare in the corpus. Lower-cased."""
    return {
        word.lower()
        for word in _NAME_WORD.findall(text)
        if lexicon.document_frequency(word) <= RARE_NAME_SENTENCES and word[:3].lower() not in MONTHS
    }


def check_claim(claim: str, engine: Sources, candidates: list[Candidate]) -> CheckResult:
    located = locate(claim, engine, candidates)
    if located and not _abridged(located[0]):
        return _quote_verdict(claim, located, engine.lexicon)
    return _claim_verdict(claim, engine, candidates)


def _abridged(found: Evidence) -> bool:
    """A near-exact match that only leaves words out (or adds some) is an abridged statement, judged
    as a claim (a left-out "not" is caught there); a misquote replaces words."""
    return found.match == "near-exact" and not any(
        re.search(r"\w", d["claimed"]) and re.search(r"\w", d["source"]) for d in found.differences
    )


# ---- quotes -------------------------------------------------------------------------------


def meaning_changed(diffs: list[dict], lexicon: Lexicon) -> str | None:
    """Why the differences between a claimed quote and the source change its meaning, if they do
    (a word replaced by one with a shared dictionary sense, 业界 / 行业, does not)."""
    for diff in diffs:
        claimed, source = diff["claimed"], diff["source"]
        if re.search(r"\d", claimed + source) or extract(claimed) or extract(source):
            return f"a number differs: the source has “{source}”, not “{claimed}”"
        if negated(claimed) != negated(source):
            return f"a negation differs: the source has “{source}”, not “{claimed}”"
        if set(_CAPITALISED.findall(claimed)) != set(_CAPITALISED.findall(source)):
            return f"a name differs: the source has “{source}”, not “{claimed}”"
        if not _synonyms(_content_words(claimed.replace(" ", "")), _content_words(source.replace(" ", "")), lexicon):
            return f"the wording differs: the source has “{source}”, not “{claimed}”"
    return None


def _content_words(text: str) -> set[str]:
    return set(tokenize(text))


def _synonyms(a: set[str], b: set[str], lexicon: Lexicon) -> bool:
    """Equal word sets, or words sharing an English sense through the dictionary."""
    if a == b:
        return True
    if not a or not b:
        return False

    def senses(words: set[str]) -> set[str]:
        return {s for w in words for s in (lexicon.zh_en.get(w, []) or [w])}

    return not senses(a).isdisjoint(senses(b))


def _quote_verdict(claim: str, located: list[Evidence], lexicon: Lexicon) -> CheckResult:
    best = located[0]
    if best.match == "exact" or only_formatting(best.differences):
        return CheckResult(claim, "supported", located)
    reason = meaning_changed(best.differences, lexicon)
    if reason is None:
        best.reason = "not word for word: the differences do not change numbers, negations or names"
        return CheckResult(claim, "supported", located)
    for item in located:
        item.stance = "contradicts"
    best.reason = reason
    return CheckResult(claim, "contradicted", located)


# ---- claims -------------------------------------------------------------------------------


def _quantity_stance(claim_q: list[Quantity], text: str) -> tuple[str | None, str | None]:
    """('agree' | 'disagree' | None, reason) for the claim's quantities against a passage."""
    found = [q for q in extract(text) if q.unit]
    disagreement = None
    for c in claim_q:
        same_unit = [e for e in found if c.comparable(e)]
        for e in same_unit:
            if c.same_value(e) and (c.period is None or e.period is None or c.period == e.period):
                return "agree", f"same quantity: “{e.text}”"
        if same_unit and disagreement is None:
            e = same_unit[0]
            what = "period" if c.same_value(e) else "number"
            disagreement = f"different {what}: the source says “{_say(e)}”, the claim “{_say(c)}”"
    return ("disagree", disagreement) if disagreement else (None, None)


def _negation_mismatch(claim: str, text: str, claim_words: Sequence[Term]) -> bool:
    """One side negates something the claim is about, and the other does not."""

    def negates_topic(side: str) -> bool:
        return any(any(_mentions(scope, t) for t in claim_words) for scope in negated_scopes(side))

    return negates_topic(claim) != negates_topic(text)


def _mentions(text: str, term: Term) -> bool:
    tokens = set(tokenize(text))
    return not term.alternatives.isdisjoint(tokens)


def _say(q: Quantity) -> str:
    return f"{q.text} per {q.period}" if q.period else q.text


def stance(
    claim: str,
    text: str,
    topical: float,
    meaning: float,
    subject: bool,
    lexicon: Lexicon,
    claim_words: Sequence[Term] = (),
) -> tuple[str | None, str | None]:
    """How one passage bears on a claim: ('supports' | 'contradicts' | None, reason).

    `topical`: share of the claim's words the passage contains; `subject`: it contains the
    claim's most specific word; `meaning`: closeness in meaning.
    """
    claim_q = [q for q in extract(claim) if q.unit]
    numbers, reason = _quantity_stance(claim_q, text)
    if numbers == "disagree" and topical >= NUMBER_COVERAGE and (subject or topical >= SURE_TOPIC):
        return "contradicts", reason
    claim_mode, source_mode = modality(claim), modality_about(text, claim_words)
    same_mode = (claim_mode == "future") == (source_mode == "future")  # tense and modality agree
    missing = {n for n in names(claim, lexicon) if n not in text.lower()}  # the claim names, the passage not
    if numbers == "agree" and topical >= NUMBER_SUPPORT_COVERAGE and meaning >= SUPPORT_MEANING and not missing \
            and same_mode:
        return "supports", reason
    if topical >= NEGATION_COVERAGE and _negation_mismatch(claim, text, claim_words):
        return "contradicts", "one of them says the opposite (a negation differs)"
    on_subject = topical >= NEGATION_COVERAGE and (subject or topical >= SURE_TOPIC)
    if on_subject and claim_mode != "future" and source_mode == "future":
        return "contradicts", "the source speaks of it as still to come"
    if on_subject and claim_mode == "future" and source_mode == "done":
        return "contradicts", "the source says it has already happened"
    instead = {n for n in names(text, lexicon) if n not in claim.lower()}
    if missing and instead and topical >= SUPPORT_COVERAGE and meaning >= SUPPORT_MEANING:
        found, claimed = ", ".join(sorted(instead)), ", ".join(sorted(missing))
        return "contradicts", f"a different name: the source says {found}, not {claimed}"
    if topical >= SUPPORT_COVERAGE and meaning >= SUPPORT_MEANING and not claim_q and not missing and same_mode:
        return "supports", None
    return None, None


def modality_about(text: str, claim_words: Sequence[Term]) -> Modality:
    """The modality of the clause of `text` that speaks of the claim (most of its words), so that "X
    Money is in closed beta and will reach all users later" is future about reaching all users."""
    parts = clauses(text)
    if not parts:
        return "plain"

    def overlap(part: str) -> float:
        tokens = set(tokenize(part))
        return sum(t.weight for t in claim_words if not t.alternatives.isdisjoint(tokens))

    best = max(parts, key=lambda p: overlap(p[0]))
    return best[1] if overlap(best[0]) > 0 else modality(text)


@dataclass(frozen=True)
class Judgement:
    """How one passage bears on a claim."""

    sid: int
    topical: float  # share of the claim's topic words the passage contains (0..1)
    subject: bool  # it contains the claim's most specific word
    meaning: float
    stance: str | None  # "supports" | "contradicts" | None
    reason: str | None
    weight: float  # ranking of deciding passages: retrieval score x topical


def topic_terms(claim: str, lexicon: Lexicon) -> list[Term]:
    """The claim's words that say what it is about (not its numbers, units, negations, modality),
    weighted by idf alone: a claim states things, so it has no question words ("what kind of") for
    the everyday-word discount to play down, and "money" in "X Money" is no filler."""
    stated = set(tokenize(quantity_words(claim)))
    return [
        t for t in lexicon.terms(claim, discount_common=False)
        if not _NUMERIC.match(t.word) and t.word not in _NOT_TOPIC and t.word not in stated
    ]


def judge_passages(claim: str, engine: Sources, candidates: list[Candidate]) -> list[Judgement]:
    """A judgement for each of the best passages, best retrieved first."""
    pool = sorted(candidates, key=lambda c: c.score, reverse=True)[:EVIDENCE_POOL]
    terms = topic_terms(claim, engine.lexicon)
    ids = np.array([c.sid for c in pool], dtype=np.int64)
    zeros = np.zeros(len(pool), dtype=np.float32)
    topical = engine.lexicon.coverage(terms, ids) if terms else zeros
    subject = engine.lexicon.coverage([max(terms, key=lambda t: t.weight)], ids) if terms else zeros
    out = []
    for cand, top, subj in zip(pool, topical, subject, strict=True):
        text = engine.data.sentence_text(cand.sid)
        verdict, reason = stance(claim, text, float(top), cand.dense, bool(subj >= 1.0), engine.lexicon, terms)
        out.append(Judgement(cand.sid, float(top), bool(subj >= 1.0), cand.dense, verdict, reason,
                             cand.score * float(top)))
    return out


def _claim_verdict(claim: str, engine: Sources, candidates: list[Candidate]) -> CheckResult:
    judgements = judge_passages(claim, engine, candidates)
    data = engine.data
    decided: list[tuple[float, Evidence, int]] = []
    for j in judgements:
        if j.stance is None:
            continue
        sentence = data.sentences[j.sid]
        item = engine.evidence(sentence.source, sentence.start, sentence.end, j.weight, "claim", j.stance)
        item.reason = j.reason
        decided.append((j.weight, item, j.sid))
    conflicts = claim_conflicts(engine, claim, [sid for _, _, sid in decided], [j.sid for j in judgements[:6]])
    if not decided:
        return CheckResult(claim, "not_found", [], conflicts)
    decided.sort(key=lambda d: d[0], reverse=True)
    sources = {s: {item.source for _, item, _ in decided if item.stance == s} for s in ("supports", "contradicts")}
    if len(sources["supports"]) != len(sources["contradicts"]):
        winner = max(sources, key=lambda s: len(sources[s]))
    else:
        winner = decided[0][1].stance
    verdict = "supported" if winner == "supports" else "contradicted"
    evidence = [item for _, item, _ in decided if item.stance == winner]
    evidence += [item for _, item, _ in decided if item.stance != winner]
    return CheckResult(claim, verdict, evidence[:MAX_EVIDENCE], conflicts)
