"""Dense-only ranking: which stored dimension (quality against index size), and which document prompt.

    python benchmarks/dense.py [--dims 768 512 256 128] [--prompts]

For every benchmark corpus (its index built at the model's full dimension), each answerable
question's vector and every sentence vector are cut to the first d dimensions and renormalised
(EmbeddingGemma is trained for this); sentences are ranked by cosine alone (no BM25, no
calibration: nothing fitted, so nothing to hold out) and a question hits when the first (three)
sentences hold its gold text. Printed per corpus and as the macro-average over corpora, beside the
bytes the vectors take per sentence and for the 1M-passage scale benchmark.

With --context, sentences are ranked by their closeness read with their neighbours
(index/retrieve/search.py: a pair of sentences, the normalised sum of their vectors, counts when it is
closer than each alone, and is then quoted whole), for several ways of choosing the neighbours: none,
the next sentence in the paragraph (before December 2026), and 1 to 3 sentences either way in the
section; with the mean length of the first quote.

With --previous, every sentence is embedded again with the sentence before it in its section read first
(`title: {title} | text: {previous} {sentence}`; today only a sentence that refers back, "It …", "这…",
is embedded with the one before it, and only within its paragraph), for two cases: a sentence that
refers back takes the previous sentence of its section, and every sentence does. Each is ranked alone
and read with the next three in its section, as shipped; what a vector read is quoted (the sentence
before it too).

With --prompts, every sentence is embedded again with EmbeddingGemma's document prompt carrying the
document's title (`title: {title} | text: `) and with its section heading instead of `none`, and the
same dense-only figures are printed for each (at the full dimension).
"""

from __future__ import annotations

import argparse
import dataclasses
import logging
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.suite import corpora, engine_for, hits
from index.build import embedding_inputs
from index.engine import clean_question
from index.retrieve.search import Searcher
from index.storage.store import IndexData
from index.text.sentences import refers_back

PREVIOUS = ("refers back: previous in section", "always: previous in section")
CONTEXTS = {"own sentence": (0, False), "next in paragraph": (1, True), "1 in section": (1, False),
            "2 in section": (2, False), "3 in section": (3, False)}  # label -> (reach, paragraph only)


def truncated(vectors: np.ndarray, dims: int) -> np.ndarray:
    cut = vectors[..., :dims]
    return cut / np.linalg.norm(cut, axis=-1, keepdims=True).clip(min=1e-12)


def scored(questions: np.ndarray, vectors: np.ndarray, items: list, texts: list[str]) -> tuple[float, ...]:
    """(hit@1, hit@3, hit@1 en, hit@1 zh) of ranking sentences by cosine alone."""
    top = np.argsort(-(questions @ vectors.T), axis=1)[:, :3]
    first = [hits(texts[t[0]], i.gold) for t, i in zip(top, items, strict=True)]
    three = [any(hits(texts[s], i.gold) for s in t) for t, i in zip(top, items, strict=True)]
    by_lang = {lang: [f for f, i in zip(first, items, strict=True) if i.lang == lang] for lang in ("en", "zh")}
    return (float(np.mean(first)), float(np.mean(three)),
            float(np.mean(by_lang["en"])) if by_lang["en"] else float("nan"),
            float(np.mean(by_lang["zh"])) if by_lang["zh"] else float("nan"))


def context_scored(searcher: Searcher, questions: np.ndarray, items: list,
                   data: IndexData, opens: np.ndarray | None = None) -> tuple[float, ...]:
    """(hit@1, hit@3, hit@1 en, hit@1 zh, mean length of the first quote) of ranking by closeness with
    neighbours; a sentence whose pair wins is quoted with its partner (and what lies between). `opens`:
    the first sentence of what each sentence's vector read (itself, or the one before it)."""
    first, three, lengths = [], [], []
    for vector, item in zip(questions, items, strict=True):
        best, partner = searcher.closeness(data.sentence_vectors @ vector)
        shown: list[str] = []
        covered: set[int] = set()
        for sid in np.argsort(-best):
            if int(sid) in covered:
                continue
            lo, hi = sorted((int(sid), int(partner[sid]) if partner[sid] >= 0 else int(sid)))
            lo = int(opens[lo]) if opens is not None else lo
            covered.update(range(lo, hi + 1))
            a, b = data.sentences[lo], data.sentences[hi]
            shown.append(data.texts[a.source][a.start : b.end])
            if len(shown) == 3:
                break
        first.append(hits(shown[0], item.gold))
        three.append(any(hits(t, item.gold) for t in shown))
        lengths.append(len(shown[0]))
    by_lang = {lang: [f for f, i in zip(first, items, strict=True) if i.lang == lang] for lang in ("en", "zh")}
    return (float(np.mean(first)), float(np.mean(three)),
            float(np.mean(by_lang["en"])) if by_lang["en"] else float("nan"),
            float(np.mean(by_lang["zh"])) if by_lang["zh"] else float("nan"), float(np.mean(lengths)))


