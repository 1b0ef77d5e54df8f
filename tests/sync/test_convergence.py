"""Convergence: three machines doing random case work, cut off and restarted at random, end equal.

After the network heals and every machine has synced until nothing waits, each local store holds
exactly what the shared database holds within what its user may see, and no item has two holders.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from pathlib import Path
from typing import Any

import psycopg
import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from mash_tui.errors import UserError
from mash_tui.services import queue
from mash_tui.services.context import Context
from mash_tui.sync.errors import SharedDatabaseUnavailable
from mash_tui.sync.link import SharedLink
from mash_tui.services.users import add_user
from tests.conftest import PASSWORD
from tests.sync.conftest import TEMPLATE
from tests.sync.hub import ACTORS, escalated_item, local_rows, machine, seed_users, server_rows, sync

UNREACHABLE = "postgresql://nobody@127.0.0.1:1/none"
USERS = ("olivia", "dan", "dee")
CASEWORK = ("contact", "work_item", "item_clock", "rating", "decision", "item_event", "contact_draft")


def _normal(value: Any) -> Any:
    """Compare values, not spellings: times as instants, JSON as data."""
    if isinstance(value, str) and len(value) >= 20 and value[4:5] == "-" and value[10:11] == "T":
        try:
            return datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return value
    if isinstance(value, bool):
        return int(value)
    return value


def _as_local(data: dict[str, Any], local: dict[str, Any]) -> dict[str, Any]:
    return {key: _normal(data.get(key)) for key in local}


def _check_converged(url: str, pc: Context) -> None:
    for kind in CASEWORK:
        mine = local_rows(pc, kind)
        theirs = server_rows(url, kind)
        assert mine.keys() == theirs.keys(), kind
        for entity_id, row in mine.items():
            assert {key: _normal(value) for key, value in row.items()} == _as_local(theirs[entity_id], row), \
                (kind, entity_id)


@pytest.fixture
def cluster_for_hypothesis(pg_cluster):  # noqa: ANN001, ANN201
    return pg_cluster


def test_three_machines_converge(cluster_for_hypothesis, tmp_path_factory, clock) -> None:  # noqa: ANN001
    cluster = cluster_for_hypothesis

    class Hub(RuleBasedStateMachine):
        def __init__(self) -> None:
            super().__init__()
            name = f"c_{uuid.uuid4().hex[:10]}"
            with psycopg.connect(cluster.url(), autocommit=True) as admin:
                admin.execute(f"CREATE DATABASE {name} TEMPLATE {TEMPLATE}")
            self.url = cluster.url(name)
            self.root: Path = tmp_path_factory.mktemp("hub")
            self.pcs: dict[str, Context] = {}
            for username in USERS:
                self.pcs[username] = machine(self.root, username, self.url, clock)
            seed_users(self.pcs["olivia"])
            add_user(self.pcs["olivia"], ACTORS["adam"], username="dee", role="decision_maker", password=PASSWORD)
            self.references: list[str] = []
            self.cut: set[str] = set()

        @rule()
        def capture(self) -> None:
            self.references.append(escalated_item(self.pcs["olivia"], f"Child{len(self.references)}"))

        @precondition(lambda self: self.references)
        @rule(who=st.sampled_from(("dan", "dee")), pick=st.integers(0, 9))
        def claim(self, who: str, pick: int) -> None:
            reference = self.references[pick % len(self.references)]
            try:
                queue.claim(self.pcs[who], ACTORS.get(who) or _decider(who), reference)
            except UserError:
                pass

        @precondition(lambda self: self.references)
        @rule(who=st.sampled_from(("dan", "dee")), pick=st.integers(0, 9))
        def release(self, who: str, pick: int) -> None:
            reference = self.references[pick % len(self.references)]
            try:
                queue.release(self.pcs[who], ACTORS.get(who) or _decider(who), reference)
            except UserError:
                pass

        @rule(who=st.sampled_from(USERS))
        def sync_one(self, who: str) -> None:
            try:
                sync(self.pcs[who], who)
            except SharedDatabaseUnavailable:
                assert who in self.cut

        @rule(who=st.sampled_from(USERS))
        def partition(self, who: str) -> None:
            self.cut.add(who)
            self.pcs[who].shared = SharedLink(UNREACHABLE)

        @rule(who=st.sampled_from(USERS))
        def heal(self, who: str) -> None:
            self.cut.discard(who)
            self.pcs[who].shared = SharedLink(self.url)

        @rule(who=st.sampled_from(USERS))
        def restart(self, who: str) -> None:
            from mash_tui.config import Settings
            from mash_tui.services.context import open_context
            from mash_tui.sync.link import attach

            old = self.pcs[who]
            old.store.dispose()
            self.pcs[who] = attach(open_context(Settings(home=old.home, shared_url=old.shared_url), clock=clock))

        @invariant()
        def one_holder_per_item(self) -> None:
            for data in server_rows(self.url, "work_item").values():
                assert data["claimed_by"] in (None, "dan", "dee")

        def teardown(self) -> None:
            try:
                for who in USERS:
                    self.pcs[who].shared = SharedLink(self.url)
                # Twice round: the second round brings each machine what the others sent in the first.
                for _ in range(2):
                    for who in USERS:
                        sync(self.pcs[who], who)
                for who in USERS:
                    _check_converged(self.url, self.pcs[who])
                claims = server_rows(self.url, "work_item")
                for data in claims.values():
                    if data["state"] == "claimed":
                        assert data["claimed_by"] in ("dan", "dee")
            finally:
                for pc in self.pcs.values():
                    pc.store.dispose()

    Hub.TestCase.settings = settings(max_examples=6, stateful_step_count=7, deadline=None,
                                     suppress_health_check=list(HealthCheck))
    Hub.TestCase().runTest()


def _decider(username: str):  # noqa: ANN202
    from mash_tui.domain.roles import Actor

    return Actor(username, "decision_maker")
