"""One ranking over several indexes laid end to end (a server's collection and the library): their
sentences, sources and texts in one IndexData (in the order the caller gives),
and a lexicon and a searcher that score every index's candidates on one scale with the same fitted
weights:
* cosines are the same model's;
* query-word weights (coverage) come from the indexes' document frequencies added up, and the
  English↔Chinese word bridge is the union of theirs (JointLexicon);
* normalised BM25 is divided by the best raw score over all the indexes, not each index's own best;
* the background (answer/confidence.py reads cosines above it) is computed from every index's
  per-document probe cosines, as one build of all the documents would compute it.
index/collections.py puts them together into an engine."""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Sequence

import numpy as np

from ..records import Sentence
from ..storage.store import IndexData
from ..text.answer_types import AnswerType
from .background import backgrounds
from .lexical import HEADING_PREFIX, Lexicon, Term
from .search import Candidate, Searcher


class _Bridge:
    """The union of several indexes' word maps (English↔Chinese), read with .get only."""

    def __init__(self, maps: Sequence[dict[str, list[str]]]) -> None:
        self.maps = maps

    def get(self, word: str, default: list[str] | None = None) -> list[str]:
        found = [w for m in self.maps for w in m.get(word, ())]
        return list(dict.fromkeys(found)) if found else (default if default is not None else [])


class JointLexicon(Lexicon):
    """The lexicon of several indexes laid end to end (sentence ids offset by `offsets`): query-word
    weights from their document frequencies added up, BM25 and coverage from each index's own."""

    def __init__(self, parts: Sequence[Lexicon], offsets: Sequence[int]) -> None:  # no super(): no bm25 of its own
        self.parts = list(parts)
        self.offsets = list(offsets)
        self.zh_en = _Bridge([p.zh_en for p in parts])  # type: ignore[assignment]
        self.en_zh = _Bridge([p.en_zh for p in parts])  # type: ignore[assignment]
        self.common = parts[0].common
        self.n_docs = sum(p.n_docs for p in parts)

    def idf(self, token: str) -> float:
        df = sum(max(len(p._docs(token)), len(p._docs(HEADING_PREFIX + token))) for p in self.parts)
        return math.log((self.n_docs - df + 0.5) / (df + 0.5) + 1.0)

    def document_frequency(self, word: str) -> int:
        return sum(p.document_frequency(word) for p in self.parts)

    def _split(self, sentence_ids: np.ndarray) -> list[np.ndarray]:
        """For each part, which of `sentence_ids` are its sentences."""
        ends = [*self.offsets[1:], self.n_docs]
        return [(sentence_ids >= lo) & (sentence_ids < hi) for lo, hi in zip(self.offsets, ends, strict=True)]

    def coverage(self, terms: Sequence[Term], sentence_ids: np.ndarray,
                 previous: np.ndarray | None = None) -> np.ndarray:
        sentence_ids = np.asarray(sentence_ids, dtype=np.int64)
        out = np.zeros(len(sentence_ids), dtype=np.float32)
        for part, offset, mine in zip(self.parts, self.offsets, self._split(sentence_ids), strict=True):
            if mine.any():
                before = None if previous is None else np.where(previous[mine] >= 0, previous[mine] - offset, -1)
                out[mine] = part.coverage(terms, sentence_ids[mine] - offset, before)
        return out

    def scores(self, terms: Sequence[Term]) -> np.ndarray:
        return np.concatenate([p.scores(terms) for p in self.parts])


class JointSearcher:
    """Each index's searcher picks its candidates; they are put on one scale and offset into the
    joint sentence numbering."""

    def __init__(self, parts: Sequence[Searcher], offsets: Sequence[int]) -> None:
        self.parts = list(parts)
        self.offsets = list(offsets)

    def candidates(self, query_vector: np.ndarray, terms: list[Term], question_chinese: bool,
                   asked: AnswerType = "") -> list[Candidate]:
        if len(self.parts) == 1:  # one index: its own scale
            return self.parts[0].candidates(query_vector, terms, question_chinese, asked=asked)
        found: list[list[Candidate]] = []
        best: list[float] = []  # each index's best raw BM25 score
        for searcher in self.parts:
            candidates, best_bm25 = searcher.scored_candidates(query_vector, terms, question_chinese, asked=asked)
            found.append(candidates)
            best.append(best_bm25)
        top = max(best, default=0.0)
        return [
            dataclasses.replace(c, sid=c.sid + offset, partner=c.partner + offset if c.partner >= 0 else -1,
                                lexical=c.lexical * part_best / top if top > 0 else 0.0)
            for cands, offset, part_best in zip(found, self.offsets, best, strict=True)
            for c in cands
        ]


class _JointVectors:
    """The sentence vectors of several indexes read as one matrix, without copying them: row lookup
    and matrix-vector product (what conflicts.py's neighbour scan uses)."""

    def __init__(self, parts: Sequence[np.ndarray], offsets: Sequence[int]) -> None:
        self.parts = list(parts)
        self.offsets = list(offsets)

    def __getitem__(self, sid: int) -> np.ndarray:
        part = int(np.searchsorted(self.offsets, sid, side="right")) - 1
        return self.parts[part][sid - self.offsets[part]]

    def __matmul__(self, vector: np.ndarray) -> np.ndarray:
        return np.concatenate([p @ vector for p in self.parts])


def joint_data(parts: Sequence[IndexData]) -> tuple[IndexData, list[int], list[int]]:
    """The indexes laid end to end: (data, first sentence id of each, first source number of each).
    Source numbers in the later indexes' sentences are shifted; a recording's transcript path is
    made absolute (it names the build it is in)."""
    sentences: list[Sentence] = []
    sources, texts, offsets, source_offsets = [], [], [], []
    probe_best: dict = {}
    for data in parts:
        offsets.append(len(sentences))
        source_offsets.append(len(sources))
        shift = len(sources)
        sentences.extend(data.sentences if not shift else
                         [dataclasses.replace(s, source=s.source + shift) for s in data.sentences])
        sources.extend(dataclasses.replace(s, transcript=str(data.transcript_file(s.transcript)))
                       if s.transcript else s for s in data.sources)
        texts.extend(data.texts)
        probe_best.update(data.manifest.get("probe_best", {}))
    first = parts[0]
    manifest = {"background": backgrounds(probe_best) if probe_best else first.manifest.get("background", {}),
                "joint": [str(p.path) for p in parts]}
    data = IndexData(manifest=manifest, sources=sources, texts=texts, sentences=sentences, chunks=[],
                     chunk_index=None, sentence_vectors=_JointVectors([p.sentence_vectors for p in parts], offsets),  # type: ignore[arg-type]
                     bm25=None, zh_en={}, en_zh={}, common=first.common, path=first.path)  # type: ignore[arg-type]
    return data, offsets, source_offsets
