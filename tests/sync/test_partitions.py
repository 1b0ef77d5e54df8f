"""Through a test-controlled TCP proxy: partitions heal, nobody wedges, claims keep one holder."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections import Counter
from pathlib import Path
from urllib.parse import urlparse

import pytest

from mash_tui.services.users import add_user
from tests.conftest import PASSWORD
from tests.sync.history import check
from tests.sync.hub import ACTORS, escalated_item, local_rows, machine, seed_users, server_rows, server_value, sync
from tests.sync.tcp_proxy import TcpProxy

HERE = Path(__file__).parent
REPO = HERE.parents[1]
DEADLINE = {"MASH_SYNC_DEADLINE_S": "1.5"}


@pytest.fixture
def proxy(shared_url):  # noqa: ANN001, ANN201
    parsed = urlparse(shared_url)
    proxy = TcpProxy(parsed.port)
    yield proxy
    proxy.close()


def _spawn(script: str, *args: str) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": str(REPO), **DEADLINE}
    env.pop("MASH_SYNC_FAULT", None)
    return subprocess.Popen([sys.executable, str(HERE / script), *args], env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)


def _database(url: str) -> str:
    return urlparse(url).path.lstrip("/")


def test_clients_catch_up_after_every_kind_of_partition(shared_url, proxy, tmp_path, clock) -> None:  # noqa: ANN001
    seed_users(machine(tmp_path, "admin", shared_url, clock))
    via_proxy = proxy.url(_database(shared_url))
    proxy.flap(seed=3)
    workers = []
    for number in range(3):
        home, history = tmp_path / f"pc{number}", tmp_path / f"history{number}"
        workers.append((home, history, _spawn("sync_worker.py", str(home), via_proxy, str(history),
                                              str(number * 1000), "25")))
    import time

    time.sleep(6)
    proxy.heal()
    for home, history, process in workers:
        out, err = process.communicate(timeout=240)
        assert process.returncode == 0, err
    drafts = server_rows(shared_url, "contact_draft")
    for home, history, _ in workers:
        verdict = check(history, shared_url)
        assert len(verdict.acknowledged) == 25
        assert verdict.lost == set() and verdict.duplicated == set()
    # Every machine caught up: one more sync each and its store equals the server's.
    for home, _, _ in workers:
        pc = machine(tmp_path, home.name, shared_url, clock)
        sync(pc, "olivia")
        assert local_rows(pc, "contact_draft").keys() == drafts.keys()
    assert server_value(shared_url, "SELECT count(*) FROM applied_mutation WHERE status = 'rejected'") == 0


def test_claims_through_a_flapping_network_keep_one_holder(shared_url, proxy, tmp_path, clock) -> None:  # noqa: ANN001
    hub = machine(tmp_path, "hub", shared_url, clock)
    seed_users(hub)
    deciders = ["dan", "dee", "dom"]
    for name in deciders[1:]:
        add_user(hub, ACTORS["adam"], username=name, role="decision_maker", password=PASSWORD)
    references = [escalated_item(hub, name) for name in ("Fenwick", "Marlow", "Okafor", "Quist")]
    sync(hub, "olivia")
    homes = {}
    for name in deciders:
        homes[name] = tmp_path / name
        sync(machine(tmp_path, name, shared_url, clock), name)
    via_proxy = proxy.url(_database(shared_url))
    proxy.flap(seed=11)
    processes = {name: _spawn("claim_worker.py", str(homes[name]), via_proxy, name, *references)
                 for name in deciders}
    results = {}
    for name, process in processes.items():
        out, err = process.communicate(timeout=150)
        assert process.returncode == 0, err
        results[name] = json.loads(out.strip().splitlines()[-1])
    proxy.heal()
    holders = {data["reference"]: data["claimed_by"] for data in server_rows(shared_url, "work_item").values()}
    assert set(holders) == set(references) and set(holders.values()) <= set(deciders)
    for name, result in results.items():
        # Every claimant ends knowing who holds each item: itself, or the winner it was told of.
        assert result["holders"] == holders, name
        lost = [reference for reference in references if holders[reference] != name]
        assert len(result["refused"]) == len(lost)
        for reason in result["refused"]:
            assert any(f"{reference} is already held by {holders[reference]}" == reason for reference in lost)
    claims = server_value(
        shared_url, "SELECT json_agg(entity_id) FROM audit_event WHERE action = 'item.claim'")
    assert len(claims) == len(references) and len(set(claims)) == len(references)
    accepted = Counter(
        row for row in server_value(
            shared_url, "SELECT json_agg(name) FROM applied_mutation WHERE status = 'applied' AND name = 'claim_item.v1'"))
    assert accepted["claim_item.v1"] == len(references)
    assert sum(result["failures"] for result in results.values()) > 0, "the network never failed a sync"


# A statement deadline of 1 s; connecting then waits 2 s (libpq's least).
FAST_DEADLINE_S = 1.0


def test_a_reply_lost_after_commit_is_answered_again_not_applied_again(shared_url, proxy, tmp_path, clock,
                                                                        monkeypatch) -> None:  # noqa: ANN001
    from mash_tui.sync.errors import SharedDatabaseUnavailable

    seed_users(machine(tmp_path, "admin", shared_url, clock))
    pc = machine(tmp_path, "pc", proxy.url(_database(shared_url)), clock, deadline_s=FAST_DEADLINE_S)
    assert pc.settings.connect_timeout_s == 2
    escalated_item(pc)
    before = server_value(shared_url, "SELECT count(*) FROM applied_mutation")
    proxy.set_mode("drop_after_commit")
    with pytest.raises(SharedDatabaseUnavailable):
        sync(pc, "olivia")
    committed = server_value(shared_url, "SELECT count(*) FROM applied_mutation")
    assert committed - before == 3
    proxy.set_mode("pass")
    report = sync(pc, "olivia")
    assert report.replayed == report.sent == 3
    assert server_value(shared_url, "SELECT count(*) FROM applied_mutation") == committed


@pytest.mark.parametrize("mode", ["blackhole", "reset"])
def test_a_partitioned_client_gives_up_in_time_and_keeps_working(shared_url, proxy, tmp_path, clock, monkeypatch,
                                                                  mode) -> None:  # noqa: ANN001
    import time

    from mash_tui.sync.errors import SharedDatabaseUnavailable
    from mash_tui.sync.status import sync_status

    seed_users(machine(tmp_path, "admin", shared_url, clock))
    pc = machine(tmp_path, "pc", proxy.url(_database(shared_url)), clock, deadline_s=FAST_DEADLINE_S)
    sync(pc, "olivia")
    proxy.set_mode(mode)
    started = time.monotonic()
    with pytest.raises(SharedDatabaseUnavailable):
        sync(pc, "olivia")
    assert time.monotonic() - started < 6
    # Capture goes on while the network is down.
    escalated_item(pc)
    assert sync_status(pc).waiting == 3
    proxy.set_mode("pass")
    assert sync(pc, "olivia").applied == 3
    assert sync_status(pc).waiting == 0


def test_a_machine_that_vanishes_mid_push_does_not_hold_up_the_others(shared_url, proxy, tmp_path, clock,
                                                                        monkeypatch) -> None:  # noqa: ANN001
    """Lid shut mid-push: no reset reaches the server, yet its lock must not outlive a few seconds."""
    import time

    import mash_tui.server.connect
    from mash_tui.server.apply import CHANGE_LOG_LOCK
    from mash_tui.server.connect import connect
    from mash_tui.sync.errors import SharedDatabaseUnavailable

    monkeypatch.setattr(mash_tui.server.connect, "IDLE_IN_TRANSACTION_MS", 3000)
    seed_users(machine(tmp_path, "admin", shared_url, clock))
    vanishing = connect(proxy.url(_database(shared_url)), autocommit=False, connect_timeout_s=2)
    vanishing.execute("SELECT pg_advisory_xact_lock(%s)", (CHANGE_LOG_LOCK,))
    proxy.set_mode("blackhole")  # the server side stays open and hears nothing more
    pc = machine(tmp_path, "pc", shared_url, clock, deadline_s=FAST_DEADLINE_S)
    escalated_item(pc)
    started = time.monotonic()
    while True:
        try:
            report = sync(pc, "olivia")
            break
        except SharedDatabaseUnavailable:
            assert time.monotonic() - started < 20, "the vanished machine's lock was never given up"
    assert report.applied == 3
    vanishing.close()
