"""The salted user hash: stable across restarts through the salt file, never the raw id."""

from __future__ import annotations

import dataclasses
import stat

from bot.storage.user_hash import SALT_FILE, UserHasher
from index.config import Settings


def test_salt_file_created_once_and_reused(tmp_path) -> None:
    settings = dataclasses.replace(Settings(), question_log=tmp_path / "log" / "q.sqlite3")
    first = UserHasher.from_settings(settings)
    salt = tmp_path / "log" / SALT_FILE
    assert salt.exists() and stat.S_IMODE(salt.stat().st_mode) == 0o600
    again = UserHasher.from_settings(settings)  # a restart reads the same salt
    assert first(1234) == again(1234) != first(1235)
    assert "1234" not in first(1234) and len(first(1234)) == 32


def test_salt_from_setting_and_different_salts_differ(tmp_path) -> None:
    a = UserHasher.from_settings(dataclasses.replace(Settings(), log_salt="one", question_log=None))
    b = UserHasher.from_settings(dataclasses.replace(Settings(), log_salt="two", question_log=None))
    assert a(42) == a(42) and a(42) != b(42)
