"""How close an unrelated question comes to this corpus: its *background* similarity.

Cosines of one embedding model are not comparable across corpora as they are: e5's best cosine for
a question on nothing the documents cover is about 0.78 on talk transcripts and 0.83 on technical
READMEs. So each build asks a fixed set of everyday questions (about post offices, taps, puppies:
nothing a corpus of talks or articles is likely to cover) and keeps the mean best cosine they reach.
The confidence models (answer/confidence.py) read a question's cosine *above* that background, which means
the same on any corpus.

Cosines across languages run lower than within one (an English question and the Chinese sentence that
answers it), so the background is kept per pair of languages: how close English probes come to the
corpus's English sentences, to its Chinese ones, and the same for Chinese probes. A candidate's lift
is read against the pair it belongs to.

Builds are incremental, so the index keeps each document's best cosine per probe and sentence
language (`probe_best` in the manifest, by the document's sha256): an unchanged document keeps its
values, and the probes are embedded only when a document is new or changed.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

PROBES = (
    "What time does the post office open on Saturdays?",
    "How do I fix a leaking kitchen tap?",
    "Which vitamins are in spinach?",
    "How much does a used car cost?",
    "What is the population of Canada?",
    "How do I train a puppy to sit?",
    "Who painted the Mona Lisa?",
    "What should I pack for a beach holiday?",
    "邮局周六几点开门？",
    "水龙头漏水怎么修？",
    "菠菜里有哪些维生素？",
    "二手车多少钱？",
    "加拿大有多少人口？",
    "怎么训练小狗坐下？",
    "蒙娜丽莎是谁画的？",
    "去海边度假要带什么？",
)


LANGUAGES = ("en", "zh")
PROBE_LANGUAGES = ("en",) * 8 + ("zh",) * 8  # the language of each of PROBES


def probe_best(encode_questions: Callable[[list[str]], np.ndarray],
               documents: dict[str, tuple[np.ndarray, np.ndarray]],
               known: dict[str, dict[str, list[float]]]) -> dict[str, dict[str, list[float]]]:
    """Each document's best cosine per probe among its sentences of each language: from `known`
    (the live index's) where it has the document, else computed (the probes are embedded only
    then). `documents`: sha256 -> (sentence vectors, which sentences are Chinese)."""
    probes: np.ndarray | None = None
    out: dict[str, dict[str, list[float]]] = {}
    for sha, (vectors, chinese) in documents.items():
        if isinstance(known.get(sha), dict):
            out[sha] = known[sha]
            continue
        if probes is None:
            probes = encode_questions(list(PROBES))
        out[sha] = {}
        for language, mask in (("en", ~chinese), ("zh", chinese)):
            if mask.any():
                best = np.max(probes @ vectors[mask].T, axis=1)
                out[sha][language] = [round(float(v), 6) for v in best]
    return out


def backgrounds(best: dict[str, dict[str, list[float]]]) -> dict[str, float]:
    """For each pair "question language>sentence language" the corpus has sentences for: the mean,
    over the probes in the question's language, of the best cosine any such sentence reaches."""
    out: dict[str, float] = {}
    for sentence_language in LANGUAGES:
        rows = [values[sentence_language] for values in best.values() if sentence_language in values]
        if not rows:
            continue
        top = np.max(np.array(rows), axis=0)
        for question_language in LANGUAGES:
            mine = [v for v, lang in zip(top, PROBE_LANGUAGES, strict=True) if lang == question_language]
            out[f"{question_language}>{sentence_language}"] = float(np.mean(mine))
    return out


def background_for(table: dict[str, float], question_language: str, sentence_language: str) -> float:
    """The pair's background; a pair the corpus has no sentences for never has candidates, so any
    value does (the mean of the others)."""
    key = f"{question_language}>{sentence_language}"
    return table[key] if key in table else float(np.mean(list(table.values()))) if table else 0.0
