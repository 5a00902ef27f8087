"""A salted, one-way hash of a Discord user id: what the question log (and any audit record) keeps
instead of the id or the name.

The salt is QUOTEBOT_LOG_SALT when set; otherwise a random 32-byte secret (``secrets``) kept in a
file beside the question log (``<question log folder>/user-hash.salt``, mode 0600), created once
and read on every start, so one user's hash stays the same across restarts. Without the salt the
hashes cannot be tied back to ids (a user id alone is guessable; the salt is not). Deleting the
salt file unlinks every hash already stored from every future one.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import os
import secrets
import threading
from pathlib import Path

from index.config import DEFAULT_QUESTION_LOG, Settings, load_settings

log = logging.getLogger(__name__)

SALT_FILE = "user-hash.salt"
HASH_CHARS = 32  # 128 bits of HMAC-SHA256, as hex


def salt_path(settings: Settings) -> Path:
    """Where the salt file lives: beside the question log (its default place when the log is off)."""
    return (settings.question_log or DEFAULT_QUESTION_LOG).parent / SALT_FILE


def load_salt(path: Path) -> bytes:
    """Read the salt file, creating it once (atomically, never overwriting) when absent."""
    try:
        return bytes.fromhex(path.read_text(encoding="ascii").strip())
    except FileNotFoundError:
        pass
    path.parent.mkdir(parents=True, exist_ok=True)
    salt = secrets.token_bytes(32)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another process created it in between: use theirs
        return bytes.fromhex(path.read_text(encoding="ascii").strip())
    with os.fdopen(fd, "w", encoding="ascii") as file:
        file.write(salt.hex() + "\n")
        file.flush()
        os.fsync(file.fileno())
    log.info("created the user-hash salt %s", path)
    return salt


class UserHasher:
    """HMAC-SHA256 of the decimal user id under the salt, cut to 32 hex characters."""

    def __init__(self, salt: bytes) -> None:
        if not salt:
            raise ValueError("the user-hash salt is empty")
        self._salt = salt

    @classmethod
    def from_settings(cls, settings: Settings) -> UserHasher:
        if settings.log_salt:
            return cls(settings.log_salt.encode("utf-8"))
        path = salt_path(settings)
        try:
            return cls(load_salt(path))
        except (OSError, ValueError) as error:
            log.warning("cannot read or create the user-hash salt %s (%s); using a salt for this run only, "
                        "so user hashes will not match across restarts", path, error)
            return cls(secrets.token_bytes(32))

    def __call__(self, user_id: int) -> str:
        digest = hmac.new(self._salt, str(int(user_id)).encode("ascii"), hashlib.sha256).hexdigest()
        return digest[:HASH_CHARS]


_default: UserHasher | None = None
_lock = threading.Lock()


def configure(settings: Settings | None) -> None:
    """Use `settings` for the salt from now on (None: read the environment again on next use)."""
    global _default
    with _lock:
        _default = UserHasher.from_settings(settings) if settings is not None else None


def salted_user_hash(user_id: int) -> str:
    """The salted hash of a Discord user id (the same for the same id while the salt is kept)."""
    global _default
    with _lock:
        if _default is None:
            _default = UserHasher.from_settings(load_settings())
        hasher = _default
    return hasher(user_id)
