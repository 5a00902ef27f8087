"""Versions of one document (issue 33): how versions are read, the aligned-sentence rule, headings as
subject, "changed" in ask and "outdated" in check, in English and Chinese, on a corpus of its own
built with the real model."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest

from bot.terminal.render import render_answer, render_check
from index.config import Settings, load_settings
from index.corpus import SourceRefused, metadata
from index.engine import Engine
from index.ingest.documents import load_documents
from index.ingest.versions import label, mark_versions, outdated_by, split_tag
from index.records import Source
from index.retrieve.embed import Embedder
from index.verify.conflicts import aligned, compare, subject_differs
from index.verify.focus import Focus
from index.verify.statements import statements

LIMITS_OLD = """# Archive limits

## Exports

Archives are kept for 30 days after they are created.

You can request an archive once every 7 days.

## Uploads

Each upload can be up to **8MB**.
"""
LIMITS_NEW = LIMITS_OLD.replace("30 days", "14 days").replace("**8MB**", "**16MB**")
LIMITS_ZH_OLD = """# 归档限制

## 导出

归档在创建后保留 30 天。

每 7 天可以请求一次归档。
"""
LIMITS_ZH_NEW = LIMITS_ZH_OLD.replace("保留 30 天", "保留 14 天")
RATES = """# Rate limits

## Uploading media

`POST /api/v1/media` can be called 30 times within 3 hours.

## Password resets

