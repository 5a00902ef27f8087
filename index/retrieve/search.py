"""Hybrid retrieval: FAISS dense search over chunks + BM25 over sentences, fused by rank.

Returns candidate sentences (those inside the best chunks, plus the best lexical hits and the
sentences closest in meaning) with the features quote selection needs: the sentence's cosine to
the question, the share of the question's words it covers, normalised BM25, and whether it is in
the question's language.

A sentence is also read together with each of the next CONTEXT_REACH sentences in its section (across
paragraph breaks, images between them and caption cues): each pair's vector is the
normalised sum of the two sentences' vectors (no second embedding). When a pair is closer to the
question than each of its sentences alone, the earlier sentence takes its closeness and the quote spans
the two (and what lies between): an answer often sits a few sentences after the one that names the
topic, and does not name it ("The council opened the Harbour Bridge." / "The final bill came to 40
million euros."). A sentence that answers by itself is quoted by itself, with its own time.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from ..calibration import load_calibration
from ..records import Sentence, previous_in_paragraph
from ..storage.store import IndexData
from ..text.answer_types import AnswerType, states
from .lexical import Lexicon, Term

RRF_K = 60
DENSE_CHUNKS = 30
LEXICAL_SENTENCES = 30
LEXICAL_EXTRA = 10  # best lexical sentences added even when their chunk is not among the best
DENSE_EXTRA = 10  # sentences closest in meaning, added even when their chunk is not among the best
DENSE_EXTRA_MAX_SENTENCES = 100_000  # above this, no exact scan of all sentences per query (~10 ms here)
TOP_CHUNKS = 8
CONTEXT_REACH = 3  # a sentence is read with each of the next this many sentences in its section
CONTEXT_CHARS = 400  # ... when the span of the two (and what lies between) is at most this long


@dataclass(frozen=True)
class Weights:
    """How a candidate sentence's features combine into its ranking score.

    Fitted by benchmarks/calibrate.py across corpora (index/calibration.json); change them there,
    not by hand. A weight of 0 drops a feature from the score only: BM25 and the chunk ranking
    still choose the candidates.
    """

    meaning: float = 0.6
    coverage: float = 0.2
    lexical: float = 0.0
    same_language: float = 0.0  # between equally good quotes, prefer the question's language
    answer_type: float = 0.0  # the quote states a value of the type the question asks for (answer_types.py)


WEIGHTS = Weights(**load_calibration()["weights"])
_CJK = re.compile(r"[\u3400-\u9fff]")


def is_chinese(text: str) -> bool:
    letters = sum(ch.isalpha() for ch in text)
    return bool(letters) and len(_CJK.findall(text)) / letters > 0.3


@dataclass(frozen=True)
class Candidate:
    sid: int
    dense: float  # cosine(question, sentence)
    coverage: float  # share of the question's word weight the sentence (+ heading) contains
    lexical: float  # BM25 normalised by the best BM25 score of the query
    same_language: bool  # the sentence is in the question's language
    partner: int = -1  # `dense` is the pair's: this sentence read with that neighbour (quoted together)
    typed: bool = False  # the quote (with its partner) states a value of the type the question asks for

    @property
    def span(self) -> tuple[int, int]:
        """The first and last sentence the quote takes: the sentence, and its partner when it has one."""
        return (self.sid, self.sid) if self.partner < 0 else (min(self.sid, self.partner), max(self.sid, self.partner))

    @property
    def score(self) -> float:
        w = WEIGHTS
        return (
            w.meaning * self.dense
            + w.coverage * self.coverage
            + w.lexical * self.lexical
            + w.same_language * self.same_language
            + w.answer_type * self.typed
        )


def neighbours(sentences: Sequence[Sentence], reach: int, max_chars: int, paragraph_only: bool = False) -> np.ndarray:
    """(sentences, reach): for each sentence, the id of the d-th sentence after it in the same source and
    section (column d - 1) when the span from its start to that one's end is at most `max_chars`, else -1.
    `paragraph_only`: in the same paragraph too (the pairs before December 2026, kept for benchmarks)."""
    count = len(sentences)
    out = np.full((count, reach), -1, dtype=np.int64)
    if not count:
        return out
    group = [(s.source, s.section, s.block if paragraph_only else 0) for s in sentences]
    _, where = np.unique(np.array([hash(g) for g in group], dtype=np.int64), return_inverse=True)
    start = np.fromiter((s.start for s in sentences), dtype=np.int64, count=count)
    end = np.fromiter((s.end for s in sentences), dtype=np.int64, count=count)
    ids = np.arange(count)
    for d in range(1, reach + 1):
        i, j = ids[: count - d], ids[d:]
        ok = (where[i] == where[j]) & (end[j] - start[i] <= max_chars)
        if d > 1:
            ok &= out[i, d - 2] >= 0
        out[i[ok], d - 1] = j[ok]
    return out


class Searcher:
    """Over a loaded index: everything here is array work, no model calls."""

    def __init__(self, data: IndexData, lexicon: Lexicon, reach: int = CONTEXT_REACH,
                 paragraph_only: bool = False) -> None:
        self.data = data
        self.lexicon = lexicon
        self.chinese = np.array([is_chinese(data.sentence_text(i)) for i in range(len(data.sentences))], dtype=bool)
        self.previous = previous_in_paragraph(data.sentences)  # the sentence before each in its paragraph, or -1
        # Each sentence's neighbours after it in its section, and |v_i + v_j| for each such pair: the pair's
        # cosine to a question is (cos_i + cos_j) / that norm.
        self.after = neighbours(data.sentences, reach, CONTEXT_CHARS, paragraph_only)
        vectors = data.sentence_vectors
        self.pair_norm = np.full(self.after.shape, np.inf, dtype=np.float32)
        for d in range(self.after.shape[1]):
            paired = np.flatnonzero(self.after[:, d] >= 0)
            for start in range(0, len(paired), 65536):  # in blocks: the vectors may be memory-mapped
                part = paired[start : start + 65536]
                dots = np.einsum("ij,ij->i", vectors[part], vectors[self.after[part, d]])
                self.pair_norm[part, d] = np.sqrt(2.0 + 2.0 * dots)
        self._states: dict[tuple[int, int, str], bool] = {}
        self.sentence_chunk = np.zeros(len(data.sentences), dtype=np.int64)  # first chunk holding each sentence
        for cid in range(len(data.chunks) - 1, -1, -1):
            chunk = data.chunks[cid]
            self.sentence_chunk[chunk.first : chunk.last + 1] = cid

    def candidates(
        self,
        query_vector: np.ndarray,
        terms: list[Term],
        question_chinese: bool,
        top_chunks: int = TOP_CHUNKS,
        asked: AnswerType = "",
    ) -> list[Candidate]:
        """Candidate sentences for a question: its vector, its words, its language and the type of
        answer it asks for (index/text/answer_types.py; "" for none)."""
        return self.scored_candidates(query_vector, terms, question_chinese, top_chunks, asked)[0]

    def scored_candidates(
        self,
        query_vector: np.ndarray,
        terms: list[Term],
        question_chinese: bool,
        top_chunks: int = TOP_CHUNKS,
        asked: AnswerType = "",
    ) -> tuple[list[Candidate], float]:
        """The candidates, and the best raw BM25 score their `lexical` is divided by (0 when there are
        none): an engine over several indexes puts them on one scale with it (index/retrieve/joint.py)."""
        data = self.data
        n_dense = min(DENSE_CHUNKS, len(data.chunks))
        _, dense_ids = data.chunk_index.search(query_vector.reshape(1, -1), n_dense)
        dense_chunks = [int(c) for c in dense_ids[0] if c >= 0]
        bm25 = self.lexicon.scores(terms)
        best_bm25 = float(bm25.max()) if len(bm25) else 0.0
        lexical_top = [int(s) for s in np.argsort(-bm25)[:LEXICAL_SENTENCES] if bm25[s] > 0]

        # Reciprocal rank fusion of the dense chunk ranking and the chunks of the lexical hits.
        lexical_chunks = list(dict.fromkeys(int(self.sentence_chunk[s]) for s in lexical_top))
        fused: dict[int, float] = {}
        for ranking in (dense_chunks, lexical_chunks):
            for rank, cid in enumerate(ranking):
                fused[cid] = fused.get(cid, 0.0) + 1.0 / (RRF_K + rank)
        best_chunks = sorted(fused, key=fused.__getitem__, reverse=True)[:top_chunks]
        if not best_chunks:
            return [], 0.0
        scan = len(data.sentences) <= DENSE_EXTRA_MAX_SENTENCES
        closeness = self.closeness(data.sentence_vectors @ query_vector) if scan else None
        dense_top = [] if closeness is None else [int(i) for i in np.argsort(-closeness[0])[:DENSE_EXTRA]]
        in_chunks = (sid for cid in best_chunks for sid in range(data.chunks[cid].first, data.chunks[cid].last + 1))
        ids = np.fromiter(dict.fromkeys([*in_chunks, *lexical_top[:LEXICAL_EXTRA], *dense_top]), dtype=np.int64)
        if closeness is None:  # only the candidates' and their neighbours' cosines
            cosines = np.zeros(len(data.sentences), dtype=np.float32)
            near = np.union1d(ids, self.after[ids][self.after[ids] >= 0])
            cosines[near] = data.sentence_vectors[near] @ query_vector
            closeness = self.closeness(cosines)
        dense, partner = closeness[0][ids], closeness[1][ids]
        coverage = self.lexicon.coverage(terms, ids, self.previous[ids])
        lexical = bm25[ids] / best_bm25 if best_bm25 > 0 else np.zeros(len(ids), dtype=np.float32)
        return [
            Candidate(
                sid=int(sid),
                dense=float(d),
                coverage=float(c),
                lexical=float(lex),
                same_language=bool(self.chinese[sid] == question_chinese),
                partner=int(other),
                typed=self.states(int(sid), int(other), asked),
            )
            for sid, d, c, lex, other in zip(ids, dense, coverage, lexical, partner, strict=True)
        ], best_bm25

    def states(self, sid: int, partner: int, asked: AnswerType) -> bool:
        """Does the quote of `sid` (with its partner, -1 for none) state a value of the type asked?
        False when nothing is asked. Remembered per quote and type: a question reads a hundred quotes."""
        if not asked:
            return False
        key = (sid, partner, asked)
        if key not in self._states:
            first, last = (sid, sid) if partner < 0 else (min(sid, partner), max(sid, partner))
            text = " ".join(self.data.sentence_text(i) for i in range(first, last + 1))
            if len(self._states) > 200_000:
                self._states.clear()
            self._states[key] = states(text, asked)
        return self._states[key]

    def closeness(self, cosines: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(each sentence's closeness, the neighbour whose pair gave it or -1) from every sentence's
        cosine. A pair counts only when it is closer than each of its sentences alone, and it gives its
        closeness to its earlier sentence (quoted with the later one): a sentence that answers by itself
        keeps its own closeness, and is quoted by itself, with its own time (measured: letting the later
        sentence take the pair too ranked no better, dense only, and cited such answers early)."""
        best = cosines.astype(np.float32, copy=True)
        partner = np.full(len(cosines), -1, dtype=np.int64)
        for d in range(self.after.shape[1]):
            other = self.after[:, d]
            ok = np.flatnonzero(other >= 0)
            j = other[ok]
            pair = (cosines[ok] + cosines[j]) / self.pair_norm[ok, d]
            together = pair > np.maximum(cosines[ok], cosines[j])
            ok, j, pair = ok[together], j[together], pair[together]
            better = pair > best[ok]
            best[ok[better]] = pair[better]
            partner[ok[better]] = j[better]
        return best, partner
