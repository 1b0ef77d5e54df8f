"""`mash server init`: creates the shared schema, and running it twice changes nothing."""

from __future__ import annotations

import subprocess
import sys

import psycopg
import pytest


def _mash(*args: str, home) -> subprocess.CompletedProcess:  # noqa: ANN001
    return subprocess.run([sys.executable, "-m", "mash_tui", "--home", str(home), *args],
                          capture_output=True, text=True, timeout=120)


def test_server_init_creates_the_schema_and_is_safe_twice(empty_database: str, tmp_path) -> None:  # noqa: ANN001
    first = _mash("server", "init", "--url", empty_database, home=tmp_path / "h")
    assert first.returncode == 0, first.stderr
    assert "created" in first.stdout
    second = _mash("server", "init", "--url", empty_database, home=tmp_path / "h")
    assert second.returncode == 0, second.stderr
    assert "already at" in second.stdout
    with psycopg.connect(empty_database) as connection:
        tables = {row[0] for row in connection.execute(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public'")}
    assert {"sync_client", "applied_mutation", "change_log", "entity", "sync_conflict", "audit_event"} <= tables


def test_server_audit_trail_refuses_update_and_delete(shared_url: str) -> None:
    with psycopg.connect(shared_url, autocommit=True) as connection:
        connection.execute(
            "INSERT INTO audit_event (id, client_id, occurred_at, actor, role, action, entity, details) "
            "VALUES ('e1', 'c1', now(), 'olivia', 'officer', 'x', 'y', '{}')")
        with pytest.raises(psycopg.errors.RaiseException):
            connection.execute("UPDATE audit_event SET actor = 'mallory'")
        with pytest.raises(psycopg.errors.RaiseException):
            connection.execute("DELETE FROM audit_event")


def test_server_init_with_a_bad_url_says_so(tmp_path) -> None:  # noqa: ANN001
    result = _mash("server", "init", "--url", "mysql://nope", home=tmp_path / "h")
    assert result.returncode == 2
    assert "postgresql://" in result.stderr
    assert "Traceback" not in result.stderr
