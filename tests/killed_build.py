"""A real `python -m index build` in a child process, killed (SIGKILL) at a given point of its log:
for the tests that an interrupted build leaves the previous index usable."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

from index.config import Settings


def kill_build_at(settings: Settings, marker: str, timeout: float = 120) -> None:
    """Start a build of `settings`' corpus and kill it once a line of its log holds `marker`."""
    env = {**os.environ, "QUOTEBOT_CORPUS_DIR": str(settings.corpus_dir),
           "QUOTEBOT_INDEX_DIR": str(settings.index_dir)}
    proc = subprocess.Popen([sys.executable, "-m", "index", "build"], env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, text=True)
    assert proc.stderr is not None
    deadline = time.monotonic() + timeout
    for line in proc.stderr:
        if marker in line or time.monotonic() > deadline:
            break
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL
