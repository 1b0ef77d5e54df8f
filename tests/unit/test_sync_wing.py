"""Sync is one wing (`mash_tui/sync/`), and the loops around it stay cut.

The services reach the shared database only through `Context.shared`, never by importing the
wing; the store and the domain know nothing of it; `mash_tui/server/` is the shared database's own
code and imports nothing of the client. Imports inside functions count too: a lazy import is still
a loop. The crash tests' fault points are out of the app's reach.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
PACKAGE = REPO / "mash_tui"


def _module_name(path: Path) -> str:
    parts = path.relative_to(REPO).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path, module: str | None = None) -> list[tuple[int, str]]:
    """Every module imported anywhere in the file (`from a import b` counts as `a.b` and `a`)."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    module = module or _module_name(path)
    package = module.split(".") if path.name == "__init__.py" else module.split(".")[:-1]
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base_parts = package[: len(package) - (node.level - 1)]
                base = ".".join([*base_parts, node.module] if node.module else base_parts)
            else:
                base = node.module or ""
            found.append((node.lineno, base))
            found += [(node.lineno, f"{base}.{alias.name}") for alias in node.names]
    return found


def _within(module: str, prefix: str) -> bool:
    return module == prefix or module.startswith(prefix + ".")


def _violations(folder: str, forbidden: tuple[str, ...], allowed: tuple[str, ...] = ()) -> list[str]:
    found = []
    for path in sorted((PACKAGE / folder).rglob("*.py")):
        for line, imported in _imports(path):
            if any(_within(imported, prefix) for prefix in allowed):
                continue
            if any(_within(imported, prefix) for prefix in forbidden):
                found.append(f"{path.relative_to(REPO)}:{line} imports {imported}")
    return found


@pytest.mark.parametrize("folder", ["services", "store", "domain", "server"])
def test_nothing_under_the_sync_wing_imports_it(folder: str) -> None:
    assert _violations(folder, ("mash_tui.sync",)) == []


def test_the_server_is_the_shared_databases_own_code() -> None:
    assert _violations("server", ("mash_tui",), allowed=("mash_tui.server", "mash_tui.errors")) == []


def test_the_store_does_not_reach_the_server() -> None:
    assert _violations("store", ("mash_tui.server",)) == []


def test_the_sync_wing_stays_under_the_interface() -> None:
    forbidden = ("textual", "mash_tui.screens", "mash_tui.widgets", "mash_tui.app", "mash_tui.cli",
                 "mash_tui.commands")
    assert _violations("sync", forbidden) == []


def test_no_sync_module_is_left_in_services_or_store() -> None:
    left = sorted(str(path.relative_to(REPO)) for folder in ("services", "store")
                  for path in (PACKAGE / folder).glob("*.py")
                  if path.stem in ("sync", "sync_apply", "sync_overview", "reference_sync", "take_next",
                                   "shared_logins"))
    assert left == []


@pytest.mark.parametrize("source", [
    "def f():\n    from mash_tui.sync.round import sync_store\n",
    "def f():\n    import mash_tui.sync.round\n",
    "def f():\n    from mash_tui import sync\n",
    "def f():\n    from ..sync import round\n",
])
def test_the_checker_sees_a_lazy_or_relative_import(tmp_path: Path, source: str) -> None:
    probe = tmp_path / "probe.py"
    probe.write_text(source, encoding="utf-8")
    imported = [name for _, name in _imports(probe, module="mash_tui.services.probe")]
    assert any(_within(name, "mash_tui.sync") for name in imported), imported


def test_the_fault_points_do_nothing_in_the_app() -> None:
    from mash_tui.sync import faults

    for point in ("before-push", "after-server-commit", "after-acknowledge", "between-reference-chunks"):
        assert faults.fault_point(point) is None
    armed = []
    for path in sorted(PACKAGE.rglob("*.py")):
        # The browser server ends the session processes it started itself; that is its job, and it
        # has no part in sync.
        if path.is_relative_to(PACKAGE / "web"):
            continue
        text = path.read_text(encoding="utf-8")
        if "MASH_SYNC_FAULT" in text:
            armed.append(f"{path.relative_to(REPO)} names MASH_SYNC_FAULT")
        for node in ast.walk(ast.parse(text)):
            if isinstance(node, ast.Attribute) and node.attr in ("kill", "killpg", "SIGKILL"):
                armed.append(f"{path.relative_to(REPO)}:{node.lineno} .{node.attr}")
    assert armed == [], "the app must have no way to arm a crash test's fault point"
