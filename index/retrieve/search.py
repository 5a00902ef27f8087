"""Hybrid retrieval: FAISS dense search over chunks + BM25 over sentences, fused by rank.

Returns candidate sentences (those inside the best chunks, plus the best lexical hits and the
sentences closest in meaning) with the features quote selection needs: the sentence's cosine to
the question, the share of the question's words it covers, normalised BM25, and whether it is in
the question's language.

A sentence is also read together with the next one in its paragraph: the pair's vector is the
normalised sum of the two sentences' vectors (no second embedding). When the pair is closer to the
question than each of its sentences alone, it gives the first sentence its closeness and the quote
takes the next sentence too: an answer often sits in the sentence after the one that names the topic
("The council opened the Harbour Bridge." / "The final bill came to 40 million euros."). A sentence
that answers by itself is quoted by itself, with its own time.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from ..calibration import load_calibration
from ..records import previous_in_paragraph
from ..storage.store import IndexData
from .lexical import Lexicon, Term

RRF_K = 60
DENSE_CHUNKS = 30
LEXICAL_SENTENCES = 30
LEXICAL_EXTRA = 10  # best lexical sentences added even when their chunk is not among the best
DENSE_EXTRA = 10  # sentences closest in meaning, added even when their chunk is not among the best
DENSE_EXTRA_MAX_SENTENCES = 100_000  # above this, no exact scan of all sentences per query (~10 ms here)
TOP_CHUNKS = 8


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
    with_next: bool = False  # `dense` is the pair's (this sentence and the next in its paragraph)

    @property
    def score(self) -> float:
        w = WEIGHTS
        return (
            w.meaning * self.dense
            + w.coverage * self.coverage
            + w.lexical * self.lexical
            + w.same_language * self.same_language
        )


class Searcher:
    """Stateless over a loaded index: everything here is array work, no model calls."""

    def __init__(self, data: IndexData, lexicon: Lexicon) -> None:
        self.data = data
        self.lexicon = lexicon
        self.chinese = np.array([is_chinese(data.sentence_text(i)) for i in range(len(data.sentences))], dtype=bool)
        self.previous = previous_in_paragraph(data.sentences)  # the sentence before each in its paragraph, or -1
        self.next = np.full(len(data.sentences), -1, dtype=np.int64)  # the sentence after each, or -1
        has_previous = self.previous >= 0
        self.next[self.previous[has_previous]] = np.flatnonzero(has_previous)
        # |v_i + v_next| for each sentence with a next one: the pair's cosine is (cos_i + cos_next) / this.
        vectors = data.sentence_vectors
        self.pair_norm = np.full(len(data.sentences), np.inf, dtype=np.float32)
        paired = np.flatnonzero(self.next >= 0)
        for start in range(0, len(paired), 65536):  # in blocks: the vectors may be memory-mapped
            part = paired[start : start + 65536]
            self.pair_norm[part] = np.sqrt(2.0 + 2.0 * np.einsum("ij,ij->i", vectors[part], vectors[self.next[part]]))
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
    ) -> list[Candidate]:
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
            return []
        scan = len(data.sentences) <= DENSE_EXTRA_MAX_SENTENCES
        closeness = self.closeness(data.sentence_vectors @ query_vector) if scan else None
        dense_top = [] if closeness is None else [int(i) for i in np.argsort(-closeness[0])[:DENSE_EXTRA]]
        in_chunks = (sid for cid in best_chunks for sid in range(data.chunks[cid].first, data.chunks[cid].last + 1))
        ids = np.fromiter(dict.fromkeys([*in_chunks, *lexical_top[:LEXICAL_EXTRA], *dense_top]), dtype=np.int64)
        if closeness is None:  # only the candidates' and their next sentences' cosines
            cosines = np.zeros(len(data.sentences), dtype=np.float32)
            near = np.union1d(ids, self.next[ids][self.next[ids] >= 0])
            cosines[near] = data.sentence_vectors[near] @ query_vector
            closeness = self.closeness(cosines)
        dense, with_next = closeness[0][ids], closeness[1][ids]
        coverage = self.lexicon.coverage(terms, ids, self.previous[ids])
        lexical = bm25[ids] / best_bm25 if best_bm25 > 0 else np.zeros(len(ids), dtype=np.float32)
        return [
            Candidate(
                sid=int(sid),
                dense=float(d),
                coverage=float(c),
                lexical=float(lex),
                same_language=bool(self.chinese[sid] == question_chinese),
                with_next=bool(pair),
            )
            for sid, d, c, lex, pair in zip(ids, dense, coverage, lexical, with_next, strict=True)
        ]

    def closeness(self, cosines: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(each sentence's closeness, whether its pair gave it) from every sentence's cosine. A pair
        counts only when it is closer than each of its sentences alone: a sentence that answers by
        itself is quoted by itself, with its own time."""
        pair = np.where(self.next >= 0, (cosines + cosines[self.next]) / self.pair_norm, -np.inf)
        together = pair > np.maximum(cosines, cosines[self.next])
        return np.where(together, pair, cosines), together
