"""The layers of ARCHITECTURE.md, enforced on the source.

domain/ is pure rules: no Textual, no database, nothing else of the project, and no I/O (no files,
processes or sockets: what it needs is handed to it). store/ and services/ sit under the screens
and the command line and never reach up into them. Commands go through services, never the store.
Screens reach the database only through services, imported inside the worker that needs them, so
the first frame never waits for SQLAlchemy. Widgets are pieces of screens: they show the views
services hand out (services/views.py) with the domain's words, and import nothing else of the
project but other widgets and the clock and printable helpers every layer shares.
"""

from __future__ import annotations

import ast
import subprocess
import sys
import textwrap
from dataclasses import dataclass
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
PACKAGE = REPO / "mash_tui"
DATABASE = ("sqlalchemy", "sqlmodel", "alembic", "psycopg", "psycopg2", "psycopg_pool")
# What reaches files, processes, sockets or databases: none of it belongs in the rules.
INPUT_OUTPUT = (
    "os", "pathlib", "io", "shutil", "tempfile", "glob", "sqlite3", "socket", "ssl", "select", "selectors",
    "subprocess", "multiprocessing", "urllib", "http", "requests", "httpx",
)
# Builtins and methods that read or write (`open(...)`, `path.read_text()`), called on anything.
INPUT_OUTPUT_CALLS = ("open", "input", "print", "read_text", "read_bytes", "write_text", "write_bytes")


@dataclass(frozen=True)
class Rule:
    name: str
    applies_to: tuple[str, ...]
    forbidden: tuple[str, ...]
    allowed: tuple[str, ...] = ()
    # Only imports that run when the module is imported: not those inside functions, nor those
    # under `if TYPE_CHECKING:`.
    module_level_only: bool = False
    # Calls refused wherever they appear: a builtin by its name, or a method by its attribute name.
    forbidden_calls: tuple[str, ...] = ()

    def covers(self, module: str) -> bool:
        return any(_within(module, prefix) for prefix in self.applies_to)

    def refuses(self, imported: str) -> bool:
        if any(_within(imported, prefix) for prefix in self.allowed):
            return False
        return any(_within(imported, prefix) for prefix in self.forbidden)


RULES = (
    Rule(
        "domain is pure",
        applies_to=("mash_tui.domain",),
        forbidden=("textual", *DATABASE, "mash_tui"),
        allowed=("mash_tui.domain",),
    ),
    Rule(
        "domain does no I/O",
        applies_to=("mash_tui.domain",),
        forbidden=INPUT_OUTPUT,
        forbidden_calls=INPUT_OUTPUT_CALLS,
    ),
    Rule(
        "store and services stay under the interface",
        applies_to=("mash_tui.store", "mash_tui.services"),
        forbidden=(
            "textual",
            "mash_tui.screens",
            "mash_tui.widgets",
            "mash_tui.app",
            "mash_tui.cli",
            "mash_tui.commands",
        ),
    ),
    Rule(
        "the store stays under the services",
        applies_to=("mash_tui.store",),
        forbidden=("mash_tui.services",),
    ),
    Rule(
        "commands go through services, never the store",
        applies_to=("mash_tui.commands",),
        forbidden=(*DATABASE, "mash_tui.store"),
    ),
    Rule(
        "widgets show views with the domain's words",
        applies_to=("mash_tui.widgets",),
        forbidden=(*DATABASE, "mash_tui"),
        allowed=("mash_tui.widgets", "mash_tui.domain", "mash_tui.services.views", "mash_tui.clock",
                 "mash_tui.printable"),
    ),
    Rule(
        "screens reach the database only through services, lazily",
        applies_to=("mash_tui.app", "mash_tui.screens", "mash_tui.widgets"),
        forbidden=(*DATABASE, "mash_tui.store", "mash_tui.services"),
        allowed=("mash_tui.services.views",),
        module_level_only=True,
    ),
)


def _within(module: str, prefix: str) -> bool:
    return module == prefix or module.startswith(prefix + ".")


def _is_project_module(dotted: str) -> bool:
    path = REPO.joinpath(*dotted.split("."))
    return path.with_suffix(".py").is_file() or (path / "__init__.py").is_file()


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _module_level_nodes(tree: ast.Module):
    """Nodes that run on import: not function bodies, not `if TYPE_CHECKING:` blocks."""
    pending: list[ast.AST] = list(tree.body)
    while pending:
        node = pending.pop()
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda):
            continue
        if isinstance(node, ast.If) and _is_type_checking(node.test):
            pending.extend(node.orelse)
            continue
        yield node
        pending.extend(ast.iter_child_nodes(node))


def _imported_modules(node: ast.AST, module: str, is_package: bool) -> list[tuple[int, str]]:
    if isinstance(node, ast.Import):
        return [(node.lineno, alias.name) for alias in node.names]
    if isinstance(node, ast.ImportFrom):
        if node.level:
            package = module.split(".") if is_package else module.split(".")[:-1]
            package = package[: len(package) - (node.level - 1)]
            base = ".".join([*package, node.module] if node.module else package)
        else:
            base = node.module or ""
        found = []
        for alias in node.names:
            # `from mash_tui.services import views` imports the submodule, not just the package.
            candidate = f"{base}.{alias.name}"
            found.append((node.lineno, candidate if _is_project_module(candidate) else base))
        return found
    if isinstance(node, ast.Call) and node.args and isinstance(node.args[0], ast.Constant):
        func = node.func
        name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
        if name in ("import_module", "__import__") and isinstance(node.args[0].value, str):
            return [(node.lineno, node.args[0].value)]
    return []


