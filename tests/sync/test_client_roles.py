"""Each machine's database login is held by the server to what it may read and write.

Hub and partner logins are real PostgreSQL roles in the test cluster; roles are cluster-wide, so
each test makes its own (a uuid in the name) and drops them when it ends.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass

import psycopg
import pytest

from mash_tui.server.apply import Mutation, apply_batch
from mash_tui.server.logins import grant_client_login
from mash_tui.services import queue, requests
from mash_tui.sync.conflicts import list_conflicts, resolve_conflict
from tests.sync.hub import (
    ACTORS,
    amber_form,
    escalated_item,
    local_rows,
    machine,
    seed_users,
    server_rows,
    server_value,
    sync,
)

SUPERUSER = "postgres"


@dataclass(frozen=True)
class Logins:
    hub: str
    police: str
    hub_url: str
    police_url: str


def as_login(url: str, login: str) -> str:
    """The same database, connected to as `login` (the test cluster trusts local connections)."""
    prefix = f"postgresql://{SUPERUSER}@"
    assert url.startswith(prefix), url
    return f"postgresql://{login}@" + url[len(prefix):]


def drop_logins(url: str, names: list[str]) -> None:
    """End the logins' sessions (their temporary tables go with them), then drop the roles."""
    with psycopg.connect(url, autocommit=True) as admin:
        deadline = time.monotonic() + 10
        while True:
            admin.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = ANY(%s)", (names,))
            if not admin.execute("SELECT count(*) FROM pg_stat_activity WHERE usename = ANY(%s)",
                                 (names,)).fetchone()[0] or time.monotonic() > deadline:
                break
            time.sleep(0.05)
        for name in names:
            admin.execute(f'DROP ROLE IF EXISTS "{name}"')


@pytest.fixture
def logins(shared_url: str) -> Iterator[Logins]:
    suffix = uuid.uuid4().hex[:10]
    hub, police = f"hub_{suffix}", f"police_{suffix}"
    with psycopg.connect(shared_url, autocommit=True) as admin:
        grant_client_login(admin, hub, kind="hub")
        grant_client_login(admin, police, kind="partner", agency="police")
    try:
        yield Logins(hub, police, as_login(shared_url, hub), as_login(shared_url, police))
    finally:
        drop_logins(shared_url, [hub, police])


def _put(connection: psycopg.Connection, kind: str, entity_id: str, scopes: list[str]) -> None:
    """A row as a push would leave it: in the entity table and appended to the change log."""
    data = json.dumps({"id": entity_id})
    connection.execute("INSERT INTO entity (kind, id, scopes, data) VALUES (%s, %s, %s, %s)",
                       (kind, entity_id, scopes, data))
    connection.execute(
        "INSERT INTO change_log (seq, kind, entity_id, op, scopes, data) "
        "VALUES (change_log_head() + 1, %s, %s, 'insert', %s, %s)", (kind, entity_id, scopes, data))


@pytest.fixture
def rows_of_every_scope(shared_url: str) -> None:
    with psycopg.connect(shared_url, autocommit=True) as admin:
        _put(admin, "app_user", "u1", ["users"])
        _put(admin, "work_item", "w1", ["casework"])
        _put(admin, "information_request", "police-1", ["casework", "agency:police"])
        _put(admin, "information_request", "health-1", ["casework", "agency:health"])


def test_a_partner_login_reads_only_its_agency_and_the_users_from_the_tables(
        logins: Logins, rows_of_every_scope: None) -> None:
    with psycopg.connect(logins.police_url) as partner:
        logged = {row[0] for row in partner.execute("SELECT entity_id FROM change_log")}
        entities = {row[0] for row in partner.execute("SELECT id FROM entity")}
    assert logged == entities == {"u1", "police-1"}
    with psycopg.connect(logins.hub_url) as hub:
        assert {row[0] for row in hub.execute("SELECT id FROM entity")} == {"u1", "w1", "police-1", "health-1"}


def test_a_partner_login_writes_only_its_agency_rows(logins: Logins, rows_of_every_scope: None) -> None:
    with psycopg.connect(logins.police_url, autocommit=True) as partner:
        # A user row carries the password hash hub staff sign in with: readable, never writable here.
        assert partner.execute("UPDATE entity SET data = '{}' WHERE kind = 'app_user'").rowcount == 0
        assert partner.execute("UPDATE entity SET data = data WHERE id = 'police-1'").rowcount == 1
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            partner.execute("INSERT INTO change_log (seq, kind, entity_id, op, scopes, data) "
                            "VALUES (1000, 'work_item', 'w2', 'insert', '{casework}', '{}')")
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            partner.execute("DELETE FROM entity")


