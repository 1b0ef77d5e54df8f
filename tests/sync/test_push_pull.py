"""Push and pull between machines through a real shared database."""

from __future__ import annotations

import sqlite3

import pytest

from mash_tui.services import queue
from mash_tui.services.users import authenticate
from mash_tui.sync.link import SharedLink
from tests.conftest import PASSWORD
from tests.sync.hub import ACTORS, escalated_item, local_rows, machine, seed_users, server_rows, server_value, sync


def test_users_added_hub_wide_reach_a_new_machine(shared_url, tmp_path, clock) -> None:  # noqa: ANN001
    admin = machine(tmp_path, "admin", shared_url, clock)
    seed_users(admin)
    # Pushed at once: the shared database has them before any sync.
    assert {data["username"] for data in server_rows(shared_url, "app_user").values()} >= {"olivia", "pat"}
    fresh = machine(tmp_path, "fresh", shared_url, clock)
    report = sync(fresh, "os:tester")
    assert report.scopes == ["reference", "users"]
    assert report.written >= 5
    assert authenticate(fresh, "olivia", PASSWORD).role == "officer"
    # Offline afterwards: the users stay on the machine.
    fresh.shared = SharedLink("postgresql://nobody@127.0.0.1:1/none")
    assert authenticate(fresh, "dan", PASSWORD).role == "decision_maker"


def test_case_work_flows_from_officer_to_decision_maker(shared_url, tmp_path, clock) -> None:  # noqa: ANN001
    officer_pc = machine(tmp_path, "officer", shared_url, clock)
    seed_users(officer_pc)
    reference = escalated_item(officer_pc)
    pushed = sync(officer_pc, "olivia")
    assert pushed.sent >= 3 and pushed.rejected == 0

    dm_pc = machine(tmp_path, "dm", shared_url, clock)
    sync(dm_pc, "dan")
    for kind in ("contact", "work_item", "item_clock", "rating", "contact_draft"):
        assert local_rows(dm_pc, kind) == local_rows(officer_pc, kind), kind
    # The contact's people were indexed for matching on arrival.
    connection = sqlite3.connect(dm_pc.store.path)
    assert connection.execute("SELECT count(*) FROM contact_person").fetchone()[0] == 1
    connection.close()

    claimed = queue.claim(dm_pc, ACTORS["dan"], reference)
    assert claimed.claimed_by == "dan"
    report = sync(dm_pc, "dan")
    assert report.applied == 1 and report.rejected == 0
    item = next(iter(server_rows(shared_url, "work_item").values()))
    assert item["claimed_by"] == "dan"
    # The server's clock stamped the claim; the machine took the server's copy back.
    assert local_rows(dm_pc, "work_item")[item["id"]]["claimed_at"] is not None
    sync(officer_pc, "olivia")
    assert queue.item_view(officer_pc, reference).claimed_by == "dan"


def test_a_replayed_push_applies_nothing_twice(shared_url, tmp_path, clock) -> None:  # noqa: ANN001
    pc = machine(tmp_path, "pc", shared_url, clock)
    seed_users(pc)
    escalated_item(pc)
    sync(pc, "olivia")
    before = server_value(shared_url, "SELECT count(*) FROM change_log")
    applied = server_value(shared_url, "SELECT count(*) FROM applied_mutation")
    # As if the acknowledgement had been lost: every mutation is pending again.
    connection = sqlite3.connect(pc.store.path)
    connection.execute("UPDATE outbox SET status = 'pending'")
    connection.commit()
    connection.close()
    report = sync(pc, "olivia")
    assert report.replayed == report.sent == applied
    assert server_value(shared_url, "SELECT count(*) FROM change_log") == before
    assert server_value(shared_url, "SELECT count(*) FROM applied_mutation") == applied


def test_partner_never_receives_case_work(shared_url, tmp_path, clock) -> None:  # noqa: ANN001
    officer_pc = machine(tmp_path, "officer", shared_url, clock)
    seed_users(officer_pc)
    escalated_item(officer_pc)
    sync(officer_pc, "olivia")
    partner_pc = machine(tmp_path, "partner", shared_url, clock)
    report = sync(partner_pc, "pat")
    assert report.scopes == ["agency:police", "users"]
    assert local_rows(partner_pc, "work_item") == {} and local_rows(partner_pc, "contact") == {}
    assert len(local_rows(partner_pc, "app_user")) == 5


def test_sync_without_a_shared_database_is_a_clear_error(tmp_path, clock) -> None:  # noqa: ANN001
    from mash_tui.errors import UserError

    pc = machine(tmp_path, "pc", "postgresql://nobody@127.0.0.1:1/none", clock)
    with pytest.raises(UserError, match="unreachable"):
        sync(pc, "olivia")


def test_once_the_hub_has_an_administrator_only_an_administrator_adds_users(shared_url, tmp_path,
                                                                            clock) -> None:  # noqa: ANN001
    from mash_tui.services.users import add_user
    from tests.conftest import OWNER
    from tests.sync.hub import ACTORS, local_rows

    seed_users(machine(tmp_path, "admin", shared_url, clock))
    # A machine's owner, bypassing the command line's check, adds a supervisor of their own.
    rogue = machine(tmp_path, "rogue", None, clock)
    add_user(rogue, OWNER, username="mallory", role="supervisor", password=PASSWORD)
    rogue.shared = SharedLink(shared_url)
    report = sync(rogue, "os:tester")
    assert report.rejected == 1
    assert "only an administrator may add or change users" in report.rejections[0][1]
    assert "mallory" not in {data["username"] for data in server_rows(shared_url, "app_user").values()}
    assert "mallory" not in {row["username"] for row in local_rows(rogue, "app_user").values()}
    add_user(rogue, ACTORS["adam"], username="sam", role="supervisor", password=PASSWORD)  # sent at once
    assert "sam" in {data["username"] for data in server_rows(shared_url, "app_user").values()}
