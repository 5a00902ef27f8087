"""Conflict benchmark: are the "Sources disagree" reports true, and are the true ones reported?

For each corpus (CORPORA), every question of its question sets is asked (`ask`) and every claim
checked (`check`); each pair of sentences reported as disagreeing is looked up in the corpus's label
file, where each pair was labelled true or false by reading both sentences (with a one-line reason).

* precision: labelled-true pairs among the distinct pairs reported;
* recall: questions written to ask for a value the sources truly disagree on ("expect" in the
  questions file) whose answer shows a labelled-true pair; and, separately, the share of all
  labelled-true pairs reported at least once;
* false alarms: answers (and checks) showing "Sources disagree" among those that show no true conflict.

A reported pair missing from the label file is listed as unlabelled and counted as neither true nor
false: label it (by reading both sentences) and run again.

Versions of one document count the same way: a value an answer reports as changed, or a claim
checked as outdated, is a reported pair (the older and the newer sentence).

    python benchmarks/conflicts.py [--corpus bundled|titanic|versions] [--json OUT]
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import logging
import sys
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from index.config import load_settings
from index.engine import Engine

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
CONFLICTS = HERE / "conflicts"
INDEXES = HERE / "results" / "conflict-indexes"  # one index per corpus and model
log = logging.getLogger("conflicts")


@dataclass
class Corpus:
    name: str
    documents: Path
    question_files: list[Path]
    labels: Path


CORPORA = {
    "bundled": Corpus("bundled", ROOT / "corpus",
                      [HERE / "questions.jsonl", HERE / "heldout.jsonl", CONFLICTS / "bundled_questions.jsonl"],
                      CONFLICTS / "bundled_labels.jsonl"),
    "titanic": Corpus("titanic", CONFLICTS / "titanic" / "documents",
                      [CONFLICTS / "titanic" / "questions.jsonl"], CONFLICTS / "titanic" / "labels.jsonl"),
    "versions": Corpus("versions", CONFLICTS / "versions" / "documents",
                       [CONFLICTS / "versions" / "questions.jsonl"], CONFLICTS / "versions" / "labels.jsonl"),
}

Pair = frozenset[tuple[str, str]]  # {(source file, sentence text), (source file, sentence text)}


@dataclass
class Figures:
    answers: int = 0
    with_true: int = 0
    false_alarms: int = 0
    targets: int = 0
    targets_found: int = 0
    reported: dict[Pair, list[str]] = field(default_factory=dict)  # pair -> ids of the items that showed it


def pair_of(conflict: dict) -> Pair:
    """The two sentences of a disagreement, of a change ("changed": before / after) or of an outdated claim."""
    sides = conflict["sources"] if "sources" in conflict else [conflict["before"], conflict["after"]]
    return frozenset((side["source"], side["text"]) for side in sides)


def load_labels(path: Path) -> dict[Pair, dict]:
    labels = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            row = json.loads(line)
            labels[frozenset(((row["a"]["source"], row["a"]["text"]), (row["b"]["source"], row["b"]["text"])))] = row
    return labels


def items(corpus: Corpus) -> list[dict]:
    out = []
    for path in corpus.question_files:
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                item = json.loads(line)
                if item.get("kind", "question") in ("question", "unanswerable", "claim"):
                    out.append(item)
    return out


def run(corpus: Corpus) -> tuple[Figures, dict[Pair, dict]]:
    settings = dataclasses.replace(load_settings(), corpus_dir=corpus.documents, index_dir=INDEXES / corpus.name)
    engine = Engine.load(settings)
    labels = load_labels(corpus.labels)
    figures = Figures()
    for item in items(corpus):
        if item.get("kind") == "claim":
            result = engine.check(item["claim"])
            conflicts = result.conflicts
            if result.verdict == "outdated":
                old, new = result.evidence[:2]
                conflicts = [*conflicts, {"sources": [{"source": old.source, "text": old.text},
                                                      {"source": new.source, "text": new.text}]}]
        else:
            answer = engine.ask(item["question"])
            conflicts = answer.conflicts + answer.changed
        pairs = [pair_of(c) for c in conflicts]
        for pair in pairs:
            figures.reported.setdefault(pair, []).append(item["id"])
        true_shown = any(labels.get(p, {}).get("true") for p in pairs)
        figures.answers += 1
        if item.get("expect"):
            figures.targets += 1
            figures.targets_found += true_shown
        if true_shown:
            figures.with_true += 1
        elif pairs:
            figures.false_alarms += 1
    return figures, labels


def summary(name: str, figures: Figures, labels: dict[Pair, dict]) -> dict[str, float | int | str]:
    judged = [labels[p]["true"] for p in figures.reported if p in labels]
    all_true = [p for p, row in labels.items() if row["true"]]
    quiet = figures.answers - figures.with_true
    return {
        "corpus": name,
        "model": load_settings().index.model,
        "items asked or checked": figures.answers,
        "distinct pairs reported": len(figures.reported),
        "of them labelled true / false / unlabelled": f"{sum(judged)} / {len(judged) - sum(judged)} / "
                                                     f"{len(figures.reported) - len(judged)}",
        "precision": sum(judged) / len(judged) if judged else float("nan"),
        "recall (questions asking for a disputed value)": (figures.targets_found / figures.targets
                                                           if figures.targets else float("nan")),
        "questions asking for a disputed value": figures.targets,
        "labelled true pairs reported at least once": f"{sum(p in figures.reported for p in all_true)} of "
                                                      f"{len(all_true)}",
        "false-alarm rate (answers without a true conflict)": figures.false_alarms / quiet if quiet else 0.0,
        "answers without a true conflict": quiet,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", choices=sorted(CORPORA), action="append")
    parser.add_argument("--json", type=Path, help="also write the figures as JSON here")
    parser.add_argument("-v", "--verbose", action="store_true", help="list every reported pair with its label")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING, format="%(message)s")
    log.setLevel(logging.INFO)
    results = []
    for name in args.corpus or list(CORPORA):
        figures, labels = run(CORPORA[name])
        row = summary(name, figures, labels)
        results.append(row)
        for key, value in row.items():
            log.info("%-52s %s", key, f"{value:.3f}" if isinstance(value, float) else value)
        for pair, ids in figures.reported.items():
            label = labels.get(pair)
            if label is None or not label["true"] or args.verbose:
                state = "UNLABELLED" if label is None else ("true" if label["true"] else "false")
                sides = " | ".join(f"{source}: {text[:90]}" for source, text in sorted(pair))
                log.info("  %s (%s): %s%s", state, ", ".join(ids[:5]), sides,
                         f"  — {label['reason']}" if label else "")
        log.info("")
    if args.json:
        args.json.write_text(json.dumps(results, indent=2, ensure_ascii=False), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
