"""Hybrid retrieval: FAISS dense search over chunks + BM25 over sentences, fused by rank.

Returns candidate sentences (those inside the best chunks, plus the best lexical hits)
with the features quote selection needs: cosine to the question, share of the question's
words covered, normalised BM25, and the fused rank score of their chunk.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from .lexical import Lexicon, Term
from .store import IndexData

RRF_K = 60
DENSE_CHUNKS = 30
LEXICAL_SENTENCES = 30
TOP_CHUNKS = 8
SAME_LANGUAGE_BONUS = 0.05  # between equally good quotes, prefer the question's language
_CJK = re.compile(r"[\u3400-\u9fff]")


def is_chinese(text: str) -> bool:
    letters = sum(ch.isalpha() for ch in text)
    return bool(letters) and len(_CJK.findall(text)) / letters > 0.3


@dataclass(frozen=True)
class Candidate:
    sid: int
    dense: float  # cosine(question, sentence)
    coverage: float  # share of the question's idf mass the sentence (+ heading) contains
    lexical: float  # BM25 normalised by the best BM25 score of the query
    chunk: float  # fused rank score of the sentence's best chunk, normalised to 0..1
    same_language: bool  # the sentence is in the question's language

    @property
    def score(self) -> float:
        return (
            0.5 * self.dense
            + 0.3 * self.coverage
            + 0.1 * self.lexical
            + 0.1 * self.chunk
            + SAME_LANGUAGE_BONUS * self.same_language
        )


class Searcher:
    """Stateless over a loaded index: everything here is array work, no model calls."""

    def __init__(self, data: IndexData, lexicon: Lexicon) -> None:
        self.data = data
        self.lexicon = lexicon
        self.chinese = np.array([is_chinese(data.sentence_text(i)) for i in range(len(data.sentences))], dtype=bool)
        self.sentence_chunk = np.zeros(len(data.sentences), dtype=np.int64)
        for cid in range(len(data.chunks) - 1, -1, -1):
            chunk = data.chunks[cid]
            self.sentence_chunk[chunk.first : chunk.last + 1] = cid

    def candidates(
        self, query_vector: np.ndarray, terms: list[Term], question_chinese: bool, top_chunks: int = TOP_CHUNKS
    ) -> list[Candidate]:
        data = self.data
        n_dense = min(DENSE_CHUNKS, len(data.chunks))
        _, dense_ids = data.chunk_index.search(query_vector.reshape(1, -1), n_dense)
        bm25 = self.lexicon.scores(terms)
        best_bm25 = float(bm25.max()) if len(bm25) else 0.0
        lexical_top = np.argsort(-bm25)[:LEXICAL_SENTENCES]
        lexical_top = lexical_top[bm25[lexical_top] > 0]

        fused: dict[int, float] = {}
        for rank, cid in enumerate(int(c) for c in dense_ids[0] if c >= 0):
            fused[cid] = fused.get(cid, 0.0) + 1.0 / (RRF_K + rank)
        seen_chunks: list[int] = []
        for sid in lexical_top:
            cid = int(self.sentence_chunk[sid])
            if cid not in seen_chunks:
                seen_chunks.append(cid)
        for rank, cid in enumerate(seen_chunks):
            fused[cid] = fused.get(cid, 0.0) + 1.0 / (RRF_K + rank)
        best_chunks = sorted(fused, key=fused.get, reverse=True)[:top_chunks]
        top_fused = fused[best_chunks[0]] if best_chunks else 1.0

        chunk_of: dict[int, float] = {}
        for cid in best_chunks:
            chunk = data.chunks[cid]
            for sid in range(chunk.first, chunk.last + 1):
                chunk_of[sid] = max(chunk_of.get(sid, 0.0), fused[cid] / top_fused)
        for sid in lexical_top[:10]:
            chunk_of.setdefault(int(sid), fused.get(int(self.sentence_chunk[sid]), 0.0) / top_fused)
        if not chunk_of:
            return []
        ids = np.fromiter(chunk_of, dtype=np.int64)
        dense = data.sentence_vectors[ids] @ query_vector
        coverage = self.lexicon.coverage(terms, ids)
        lexical = bm25[ids] / best_bm25 if best_bm25 > 0 else np.zeros(len(ids), dtype=np.float32)
        return [
            Candidate(
                int(sid),
                float(d),
                float(c),
                float(lex),
                chunk_of[int(sid)],
                self.chinese[sid] == question_chinese,
            )
            for sid, d, c, lex in zip(ids, dense, coverage, lexical, strict=False)
        ]
