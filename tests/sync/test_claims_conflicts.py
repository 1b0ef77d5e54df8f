"""The server arbitrates: one holder per item, refusals told to their author, conflicts kept for a supervisor."""

from __future__ import annotations

import pytest

from mash_tui.domain.roles import Actor
from mash_tui.services import contacts, queue
from mash_tui.services.users import add_user
from mash_tui.sync.claims import claim_requested
from mash_tui.sync.conflicts import list_conflicts, resolve_conflict
from mash_tui.sync.status import sync_rejections, sync_status
from tests.conftest import PASSWORD
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

DEE = Actor("dee", "decision_maker", None, "Dee Decider")


@pytest.fixture
def hub(shared_url, tmp_path, clock):  # noqa: ANN001, ANN201
    officer_pc = machine(tmp_path, "officer", shared_url, clock)
    seed_users(officer_pc)
    add_user(officer_pc, ACTORS["adam"], username="dee", role="decision_maker", password=PASSWORD)
    return officer_pc


def test_two_offline_claims_one_winner_the_other_told_who(hub, shared_url, tmp_path, clock) -> None:  # noqa: ANN001
    first = escalated_item(hub, "Fenwick")
    second = escalated_item(hub, "Marlow")
    sync(hub, "olivia")
    dan_pc, dee_pc = machine(tmp_path, "dan", shared_url, clock), machine(tmp_path, "dee", shared_url, clock)
    sync(dan_pc, "dan")
    sync(dee_pc, "dee")
    # Both offline: each claims the first item; Dee also claims the second, queued behind.
    queue.claim(dan_pc, ACTORS["dan"], first)
    queue.claim(dee_pc, DEE, first)
    queue.claim(dee_pc, DEE, second)
    with dee_pc.store.reading() as session:
        item_id = queue.item_view(dee_pc, first).id
        assert claim_requested(session, item_id)
    # A decision waits for the server to accept the claim.
    with pytest.raises(queue.ItemRefused, match="requested"):
        queue.decide(dee_pc, DEE, first, rag="AMBER", outcome="strategy_discussion", reason="x")
    assert sync(dan_pc, "dan").applied == 1
    report = sync(dee_pc, "dee")
    assert report.rejected == 1 and report.applied == 1
    assert "held by dan" in report.rejections[0][1]
    # Refused, recorded with its reason, shown to its author, and the claim behind it went through.
    refusals = sync_rejections(dee_pc, DEE)
    assert [refusal.name for refusal in refusals] == ["claim_item.v1"]
    assert "already held by dan" in refusals[0].reason
    assert queue.item_view(dee_pc, first).claimed_by == "dan"
    assert queue.item_view(dee_pc, second).claimed_by == "dee"
    assert sync_status(dee_pc).waiting == 0
    holders = {data["reference"]: data["claimed_by"] for data in server_rows(shared_url, "work_item").values()}
    assert holders == {first: "dan", second: "dee"}
    # The shared audit trail holds one claim per item, and the refusal.
    assert server_value(shared_url, "SELECT count(*) FROM audit_event WHERE action = 'item.claim'") == 2
    assert server_value(shared_url, "SELECT count(*) FROM audit_event WHERE action = 'sync.rejected'") == 1
    # The loser's machine no longer shows its claim in the item's history.
    kinds = [event["kind"] for event in queue.item_history(dee_pc, DEE, first)]
    assert kinds.count("claimed") == 1
    sync(dan_pc, "dan")
    assert local_rows(dee_pc, "work_item") == local_rows(dan_pc, "work_item")


def test_two_edits_from_one_version_are_both_kept_for_a_supervisor(hub, shared_url, tmp_path, clock) -> None:  # noqa: ANN001
    officer = ACTORS["olivia"]
    draft = contacts.start_draft(hub, officer, amber_form("Fenwick"))
    sync(hub, "olivia")
    laptop = machine(tmp_path, "laptop", shared_url, clock)
    sync(laptop, "olivia")
    contacts.save_draft(hub, officer, draft.id, amber_form("Fenwick-Desk"))
    contacts.save_draft(laptop, officer, draft.id, amber_form("Fenwick-Laptop"))
    sync(hub, "olivia")
    report = sync(laptop, "olivia")
    assert report.conflicts == 1 and report.rejected == 0
    kept = server_rows(shared_url, "contact_draft")[draft.id]
    assert kept["form"]["children"][0]["last_name"] == "Fenwick-Desk"
    supervisor_pc = machine(tmp_path, "sue", shared_url, clock)
    [conflict] = list_conflicts(supervisor_pc, ACTORS["sue"])
    assert conflict.kind == "contact_draft" and conflict.author == "olivia"
    assert conflict.as_json()["fields"] == ["form"]
    assert conflict.client_data["form"]["children"][0]["last_name"] == "Fenwick-Laptop"
    with pytest.raises(Exception, match="may not"):
        list_conflicts(laptop, officer)
    resolve_conflict(supervisor_pc, ACTORS["sue"], conflict.id, keep="client")
    assert list_conflicts(supervisor_pc, ACTORS["sue"]) == []
    sync(hub, "olivia")
    sync(laptop, "olivia")
    for pc in (hub, laptop):
        assert local_rows(pc, "contact_draft")[draft.id]["form"]["children"][0]["last_name"] == "Fenwick-Laptop"


def test_partner_rows_are_filtered_by_the_server_whoever_asks(hub, shared_url) -> None:  # noqa: ANN001
    import json

    import psycopg

    with psycopg.connect(shared_url, autocommit=True) as connection:
        for number, agency in enumerate(("police", "health")):
            connection.execute(
                "INSERT INTO change_log (seq, kind, entity_id, op, scopes, data) "
                "SELECT coalesce(max(seq), 0) + 1, 'information_request', %s, 'insert', %s, %s FROM change_log",
                (f"r{number}", ["casework", f"agency:{agency}"], json.dumps({"id": f"r{number}", "agency": agency})),
            )
        police = connection.execute("SELECT register_client('police-pc', 'pat')").fetchone()[0]
        # The client may claim to be anyone's machine: the scopes come from the user's role on the server.
        rows = connection.execute("SELECT kind, entity_id FROM pull_changes('police-pc', 0, 1000)").fetchall()
        unknown = connection.execute("SELECT kind FROM pull_changes('no-such-client', 0, 1000)").fetchall()
    assert sorted(police) == ["agency:police", "users"]
    assert ("information_request", "r0") in rows and ("information_request", "r1") not in rows
    assert {kind for kind, _ in rows} <= {"app_user", "information_request"}
    assert unknown == []
