"""sha256 of files, and the check that a file is the one expected (model weights, index parts)."""

from __future__ import annotations

import hashlib
from pathlib import Path


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def checked_file(path: Path, expected: str, what: str, error: type[Exception]) -> Path:
    """`path`, after making sure it exists and has sha256 `expected`; else raises `error`."""
    if not path.is_file():
        raise error(f"{what} not found at {path}")
    actual = sha256_file(path)
    if actual != expected:
        raise error(f"{what} at {path} has sha256 {actual}, expected {expected}")
    return path
