"""One ranking over two indexes: does answering from a server's collection plus the shared library score
as well as one index of the same documents?

For every benchmark corpus of two or more files, its files are split in two halves (alternately, in
name order): one half is built as a server's collection, the other as the library, and the corpus's
questions are asked of the joint engine (index/collections.py: JointEngine) exactly as of the whole
corpus's engine. Both go through the same leave-one-corpus-out harness (benchmarks/calibrate.py): the
shipped ranking weights, the confidence models fitted on the other corpora. Nothing is fitted for
the split. Figures per corpus and macro-averaged, whole beside split.

    python benchmarks/split.py [--corpora NAME ...]

The halves reuse the whole corpus's sentence vectors (the build reuses vectors of unchanged
documents), so only the whole corpora are embedded.
"""

from __future__ import annotations

import argparse
import dataclasses
import logging
import shutil
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.calibrate import WEIGHT_GRID, Signals, collect, leave_one_out, macro
from benchmarks.suite import INDEXES, Corpus, corpora, engine_for
from index.build import build_index
from index.collections import LIBRARY, SERVER, JointEngine
from index.engine import Engine
from index.ingest.documents import discover
from index.ingest.manifest import MANIFEST_NAME
from index.retrieve import search

COLUMNS = ["hit@1 en", "hit@3 en", "hit@1 zh", "hit@3 zh", "shown", "answer", "trap answer", "offtopic none"]


def split_engine(corpus: Corpus, whole: Engine) -> Engine:
    """The corpus as a server's collection (even-numbered files) plus a library (the others)."""
    files = discover(corpus.folder)
    base = INDEXES / "split" / whole.settings.index.model.replace("bundled:", "") / corpus.name
    parts = []
    for half, chosen in (("collection", files[0::2]), ("library", files[1::2])):
        folder = base / half / "corpus"
        if folder.exists():
            shutil.rmtree(folder)
        folder.mkdir(parents=True)
        for path in chosen:
            shutil.copy2(path, folder / path.name)
        if (corpus.folder / MANIFEST_NAME).is_file():
            shutil.copy2(corpus.folder / MANIFEST_NAME, folder / MANIFEST_NAME)
        settings = dataclasses.replace(whole.settings, corpus_dir=folder, index_dir=base / half / "index")
        build_index(settings, whole.embedder, live=whole.data)  # the whole corpus's vectors, reused
        parts.append(Engine.load(settings, whole.embedder, whole.questions))
    joint = JointEngine(parts, [SERVER, LIBRARY])
    joint.settings = dataclasses.replace(joint.settings, corpus_dir=corpus.folder)  # transcripts' cues are read there
    return joint


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpora", nargs="*", help="only these corpora (default: all of two or more files)")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    selected = [c for c in corpora(args.corpora) if len(discover(c.folder)) >= 2]
    whole: dict[str, Engine] = {}
    split: dict[str, Engine] = {}
    embedder = None
    for corpus in selected:
        whole[corpus.name] = engine_for(corpus, embedder)
        embedder = whole[corpus.name].embedder
        split[corpus.name] = split_engine(corpus, whole[corpus.name])
        print(f"{corpus.name}: {len(whole[corpus.name].data.sources)} files, "
              f"{len(split[corpus.name].parts[0].data.sources)} in the collection")  # type: ignore[attr-defined]
    shipped = {name: (getattr(search.WEIGHTS, name),) for name in WEIGHT_GRID}
    vectors: dict = {}
    held = {label: leave_one_out(collect(selected, Signals(), vectors, engines, shipped))
            for label, engines in (("whole", whole), ("split", split))}
    print("\nLeave-one-corpus-out (shipped weights; confidence fitted on the other corpora), whole vs split")
    print(f"{'corpus':16}{'':6}" + "".join(f"{c:>14}" for c in COLUMNS))
    rows = [(h.corpus, h.figures, s.figures) for h, s in zip(held["whole"], held["split"], strict=True)]
    rows.append(("macro", macro(held["whole"]), macro(held["split"])))
    for name, a, b in rows:
        for label, values in (("whole", a), ("split", b)):
            cells = "".join(f"{values[c]:14.3f}" if c in values else f"{'-':>14}" for c in COLUMNS)
            print(f"{name if label == 'whole' else '':16}{label:6}{cells}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
