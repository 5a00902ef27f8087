"""Dense-only ranking: which stored dimension (quality against index size), and which document prompt.

    python benchmarks/dense.py [--dims 768 512 256 128] [--prompts]

For every benchmark corpus (its index built at the model's full dimension), each answerable
question's vector and every sentence vector are cut to the first d dimensions and renormalised
(EmbeddingGemma is trained for this); sentences are ranked by cosine alone (no BM25, no
calibration: nothing fitted, so nothing to hold out) and a question hits when the first (three)
sentences hold its gold text. Printed per corpus and as the macro-average over corpora, beside the
bytes the vectors take per sentence and for the 1M-passage scale benchmark.

With --prompts, every sentence is embedded again with EmbeddingGemma's document prompt carrying the
document's title (`title: {title} | text: `) and with its section heading instead of `none`, and the
same dense-only figures are printed for each (at the full dimension).
"""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.suite import corpora, engine_for, hits
from index.engine import clean_question


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


def report(table: dict[str, dict], labels: list) -> None:
    for label in labels:
        mean = np.nanmean(np.array([table[name][label] for name in table]), axis=0)
        print(f"  {label!s:>12}: {mean[0]:.3f} / {mean[1]:.3f}  (en {mean[2]:.3f}, zh {mean[3]:.3f})")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--dims", type=int, nargs="*", default=[768, 512, 256, 128])
    parser.add_argument("--prompts", action="store_true", help="also compare document prompts with a title")
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
        table[corpus.name] = row
        print(f"{corpus.name:14}" + "".join(f"  {d}: {v[0]:.3f}/{v[1]:.3f}" for d, v in row.items()), flush=True)
    print("\nmacro-average over corpora, dense only: hit@1 / hit@3 (en hit@1, zh hit@1)")
    report(table, list(args.dims) + (["title", "section"] if args.prompts else []))
    print("vector bytes per sentence / GiB for 1M passages: "
          + ", ".join(f"{d}: {d * 4} B / {d * 4 * 1e6 / 2**30:.2f} GiB" for d in args.dims))
    return 0


if __name__ == "__main__":
    sys.exit(main())
