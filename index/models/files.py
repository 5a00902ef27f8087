"""What the model installers share: a model is built in a temporary folder beside its place and
renamed into place only when every check passed, so a failed or interrupted install leaves no
half-made model where a load would find it."""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path


class InstallError(RuntimeError):
    """One step of an install failed; the message names the step and why."""


@contextlib.contextmanager
def built_in_place(folder: Path) -> Iterator[Path]:
    """A new empty folder beside `folder` to build the model in; when the block ends without an error it
    replaces `folder` (readable by all: mkdtemp makes it private), otherwise it is deleted. Leftovers of
    an interrupted install of the same model are deleted first."""
    folder.parent.mkdir(parents=True, exist_ok=True)
    for stale in folder.parent.glob(f".{folder.name}-*"):
        shutil.rmtree(stale, ignore_errors=True)
    work = Path(tempfile.mkdtemp(prefix=f".{folder.name}-", dir=folder.parent))
    try:
        yield work
        for path in work.rglob("*"):
            path.chmod(0o755 if path.is_dir() else 0o644)
        work.chmod(0o755)
        if folder.exists():
            shutil.rmtree(folder)
        os.replace(work, folder)
    finally:
        shutil.rmtree(work, ignore_errors=True)

