"""Collections at the engine level (index/collections.py), with the real model: a server's collection and
the library ranked on one scale (the same answers as one index of all the documents), citations that
say where a quote is from, rebuilds swapped in, and eviction and reload under concurrent questions
losing nothing."""

from __future__ import annotations

import dataclasses
import shutil
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from index.collections import LIBRARY, SERVER, Collections, collection_settings
from index.config import Settings
from index.engine import Engine
from index.errors import BadQuestion

LIBRARY_DOCS = {
    "alpha.md": "# Alpha notes\n\nThe rocket launched on time.\nIt carried 12 satellites.\n",
    "beta.txt": "Beta report\n\nThe harvest doubled this year. Farmers were pleased.\n",
}
SERVER_DOCS = {  # server id -> its one document (a fact only it has)
    11: ("harbour.md", "# Harbour notes\n\nThe new pier is four hundred metres long.\nIt opened in March.\n"),
    12: ("zoo.md", "# Zoo notes\n\nThe zoo has three elephants named Ada, Bo and Cy.\n"),
    13: ("mill.md", "# Mill notes\n\nThe old windmill grinds flour every Tuesday morning.\n"),
}
QUESTIONS = {11: ("How long is the new pier?", "four hundred metres"),
             12: ("How many elephants does the zoo have?", "three elephants"),
             13: ("When does the windmill grind flour?", "every Tuesday")}


def _write(folder: Path, docs: dict[str, str]) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in docs.items():
        (folder / name).write_text(text, encoding="utf-8")


@pytest.fixture()
def library_settings(tmp_path: Path) -> Settings:
    _write(tmp_path / "corpus", LIBRARY_DOCS)
    settings = Settings(corpus_dir=tmp_path / "corpus", index_dir=tmp_path / "index", data_dir=tmp_path / "data",
                        max_loaded_collections=1)
    for guild, (name, text) in SERVER_DOCS.items():
        _write(collection_settings(settings, guild).corpus_dir, {name: text})
    return settings


def test_a_server_and_the_library_rank_as_one_index_of_all_their_documents(
        library_settings: Settings, embedder, tmp_path: Path) -> None:
    collections = Collections(library_settings, Engine.load(library_settings, embedder))
    whole_dir = tmp_path / "whole"
    shutil.copytree(library_settings.corpus_dir, whole_dir)
    _write(whole_dir, {SERVER_DOCS[11][0]: SERVER_DOCS[11][1]})
    whole = Engine.load(dataclasses.replace(library_settings, corpus_dir=whole_dir, index_dir=tmp_path / "wi"),
                        embedder)
    joint = collections.engine(11)
    for question in ("How long is the new pier?", "How many satellites did the rocket carry?",
                     "Did the harvest grow?", "What is the capital of Peru?"):
        a, b = joint.ask(question), whole.ask(question)
        assert a.confidence == b.confidence, question
        assert [q.text for q in a.quotes] == [q.text for q in b.quotes], question
        assert [round(q.score, 4) for q in a.quotes] == [round(q.score, 4) for q in b.quotes], question
    [pier] = joint.ask("How long is the new pier?").quotes[:1]
    assert pier.collection == SERVER and pier.as_dict()["collection"] == SERVER
    assert joint.ask("How many satellites did the rocket carry?").quotes[0].collection == LIBRARY
    assert joint.check("The new pier is four hundred metres long.").verdict == "supported"
    assert collections.engine(None).ask("How long is the new pier?").confidence == "none"  # a DM: library only
    own_only = collections.engine(11, library=False).ask("How many satellites did the rocket carry?")
    assert all(q.collection == SERVER for q in own_only.quotes)  # the library turned off
    with pytest.raises(BadQuestion, match="turned the library off"):
        collections.engine(99, library=False)  # no sources of its own, library off


def test_eviction_and_reload_under_concurrent_questions_lose_nothing(library_settings: Settings, embedder) -> None:
    collections = Collections(library_settings, Engine.load(library_settings, embedder))
    for guild in SERVER_DOCS:
        collections.rebuild(guild)  # built once (each is then loaded from disk at its questions)
    asked = [guild for _ in range(12) for guild in SERVER_DOCS]

    def answer(guild: int) -> tuple[int, str]:
        quotes = collections.engine(guild).ask(QUESTIONS[guild][0]).quotes
        return guild, " ".join(q.text for q in quotes if q.collection == SERVER)

    before = collections.loads
    with ThreadPoolExecutor(6) as pool:
        answers = list(pool.map(answer, asked))
    assert len(answers) == len(asked)
    for guild, text in answers:
        assert QUESTIONS[guild][1] in text, (guild, text)
        others = [QUESTIONS[g][1] for g in SERVER_DOCS if g != guild]
        assert not any(other in text for other in others), (guild, text)
    assert len(collections.loaded) <= library_settings.max_loaded_collections
    assert collections.loads - before > len(SERVER_DOCS)  # evicted and loaded again


def test_a_rebuilt_collection_is_swapped_in_and_an_emptied_one_answers_from_the_library(
        library_settings: Settings, embedder) -> None:
    collections = Collections(library_settings, Engine.load(library_settings, embedder))
    folder = collection_settings(library_settings, 12).corpus_dir
    assert "three elephants" in collections.engine(12).ask("How many elephants?").quotes[0].text
    (folder / "zoo.md").write_text("# Zoo notes\n\nThe zoo has five elephants now.\n", encoding="utf-8")
    collections.rebuild(12)
    assert "five elephants" in collections.engine(12).ask("How many elephants?").quotes[0].text
    (folder / "zoo.md").unlink()
    assert collections.rebuild(12) is None
    assert not collection_settings(library_settings, 12).index_dir.exists()
    assert all(q.collection == LIBRARY for q in collections.engine(12).ask("How many satellites?").quotes)
