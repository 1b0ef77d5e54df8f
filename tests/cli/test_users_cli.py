"""`mash users add`: the store's owner sets a hub up; after that only an administrator adds users."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from tests.conftest import PASSWORD


def _mash(home: Path, *args: str, password: str | None = None) -> subprocess.CompletedProcess[str]:
    environment = {key: value for key, value in os.environ.items()
                   if key not in ("MASH_HOME", "MASH_PASSWORD", "MASH_SHARED_DB")}
    if password is not None:
        environment["MASH_PASSWORD"] = password
    return subprocess.run([sys.executable, "-m", "mash_tui", "--home", str(home), *args], input=PASSWORD + "\n",
                          capture_output=True, text=True, env=environment, timeout=120)


def _add(home: Path, name: str, role: str, *extra: str, password: str | None = None):  # noqa: ANN202
    return _mash(home, "users", "add", name, "--role", role, "--password-stdin", *extra, password=password)


def test_only_an_administrator_adds_users_once_there_is_one(tmp_path: Path) -> None:
    home = tmp_path / "hub"
    assert _add(home, "olivia", "officer").returncode == 0
    assert _add(home, "ada", "admin").returncode == 0

    refused = _add(home, "mallory", "supervisor")
    assert refused.returncode == 2
    assert "this hub has an administrator: add users with --as ADMIN" in refused.stderr
    not_admin = _add(home, "mallory", "supervisor", "--as", "olivia", password=PASSWORD)
    assert not_admin.returncode == 2 and "Traceback" not in not_admin.stderr
    wrong_password = _add(home, "mallory", "supervisor", "--as", "ada", password="not-the-password")
    assert wrong_password.returncode == 2

    added = _add(home, "sue", "supervisor", "--as", "ada", password=PASSWORD)
    assert added.returncode == 0, added.stderr
    listed = _mash(home, "users", "list", "--json", "--as", "ada", password=PASSWORD)
    assert [json.loads(line)["username"] for line in listed.stdout.splitlines()] == ["ada", "olivia", "sue"]