def report(table: dict[str, dict], labels: list) -> None:
    for label in labels:
        mean = np.nanmean(np.array([table[name][label] for name in table]), axis=0)
        chars = f", first quote {mean[4]:.0f} chars" if len(mean) > 4 else ""
        print(f"  {label!s:>18}: {mean[0]:.3f} / {mean[1]:.3f}  (en {mean[2]:.3f}, zh {mean[3]:.3f}{chars})")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--dims", type=int, nargs="*", default=[768, 512, 256, 128])
    parser.add_argument("--prompts", action="store_true", help="also compare document prompts with a title")
    parser.add_argument("--previous", action="store_true",
                        help="also compare embedding each sentence after the one before it in its section")
    parser.add_argument("--context", action="store_true", help="also compare ways of reading a sentence in context")
    parser.add_argument("--corpora", nargs="*", help="only these corpora (default: all)")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    table: dict[str, dict[int, tuple[float, float, float, float]]] = {}
    embedder = None
    for corpus in corpora(args.corpora):
        engine = engine_for(corpus, embedder)
        embedder = engine._embedder or embedder
        items = [i for i in corpus.items if i.kind == "answerable"]
        texts = [engine.data.sentence_text(s) for s in range(len(engine.data.sentences))]
        questions = np.stack([engine.encode(clean_question(i.question, 1000)[0]) for i in items])
        data = engine.data
        row: dict = {dims: scored(truncated(questions, dims), truncated(data.sentence_vectors, dims), items, texts)
                     for dims in args.dims}
        if args.prompts:
            titles = [data.sources[s.source].title or "none" for s in data.sentences]
            for label, headings in (("title", titles),
                                    ("section", [s.section or t for s, t in zip(data.sentences, titles, strict=True)])):
                prompted = [f"title: {h} | text: {t}" for h, t in zip(headings, texts, strict=True)]
                row[label] = scored(questions, engine.embedder.encode(prompted, "raw"), items, texts)
        if args.previous:
            titles = [data.sources[s.source].title or "none" for s in data.sentences]
            shipped = embedding_inputs(data.sentences, texts)
            for label in PREVIOUS:
                inputs, shown, opens = [], [], np.arange(len(texts))
                for sid, (sentence, text) in enumerate(zip(data.sentences, texts, strict=True)):
                    before = data.sentences[sid - 1] if sid else None
                    same_section = before is not None and before.source == sentence.source \
                        and before.section == sentence.section
                    wanted = same_section and (label.startswith("always") or refers_back(text))
                    inputs.append(f"{texts[sid - 1]} {text}" if wanted else shipped[sid])
                    # What the vector read is what is quoted: the sentence before it too.
                    opens[sid] = sid - 1 if wanted else sid
                    first = data.sentences[opens[sid]]
                    shown.append(data.texts[sentence.source][first.start : sentence.end])
                vectors = truncated(engine.embedder.encode(
                    [f"title: {t} | text: {x}" for t, x in zip(titles, inputs, strict=True)], "raw"),
                    data.sentence_vectors.shape[1])
                row[label] = scored(questions, vectors, items, shown)
                variant = dataclasses.replace(data, sentence_vectors=vectors)
                row[label + ", 3 in section"] = context_scored(Searcher(variant, engine.lexicon, 3, False), questions,
                                                               items, variant, opens)
            row["shipped, 3 in section"] = context_scored(Searcher(data, engine.lexicon, 3, False), questions,
                                                          items, data)
        if args.context:
            for label, (reach, paragraph_only) in CONTEXTS.items():
                row[label] = context_scored(Searcher(data, engine.lexicon, reach, paragraph_only), questions,
                                            items, data)
        table[corpus.name] = row
        print(f"{corpus.name:14}" + "".join(f"  {d}: {v[0]:.3f}/{v[1]:.3f}" for d, v in row.items()), flush=True)
    print("\nmacro-average over corpora, dense only: hit@1 / hit@3 (en hit@1, zh hit@1)")
    report(table, list(args.dims) + (["title", "section"] if args.prompts else [])
           + (list(CONTEXTS) if args.context else [])
           + ([x for label in PREVIOUS for x in (label, label + ", 3 in section")] + ["shipped, 3 in section"]
              if args.previous else []))
    print("vector bytes per sentence / GiB for 1M passages: "
          + ", ".join(f"{d}: {d * 4} B / {d * 4 * 1e6 / 2**30:.2f} GiB" for d in args.dims))
    return 0


if __name__ == "__main__":
    sys.exit(main())
