"""The app as a wheel installs it (`pipx install`): the policy, the RAG rules and the demo data ship inside.

Builds the wheel from a copy of the package, installs it with no dependencies into a fresh venv
that borrows this test venv's installed dependencies through a .pth file (not the checkout: this
venv's editable install is a finder that a .pth path entry does not start), and runs the
installed `mash` from a directory outside the checkout.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.slow


def _run(*command: str | Path, cwd: Path, env: dict[str, str], timeout: float = 300) -> subprocess.CompletedProcess:
    return subprocess.run([str(part) for part in command], cwd=cwd, env=env, capture_output=True, text=True,
                          timeout=timeout)


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The `bin` of a fresh venv with only the built wheel of mash-tui installed in it."""
    root = tmp_path_factory.mktemp("wheel")
    source = root / "source"
    source.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy2(REPO / name, source / name)
    shutil.copytree(REPO / "mash_tui", source / "mash_tui", ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    env = {key: value for key, value in os.environ.items() if key != "PYTHONPATH"}
    built = _run(sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "-w", root / "dist", source,
                 cwd=root, env=env)
    assert built.returncode == 0, built.stderr
    [wheel] = (root / "dist").glob("mash_tui-*.whl")

    venv = root / "venv"
    made = _run(sys.executable, "-m", "venv", "--without-pip", venv, cwd=root, env=env)
    assert made.returncode == 0, made.stderr
    python = venv / "bin" / "python"
    site = Path(_run(python, "-c", "import sysconfig; print(sysconfig.get_path('purelib'))", cwd=root,
                     env=env).stdout.strip())
    # The dependencies come from this test venv; mash_tui itself only from the wheel.
    borrowed = {sysconfig.get_path("purelib"), sysconfig.get_path("platlib")}
    (site / "zz-test-venv-dependencies.pth").write_text("\n".join(sorted(borrowed)) + "\n", encoding="utf-8")
    put = _run(sys.executable, "-m", "pip", "--python", python, "install", "--quiet", "--no-deps", "--no-index",
               wheel, cwd=root, env=env)
    assert put.returncode == 0, put.stderr
    return venv / "bin"


def _outside(tmp_path: Path) -> tuple[Path, dict[str, str]]:
    """A working directory outside the checkout, and an environment naming no home and no path."""
    env = {key: value for key, value in os.environ.items()
           if key != "PYTHONPATH" and not key.startswith("MASH_")}
    where = tmp_path / "elsewhere"
    where.mkdir()
    return where, env


def test_the_installed_package_is_the_wheels_not_the_checkout(installed: Path, tmp_path: Path) -> None:
    where, env = _outside(tmp_path)
    found = _run(installed / "python", "-c", "import mash_tui.paths as p; print(p.__file__); print(p.DATA_DIR)",
                 cwd=where, env=env)
    assert found.returncode == 0, found.stderr
    module, data = (Path(line) for line in found.stdout.splitlines())
    assert module.is_relative_to(installed.parent) and not module.is_relative_to(REPO)
    assert (data / "policy.toml").is_file() and (data / "rag_rules.toml").is_file()
    assert (data / "demo" / "names.toml").is_file()


def test_mash_due_reads_the_shipped_policy(installed: Path, tmp_path: Path) -> None:
    where, env = _outside(tmp_path)
    due = _run(installed / "mash", "--home", tmp_path / "home", "due", "decision", "2026-12-24T15:00:00+00:00",
               "--json", cwd=where, env=env)
    assert due.returncode == 0, due.stderr
    # One working day after Christmas Eve afternoon: Christmas, Boxing Day and the weekend are not counted.
    assert json.loads(due.stdout) == {"clock": "decision", "start": "2026-12-24T15:00:00+00:00",
                                      "due": "2026-12-29T15:00:00+00:00", "due_local": "2026-12-29T15:00:00+00:00"}


def test_mash_demo_data_builds_a_store_from_the_shipped_names(installed: Path, tmp_path: Path) -> None:
    where, env = _outside(tmp_path)
    home = tmp_path / "demo-home"
    built = _run(installed / "mash", "--home", home, "demo-data", cwd=where, env=env, timeout=600)
    assert built.returncode == 0, built.stderr
    assert built.stdout.startswith(f"demo store built in {home}: 8 users, "), built.stdout
    listed = _run(installed / "mash", "--home", home, "users", "list", "--json", "--as", "ada", cwd=where,
                  env={**env, "MASH_PASSWORD": "demo-password"})
    assert listed.returncode == 0, listed.stderr
    users = {json.loads(line)["username"]: json.loads(line)["role"] for line in listed.stdout.splitlines()}
    assert users["olivia"] == "officer" and users["ada"] == "admin" and len(users) == 8
    # The RAG rules shipped in the wheel rate a contact: the domain example is RED.
    rated = _run(installed / "mash", "--home", home, "rag", REPO / "tests" / "fixtures" / "contacts" /
                 "four_contacts.json", "--json", cwd=where, env=env)
    assert rated.returncode == 0, rated.stderr
    assert json.loads(rated.stdout.splitlines()[0])["rag"] == "RED"