def test_a_partner_login_gets_only_its_agency_whoever_it_registers_as(shared_url, logins: Logins, tmp_path,
                                                                      clock) -> None:  # noqa: ANN001
    seed_users(machine(tmp_path, "admin", shared_url, clock))
    with psycopg.connect(logins.police_url, autocommit=True) as partner:
        as_supervisor = partner.execute("SELECT register_client('police-pc', 'sue')").fetchone()[0]
        as_partner = partner.execute("SELECT register_client('police-pc', 'pat')").fetchone()[0]
    with psycopg.connect(logins.hub_url, autocommit=True) as hub:
        hub_as_supervisor = hub.execute("SELECT register_client('hub-pc', 'sue')").fetchone()[0]
        hub_as_partner = hub.execute("SELECT register_client('hub-pc', 'pat')").fetchone()[0]
    assert sorted(as_supervisor) == ["agency:police", "users"]
    assert sorted(as_partner) == ["agency:police", "users"]
    assert sorted(hub_as_supervisor) == ["casework", "reference", "users"]
    # A partner user signed in at a hub machine still sees their agency's requests, and no other case work.
    assert sorted(hub_as_partner) == ["agency:police", "users"]


def test_a_login_pulls_only_through_its_own_client_ids(shared_url, logins: Logins,
                                                        rows_of_every_scope: None) -> None:  # noqa: ANN001
    with psycopg.connect(logins.hub_url, autocommit=True) as hub:
        hub.execute("SELECT register_client('hub-pc', 'os:tester')")
        assert len(hub.execute("SELECT * FROM pull_changes('hub-pc', 0, 100)").fetchall()) == 1  # the user row
    with psycopg.connect(logins.police_url, autocommit=True) as partner:
        assert partner.execute("SELECT * FROM pull_changes('hub-pc', 0, 100)").fetchall() == []
        assert partner.execute("SELECT * FROM pull_reference('hub-pc', 0, 100)").fetchall() == []
        assert partner.execute("SELECT client_id FROM sync_client").fetchall() == []
        with pytest.raises(psycopg.errors.InsufficientPrivilege, match="another database login"):
            partner.execute("SELECT register_client('hub-pc', 'pat')")
    with psycopg.connect(shared_url, autocommit=True) as admin:
        # A machine that synced with the owner's credentials keeps its client id under its own login.
        admin.execute("SELECT register_client('moving-pc', 'os:tester')")
    with psycopg.connect(logins.police_url, autocommit=True) as partner:
        assert partner.execute("SELECT register_client('moving-pc', 'os:tester')").fetchone()[0] == ["users"]
        assert partner.execute("SELECT entity_id FROM pull_changes('moving-pc', 0, 100)").fetchall() == [("u1",)]


def test_case_work_flows_from_officer_to_decision_maker_through_a_hub_login(shared_url, logins: Logins, tmp_path,
                                                                            clock) -> None:  # noqa: ANN001
    seed_users(machine(tmp_path, "admin", shared_url, clock))
    officer_pc = machine(tmp_path, "officer", logins.hub_url, clock)
    sync(officer_pc, "olivia")
    reference = escalated_item(officer_pc)
    pushed = sync(officer_pc, "olivia")
    assert pushed.sent >= 3 and pushed.rejected == 0
    assert pushed.scopes == ["casework", "reference", "users"]

    dm_pc = machine(tmp_path, "dm", logins.hub_url, clock)
    sync(dm_pc, "dan")
    for kind in ("contact", "work_item", "item_clock", "rating", "contact_draft"):
        assert local_rows(dm_pc, kind) == local_rows(officer_pc, kind), kind
    queue.claim(dm_pc, ACTORS["dan"], reference)
    report = sync(dm_pc, "dan")
    assert report.applied == 1 and report.rejected == 0
    item = next(iter(server_rows(shared_url, "work_item").values()))
    assert item["claimed_by"] == "dan"
    sync(officer_pc, "olivia")
    assert queue.item_view(officer_pc, reference).claimed_by == "dan"
    # Both machines' pushes are in the shared audit trail, under client ids bound to the hub login.
    assert server_value(shared_url, "SELECT count(DISTINCT a.client_id) FROM audit_event a "
                                    "JOIN sync_client s USING (client_id) WHERE s.login_role = %s", logins.hub) == 2