def _called_name(node: ast.AST) -> str | None:
    if not isinstance(node, ast.Call):
        return None
    if isinstance(node.func, ast.Name):
        return node.func.id
    if isinstance(node.func, ast.Attribute):
        return node.func.attr
    return None


def violations(source: str, module: str, *, is_package: bool = False, filename: str = "<source>") -> list[str]:
    """Every import or call in `source` (the text of `module`) that a rule refuses, as readable lines."""
    tree = ast.parse(source, filename=filename)
    found = []
    for rule in RULES:
        if not rule.covers(module):
            continue
        nodes = _module_level_nodes(tree) if rule.module_level_only else ast.walk(tree)
        for node in nodes:
            for lineno, imported in _imported_modules(node, module, is_package):
                if rule.refuses(imported):
                    found.append(f"{filename}:{lineno}: {module} imports {imported} ({rule.name})")
            called = _called_name(node)
            if called is not None and called in rule.forbidden_calls:
                found.append(f"{filename}:{node.lineno}: {module} calls {called}() ({rule.name})")
    return sorted(set(found))


def _project_modules() -> list[tuple[str, Path]]:
    modules = []
    for path in sorted(PACKAGE.rglob("*.py")):
        relative = path.relative_to(REPO).with_suffix("")
        parts = list(relative.parts)
        if parts[-1] == "__init__":
            parts.pop()
        modules.append((".".join(parts), path))
    return modules


def test_every_layer_keeps_to_its_imports() -> None:
    checked = 0
    problems = []
    for module, path in _project_modules():
        if not any(rule.covers(module) for rule in RULES):
            continue
        checked += 1
        problems += violations(
            path.read_text(encoding="utf-8"),
            module,
            is_package=path.name == "__init__.py",
            filename=str(path.relative_to(REPO)),
        )
    assert checked >= 20, f"only {checked} modules found under {PACKAGE}: is the layout still the same?"
    assert not problems, "layering broken:\n" + "\n".join(problems)


def _modules_loaded_by(import_lines: str) -> set[str]:
    script = import_lines + "\nimport sys\nprint('\\n'.join(sorted(sys.modules)))\n"
    result = subprocess.run(
        [sys.executable, "-c", script], cwd=REPO, capture_output=True, text=True, timeout=60, check=True
    )
    return set(result.stdout.split())


def test_domain_loads_nothing_of_other_layers_at_run_time() -> None:
    """Catches what the source check cannot: an import hidden in a third-party package or a string."""
    domain = [module for module, _ in _project_modules() if _within(module, "mash_tui.domain")]
    loaded = _modules_loaded_by("\n".join(f"import {module}" for module in domain))
    leaked = sorted(
        module
        for module in loaded
        if module.split(".")[0] in ("textual", *DATABASE)
        or (module.startswith("mash_tui.") and not _within(module, "mash_tui.domain"))
    )
    assert not leaked, f"importing the domain also loads {leaked}"


def test_the_app_and_its_screens_load_no_database_code_at_start() -> None:
    ui = [
        module
        for module, _ in _project_modules()
        if any(_within(module, prefix) for prefix in ("mash_tui.app", "mash_tui.screens", "mash_tui.widgets"))
    ]
    loaded = _modules_loaded_by("\n".join(f"import {module}" for module in ui))
    leaked = sorted(module for module in loaded if module.split(".")[0] in DATABASE)
    assert not leaked, f"importing the app and its screens loads {leaked[:10]}"


def test_the_command_line_reaches_the_app_without_database_code() -> None:
    """`mash` with no command opens the app: the store opens in a worker, after the first frame."""
    loaded = _modules_loaded_by("import mash_tui.cli\nmash_tui.cli.build_parser()\nimport mash_tui.app")
    leaked = sorted({module.split(".")[0] for module in loaded} & {*DATABASE, "pydantic"})
    assert not leaked, f"`mash` loads {leaked} before its first frame"


# The checker itself: a layering test that can never fail proves nothing.


def _check(module: str, source: str) -> list[str]:
    return violations(textwrap.dedent(source), module)


