"""How close an unrelated question comes to this corpus: its *background* similarity.

Cosines of one embedding model are not comparable across corpora as they are: e5's best cosine for
a question on nothing the documents cover is about 0.78 on talk transcripts and 0.83 on technical
READMEs. So each build asks a fixed set of everyday questions (about post offices, taps, puppies:
nothing a corpus of talks or articles is likely to cover) and keeps the mean best cosine they reach.
The confidence models (confidence.py) read a question's cosine *above* that background, which means
the same on any corpus.

Builds are incremental, so the index keeps each document's best cosine per probe (`probe_best` in
the manifest, by the document's sha256): an unchanged document keeps its values, and the probes are
embedded only when a document is new or changed.
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


def probe_best(encode_questions: Callable[[list[str]], np.ndarray], vectors_by_document: dict[str, np.ndarray],
               known: dict[str, list[float]]) -> dict[str, list[float]]:
    """Each document's best cosine per probe: from `known` (the live index's) where it has the
    document, else computed (the probes are embedded only then). Keys are document sha256s."""
    probes: np.ndarray | None = None
    out: dict[str, list[float]] = {}
    for sha, vectors in vectors_by_document.items():
        if sha in known and len(known[sha]) == len(PROBES):
            out[sha] = known[sha]
            continue
        if probes is None:
            probes = encode_questions(list(PROBES))
        best = np.max(probes @ vectors.T, axis=1) if len(vectors) else np.full(len(PROBES), -1.0)
        out[sha] = [round(float(v), 6) for v in best]
    return out


def background(best: dict[str, list[float]]) -> float:
    """The mean, over PROBES, of the best cosine any document reaches."""
    if not best:
        return 0.0
    return float(np.mean(np.max(np.array(list(best.values())), axis=0)))