def test_a_partner_answers_a_request_through_its_own_login(shared_url, logins: Logins, tmp_path,
                                                            clock) -> None:  # noqa: ANN001
    seed_users(machine(tmp_path, "admin", shared_url, clock))
    hub_pc = machine(tmp_path, "hub", logins.hub_url, clock)
    sync(hub_pc, "dan")
    reference = escalated_item(hub_pc)
    queue.claim(hub_pc, ACTORS["dan"], reference)
    requests.send_requests(hub_pc, ACTORS["dan"], reference, {"police": "Any call-outs?", "health": None})
    assert sync(hub_pc, "dan").rejected == 0

    police_pc = machine(tmp_path, "police", logins.police_url, clock)
    pulled = sync(police_pc, "pat")
    assert pulled.scopes == ["agency:police", "users"]
    assert local_rows(police_pc, "work_item") == {}
    [request] = requests.list_my_requests(police_pc, ACTORS["pat"])
    requests.answer_request(police_pc, ACTORS["pat"], request.request_ref,
                            findings=[{"person": "child:0", "known": False}], free_text="Not known to us.")
    report = sync(police_pc, "pat")
    assert report.sent >= 1 and report.applied == report.sent and report.rejected == 0

    sync(hub_pc, "dan")
    [answer] = local_rows(hub_pc, "request_answer").values()
    assert answer["agency"] == "police" and answer["free_text"] == "Not known to us."
    states = {row["agency"]: row["state"] for row in local_rows(hub_pc, "information_request").values()}
    assert states == {"police": "answered", "health": "sent"}

    # The police machine never held the request's clock: the hub meets it, at the answer's time.
    from mash_tui.services.clocks import record_breaches

    requests_by_agency = {row["agency"]: row for row in local_rows(hub_pc, "information_request").values()}
    record_breaches(hub_pc, ACTORS["dan"])
    clocks = local_rows(hub_pc, "item_clock")
    assert clocks[requests_by_agency["police"]["clock_id"]]["met_at"] == requests_by_agency["police"]["answered_at"]
    assert clocks[requests_by_agency["health"]["clock_id"]]["met_at"] is None
    assert sync(hub_pc, "dan").rejected == 0
    supervisor_pc = machine(tmp_path, "supervisor", logins.hub_url, clock)
    sync(supervisor_pc, "sue")
    police_clock = local_rows(supervisor_pc, "item_clock")[requests_by_agency["police"]["clock_id"]]
    assert police_clock["met_at"] == requests_by_agency["police"]["answered_at"]


def test_a_partner_push_of_case_work_is_refused_not_wedged(logins: Logins, rows_of_every_scope: None,
                                                           shared_url) -> None:  # noqa: ANN001
    with psycopg.connect(logins.police_url, autocommit=True) as partner:
        partner.execute("SELECT register_client('police-pc', 'pat')")
        outcomes = apply_batch(partner, "police-pc", [
            Mutation("m1", 1, "claim_item.v1", {"actor": "pat", "rows": [
                {"kind": "work_item", "id": "w1", "data": {"id": "w1", "claimed_by": "pat"}}]}),
            Mutation("m2", 2, "mark_request_seen.v1", {"actor": "pat", "rows": [
                {"kind": "information_request", "id": "police-1",
                 "data": {"id": "police-1", "agency": "police", "state": "seen"}}]}),
        ])
    assert [outcome.status for outcome in outcomes] == ["rejected", "applied"]
    assert "may not write work_item" in (outcomes[0].reason or "")
    assert server_rows(shared_url, "work_item")["w1"] == {"id": "w1"}
    assert server_rows(shared_url, "information_request")["police-1"]["state"] == "seen"
    assert server_value(shared_url, "SELECT count(*) FROM applied_mutation WHERE client_id = 'police-pc'") == 2


def test_reference_batches_are_loaded_by_a_hub_login_for_its_own_client_only(logins: Logins) -> None:
    batch = ("INSERT INTO reference_batch (seq, kind, file_name, body, sha256, uploaded_by, client_id) "
             "VALUES (reference_head() + 1, 'policy', 'policy.toml', '\\x00', 'x', 'sys', %s)")
    with psycopg.connect(logins.hub_url, autocommit=True) as hub:
        hub.execute("SELECT register_client('hub-pc', 'os:tester')")
        hub.execute(batch, ("hub-pc",))
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            hub.execute(batch, ("someone-elses-pc",))
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            hub.execute("SELECT * FROM reference_batch")
        assert [row[0] for row in hub.execute("SELECT file_name FROM pull_reference('hub-pc', 0, 10)")] == [
            "policy.toml"]
    with psycopg.connect(logins.police_url, autocommit=True) as partner:
        partner.execute("SELECT register_client('police-pc', 'os:tester')")
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            partner.execute(batch, ("police-pc",))
        # Policy reaches every machine, through the function.
        assert len(partner.execute("SELECT seq FROM pull_reference('police-pc', 0, 10)").fetchall()) == 1


