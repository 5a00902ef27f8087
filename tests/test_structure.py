"""The layout: imports run one way (bot -> engine and build -> stages -> shared leaves; inside the bot,
terminal -> chat -> storage), with no import cycle among the project's modules; the model installers
(index.models) use the stages, and nothing but the install imports them. Every import statement
counts, including those under TYPE_CHECKING and inside functions."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("index", "bot")
STAGES = ("index.text", "index.ingest", "index.retrieve", "index.answer", "index.verify", "index.storage")
FACADES = {"index", "index.engine", "index.build", "index.corpus", "index.collections", "index.__main__"}
LEAVES = {"index.config", "index.records", "index.errors", "index.calibration"}  # shared: import only each other
INSTALLERS = "index.models"  # install time only: fetch, join, convert, export the bundled models
# The bot's groups, each allowed to import only the groups after it (and bot.wording, the shared words).
BOT_GROUPS = ("bot.terminal", "bot.chat", "bot.storage")


def _modules() -> dict[str, Path]:
    found = {}
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            parts = path.relative_to(ROOT).with_suffix("").parts
            found[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return found


MODULES = _modules()


def _imports(name: str, path: Path) -> set[str]:
    """The project modules `name` imports, relative imports resolved."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    out: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, *([base] if base else [])])
            targets = [base, *(f"{base}.{alias.name}" for alias in node.names)]
        else:
            continue
        out.update(t for t in targets if t in MODULES and t != name)
    return out


GRAPH = {name: _imports(name, path) for name, path in MODULES.items()}


def _cycles() -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in GRAPH[node]:
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                top = stack.pop()
                on_stack.discard(top)
                component.append(top)
                if top == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in GRAPH:
        if node not in index:
            visit(node)
    return found


def test_the_import_graph_is_read() -> None:
    assert "index.engine" in GRAPH["bot.terminal.cli"] and "index.retrieve.search" in GRAPH["index.engine"]


def test_there_is_no_import_cycle() -> None:
    assert _cycles() == []


@pytest.mark.parametrize("stage", STAGES)
def test_a_stage_never_imports_the_engine_the_build_or_the_bot(stage: str) -> None:
    for name in (n for n in GRAPH if n == stage or n.startswith(stage + ".")):
        upward = {m for m in GRAPH[name] if m in FACADES or m.startswith("bot")}
        assert not upward, f"{name} imports {sorted(upward)}"


def test_nothing_at_run_time_imports_the_model_installers() -> None:
    def installer(name: str) -> bool:
        return name == INSTALLERS or name.startswith(INSTALLERS + ".")

    assert "index.models.gemma" in GRAPH and "index.retrieve.onnx_encoder" in GRAPH["index.models.gemma"]
    importers = sorted(n for n in GRAPH if not installer(n) and any(installer(m) for m in GRAPH[n]))
    assert importers == [], importers
    upward = sorted(n for n in GRAPH if installer(n) and any(m in FACADES or m.startswith("bot") for m in GRAPH[n]))
    assert upward == [], upward


def test_the_shared_leaves_import_nothing_but_each_other() -> None:
    for leaf in LEAVES:
        assert GRAPH[leaf] <= LEAVES, f"{leaf} imports {sorted(GRAPH[leaf] - LEAVES)}"


def test_the_engine_never_imports_the_bot() -> None:
    assert not [n for n in GRAPH if n.startswith("index") and any(m.startswith("bot") for m in GRAPH[n])]


def test_command_modules_never_import_each_other() -> None:
    commands = [n for n in GRAPH if n.startswith("bot.chat.commands.")]
    assert len(commands) >= 4
    for name in commands:
        assert not [m for m in GRAPH[name] if m in commands], name


def _group(name: str) -> str | None:
    return next((g for g in BOT_GROUPS if name == g or name.startswith(g + ".")), None)


def test_the_bot_is_grouped_by_what_it_serves() -> None:
    loose = sorted(n for n in GRAPH if n.startswith("bot.") and _group(n) is None)
    assert loose == ["bot.__main__", "bot.wording"], loose
    for group in BOT_GROUPS:
        assert (ROOT / group.replace(".", "/") / "__init__.py").read_text(encoding="utf-8").startswith('"""'), group


@pytest.mark.parametrize("group", BOT_GROUPS)
def test_bot_groups_import_only_the_groups_below_them(group: str) -> None:
    allowed = set(BOT_GROUPS[BOT_GROUPS.index(group):])
    for name in (n for n in GRAPH if _group(n) == group):
        upward = {m for m in GRAPH[name] if m.startswith("bot.") and m != "bot.wording" and _group(m) not in allowed}
        assert not upward, f"{name} imports {sorted(upward)}"
