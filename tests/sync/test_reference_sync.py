"""Reference data and policy through the shared database: loaded on one machine, applied on every one."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest

from mash_tui.domain.matching import PersonDetails
from mash_tui.services import prior_involvement
from mash_tui.store.known_persons import ReferenceDataError
from mash_tui.sync.errors import SharedDatabaseUnavailable
from mash_tui.sync.reference_load import load_and_share
from tests.conftest import OWNER
from tests.sync.hub import ACTORS, machine, seed_users, server_value, sync

PERSONS = """person_id,first_name,last_name,dob,sex,address,postcode
P1,William,Thompson,2015-04-11,M,"3 Oak Road, Dudley",DY1 2AB
P2,Amelia,Brown,2019-03-02,F,"12 Mill Lane, Tipton",DY4 7AA
"""
PERSONS_MOVED = """person_id,first_name,last_name,dob,sex,address,postcode
P2,Amelia,Brown,2019-03-02,F,"7 New Street, Walsall",WS1 1AA
"""
INVOLVEMENTS = """person_id,service,status,start_date,end_date,allocated_worker,team,phone
P1,social_care,open,2025-01-06,,Ann Lee,Child in Need North,0161 496 0000
"""
BAD_PERSONS = """person_id,first_name,last_name,dob,sex,address,postcode
P7,Good,Row,2015-04-11,M,,
P8,Bad,Row,2015-13-45,M,,
"""


def _file(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def _known(ctx, person_id: str) -> dict | None:  # noqa: ANN001
    connection = ctx.store.raw_connection()
    try:
        row = connection.execute(
            "SELECT first_name, last_name, address, postcode FROM known_person WHERE person_id = ?", (person_id,)
        ).fetchone()
    finally:
        connection.close()
    return None if row is None else dict(zip(("first_name", "last_name", "address", "postcode"), row, strict=True))


def _count(ctx, table: str) -> int:  # noqa: ANN001
    connection = ctx.store.raw_connection()
    try:
        return connection.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
    finally:
        connection.close()


def test_persons_and_involvements_loaded_once_reach_every_case_worker(shared_url, tmp_path, clock) -> None:  # noqa: ANN001
    loader = machine(tmp_path, "loader", shared_url, clock)
    seed_users(loader)
    first = load_and_share(loader, OWNER, "persons", _file(tmp_path, "persons.csv", PERSONS))
    second = load_and_share(loader, OWNER, "involvements", _file(tmp_path, "involvements.csv", INVOLVEMENTS))
    assert (first.seq, second.seq) == (1, 2)
    assert first.counts.rows == 2 and second.counts.rows == 1

    officer = machine(tmp_path, "officer-pc", shared_url, clock)
    report = sync(officer, "olivia")
    assert report.reference_applied == 2 and report.reference_cursor == 2
    found = prior_involvement.lookup(officer.store, PersonDetails("Bill", "Tomson", date(2015, 4, 11)),
                                     officer.policy)
    assert found and found[0].person_id == "P1"
    involvements = prior_involvement.involvements_of(officer.store, ["P1"])["P1"]
    assert [(item.status, item.allocated_worker) for item in involvements] == [("open", "Ann Lee")]
    # Applying again changes nothing: the cursor remembers what this machine has.
    assert sync(officer, "olivia").reference_applied == 0
    assert _count(officer, "known_person") == 2


def test_a_partner_machine_gets_the_policy_but_never_the_persons(shared_url, tmp_path, clock) -> None:  # noqa: ANN001
    loader = machine(tmp_path, "loader", shared_url, clock)
    seed_users(loader)
    load_and_share(loader, OWNER, "persons", _file(tmp_path, "persons.csv", PERSONS))
    policy = _file(tmp_path, "policy.toml", "[limits]\nmax_field_chars = 4000\n")
    load_and_share(loader, ACTORS["adam"], "policy", policy)

    partner = machine(tmp_path, "police-pc", shared_url, clock)
    report = sync(partner, "pat")
    assert report.reference_applied == 1 and report.reference_cursor == 2
    assert _count(partner, "known_person") == 0
    assert (partner.home / "policy.toml").read_text() == policy.read_text()


def test_a_later_load_on_another_machine_lands_on_top_of_the_earlier_one(shared_url, tmp_path, clock) -> None:  # noqa: ANN001
    one = machine(tmp_path, "one", shared_url, clock)
    seed_users(one)
    two = machine(tmp_path, "two", shared_url, clock)
    load_and_share(one, OWNER, "persons", _file(tmp_path, "persons.csv", PERSONS))
    # Machine two has not synced: it applies batch 1 before its own file, so its file wins.
    shared = load_and_share(two, OWNER, "persons", _file(tmp_path, "moved.csv", PERSONS_MOVED))
    assert (shared.seq, shared.caught_up) == (2, 1)
    assert _known(two, "P2")["postcode"] == "WS1 1AA" and _known(two, "P1") is not None
    three = machine(tmp_path, "three", shared_url, clock)
    sync(three, "olivia")
    assert _known(three, "P2")["postcode"] == "WS1 1AA"
    sync(one, "olivia")
    assert _known(one, "P2")["postcode"] == "WS1 1AA"


def test_a_bad_file_is_refused_and_stored_nowhere(shared_url, tmp_path, clock) -> None:  # noqa: ANN001
    loader = machine(tmp_path, "loader", shared_url, clock)
    seed_users(loader)
    with pytest.raises(ReferenceDataError, match="line 3.*dob"):
        load_and_share(loader, OWNER, "persons", _file(tmp_path, "bad.csv", BAD_PERSONS))
    assert _count(loader, "known_person") == 0
    assert server_value(shared_url, "SELECT count(*) FROM reference_batch") == 0
    # The lock and the transaction were given back: the next load goes through.
    assert load_and_share(loader, OWNER, "persons", _file(tmp_path, "persons.csv", PERSONS)).seq == 1


def test_an_unreachable_shared_database_loads_nothing_here(tmp_path, clock) -> None:  # noqa: ANN001
    loader = machine(tmp_path, "loader", "postgresql://postgres@127.0.0.1:1/none", clock)
    with pytest.raises(SharedDatabaseUnavailable):
        load_and_share(loader, OWNER, "persons", _file(tmp_path, "persons.csv", PERSONS))
    assert _count(loader, "known_person") == 0


def test_batches_are_insert_only_on_the_server(shared_url, tmp_path, clock) -> None:  # noqa: ANN001
    import psycopg

    loader = machine(tmp_path, "loader", shared_url, clock)
    seed_users(loader)
    load_and_share(loader, OWNER, "persons", _file(tmp_path, "persons.csv", PERSONS))
    with psycopg.connect(shared_url) as connection, pytest.raises(psycopg.errors.RaiseException, match="insert-only"):
        connection.execute("UPDATE reference_batch SET file_name = 'other.csv'")


HERE = Path(__file__).parent
REPO = HERE.parents[1]


def _mash(home: Path, url: str, *args: str, password: str | None = None,
          fault: str | None = None) -> subprocess.CompletedProcess[str]:
    """`mash --home HOME --shared URL ARGS`; with `fault`, killed at that point (tests/sync/faults.py)."""
    environment = {key: value for key, value in os.environ.items()
                   if key not in ("MASH_HOME", "MASH_SHARED_DB", "MASH_SYNC_FAULT")}
    if password is not None:
        environment["MASH_PASSWORD"] = password
    program = [sys.executable, "-m", "mash_tui"]
    if fault is not None:
        environment.update({"MASH_SYNC_FAULT": fault, "PYTHONPATH": str(REPO)})
        program = [sys.executable, str(HERE / "mash_with_faults.py")]
    return subprocess.run([*program, "--home", str(home), "--shared", url, *args],
                          capture_output=True, text=True, env=environment, timeout=120)


def test_the_commands_load_and_publish_hub_wide(shared_url, tmp_path, clock) -> None:  # noqa: ANN001
    from mash_tui.config import load_policy
    from tests.conftest import PASSWORD

    admin_pc = machine(tmp_path, "admin-pc", shared_url, clock)
    seed_users(admin_pc)
    done = _mash(admin_pc.home, shared_url, "persons", "import", str(_file(tmp_path, "p.csv", PERSONS)), "--json")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == {"file": str(tmp_path / "p.csv"), "rows": 2, "added": 2, "replaced": 0,
                                       "batch": 1}
    bad = _mash(admin_pc.home, shared_url, "persons", "import", str(_file(tmp_path, "b.csv", BAD_PERSONS)))
    assert bad.returncode == 2 and "line 3" in bad.stderr

    wrong = _file(tmp_path, "wrong.toml", "[timescales]\nred_decision_hours = 'soon'\n")
    refused = _mash(admin_pc.home, shared_url, "policy", "publish", str(wrong), "--as", "adam", password=PASSWORD)
    assert refused.returncode == 2 and "wrong.toml: timescales" in refused.stderr, refused.stderr
    officer_only = _mash(admin_pc.home, shared_url, "policy", "publish", str(_file(tmp_path, "ok.toml", "")),
                         "--as", "olivia", password=PASSWORD)
    assert officer_only.returncode == 2
    assert server_value(shared_url, "SELECT count(*) FROM reference_batch") == 1

    policy = _file(tmp_path, "policy.toml", "[limits]\nmax_field_chars = 4000\n")
    published = _mash(admin_pc.home, shared_url, "policy", "publish", str(policy), "--as", "adam", "--json",
                      password=PASSWORD)
    assert published.returncode == 0, published.stderr
    assert json.loads(published.stdout)["batch"] == 2

    desk = tmp_path / "desk"
    synced = _mash(desk, shared_url, "sync", "--once", "--as", "olivia", "--json", password=PASSWORD)
    assert synced.returncode == 0, synced.stderr
    # A new machine syncs first as its owner, to learn the users; that round brings the batches.
    assert json.loads(synced.stdout)["reference"]["cursor"] == 2
    assert load_policy(desk).limits.max_field_chars == 4000
    connection = sqlite3.connect(desk / "mash.db")
    try:
        assert connection.execute("SELECT count(*) FROM known_person").fetchone()[0] == 2
    finally:
        connection.close()


def test_a_large_batch_lets_the_desks_own_writes_in_between_its_chunks(shared_url, tmp_path, clock,
                                                                       monkeypatch) -> None:  # noqa: ANN001
    from mash_tui.services import contacts
    from mash_tui.store import known_persons
    from mash_tui.sync import reference

    loader = machine(tmp_path, "loader", shared_url, clock)
    seed_users(loader)
    load_and_share(loader, OWNER, "persons", _file(tmp_path, "persons.csv", PERSONS))
    desk = machine(tmp_path, "desk", shared_url, clock)
    monkeypatch.setattr(known_persons, "_BATCH_ROWS", 1)
    saved_between_chunks = []

    def an_autosave_arrives() -> None:
        # Another unit of work on the same store: it would wait out the whole file in one transaction.
        saved_between_chunks.append(contacts.start_draft(desk, ACTORS["olivia"], {"note": "typed mid-load"}).id)

    monkeypatch.setattr(reference, "_let_writers_in", an_autosave_arrives)
    sync(desk, "olivia")
    assert len(saved_between_chunks) >= 1
    assert _count(desk, "known_person") == 2 and _count(desk, "contact_draft") == len(saved_between_chunks)
    found = prior_involvement.lookup(desk.store, PersonDetails("Amelia", "Brown", date(2019, 3, 2)), desk.policy)
    assert found and found[0].person_id == "P2"


def test_a_machine_killed_part_way_through_a_batch_applies_it_whole_next_time(shared_url, tmp_path,
                                                                             clock) -> None:  # noqa: ANN001
    persons = "person_id,first_name,last_name,dob,sex,address,postcode\n" + "".join(
        f"Q{number},Ann{number},Lee,2015-01-{number % 28 + 1:02d},F,{number} Road,DY4 7AA\n" for number in range(45_000)
    )
    loader = machine(tmp_path, "loader", shared_url, clock)
    seed_users(loader)
    load_and_share(loader, OWNER, "persons", _file(tmp_path, "many.csv", persons))
    desk = tmp_path / "desk"
    killed = _mash(desk, shared_url, "sync", "--once", fault="between-reference-chunks")
    assert killed.returncode == -9
    connection = sqlite3.connect(desk / "mash.db")
    try:
        part = connection.execute("SELECT count(*) FROM known_person").fetchone()[0]
    finally:
        connection.close()
    assert 0 < part < 45_000
    again = _mash(desk, shared_url, "sync", "--once", "--json")
    assert again.returncode == 0, again.stderr
    assert json.loads(again.stdout)["reference"] == {"applied": 1, "cursor": 1}
    connection = sqlite3.connect(desk / "mash.db")
    try:
        assert connection.execute("SELECT count(*) FROM known_person").fetchone()[0] == 45_000
        assert connection.execute("SELECT count(DISTINCT record) FROM match_key WHERE source = 0").fetchone()[0] == 45_000
    finally:
        connection.close()
