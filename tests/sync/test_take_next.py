""""Take next" online: the shared database skips the items another decision maker is taking right now."""

from __future__ import annotations

import threading
import time

import psycopg
import pytest

from mash_tui.services import queue
from tests.sync.hub import ACTORS, escalated_item, machine, seed_users, server_rows, sync


@pytest.fixture
def hub(shared_url, tmp_path, clock):  # noqa: ANN001, ANN201
    officer_pc = machine(tmp_path, "officer", shared_url, clock)
    seed_users(officer_pc)
    references = [escalated_item(officer_pc, name) for name in ("Fenwick", "Marlow", "Okafor")]
    sync(officer_pc, "olivia")
    return references


def _holders(url: str) -> dict[str, str | None]:
    return {data["reference"]: data["claimed_by"] for data in server_rows(url, "work_item").values()}


def test_take_next_skips_an_item_another_taker_has_locked(shared_url, tmp_path, clock, hub) -> None:  # noqa: ANN001
    from mash_tui.domain.roles import Actor
    from mash_tui.services.users import add_user
    from tests.conftest import PASSWORD

    dan_pc = machine(tmp_path, "dan", shared_url, clock)
    sync(dan_pc, "dan")
    with dan_pc.store.reading() as session:
        order = [item.reference for item in queue.waiting_in_urgency_order(session)]
    assert sorted(order) == sorted(hub)
    first_id = next(item_id for item_id, data in server_rows(shared_url, "work_item").items()
                    if data["reference"] == order[0])
    # Another decision maker's "take next" is in flight on the most urgent item: it holds the row.
    with psycopg.connect(shared_url) as in_flight:
        in_flight.execute("SELECT 1 FROM entity WHERE kind = 'work_item' AND id = %s FOR UPDATE", (first_id,))
        started = time.monotonic()
        taken = queue.claim_next(dan_pc, ACTORS["dan"])
        waited = time.monotonic() - started
        in_flight.rollback()
    assert taken.reference == order[1] and taken.claimed_by == "dan" and not taken.claim_requested
    assert waited < 3, "take next waited for the locked item instead of skipping it"
    assert _holders(shared_url)[order[1]] == "dan"

    # Once the other taker lets go without claiming, the most urgent item is the next one taken.
    add_user(dan_pc, ACTORS["adam"], username="dee", role="decision_maker", password=PASSWORD)
    sync(dan_pc, "dan")
    dee_pc = machine(tmp_path, "dee", shared_url, clock)
    sync(dee_pc, "dee")
    assert queue.claim_next(dee_pc, Actor("dee", "decision_maker")).reference == order[0]


def test_two_takers_at_once_get_two_items_and_no_refusal(shared_url, tmp_path, clock, hub) -> None:  # noqa: ANN001
    from mash_tui.domain.roles import Actor
    from mash_tui.services.users import add_user
    from tests.conftest import PASSWORD

    admin_pc = machine(tmp_path, "admin2", shared_url, clock)
    sync(admin_pc, "os:tester")
    add_user(admin_pc, ACTORS["adam"], username="dee", role="decision_maker", password=PASSWORD)
    sync(admin_pc, "os:tester")
    takers = {name: machine(tmp_path, name, shared_url, clock) for name in ("dan", "dee")}
    for name, pc in takers.items():
        sync(pc, name)
    results: dict[str, object] = {}
    gate = threading.Barrier(2)

    def take(name: str) -> None:
        gate.wait()
        try:
            results[name] = queue.claim_next(takers[name], Actor(name, "decision_maker")).reference
        except Exception as error:  # noqa: BLE001 - the assertion below names it
            results[name] = error

    threads = [threading.Thread(target=take, args=(name,)) for name in takers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert all(isinstance(value, str) for value in results.values()), results
    assert results["dan"] != results["dee"]
    holders = _holders(shared_url)
    assert {holders[results["dan"]], holders[results["dee"]]} == {"dan", "dee"}
