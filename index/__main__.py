"""`python -m index build [--corpus DIR] [--out DIR]`: build or refresh the index.
`python -m index check`: is the live index present, current and intact? (exit 0 / 1)"""

from __future__ import annotations

import argparse
import dataclasses
import logging
import sys
from pathlib import Path

from .build import TerminalLog, build_index
from .config import Settings, load_settings
from .engine import index_problem
from .errors import ConfigError, CorpusEmpty, IndexProblem, ModelError
from .storage.store import load_build


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m index", description="Build the quote index.")
    sub = parser.add_subparsers(dest="command", required=True)
    build = sub.add_parser("build", help="build or refresh the index from the corpus")
    build.add_argument("--corpus", type=Path, help="corpus folder (default: QUOTEBOT_CORPUS_DIR or ./corpus)")
    build.add_argument("--out", type=Path, help="index folder (default: QUOTEBOT_INDEX_DIR or ./.index)")
    sub.add_parser("check", help="verify the live index (present, not stale, checksums match)")
    args = parser.parse_args(argv)
    try:
        settings = load_settings()
    except ConfigError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    logging.basicConfig(level=settings.log_level, format="%(message)s", handlers=[TerminalLog(sys.stderr)])
    if getattr(args, "corpus", None):
        settings = dataclasses.replace(settings, corpus_dir=args.corpus.resolve())
    if getattr(args, "out", None):
        settings = dataclasses.replace(settings, index_dir=args.out.resolve())
    if args.command == "check":
        return _check(settings)
    try:
        report = build_index(settings)
    except (FileNotFoundError, CorpusEmpty) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except ModelError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(
        f"indexed {report.documents} documents ({report.sentences} sentences, {report.chunks} chunks) "
        f"in {report.seconds:.1f} s -> {report.path}\n{report.summary()}"
    )
    for name, reason in report.skipped:
        print(f"skipped {name}: {reason}")
    return 0


def _check(settings: Settings) -> int:
    problem = index_problem(settings)
    if problem is None:
        try:
            load_build(settings.index_dir)
        except IndexProblem as exc:
            problem = exc
    if problem is not None:
        print(f"index not usable: {problem}", file=sys.stderr)
        return 1
    print(f"index ok: {settings.index_dir}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
