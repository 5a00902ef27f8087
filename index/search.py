"""Hybrid retrieval: FAISS dense search over chunks + BM25 over sentences, fused by rank.

Returns candidate sentences (those inside the best chunks, plus the best lexical hits and the
sentences closest in meaning) with the features quote selection needs: cosine to the question
of the sentence and of the passage around it, the share of the question's words covered,
normalised BM25, the fused rank of their chunk, and whether they offer the kind of answer the
question asks for.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from .answer_types import AnswerTypeMatcher
from .calibration import load_calibration
from .lexical import Lexicon, Term
from .records import previous_in_paragraph
from .store import IndexData

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

    context: float = 0.4  # share of "meaning" that comes from the passage around the sentence
    meaning: float = 0.6
    coverage: float = 0.2
    lexical: float = 0.0
    chunk: float = 0.0
    same_language: float = 0.0  # between equally good quotes, prefer the question's language
    answer_type: float = 0.1  # prefer sentences offering what the question asks for (a name, a number)


WEIGHTS = Weights(**load_calibration()["weights"])
_CJK = re.compile(r"[\u3400-\u9fff]")


def is_chinese(text: str) -> bool:
    letters = sum(ch.isalpha() for ch in text)
    return bool(letters) and len(_CJK.findall(text)) / letters > 0.3


@dataclass(frozen=True)
class Candidate:
    sid: int
    dense: float  # cosine(question, sentence)
    context: float  # cosine(question, the sentence's best chunk): the sentence read in place
    coverage: float  # share of the question's word weight the sentence (+ heading) contains
    lexical: float  # BM25 normalised by the best BM25 score of the query
    chunk: float  # fused rank score of the sentence's best chunk, normalised to 0..1
    same_language: bool  # the sentence is in the question's language
    answer_type: bool  # the sentence offers the kind of answer the question asks for (answer_types.py)

    @property
    def meaning(self) -> float:
        """Closeness in meaning to the question: the sentence itself and its passage."""
        return (1 - WEIGHTS.context) * self.dense + WEIGHTS.context * self.context

    @property
    def score(self) -> float:
        w = WEIGHTS
        return (
            w.meaning * self.meaning
            + w.coverage * self.coverage
            + w.lexical * self.lexical
            + w.chunk * self.chunk
            + w.same_language * self.same_language
            + w.answer_type * self.answer_type
        )


class Searcher:
    """Stateless over a loaded index: everything here is array work, no model calls."""

    def __init__(self, data: IndexData, lexicon: Lexicon) -> None:
        self.data = data
        self.lexicon = lexicon
        self.chinese = np.array([is_chinese(data.sentence_text(i)) for i in range(len(data.sentences))], dtype=bool)
        self.previous = previous_in_paragraph(data.sentences)  # the sentence before each in its paragraph, or -1
        self.sentence_chunk = np.zeros(len(data.sentences), dtype=np.int64)  # first chunk holding each sentence
        for cid in range(len(data.chunks) - 1, -1, -1):
            chunk = data.chunks[cid]
            self.sentence_chunk[chunk.first : chunk.last + 1] = cid

    def candidates(
        self,
        query_vector: np.ndarray,
        terms: list[Term],
        question_chinese: bool,
        answer_type: AnswerTypeMatcher | None = None,
        top_chunks: int = TOP_CHUNKS,
    ) -> list[Candidate]:
        data = self.data
        n_dense = min(DENSE_CHUNKS, len(data.chunks))
        dense_scores, dense_ids = data.chunk_index.search(query_vector.reshape(1, -1), n_dense)
        chunk_cos = {int(c): float(s) for c, s in zip(dense_ids[0], dense_scores[0], strict=True) if c >= 0}
        bm25 = self.lexicon.scores(terms)
        best_bm25 = float(bm25.max()) if len(bm25) else 0.0
        lexical_top = [int(s) for s in np.argsort(-bm25)[:LEXICAL_SENTENCES] if bm25[s] > 0]

        # Reciprocal rank fusion of the dense chunk ranking and the chunks of the lexical hits.
        lexical_chunks = list(dict.fromkeys(int(self.sentence_chunk[s]) for s in lexical_top))
        fused: dict[int, float] = {}
        for ranking in (list(chunk_cos), lexical_chunks):
            for rank, cid in enumerate(ranking):
                fused[cid] = fused.get(cid, 0.0) + 1.0 / (RRF_K + rank)
        best_chunks = sorted(fused, key=fused.__getitem__, reverse=True)[:top_chunks]
        if not best_chunks:
            return []
        top_fused = fused[best_chunks[0]]

        def cosine(cid: int) -> float:
            return chunk_cos[cid] if cid in chunk_cos else float(data.chunk_index.reconstruct(cid) @ query_vector)

        rank_of: dict[int, float] = {}
        context: dict[int, float] = {}
        for cid in best_chunks:
            chunk = data.chunks[cid]
            for sid in range(chunk.first, chunk.last + 1):
                rank_of[sid] = max(rank_of.get(sid, 0.0), fused[cid] / top_fused)
                context[sid] = max(context.get(sid, -1.0), cosine(cid))
        scan = len(data.sentences) <= DENSE_EXTRA_MAX_SENTENCES
        sentence_cos = data.sentence_vectors @ query_vector if scan else None
        dense_top = [] if sentence_cos is None else [int(i) for i in np.argsort(-sentence_cos)[:DENSE_EXTRA]]
        for sid in [*lexical_top[:LEXICAL_EXTRA], *dense_top]:
            if sid not in rank_of:
                cid = int(self.sentence_chunk[sid])
                rank_of[sid] = fused.get(cid, 0.0) / top_fused
                context[sid] = cosine(cid)

        ids = np.fromiter(rank_of, dtype=np.int64)
        dense = sentence_cos[ids] if sentence_cos is not None else data.sentence_vectors[ids] @ query_vector
        coverage = self.lexicon.coverage(terms, ids, self.previous[ids])
        lexical = bm25[ids] / best_bm25 if best_bm25 > 0 else np.zeros(len(ids), dtype=np.float32)
        return [
            Candidate(
                sid=int(sid),
                dense=float(d),
                context=context[int(sid)],
                coverage=float(c),
                lexical=float(lex),
                chunk=rank_of[int(sid)],
                same_language=bool(self.chinese[sid] == question_chinese),
                answer_type=answer_type is not None and answer_type.offers(data.sentence_text(int(sid))),
            )
            for sid, d, c, lex in zip(ids, dense, coverage, lexical, strict=True)
        ]
