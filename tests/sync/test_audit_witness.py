"""The audit trail witnessed by the shared database, against someone holding the store file.

Each sync leaves the local chain head (sequence and hash) with the shared database. An attacker
who cuts the last events, or edits one and recomputes the unkeyed chain after it, leaves a local
chain that verifies on its own; `mash audit verify --shared URL` still names the witnessed head
that is gone. The server's own trail is chained too, and `mash server audit-verify` catches an
owner's edit or deletion made with the insert-only trigger turned off.
"""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
import uuid
from datetime import datetime
from pathlib import Path

import psycopg
import pytest

from mash_tui.clock import to_local
from mash_tui.server.logins import grant_client_login
from mash_tui.services.users import authenticate
from mash_tui.store.audit_chain import key_path
from tests.conftest import PASSWORD
from tests.store.test_audit_chain import recompute_chain
from tests.sync.hub import machine, seed_users, sync
from tests.sync.test_client_roles import as_login, drop_logins


def _mash(home: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "mash_tui", "--home", str(home), *args],
                          capture_output=True, text=True, timeout=120,
                          env={**os.environ, "MASH_PASSWORD": PASSWORD, "MASH_SHARED_DB": ""})


class _attacker:
    """A plain connection to the store file, with the audit trail's insert-only triggers dropped."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def __enter__(self) -> sqlite3.Connection:
        self.connection = sqlite3.connect(self.path, isolation_level=None)
        self.connection.execute("DROP TRIGGER IF EXISTS audit_event_no_update")
        self.connection.execute("DROP TRIGGER IF EXISTS audit_event_no_delete")
        self.connection.execute("DROP TRIGGER IF EXISTS audit_mac_no_update")
        self.connection.execute("DROP TRIGGER IF EXISTS audit_mac_no_delete")
        return self.connection

    def __exit__(self, *exc: object) -> None:
        self.connection.close()


def _head(path: Path) -> tuple[int, str]:
    connection = sqlite3.connect(path)
    try:
        return connection.execute("SELECT seq, hash FROM audit_event ORDER BY seq DESC LIMIT 1").fetchone()
    finally:
        connection.close()


@pytest.fixture
def desk(shared_url, tmp_path, clock):  # noqa: ANN001, ANN201
    """A machine with users, a few sign-ins, and one sync that the shared database witnessed."""
    ctx = machine(tmp_path, "desk", shared_url, clock)
    seed_users(ctx)
    for _ in range(3):
        authenticate(ctx, "olivia", PASSWORD)
    sync(ctx, "olivia")
    return ctx


def _verify(ctx, shared_url: str, *extra: str) -> subprocess.CompletedProcess:  # noqa: ANN001
    return _mash(ctx.settings.home, "--shared", shared_url, "audit", "verify", *extra)


def test_an_intact_witnessed_trail_passes_with_the_shared_database(desk, shared_url) -> None:  # noqa: ANN001
    result = _verify(desk, shared_url, "--json")
    assert result.returncode == 0, result.stdout + result.stderr
    report = json.loads(result.stdout)
    assert report["ok"] and report["chain_ok"] and report["witnessed"]["ok"]
    assert report["witnessed"]["last_witnessed_seq"] == _head(desk.store.path)[0]
    assert report["witnessed"]["unwitnessed_events"] == 0


def test_cutting_the_last_events_after_a_sync_fails_naming_the_witnessed_head(desk, shared_url) -> None:  # noqa: ANN001
    witnessed_seq, _ = _head(desk.store.path)
    with _attacker(desk.store.path) as connection:
        connection.execute("DELETE FROM audit_event WHERE seq > ?", (witnessed_seq - 2,))
    # On its own the shortened chain is intact: nothing in the file says it was longer.
    alone = _mash(desk.settings.home, "audit", "verify")
    assert alone.returncode == 0, alone.stdout
    result = _verify(desk, shared_url)
    assert result.returncode == 1, result.stdout + result.stderr
    assert f"event {witnessed_seq} " in result.stdout and "missing here" in result.stdout
    report = json.loads(_verify(desk, shared_url, "--json").stdout)
    assert report["ok"] is False and report["chain_ok"] is True
    assert [m["seq"] for m in report["witnessed"]["mismatches"]] == [witnessed_seq]


def test_new_events_written_over_a_cut_still_fail_against_the_witness(desk, shared_url) -> None:  # noqa: ANN001
    witnessed_seq, witnessed_hash = _head(desk.store.path)
    with _attacker(desk.store.path) as connection:
        connection.execute("DELETE FROM audit_event WHERE seq > ?", (witnessed_seq - 2,))
        connection.execute("DELETE FROM audit_mac WHERE seq > ?", (witnessed_seq - 2,))
    for _ in range(3):
        authenticate(desk, "olivia", PASSWORD)  # the trail carries on from the cut, reusing its numbers
    assert _head(desk.store.path)[0] > witnessed_seq
    result = _verify(desk, shared_url, "--json")
    assert result.returncode == 1
    [mismatch] = json.loads(result.stdout)["witnessed"]["mismatches"]
    assert mismatch["seq"] == witnessed_seq and mismatch["witnessed_hash"] == witnessed_hash
    assert mismatch["local_hash"] not in (None, witnessed_hash)


def _remake_macs(connection: sqlite3.Connection, key: bytes) -> None:
    from mash_tui.store.audit_chain import event_mac

    for seq, hash_ in connection.execute("SELECT seq, hash FROM audit_event").fetchall():
        connection.execute("UPDATE audit_mac SET mac = ? WHERE seq = ?", (event_mac(key, seq, hash_), seq))


def test_an_event_edited_and_the_chain_recomputed_fails_against_the_witness(desk, shared_url) -> None:  # noqa: ANN001
    from mash_tui.store.audit_chain import read_key

    witnessed_seq, _ = _head(desk.store.path)
    with _attacker(desk.store.path) as connection:
        connection.execute("UPDATE audit_event SET actor = 'nobody' WHERE seq = 2")
        recompute_chain(connection, 2)
        # The worst case: the attacker holds the key too (the same OS account), so the MACs agree.
        _remake_macs(connection, read_key(desk.store.home))
    alone = _mash(desk.settings.home, "audit", "verify")
    assert alone.returncode == 0, alone.stdout
    result = _verify(desk, shared_url)
    assert result.returncode == 1, result.stdout + result.stderr
    assert f"event {witnessed_seq}, witnessed at" in result.stdout and "rewritten" in result.stdout


def test_events_after_the_last_witness_are_reported_as_the_tail(desk, shared_url) -> None:  # noqa: ANN001
    for _ in range(4):
        authenticate(desk, "olivia", PASSWORD)
    result = _verify(desk, shared_url, "--json")
    assert result.returncode == 0, result.stdout + result.stderr
    witnessed = json.loads(result.stdout)["witnessed"]
    assert witnessed["unwitnessed_events"] == 4
    at = to_local(datetime.fromisoformat(witnessed["last_witnessed_at"])).strftime("%H:%M")
    words = _verify(desk, shared_url).stdout
    assert f"4 events since the last witness at {at}" in words
    sync(desk, "olivia")
    assert json.loads(_verify(desk, shared_url, "--json").stdout)["witnessed"]["unwitnessed_events"] == 0


def test_the_audit_key_is_registered_at_the_first_sync_and_a_deleted_one_fails(desk, shared_url) -> None:  # noqa: ANN001
    with psycopg.connect(shared_url) as owner:
        [(registered, keyed_from)] = owner.execute("SELECT key, keyed_from_seq FROM audit_key").fetchall()
    assert registered == key_path(desk.store.home).read_text().strip() and keyed_from == 1
    key_path(desk.store.home).unlink()
    result = _verify(desk, shared_url)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "audit key registered with the shared database is missing here" in result.stdout


def test_an_audit_key_replaced_and_the_chain_remade_with_it_fails(desk, shared_url) -> None:  # noqa: ANN001
    new_key = bytes(range(32))
    key_path(desk.store.home).write_text(new_key.hex() + "\n")
    with _attacker(desk.store.path) as connection:
        connection.execute("UPDATE audit_event SET actor = 'nobody' WHERE seq = 2")
        recompute_chain(connection, 2)
        _remake_macs(connection, new_key)
    assert _mash(desk.settings.home, "audit", "verify").returncode == 0
    result = _verify(desk, shared_url, "--json")
    assert result.returncode == 1
    assert "it was replaced" in json.loads(result.stdout)["witnessed"]["key_problem"]


def test_a_sync_with_nothing_new_adds_no_witness(desk, shared_url) -> None:  # noqa: ANN001
    def witnesses() -> int:
        with psycopg.connect(shared_url) as owner:
            return owner.execute("SELECT count(*) FROM audit_witness").fetchone()[0]

    before = witnesses()
    sync(desk, "olivia")
    assert witnesses() == before
    authenticate(desk, "olivia", PASSWORD)
    sync(desk, "olivia")
    assert witnesses() == before + 1


def _owner_tampers(url: str, sql: str) -> None:
    with psycopg.connect(url, autocommit=True) as owner:
        owner.execute("ALTER TABLE audit_event DISABLE TRIGGER audit_event_insert_only")
        owner.execute(sql)
        owner.execute("ALTER TABLE audit_event ENABLE TRIGGER audit_event_insert_only")


def _server_verify(home: Path, url: str, *extra: str) -> subprocess.CompletedProcess:
    return _mash(home, "server", "audit-verify", "--url", url, *extra)


def test_the_servers_own_trail_verifies_when_untouched(desk, shared_url, tmp_path) -> None:  # noqa: ANN001
    result = _server_verify(tmp_path, shared_url, "--json")
    assert result.returncode == 0, result.stdout + result.stderr
    report = json.loads(result.stdout)
    assert report["ok"] and report["events"] > 3


def test_the_servers_trail_edited_by_the_owner_fails_naming_the_event(desk, shared_url, tmp_path) -> None:  # noqa: ANN001
    _owner_tampers(shared_url, "UPDATE audit_event SET actor = 'nobody' WHERE chain_seq = 3")
    result = _server_verify(tmp_path, shared_url)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "BROKEN at event 3" in result.stdout and "changed after it was written" in result.stdout


def test_the_servers_trail_cut_by_the_owner_fails(desk, shared_url, tmp_path) -> None:  # noqa: ANN001
    _owner_tampers(shared_url, "DELETE FROM audit_event WHERE chain_seq = (SELECT max(chain_seq) FROM audit_event)")
    result = _server_verify(tmp_path, shared_url, "--json")
    assert result.returncode == 1
    assert "the last events were removed" in json.loads(result.stdout)["reason"]
    _owner_tampers(shared_url, "DELETE FROM audit_event WHERE chain_seq = 2")
    assert "BROKEN at event 3" in _server_verify(tmp_path, shared_url).stdout


@pytest.fixture
def hub_login(shared_url):  # noqa: ANN001, ANN201
    name = f"hub_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(shared_url, autocommit=True) as admin:
        grant_client_login(admin, name, kind="hub")
    try:
        yield as_login(shared_url, name)
    finally:
        drop_logins(shared_url, [name])


def test_a_client_login_witnesses_only_its_own_client_and_changes_nothing(desk, shared_url, hub_login) -> None:  # noqa: ANN001
    with psycopg.connect(hub_login, autocommit=True) as hub:
        hub.execute("SELECT register_client('hub-pc', 'olivia')")
        hub.execute("INSERT INTO audit_witness (client_id, seq, hash) VALUES ('hub-pc', 1, 'x')")
        assert hub.execute("SELECT client_id FROM audit_witness").fetchall() == [("hub-pc",)]
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            hub.execute("INSERT INTO audit_witness (client_id, seq, hash) VALUES (%s, 1, 'x')",
                        (_client_id(desk),))
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            hub.execute("SELECT key FROM audit_key")
        for statement in ("UPDATE audit_witness SET hash = 'y'", "DELETE FROM audit_witness",
                          "UPDATE audit_key SET fingerprint = 'y'", "DELETE FROM audit_key",
                          "UPDATE audit_event SET actor = 'nobody'", "DELETE FROM audit_event"):
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                hub.execute(statement)


def _client_id(ctx) -> str:  # noqa: ANN001
    connection = sqlite3.connect(ctx.store.path)
    try:
        return connection.execute("SELECT client_id FROM client_state").fetchone()[0]
    finally:
        connection.close()