def test_neither_login_may_change_or_read_the_audit_trail(logins: Logins) -> None:
    for url in (logins.hub_url, logins.police_url):
        with psycopg.connect(url, autocommit=True) as connection:
            connection.execute(
                "INSERT INTO audit_event (id, client_id, occurred_at, actor, role, action, entity, details) "
                "VALUES (%s, 'c1', now(), 'olivia', 'officer', 'x', 'y', '{}')", (f"e-{url}",))
            for statement in ("UPDATE audit_event SET actor = 'mallory'", "DELETE FROM audit_event",
                              "TRUNCATE audit_event", "SELECT * FROM audit_event"):
                with pytest.raises(psycopg.errors.InsufficientPrivilege):
                    connection.execute(statement)


def test_a_hub_login_resolves_a_conflict_and_a_partner_login_cannot_see_them(shared_url, logins: Logins,
                                                                              tmp_path, clock) -> None:  # noqa: ANN001
    from mash_tui.services import contacts

    seed_users(machine(tmp_path, "admin", shared_url, clock))
    officer = ACTORS["olivia"]
    desk = machine(tmp_path, "desk", logins.hub_url, clock)
    sync(desk, "olivia")
    draft = contacts.start_draft(desk, officer, amber_form("Fenwick"))
    sync(desk, "olivia")
    laptop = machine(tmp_path, "laptop", logins.hub_url, clock)
    sync(laptop, "olivia")
    contacts.save_draft(desk, officer, draft.id, amber_form("Fenwick-Desk"))
    contacts.save_draft(laptop, officer, draft.id, amber_form("Fenwick-Laptop"))
    sync(desk, "olivia")
    assert sync(laptop, "olivia").conflicts == 1

    supervisor_pc = machine(tmp_path, "sue", logins.hub_url, clock)
    [conflict] = list_conflicts(supervisor_pc, ACTORS["sue"])
    resolve_conflict(supervisor_pc, ACTORS["sue"], conflict.id, keep="client")
    assert list_conflicts(supervisor_pc, ACTORS["sue"]) == []
    sync(desk, "olivia")
    assert local_rows(desk, "contact_draft")[draft.id]["form"]["children"][0]["last_name"] == "Fenwick-Laptop"
    with psycopg.connect(logins.police_url) as partner, pytest.raises(psycopg.errors.InsufficientPrivilege):
        partner.execute("SELECT * FROM sync_conflict")


def _mash(*args: str, home, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:  # noqa: ANN001
    import os

    return subprocess.run([sys.executable, "-m", "mash_tui", "--home", str(home), *args], capture_output=True,
                          text=True, timeout=120, env={**os.environ, **(env or {})})


def test_server_grant_creates_a_login_once_and_names_bad_options(shared_url, tmp_path) -> None:  # noqa: ANN001
    login = f"pc_{uuid.uuid4().hex[:10]}"
    home = tmp_path / "h"
    try:
        first = _mash("server", "grant", "--url", shared_url, "--login", login, "--partner", "health",
                      "--password-env", "PC_SECRET", home=home, env={"PC_SECRET": "s3cret enough"})
        assert first.returncode == 0, first.stderr
        assert "created" in first.stdout and "health" in first.stdout
        # Run again (now as a hub login): the role is kept, its group and record change.
        second = _mash("server", "grant", "--url", shared_url, "--login", login, "--hub", home=home)
        assert second.returncode == 0, second.stderr
        assert "updated" in second.stdout
        with psycopg.connect(shared_url) as admin:
            assert admin.execute("SELECT kind, agency FROM client_login WHERE login_role = %s",
                                 (login,)).fetchone() == ("hub", None)
            groups = {row[0] for row in admin.execute(
                "SELECT g.rolname FROM pg_auth_members m JOIN pg_roles g ON g.oid = m.roleid "
                "JOIN pg_roles u ON u.oid = m.member WHERE u.rolname = %s", (login,))}
            assert groups == {"mash_hub_client"}
            # Hashed before it was sent: the server holds a verifier, not the password.
            assert admin.execute("SELECT rolpassword FROM pg_authid WHERE rolname = %s",
                                 (login,)).fetchone()[0].startswith("SCRAM-SHA-256$")
        with psycopg.connect(as_login(shared_url, login), autocommit=True) as client:
            assert sorted(client.execute("SELECT register_client('pc', 'nobody')").fetchone()[0]) == [
                "reference", "users"]
    finally:
        drop_logins(shared_url, [login])

    bad = {
        ("--login", "Bad-Name", "--hub"): "--login",
        ("--login", "postgres", "--hub"): "--login",
        ("--login", login, "--partner", "nowhere"): "--partner",
        ("--login", login, "--hub", "--password-env", "MASH_NO_SUCH_VARIABLE"): "--password-env",
        ("--login", login, "--hub", "--partner", "police"): "--partner",
        ("--login", login): "--hub",
    }
    for args, option in bad.items():
        result = _mash("server", "grant", "--url", shared_url, *args, home=home)
        assert result.returncode == 2, (args, result.stderr)
        assert option in result.stderr and "Traceback" not in result.stderr, (args, result.stderr)