A reset link can be requested 5 times within 7 days.
"""


def source(file: str, title: str = "t", **fields: str) -> Source:
    return Source(file=file, title=title, language="en", **fields)


# ---- reading versions ------------------------------------------------------------------------


@pytest.mark.parametrize(("stem", "tag"), [
    ("limits-v2.3", ("limits", "v2.3")), ("faq_2024-01-05", ("faq", "2024-01-05")),
    ("notes-20240105", ("notes", "20240105")), ("Limits (v3.0)", ("limits", "v3.0")),
    ("release-1.2.0", ("release", "1.2.0")),
])
def test_a_version_or_date_suffix_is_read(stem: str, tag: tuple[str, str]) -> None:
    assert split_tag(stem) == tag


@pytest.mark.parametrize("stem", ["qwen2.5", "report 2024", "rate-limits-zh", "GPT-4", "limits"])
def test_names_that_are_not_versions(stem: str) -> None:
    assert split_tag(stem) is None


def test_files_plainly_named_as_versions_are_one_document() -> None:
    marked = mark_versions([source("limits-v2.3.md", "Limits"), source("limits-v3.0.md", "Limits"),
                            source("report-2024-01-05.md"), source("other.md")])
    assert [s.document for s in marked] == ["Limits", "Limits", None, None]  # a lone dated file is no version
    assert [s.version for s in marked[:2]] == ["2.3", "3.0"]
    assert outdated_by(marked) == {0: 1}
    assert label(marked[0]) == "v2.3"


def test_dates_order_versions_and_sources_toml_wins() -> None:
    marked = mark_versions([source("faq_2025-03-01.md"), source("faq_2024-01-05.md"),
                            source("guide.md", document="Guide", date="2025-01-01"),
                            source("guide-old.md", document="Guide", date="2023-06-30")])
    assert marked[0].date == "2025-03-01" and marked[1].date == "2024-01-05"
    assert outdated_by(marked) == {1: 0, 3: 2}


def test_sources_toml_marks_versions(tmp_path: Path) -> None:
    (tmp_path / "current.md").write_text(LIMITS_NEW, encoding="utf-8")
    (tmp_path / "previous.md").write_text(LIMITS_OLD, encoding="utf-8")
    (tmp_path / "sources.toml").write_text(
        '[[source]]\nfile = "current.md"\ndocument = "Limits"\nversion = "3.0"\n\n'
        '[[source]]\nfile = "previous.md"\ndocument = "Limits"\nversion = "2.3"\n', encoding="utf-8")
    documents, _ = load_documents(tmp_path)
    by_file = {d.source.file: d.source for d in documents}
    assert (by_file["current.md"].document, by_file["current.md"].version) == ("Limits", "3.0")
    assert outdated_by([d.source for d in documents]) == {
        [d.source.file for d in documents].index("previous.md"): [d.source.file for d in documents].index("current.md")}


def test_source_add_options_for_versions() -> None:
    assert metadata(document="Limits", version="3.0", date="2025-11-21") == {
        "document": "Limits", "version": "3.0", "date": "2025-11-21"}
    with pytest.raises(SourceRefused, match="give document too"):
        metadata(version="3.0")
    with pytest.raises(SourceRefused, match="YYYY-MM-DD"):
        metadata(document="Limits", date="21/11/2025")


# ---- aligned sentences, headings as subject ----------------------------------------------------


def test_aligned_sentences_are_the_same_but_for_numbers() -> None:
    assert aligned("Each upload can be up to **8MB**.", "Each upload can be up to  16MB.")
    assert aligned("归档在创建后保留 30 天。", "归档在创建后保留14天。")
    assert not aligned("Archives are kept for 30 days.", "Archives are kept for 30 days.")
    assert not aligned("Archives are kept for 30 days.", "Reports are kept for 14 days.")


def _focus(units: set[str]) -> Focus:
    return Focus("", frozenset(units), frozenset())


def test_aligned_sentences_are_compared_place_by_place(engine: Engine) -> None:
    old = statements(0, "Links last 30 days; archives last 7 days.")
    new = statements(1, "Links last 14 days; archives last 7 days.")
    time = _focus({"time"})
    assert compare(old[0], new[0], time, engine.lexicon) is None  # 30 -> 14 days: changed
    assert compare(old[1], new[1], time, engine.lexicon) == "the values agree"
    assert compare(old[0], new[1], time, engine.lexicon) == "aligned sentences, different places"


def test_limits_stated_alike_are_compared_as_limits(engine: Engine) -> None:
    old, new = statements(0, "Uploads up to 8MB."), statements(1, "Uploads up to 16MB.")
    assert compare(old[0], new[0], _focus({"size"}), engine.lexicon) is None


def test_values_under_differently_named_headings_never_meet(engine: Engine) -> None:
    media = statements(0, "`POST /api/v1/media` can be called 30 times within 3 hours.")
    reset = statements(1, "A reset link can be requested 5 times within 7 days.")
    sections = ("Rate limits › Uploading media", "Rate limits › Password resets")
    headings = ({"Uploading media", "Password resets"}, {"Uploading media", "Password resets"})  # one page's
    assert subject_differs(media[0].sentence, reset[0].sentence, sections, engine.lexicon, headings)
    time = _focus({"time"})
    assert compare(media[1], reset[1], time, engine.lexicon, sections, sections, headings) is not None
    rows = ("|`POST /api/v1/media`|Uploading|30 minutes|30|", "|`POST /api/v1/accounts`|Sign-up|5 minutes|5|")
    assert subject_differs(*rows, ("Limits", "Limits"), engine.lexicon).startswith("different table rows")
    assert subject_differs("上传媒体 30 分钟内可调用 30 次。", "Uploads: 30 times within 30 minutes.",
                           ("速率限制 › 上传媒体", "Rate limits › Uploading media"), engine.lexicon) is None


# ---- changed in ask, outdated in check -----------------------------------------------------------


@pytest.fixture(scope="module")
def versions_engine(tmp_path_factory: pytest.TempPathFactory, embedder: Embedder) -> Engine:
    root = tmp_path_factory.mktemp("versions")
    corpus = root / "corpus"
    corpus.mkdir()
    for name, text in {"limits-v2.3.md": LIMITS_OLD, "limits-v3.0.md": LIMITS_NEW, "归档_2024-01-05.md": LIMITS_ZH_OLD,
                       "归档_2025-03-01.md": LIMITS_ZH_NEW, "rates.md": RATES}.items():
        (corpus / name).write_text(text, encoding="utf-8")
    settings: Settings = dataclasses.replace(load_settings(), corpus_dir=corpus, index_dir=root / "index",
                                             question_log=root / "log.sqlite3")
    return Engine.load(settings, embedder)


@pytest.mark.parametrize(("question", "before", "after", "old", "new"), [
    ("How long are archives kept?", "limits-v2.3.md", "limits-v3.0.md", "30 days", "14 days"),
    ("归档保留多少天？", "归档_2024-01-05.md", "归档_2025-03-01.md", "30 天", "14 天"),
])
def test_an_answer_quotes_the_newest_version_and_says_what_changed(
        versions_engine: Engine, question: str, before: str, after: str, old: str, new: str) -> None:
    answer = versions_engine.ask(question)
    assert answer.quotes and all(q.source not in ("limits-v2.3.md", "归档_2024-01-05.md") for q in answer.quotes)
    change = next(c for c in answer.changed if c["after"]["source"] == after)
    assert change["before"]["source"] == before and change["before"]["value"] == old and change["after"]["value"] == new
    assert change["summary"].startswith(f"changed: the {change['before']['version']} version said {old}; ")
    assert all(change[side]["text"] in Path(versions_engine.settings.corpus_dir / change[side]["source"]).read_text(
        encoding="utf-8") for side in ("before", "after"))  # both sides verbatim
    assert not answer.conflicts  # versions do not "disagree"
    assert change["summary"][1:] in render_answer(answer)
    assert json.loads(json.dumps(answer.as_dict()))["changed"][0]["summary"]


def test_an_unchanged_value_says_nothing_changed(versions_engine: Engine) -> None:
    for question in ("How often can I request an archive?", "每隔几天可以请求一次归档？"):
        answer = versions_engine.ask(question)
        assert not answer.changed and not answer.conflicts, question


def test_two_named_limits_are_never_set_against_each_other(versions_engine: Engine) -> None:
    for question in ("How long is the window for the media upload limit?", "How many times can I reset my password?"):
        assert not versions_engine.ask(question).conflicts, question


@pytest.mark.parametrize(("claim", "verdict"), [
    ("Archives are kept for 30 days.", "outdated"), ("归档在创建后保留 30 天。", "outdated"),
    ("Archives are kept for 14 days.", "supported"), ("Each upload can be up to 8MB.", "outdated"),
])
def test_a_claim_matching_only_an_older_version_is_outdated(versions_engine: Engine, claim: str,
                                                            verdict: str) -> None:
    result = versions_engine.check(claim)
    assert result.verdict == verdict, [(e.source, e.stance, e.text) for e in result.evidence]
    if verdict == "outdated":
        assert [e.stance for e in result.evidence] == ["outdated", "current"]
        assert result.evidence[0].source != result.evidence[1].source
        assert "OUTDATED" in render_check(result)
