"""Shared fixtures: the real model, loaded once; the real index of the bundled corpus, built once."""

from __future__ import annotations

import dataclasses
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from postgres import PostgresServer, PostgresUnavailable

from index.config import REPO_ROOT, Settings, load_settings
from index.engine import Engine
from index.retrieve.embed import Embedder

CORPUS = REPO_ROOT / "corpus"


@pytest.fixture(scope="session")
def embedder() -> Embedder:
    return Embedder()


@pytest.fixture(scope="session")
def settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """Settings pointing at a private copy of the corpus and a fresh index folder."""
    root = tmp_path_factory.mktemp("quotebot")
    shutil.copytree(CORPUS, root / "corpus")
    return dataclasses.replace(load_settings(), corpus_dir=root / "corpus", index_dir=root / "index",
                               question_log=root / "log" / "questions.sqlite3")


@pytest.fixture(scope="session")
def engine(settings: Settings, embedder: Embedder) -> Engine:
    return Engine.load(settings, embedder)  # builds the index (missing) and loads it


TINY_DOCS = {
    "a.md": (
        "# Alpha notes\n\n## Launch [00:01:00-00:02:00]\n\n"
        "The rocket launched on time.\nIt carried 12 satellites [00:01:30].\n"
    ),
    "b.txt": "Beta report\n\nThe harvest doubled this year. Farmers were pleased.\n",
}


@pytest.fixture()
def tiny_settings(tmp_path: Path) -> Settings:
    """A two-document corpus of its own, for tests that build, break and rebuild indexes."""
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for name, text in TINY_DOCS.items():
        (corpus / name).write_text(text, encoding="utf-8")
    return dataclasses.replace(load_settings(), corpus_dir=corpus, index_dir=tmp_path / "index",
                               question_log=tmp_path / "log" / "questions.sqlite3")


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    """A throwaway PostgreSQL cluster (tests/postgres.py) for the session; a test that needs it fails,
    never skips, when it cannot start."""
    server = PostgresServer()
    try:
        server.start()
    except PostgresUnavailable as error:
        server.stop()
        pytest.fail(f"PostgreSQL could not start: {error}")
    yield server
    server.stop()
