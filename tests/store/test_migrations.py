"""Migrations of the local store: a store from the first release upgrades with everything in it.

Clients migrate at start-up, so a pending outbox row that a migration lost would be a change the
shared database never hears of.
"""

from __future__ import annotations

import json
import os
import sqlite3
import stat
from datetime import UTC, datetime
from pathlib import Path

import pytest

from mash_tui.domain.roles import Actor
from mash_tui.store.audit_chain import GENESIS_HASH, event_hash, hashed_fields
from mash_tui.store.db import STORE_FILENAME, Store, open_store
from mash_tui.store.migrate import current_revision, head_revision, upgrade_to, upgrade_to_head
from mash_tui.store.tables import AppUser
from mash_tui.store.unit_of_work import unit_of_work

FIRST = "0001_foundation"
WHEN = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)
STAMP = WHEN.strftime("%Y-%m-%dT%H:%M:%S.%f+00:00")
FOUNDATION_TABLES = ("app_user", "audit_event", "outbox", "client_state")
TABLES_OF_0002 = ("known_person", "involvement", "contact_person", "match_key")


@pytest.fixture
def first_release_store(home: Path):
    store = Store(home)
    upgrade_to(store, FIRST)
    assert current_revision(store) == FIRST
    yield store
    store.dispose()


def _tables(connection: sqlite3.Connection) -> set[str]:
    rows = connection.execute("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")
    return {name for (name,) in rows}


def _rows(connection: sqlite3.Connection, table: str) -> list[tuple]:
    return connection.execute(f"SELECT * FROM {table} ORDER BY 1").fetchall()  # noqa: S608 - our own table names


def _fill_as_the_first_release_did(connection: sqlite3.Connection) -> None:
    """Plain SQL, as 0001 left the schema: nothing here may lean on the newer models."""
    connection.execute("BEGIN IMMEDIATE")
    connection.execute(
        "INSERT INTO app_user (id, username, display_name, role, agency, password_hash, active, "
        "failed_attempts, locked_until, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        ("0190a000-0000-7000-8000-000000000001", "olivia", "Olivia Officer", "officer", None,
         "$argon2id$v=19$m=65536,t=3,p=4$c2FsdA$aGFzaA", 1, 2, None, STAMP),
    )
    previous = GENESIS_HASH
    for seq, (action, details) in enumerate(
        [("user.add", {"username": "olivia"}), ("login.failed", {"username": "olivia", "known_user": True})],
        start=1,
    ):
        event_id = f"0190a000-0000-7000-8000-00000000010{seq}"
        fields = hashed_fields(
            event_id=event_id, occurred_at=WHEN, actor="os:tester", role="system", action=action,
            entity="app_user", entity_id="0190a000-0000-7000-8000-000000000001", subject_ref=None, details=details,
        )
        digest = event_hash(previous, fields)
        connection.execute(
            "INSERT INTO audit_event (seq, id, occurred_at, actor, role, action, entity, entity_id, subject_ref, "
            "details, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (seq, event_id, STAMP, "os:tester", "system", action, "app_user",
             "0190a000-0000-7000-8000-000000000001", None, json.dumps(details), previous, digest),
        )
        previous = digest
    connection.execute(
        "INSERT INTO outbox (mutation_id, client_seq, name, payload, client_time, status, result, attempts, "
        "last_error) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        ("0190a000-0000-7000-8000-000000000201", 1, "add_user.v1", json.dumps({"username": "olivia"}), STAMP,
         "pending", None, 3, "connection refused"),
    )
    connection.execute(
        "INSERT INTO client_state (id, client_id, machine_prefix, next_client_seq, next_reference_number, "
        "pull_cursor, last_sync_at) VALUES (1, ?, ?, ?, ?, ?, ?)",
        ("0190a000-0000-7000-8000-000000000301", "KX7P", 2, 14, 0, None),
    )
    connection.execute("COMMIT")


