"""The evaluation corpora, their questions, and one built index per corpus.

Corpora (each its own index, its own questions):
* `bundled`: corpus/ with benchmarks/questions.jsonl and heldout.jsonl (the xAI all-hands);
* the others in benchmarks/corpora/ (real public documents, questions written for this project;
  each file's source in benchmarks/corpora/SOURCES.md; checked by benchmarks/check_corpora.py).

Every corpus is also asked the off-topic questions of benchmarks/offtopic.jsonl (cooking, sport,
travel: nothing any corpus covers). Three kinds of item: `answerable` (gold text given), `trap`
(on the corpus's topic, not answered by it) and `offtopic`.
"""

from __future__ import annotations

import bisect
import dataclasses
import functools
import json
import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from benchmarks.check_corpora import parse_cues
from index.config import REPO_ROOT, load_settings
from index.engine import Engine
from index.retrieve.embed import Embedder

HERE = Path(__file__).resolve().parent
OWN = HERE / "corpora"
INDEXES = HERE / "results" / "indexes"
HEAD = 40  # characters of a quote's opening (whitespace aside) that place it in a transcript
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Item:
    id: str
    corpus: str
    kind: str  # "answerable" | "trap" | "offtopic"
    lang: str
    question: str
    gold: tuple[tuple[str, ...], ...] = ()  # alternatives, each a tuple of terms that must all occur
    time: str | None = None  # HH:MM:SS the hitting quote must be cited at (transcripts)


@dataclass(frozen=True)
class Corpus:
    name: str
    folder: Path
    items: tuple[Item, ...]


def squash(text: str) -> str:
    return "".join(text.lower().split())


def hits(text: str, gold: Sequence[Sequence[str]]) -> bool:
    """A quote hits when, lower-cased and without whitespace, it holds every term of one alternative."""
    flat = squash(text)
    return any(all(squash(term) in flat for term in alternative) for alternative in gold)


@functools.cache
def cue_starts(path: Path) -> list[tuple[str, str]]:
    """(start HH:MM:SS, text) of each cue of a WebVTT or SubRip file, read by the corpora's own
    checker (check_corpora.py), independently of the engine's parser. Read once per file:
    calibrate.py asks for the same transcripts at every grid point."""
    return parse_cues(path.read_text(encoding="utf-8-sig"))


def expected_time(cues: list[tuple[str, str]], quote: str, gold_time: str) -> str | None:
    """The start of the cue a quote's first words are spoken in: the last such cue at or before
    the gold text's cue (a quote may start earlier in the same run of speech). The quote's opening
    (its first HEAD characters, whitespace aside) is found in the cues' text read as one run, so a
    quote opening with the end of a cue ("… talk. It" / "shows a fork …") or with a speaker's name
    that starts many cues is placed where it really starts."""
    joined, offsets = "", []
    for _, text in cues:
        offsets.append(len(joined))
        joined += squash(text)
    head = squash(quote)[:HEAD]
    found = [m.start() for m in re.finditer(re.escape(head), joined)] if head else []
    starts = [cues[bisect.bisect_right(offsets, at) - 1][0] for at in found]
    starts = [start for start in starts if start <= gold_time]
    if starts:
        return starts[-1]
    words = quote.split()  # the opening runs past what the cues say (markup): the first words alone
    for n in (4, 3, 2, 1):
        head = squash(" ".join(words[:n]))
        starts = [start for start, text in cues if head in squash(text) and start <= gold_time]
        if starts:
            return starts[-1]
    return None


def _lines(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def _offtopic(corpus: str) -> list[Item]:
    return [Item(f"{corpus}/{row['id']}", corpus, "offtopic", row["lang"], row["question"])
            for row in _lines(HERE / "offtopic.jsonl")]


def _bundled() -> Corpus:
    items = []
    for path in (HERE / "questions.jsonl", HERE / "heldout.jsonl"):
        for row in _lines(path):
            if row["kind"] == "question":
                gold = tuple(tuple(alt) for alt in row["gold"])
                items.append(Item(f"bundled/{row['id']}", "bundled", "answerable", row["lang"], row["question"], gold))
            elif row["kind"] == "unanswerable":
                items.append(Item(f"bundled/{row['id']}", "bundled", "trap", row["lang"], row["question"]))
    return Corpus("bundled", REPO_ROOT / "corpus", tuple(items + _offtopic("bundled")))


def _folder(folder: Path) -> Corpus:
    name = folder.name
    items = []
    for row in _lines(folder / "questions.jsonl"):
        kind = "answerable" if row["gold"] else "trap"
        gold = tuple((g,) for g in row["gold"])
        items.append(Item(row["id"], name, kind, row["lang"], row["question"], gold, row.get("time")))
    return Corpus(name, folder, tuple(items + _offtopic(name)))


def corpora(names: list[str] | None = None) -> list[Corpus]:
    folders = sorted(p.parent for p in OWN.glob("*/questions.jsonl"))
    found = [_bundled()] + [_folder(f) for f in folders]
    return [c for c in found if names is None or c.name in names]


def engine_for(corpus: Corpus, embedder: Embedder | None = None) -> Engine:
    """The corpus's engine; its index is built into benchmarks/results/indexes/<model>/<name> on first
    use (and rebuilt when the corpus or the settings change): each model keeps its own indexes."""
    base = load_settings()
    model = base.index.model.replace("bundled:", "").replace("/", "_")
    settings = dataclasses.replace(base, corpus_dir=corpus.folder, index_dir=INDEXES / model / corpus.name)
    return Engine.load(settings, embedder)
