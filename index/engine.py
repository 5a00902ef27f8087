"""The answer engine: one loaded index + model, answering `ask`, `search` and `check`.

Loading validates the index and rebuilds it when it is missing, stale (corpus or settings
changed) or corrupt, with a log line saying which. Queries do one model call (the
question's embedding) and array work; the engine is safe to share between threads.
"""

from __future__ import annotations

import logging
import re
import threading
import unicodedata
from dataclasses import dataclass

import numpy as np

from .answer import quotes as quote_selection
from .answer.citations import citation_url
from .build import build_index, corpus_fingerprint, require_documents
from .config import Settings
from .errors import BadQuestion, IndexCorrupt, IndexMissing, IndexProblem, IndexStale
from .ingest.versions import outdated_by
from .records import Answer, CheckResult, Evidence, Quote, Sentence
from .retrieve.embed import Embedder, QuestionEncoder, question_encoder
from .retrieve.lexical import Lexicon
from .retrieve.search import Candidate, Searcher, is_chinese
from .storage.store import IndexData, current_build, load_build, read_manifest
from .text.answer_types import AnswerType, asked_type
from .text.sentences import split_spans
from .text.timestamps import format_hms
from .verify.changes import changes, outdated_claim
from .verify.claims import check_claim
from .verify.conflicts import answer_focus, find_conflicts
from .verify.locate import QuoteLocator

log = logging.getLogger(__name__)


_ENCODE_LOCKS: dict[int, threading.Lock] = {}  # engines sharing a question encoder share its lock
CONFLICT_POOL = 8
MAX_CLAIMS_PER_MESSAGE = 10  # best passages (besides the quotes) examined for sources that disagree


@dataclass
class Retrieved:
    """What a question retrieves: candidate sentences, whether it is asked in Chinese, and its vector."""

    candidates: list[Candidate]
    chinese: bool  # the question is in Chinese
    asked: AnswerType  # the type of answer it asks for, "" for none (index/text/answer_types.py)
    vector: np.ndarray  # the question's embedding

_MENTION = re.compile(r"<(?:@[!&]?|#)\d+>|@(?:everyone|here)\b")
_CUSTOM_EMOJI = re.compile(r"<a?:(\w+):\d+>")
_EMPHASIS = re.compile(r"[*_`~|]+")  # removed: **What** -> What
_MARKUP = re.compile(r"[>#\[\]()]+")  # replaced by a space: [link](url) -> link url