def test_a_first_release_store_upgrades_with_its_data_intact(first_release_store: Store, clock, tmp_path) -> None:
    connection = first_release_store.raw_connection()
    try:
        assert _tables(connection) == {*FOUNDATION_TABLES, "alembic_version"}
        _fill_as_the_first_release_did(connection)
        before = {table: _rows(connection, table) for table in FOUNDATION_TABLES}
    finally:
        connection.close()

    upgrade_to_head(first_release_store)

    assert current_revision(first_release_store) == head_revision()
    fresh = open_store(tmp_path / "fresh")
    connection, fresh_connection = first_release_store.raw_connection(), fresh.raw_connection()
    try:
        assert {table: _rows(connection, table) for table in FOUNDATION_TABLES} == before
        tables = _tables(connection)
        assert set(TABLES_OF_0002) <= tables
        # The upgraded store has exactly the schema a new store gets.
        assert tables == _tables(fresh_connection)
        assert connection.execute(
            "SELECT count(*) FROM outbox WHERE status = 'pending'"
        ).fetchone() == (1,)
        with pytest.raises(sqlite3.DatabaseError, match="insert-only"):
            connection.execute("UPDATE audit_event SET actor = 'someone else'")
        assert connection.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
    finally:
        connection.close()
        fresh_connection.close()
        fresh.dispose()

    # The old rows are live data: the next unit of work carries their counter and their chain on.
    with unit_of_work(first_release_store, Actor("os:tester", "system"), clock) as uow:
        user = AppUser(
            username="dan", display_name="Dan", role="decision_maker", password_hash="x", created_at=uow.now
        )
        uow.add(user)
        event = uow.audit("user.add", "app_user", user.id)
        mutation = uow.mutate("add_user.v1", {"username": "dan"})
        reference = uow.next_reference()
    assert event.prev_hash == before["audit_event"][-1][-1]
    assert mutation.client_seq == 2
    assert reference == "C-KX7P-00014"


def _schema_and_data(store: Store) -> tuple:
    connection = store.raw_connection()
    try:
        schema_version = connection.execute("PRAGMA schema_version").fetchone()[0]
        schema = connection.execute(
            "SELECT type, name, tbl_name, sql FROM sqlite_master ORDER BY type, name"
        ).fetchall()
        data = {table: _rows(connection, table) for table in sorted(_tables(connection))}
        return schema_version, schema, data
    finally:
        connection.close()


def test_upgrading_a_store_at_head_changes_nothing(home: Path) -> None:
    store = open_store(home)
    try:
        connection = store.raw_connection()
        try:
            _fill_as_the_first_release_did(connection)
        finally:
            connection.close()
        before = _schema_and_data(store)

        upgrade_to_head(store)
        # Past the shortcut too: Alembic itself must find nothing to do.
        upgrade_to(store, "head")

        assert _schema_and_data(store) == before
    finally:
        store.dispose()
    reopened = open_store(home)
    try:
        assert _schema_and_data(reopened) == before
        assert current_revision(reopened) == head_revision()
    finally:
        reopened.dispose()


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_the_home_is_private_and_so_are_its_files(tmp_path: Path, clock) -> None:
    home = tmp_path / "home"
    home.mkdir(mode=0o755)
    os.chmod(home, 0o755)
    # A permissive umask, so the modes below are the store's doing and not the test runner's.
    previous_umask = os.umask(0o002)
    try:
        store = open_store(home)
        try:
            with unit_of_work(store, Actor("os:tester", "system"), clock) as uow:
                user = AppUser(
                    username="olivia", display_name="O", role="officer", password_hash="x", created_at=uow.now
                )
                uow.add(user)
                uow.audit("user.add", "app_user", user.id)
                uow.mutate("add_user.v1", {"username": "olivia"})
            files = [path for path in home.iterdir() if path.name.startswith(STORE_FILENAME)]
            assert home / STORE_FILENAME in files
            assert _mode(home) == 0o700
            assert {path.name: _mode(path) for path in files} == {path.name: 0o600 for path in files}
        finally:
            store.dispose()
    finally:
        os.umask(previous_umask)
