"""Moving an existing install to collections (bot/storage/migration.py): files added from Discord whose
record names a server move into that server's collection on first start, logged once; records from
before servers were recorded stay in the library, listed once; nothing is lost."""

from __future__ import annotations

import json
import logging
import tomllib
from pathlib import Path

import pytest

from bot.storage.migration import move_server_uploads
from bot.storage.source_log import read_records
from index.collections import collection_settings
from index.config import Settings
from index.storage.checksums import sha256_file


def _record(corpus: Path, name: str, **extra: object) -> None:
    entry = {"at": "2026-11-01T10:00:00Z", "action": "add", "file": name, "sha256": sha256_file(corpus / name),
             "title": None, "by": "abc", **extra}
    with open(corpus / ".source-changes.jsonl", "a", encoding="utf-8") as out:
        out.write(json.dumps(entry) + "\n")


def test_uploads_naming_a_server_move_into_its_collection_once_and_nothing_is_lost(
        tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    files = {"shared.md": "# Shared\n\nEveryone reads this.\n", "a.md": "# A\n\nServer A's notes.\n",
             "old.md": "# Old\n\nAdded before servers were recorded.\n", "edited.md": "# Edited\n\nOriginal.\n"}
    for name, text in files.items():
        (corpus / name).write_text(text, encoding="utf-8")
    (corpus / "sources.toml").write_text('[[source]]\nfile = "a.md"\ntitle = "A notes"\n', encoding="utf-8")
    _record(corpus, "a.md", server=7)
    _record(corpus, "old.md")  # no server: as every record written before collections
    _record(corpus, "edited.md", server=8)
    (corpus / "edited.md").write_text("# Edited\n\nChanged on disk by the operator.\n", encoding="utf-8")
    settings = Settings(corpus_dir=corpus, data_dir=tmp_path / "data")

    with caplog.at_level(logging.INFO, logger="bot.storage.migration"):
        assert move_server_uploads(settings) == [("a.md", 7)]
    target = collection_settings(settings, 7).corpus_dir
    assert (target / "a.md").read_text(encoding="utf-8") == files["a.md"] and not (corpus / "a.md").exists()
    assert tomllib.loads((target / "sources.toml").read_text())["source"] == [{"file": "a.md", "title": "A notes"}]
    assert tomllib.loads((corpus / "sources.toml").read_text()).get("source", []) == []
    assert [r["file"] for r in read_records(target)] == ["a.md"]
    assert read_records(corpus)[-1] == {"action": "move", "file": "a.md", "server": 7}
    assert (corpus / "old.md").exists() and (corpus / "edited.md").exists() and (corpus / "shared.md").exists()
    assert "moved 1 file(s)" in caplog.text and "a.md -> server 7" in caplog.text
    assert "stay in the shared library" in caplog.text and "old.md" in caplog.text

    caplog.clear()
    with caplog.at_level(logging.INFO, logger="bot.storage.migration"):
        assert move_server_uploads(settings) == []  # once: nothing more to move, nothing logged again
    assert caplog.text == ""
    assert (target / "a.md").exists() and len(read_records(corpus)) == 4