def clean_question(raw: str, max_chars: int) -> tuple[str, str | None]:
    """Normalise a user's question for search; returns (question, notice or None).

    Mentions, custom emoji and markdown symbols are dropped (they carry no meaning for
    search); a question longer than max_chars is cut at a word boundary, with a notice.
    """
    text = unicodedata.normalize("NFC", raw or "")
    text = _CUSTOM_EMOJI.sub(r" \1 ", _MENTION.sub(" ", text))
    text = "".join(ch for ch in text if unicodedata.category(ch)[0] != "C" or ch in "\n\t")
    text = " ".join(_MARKUP.sub(" ", _EMPHASIS.sub("", text)).split())
    if not text:
        raise BadQuestion("the question is empty")
    notice = None
    if len(text) > max_chars:
        cut = text.rfind(" ", 0, max_chars)
        text = text[: cut if cut > max_chars // 2 else max_chars]
        notice = f"Your question was {len(raw):,} characters long; only the first {len(text):,} were used."
    return text, notice


class Engine:
    def __init__(self, settings: Settings, data: IndexData, questions: QuestionEncoder,
                 embedder: Embedder | None = None, lexicon: Lexicon | None = None,
                 searcher: Searcher | None = None, locators: list[QuoteLocator] | None = None) -> None:
        """`lexicon`, `searcher` and `locators` (each index's): given for an engine over several indexes
        (index/collections.py)."""
        self.settings = settings
        self.data = data
        self.questions = questions  # encodes questions (index/retrieve/embed.py: question_encoder)
        self._embedder = embedder  # the passage model, loaded when a rebuild needs it
        self.lexicon = lexicon or Lexicon(data.bm25, data.zh_en, data.en_zh, data.common)
        self.searcher = searcher or Searcher(data, self.lexicon)
        self.source_sentence_ids: list[list[int]] = [[] for _ in data.sources]
        for sid, sentence in enumerate(data.sentences):
            self.source_sentence_ids[sentence.source].append(sid)
        self.locator = QuoteLocator(
            data.texts, [[data.sentences[i].start for i in ids] for ids in self.source_sentence_ids], locators
        )
        self._encode_lock = _ENCODE_LOCKS.setdefault(id(questions), threading.Lock())  # one per model
        self.outdated = outdated_by(data.sources)  # older versions of a document -> its newest version

    # ---- loading ---------------------------------------------------------------------

    @classmethod
    def load(cls, settings: Settings, embedder: Embedder | None = None,
             questions: QuestionEncoder | None = None, one_shot: bool = False) -> Engine:
        """Load the live index, building it first when missing, stale or corrupt. `embedder`: the
        passage model when the caller has it loaded; `questions`: the question encoder, likewise.
        `one_shot`: the process answers one question and ends (the encoder loads quicker, runs slower)."""
        problem = index_problem(settings)
        if problem is not None:
            require_documents(settings.corpus_dir)
            log.warning("%s; building the index now", problem)
            embedder = embedder or Embedder(settings.index.model, settings.model_dir, settings.index.dims)
            build_index(settings, embedder)
        try:
            data = load_build(settings.index_dir, settings.mmap_index)
        except IndexCorrupt as exc:  # corrupted between the check and the load
            log.warning("%s; rebuilding the index", exc)
            embedder = embedder or Embedder(settings.index.model, settings.model_dir, settings.index.dims)
            build_index(settings, embedder)
            data = load_build(settings.index_dir, settings.mmap_index)
        if questions is None:
            questions = question_encoder(settings.index.model, settings.model_dir, settings.index.dims, embedder,
                                         one_shot)
        return cls(settings, data, questions, embedder)

    @property
    def embedder(self) -> Embedder:
        """The passage model (for rebuilds): the question encoder when it is the model itself
        (EmbeddingGemma's ONNX pipeline), else loaded on first use."""
        if self._embedder is None:
            index = self.settings.index
            shared = isinstance(self.questions, Embedder) and self.questions.name == index.model
            self._embedder = self.questions if shared else Embedder(index.model, self.settings.model_dir, index.dims)
        return self._embedder

    # ---- queries ---------------------------------------------------------------------

    def encode(self, text: str) -> np.ndarray:
        """The question's vector."""
        with self._encode_lock:  # torch models are not guaranteed thread-safe
            return self.questions.encode_one(text, "query")

    def retrieve(self, question: str) -> Retrieved:
        terms = self.lexicon.terms(question)
        chinese = is_chinese(question)
        asked = asked_type(question)
        vector = self.encode(question)
        candidates = self.searcher.candidates(vector, terms, chinese, asked=asked)
        return Retrieved(candidates, chinese, asked, vector)

    def candidates(self, question: str) -> list[Candidate]:
        return self.retrieve(question).candidates

    def ask(self, raw_question: str, k: int | None = None) -> Answer:
        question, notice = clean_question(raw_question, self.settings.max_question_chars)
        k = k or self.settings.top_k
        retrieved = self.retrieve(question)
        candidates = [c for c in retrieved.candidates if self.data.sentences[c.sid].source not in self.outdated]
        level, picks = quote_selection.select(candidates, self.data, k, question_chinese=retrieved.chinese,
                                              asked=retrieved.asked)
        conflicts, changed = [], []
        if level != "none":
            best = sorted(candidates, key=lambda c: c.score, reverse=True)[:CONFLICT_POOL]
            quoted = [sid for p in picks for sid in range(p.first, p.last + 1)]
            focus = answer_focus(self, question, quoted, self.encode, retrieved.vector)
            conflicts = find_conflicts(self, focus, quoted, [c.sid for c in best])
            # What the quotes' older versions said, about the quoted sentence closest to the question: a
            # passage may open with a sentence naming the topic that states another value of the kind.
            closest = sorted(quoted, key=lambda sid: -float(self.data.sentence_vectors[sid] @ retrieved.vector))
            changed = changes(self, closest, focus)
        return Answer(
            question=question,
            confidence=level,
            quotes=[self.quote(p) for p in picks],
            conflicts=conflicts,
            changed=changed,
            notice=notice,
        )

    def search(self, raw_query: str, limit: int = 25) -> list[Quote]:
        """Top passages for a lookup (no abstention): best-scoring sentence runs, deduplicated."""
        query, _ = clean_question(raw_query, self.settings.max_question_chars)
        _, picks = quote_selection.select(self.candidates(query), self.data, limit, judge=False)
        return [self.quote(p) for p in picks]

    def check(self, raw_claim: str) -> CheckResult:
        claim, notice = clean_question(raw_claim, self.settings.max_question_chars * 4)
        # Locating a quote works on the raw text (punctuation matters there).
        text = " ".join(unicodedata.normalize("NFC", raw_claim).split())[: len(claim) * 2 + 100]
        candidates = self.candidates(claim)
        current = [c for c in candidates if self.data.sentences[c.sid].source not in self.outdated]
        result = outdated_claim(self, claim, candidates) or check_claim(text, self, current)
        result.notice = notice
        return result

    # ---- citations -------------------------------------------------------------------

    def check_message(self, raw_text: str) -> list[CheckResult]:
        """A message of several sentences, checked claim by claim ("Check citations")."""
        whole = self.check(raw_text)
        if whole.evidence and whole.evidence[0].match in ("exact", "near-exact"):
            return [whole]  # the message is one quotation
        folded = " ".join(raw_text.split())
        claims = [part for a, b in split_spans(folded) if len((part := folded[a:b]).strip()) > 3]
        if len(claims) <= 1:
            return [whole]
        return [self.check(claim) for claim in claims[:MAX_CLAIMS_PER_MESSAGE]]

    def evidence(
        self, source: int, start: int, end: int, score: float, match: str, stance: str = "supports"
    ) -> Evidence:
        """Evidence for text[start:end] of a source, cited like a quote."""
        ids = self.source_sentence_ids[source]
        sentence = self.data.sentences[ids[self.locator.sentence_at(source, start)]]
        return Evidence(
            text=self.data.texts[source][start:end],
            **self._citation(sentence),
            stance=stance,
            score=score,
            match=match,
        )

    def quote(self, pick: quote_selection.Pick) -> Quote:
        data = self.data
        first = data.sentences[pick.first]
        last = data.sentences[pick.last]
        return Quote(
            text=data.texts[first.source][first.start : last.end],
            **self._citation(first),
            score=pick.score,
            start=first.start,
            end=last.end,
            also_in=[data.sources[i].file for i in pick.also_in],
        )

    def _citation(self, sentence: Sentence) -> dict[str, str | None]:
        """Where a quoted sentence stands: file, title, section, timestamp, link to that moment, for
        a recording the machine transcript (WebVTT) the quote can be checked against, and which
        collection it is in (index/collections.py)."""
        source = self.data.sources[sentence.source]
        return {
            "collection": self.collection_of(sentence.source),
            "source": source.file,
            "title": source.title,
            "section": sentence.section,
            "timestamp": format_hms(sentence.timestamp),
            "url": citation_url(source.url, source.recording, sentence.timestamp),
            "transcript": str(self.data.transcript_file(source.transcript)) if source.transcript else None,
        }


    def collection_of(self, source: int) -> str | None:
        """Which collection a source is in: None for an engine over one index."""
        return None


def index_problem(settings: Settings) -> IndexProblem | None:
    """Why the live index cannot be used as it is, or None when it can (cheap checks only:
    checksums are verified when the index is loaded)."""
    build_dir = current_build(settings.index_dir)
    if build_dir is None:
        return IndexMissing(f"no index in {settings.index_dir}")
    try:
        manifest = read_manifest(build_dir)
    except IndexProblem as exc:
        return exc
    if manifest.get("settings") != settings.index.as_dict():
        return IndexStale(f"index settings {manifest.get('settings')} differ from {settings.index.as_dict()}")
    if manifest.get("corpus_hash") != corpus_fingerprint(settings.corpus_dir):
        return IndexStale(f"the corpus in {settings.corpus_dir} changed since the index was built")
    return None