@pytest.mark.parametrize(
    ("module", "source"),
    [
        ("mash_tui.domain.fake", "from sqlalchemy import select\n"),
        ("mash_tui.domain.fake", "import textual.app\n"),
        ("mash_tui.domain.fake", "def later():\n    import sqlmodel\n"),
        ("mash_tui.domain.fake", "from ..store import db\n"),
        ("mash_tui.domain.fake", "from mash_tui.clock import Clock\n"),
        ("mash_tui.domain.fake", "import importlib\nimportlib.import_module('psycopg')\n"),
        ("mash_tui.domain.fake", "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    import alembic\n"),
        ("mash_tui.store.fake", "from textual.widgets import Input\n"),
        ("mash_tui.store.fake", "from mash_tui.services.users import add_user\n"),
        ("mash_tui.services.fake", "from mash_tui.screens.login import LoginScreen\n"),
        ("mash_tui.services.fake", "def later():\n    from mash_tui.widgets import status_bar\n"),
        ("mash_tui.services.fake", "from ..app import MashApp\n"),
        ("mash_tui.screens.fake", "import sqlalchemy\n"),
        ("mash_tui.screens.fake", "from mash_tui.services.users import authenticate\n"),
        ("mash_tui.screens.fake", "from mash_tui.services import users\n"),
        ("mash_tui.widgets.fake", "from mash_tui.store.db import Store\n"),
        ("mash_tui.widgets.fake", "try:\n    import psycopg\nexcept ImportError:\n    psycopg = None\n"),
        ("mash_tui.app", "class Holder:\n    from sqlmodel import Session\n"),
        # The domain does no I/O.
        ("mash_tui.domain.fake", "import os\n"),
        ("mash_tui.domain.fake", "from pathlib import Path\n"),
        ("mash_tui.domain.fake", "import sqlite3\n"),
        ("mash_tui.domain.fake", "def later():\n    import subprocess\n"),
        ("mash_tui.domain.fake", "from socket import create_connection\n"),
        ("mash_tui.domain.fake", "def rules(name):\n    with open(name) as file:\n        return file.read()\n"),
        ("mash_tui.domain.fake", "def rules(path):\n    return path.read_text(encoding='utf-8')\n"),
        ("mash_tui.domain.fake", "def save(path, text):\n    path.write_bytes(text)\n"),
        # Leaving a module out of the I/O rule leaves it under every other rule.
        ("mash_tui.domain.rag", "import sqlalchemy\n"),
        ("mash_tui.domain.rag", "from mash_tui.services.views import ItemView\n"),
        # Commands go through services.
        ("mash_tui.commands.fake", "from mash_tui.store.db import STORE_FILENAME\n"),
        ("mash_tui.commands.fake", "def run(args):\n    from mash_tui.store.unit_of_work import unit_of_work\n"),
        ("mash_tui.commands.fake", "def run(args):\n    from ..store import outbox\n"),
        ("mash_tui.commands.fake", "def run(args):\n    import sqlmodel\n"),
        # Widgets show views, in the domain's words.
        ("mash_tui.widgets.fake", "def later():\n    from mash_tui.services.sync_overview import readable_mutation\n"),
        ("mash_tui.widgets.fake", "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from mash_tui.services.queue import ItemView\n"),
        ("mash_tui.widgets.fake", "from mash_tui.screens.base import DeskScreen\n"),
        ("mash_tui.widgets.fake", "from mash_tui.config import load_policy\n"),
    ],
)
def test_checker_catches_a_violation(module: str, source: str) -> None:
    assert _check(module, source), f"{module} should be refused:\n{source}"


@pytest.mark.parametrize(
    ("module", "source"),
    [
        ("mash_tui.domain.fake", "from pydantic import BaseModel\nfrom mash_tui.domain.codes import RagLevel\n"),
        ("mash_tui.domain.fake", "from . import roles\nimport mash_tui.domain\n"),
        ("mash_tui.store.fake", "from sqlmodel import Session\nfrom mash_tui.domain.roles import Actor\n"),
        ("mash_tui.services.fake", "from mash_tui.store.db import Store\nfrom rich.text import Text\n"),
        (
            "mash_tui.screens.fake",
            """
            from typing import TYPE_CHECKING
            from textual.screen import Screen
            from mash_tui.services.views import WorkRow
            from mash_tui.services import views
            if TYPE_CHECKING:
                from mash_tui.services.context import Context

            class Fake(Screen):
                def load(self):
                    from mash_tui.services.work import my_work
                    import sqlalchemy
            """,
        ),
        (
            "mash_tui.domain.fake",
            """
            import re
            import tomllib
            from zoneinfo import ZoneInfo

            def rules(text):
                return tomllib.loads(text)

            def still_running(clock):
                return clock.is_open()
            """,
        ),
        (
            "mash_tui.commands.fake",
            """
            from mash_tui.commands.common import context_of
            from mash_tui.domain.codes import AGENCY_LABELS

            def run(args):
                from mash_tui.services.homes import store_file
                from mash_tui.services.views import ItemView
                print(store_file(args.home))
            """,
        ),
        (
            "mash_tui.widgets.fake",
            """
            from typing import TYPE_CHECKING
            from textual.widgets import DataTable
            from mash_tui.clock import to_local
            from mash_tui.domain.codes import AGENCY_LABELS
            from mash_tui.printable import printable
            from mash_tui.widgets.safe_text import safe_text
            if TYPE_CHECKING:
                from mash_tui.services.views import ItemView

            def headline(view):
                from mash_tui.services.views import readable_mutation
                return readable_mutation(view.name)
            """,
        ),
    ],
)
def test_checker_lets_the_layers_do_their_work(module: str, source: str) -> None:
    assert _check(module, source) == []
