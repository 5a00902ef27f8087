"""scripts/install.sh as a newcomer sees it: one line a step, at most 30 lines on success, what pip and
the libraries print kept in a log file named in the last line; on a failure, the step, the end of the
log and what to do.

Run for real in a new virtualenv on a copy of the project, against the real registry. The new venv also
sees the packages of the one running the tests (a .pth file), so pip finds them installed, and
QUOTEBOT_MODEL_DIR points at the installed models, so each step runs but has little left to do."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

from index.config import REPO_ROOT, load_settings

NOT_COPIED = shutil.ignore_patterns(".git", ".venv", ".index", ".models", ".data", "__pycache__", "*.egg-info",
                                    ".install.log", ".pytest_cache", ".ruff_cache", "results")


@pytest.fixture()
def project(tmp_path: Path) -> Path:
    """A copy of the project with a new virtualenv that sees this one's packages."""
    copy = tmp_path / "quotebot"
    shutil.copytree(REPO_ROOT, copy, ignore=NOT_COPIED)
    base = Path(sys.base_prefix) / "bin" / "python3"
    subprocess.run([str(base), "-m", "venv", str(copy / ".venv")], check=True, timeout=120)
    site = next((copy / ".venv" / "lib").glob("python3*/site-packages"))
    (site / "zz-test-packages.pth").write_text(sysconfig.get_paths()["purelib"] + "\n", encoding="utf-8")
    return copy


def _install(project: Path, **env: str) -> subprocess.CompletedProcess:
    venv = project / ".venv" / "bin"
    environment = {**os.environ, "PATH": f"{venv}{os.pathsep}{os.environ['PATH']}", "VIRTUAL_ENV": str(venv.parent),
                   "QUOTEBOT_MODEL_DIR": str(load_settings().model_dir), **env}
    environment.pop("PYTHONPATH", None)
    return subprocess.run(["bash", "scripts/install.sh"], cwd=project, env=environment, capture_output=True,
                          text=True, timeout=900, stdin=subprocess.DEVNULL)


def test_a_successful_install_prints_at_most_30_lines_and_logs_the_rest(project: Path) -> None:
    done = _install(project)
    lines = done.stdout.splitlines()
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stderr == ""
    assert 5 <= len(lines) <= 30, lines
    assert lines[-1] == f"install ok (the full log: {project / '.install.log'})"
    assert any(line.startswith("packages: ") and line.endswith(" installed") for line in lines)
    assert [line for line in lines if line.startswith("models: ready in ")]
    assert not [line for line in lines if "WARNING" in line or "Requirement already" in line]
    log = (project / ".install.log").read_text(encoding="utf-8")
    assert "Successfully installed" in log or "Requirement already satisfied" in log  # pip's words: logged


def test_a_failed_install_names_the_step_shows_the_log_and_what_to_do(project: Path) -> None:
    # The registry cannot be reached: the packages need a newer setuptools from there.
    done = _install(project, PIP_CONFIG_FILE=os.devnull, PIP_INDEX_URL="file:///nonexistent/simple",
                    PIP_FIND_LINKS=str(project / "nowhere"), PIP_RETRIES="0")
    lines = done.stdout.splitlines()
    assert done.returncode == 1
    failure = next(n for n, line in enumerate(lines) if line.startswith("install failed at: "))
    assert lines[failure].startswith("install failed at: packages: ") and lines[failure].endswith("(exit status 1)")
    assert lines[failure + 1] == f"--- the last lines of {project / '.install.log'} ---"
    assert any(line.startswith("What to do: ") for line in lines[failure:])
    assert "bash scripts/install.sh again" in done.stdout
