"""The unit of work: domain rows, audit event and outbox row commit together or not at all.

The crash tests kill a real process with SIGKILL: no `finally`, no rollback, no atexit. What is on
disk afterwards is whatever SQLite's WAL makes of a writer that vanished.
"""

from __future__ import annotations

import os
import random
import select
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlmodel import select as sql_select

from mash_tui.domain.roles import Actor
from mash_tui.store.audit_chain import GENESIS_HASH, event_hash, hashed_fields
from mash_tui.store.db import Store, open_store
from mash_tui.store.tables import AppUser, AuditEvent, ClientState, OutboxMutation
from mash_tui.store.unit_of_work import unit_of_work

WORKER = Path(__file__).with_name("crash_worker.py")
REPO = Path(__file__).resolve().parents[2]
ACTOR = Actor("os:tester", "system", display_name="tester")
SIGNAL_TIMEOUT_S = 30.0


class Boom(Exception):
    pass


@pytest.fixture
def store(home: Path):
    opened = open_store(home)
    yield opened
    opened.dispose()


def _add_user(store: Store, clock, username: str, *, extra_events: int = 0) -> None:  # noqa: ANN001
    with unit_of_work(store, ACTOR, clock) as uow:
        user = AppUser(
            username=username, display_name=username, role="officer", password_hash="x", created_at=uow.now
        )
        uow.add(user)
        uow.audit("user.add", "app_user", user.id, details={"username": username})
        uow.mutate("add_user.v1", {"id": user.id, "username": username})
        for number in range(extra_events):
            uow.audit("user.note", "app_user", user.id, details={"note": number})
            uow.mutate("note_user.v1", {"id": user.id, "note": number})


def _counts(connection: sqlite3.Connection) -> tuple[int, int, int]:
    """(users, outbox rows, 'user.add' audit events): equal whenever each unit was all or nothing."""
    users = connection.execute("SELECT count(*) FROM app_user").fetchone()[0]
    outbox = connection.execute("SELECT count(*) FROM outbox WHERE name = 'add_user.v1'").fetchone()[0]
    audit = connection.execute("SELECT count(*) FROM audit_event WHERE action = 'user.add'").fetchone()[0]
    return users, outbox, audit


def _assert_chain_links(events: list[AuditEvent]) -> None:
    previous = GENESIS_HASH
    for event in events:
        assert event.prev_hash == previous, f"audit event {event.seq} does not follow the one before it"
        fields = hashed_fields(
            event_id=event.id,
            occurred_at=event.occurred_at,
            actor=event.actor,
            role=event.role,
            action=event.action,
            entity=event.entity,
            entity_id=event.entity_id,
            subject_ref=event.subject_ref,
            details=event.details,
        )
        assert event.hash == event_hash(event.prev_hash, fields), f"audit event {event.seq} was altered"
        previous = event.hash


def _assert_consistent(home: Path) -> tuple[int, int, int]:
    """Integrity, all-or-nothing counts, a gapless outbox sequence and an unbroken audit chain."""
    store = Store(home)
    try:
        connection = store.raw_connection()
        try:
            assert connection.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
            counts = _counts(connection)
            assert counts[0] == counts[1] == counts[2], f"a unit of work was split: users, outbox, audit = {counts}"
            sequence = [row[0] for row in connection.execute("SELECT client_seq FROM outbox ORDER BY client_seq")]
            assert sequence == list(range(1, len(sequence) + 1))
            state = connection.execute("SELECT next_client_seq FROM client_state").fetchone()
            assert (state[0] if state else 1) == len(sequence) + 1
        finally:
            connection.close()
        with store.reading() as session:
            _assert_chain_links(list(session.exec(sql_select(AuditEvent).order_by(AuditEvent.seq)).all()))
        return counts
    finally:
        store.dispose()


# In one process.


def test_a_unit_commits_rows_audit_and_outbox_together(store: Store, clock) -> None:
    _add_user(store, clock, "alice")
    _add_user(store, clock, "bob", extra_events=2)
    _add_user(store, clock, "carol")

    with store.reading() as session:
        users = session.exec(sql_select(AppUser).order_by(AppUser.username)).all()
        events = session.exec(sql_select(AuditEvent).order_by(AuditEvent.seq)).all()
        mutations = session.exec(sql_select(OutboxMutation).order_by(OutboxMutation.client_seq)).all()
        state = session.get(ClientState, 1)

    assert [user.username for user in users] == ["alice", "bob", "carol"]
    assert [event.action for event in events] == ["user.add", "user.add", "user.note", "user.note", "user.add"]
    added = [event.details.get("username") for event in events if event.action == "user.add"]
    assert added == ["alice", "bob", "carol"]
    assert all(event.actor == ACTOR.username and event.role == ACTOR.role for event in events)
    assert all(event.occurred_at == clock.now() for event in events)
    _assert_chain_links(events)
    assert len({event.hash for event in events}) == len(events)

    assert [mutation.client_seq for mutation in mutations] == [1, 2, 3, 4, 5]
    assert [mutation.name for mutation in mutations] == [
        "add_user.v1",
        "add_user.v1",
        "note_user.v1",
        "note_user.v1",
        "add_user.v1",
    ]
    assert all(mutation.status == "pending" and mutation.client_time == clock.now() for mutation in mutations)
    assert len({mutation.mutation_id for mutation in mutations}) == 5
    assert state is not None and state.next_client_seq == 6


@pytest.mark.parametrize("error", [Boom, KeyboardInterrupt])
def test_an_error_inside_a_unit_leaves_nothing(store: Store, clock, error: type[BaseException]) -> None:
    _add_user(store, clock, "alice")

    with pytest.raises(error):
        with unit_of_work(store, ACTOR, clock) as uow:
            user = AppUser(username="bob", display_name="bob", role="officer", password_hash="x", created_at=uow.now)
            uow.add(user)
            uow.audit("user.add", "app_user", user.id, details={"username": "bob"})
            uow.mutate("add_user.v1", {"id": user.id})
            uow.next_reference()
            raise error()

    connection = store.raw_connection()
    try:
        assert _counts(connection) == (1, 1, 1)
        assert connection.execute("SELECT username FROM app_user").fetchall() == [("alice",)]
        counters = connection.execute("SELECT next_client_seq, next_reference_number FROM client_state").fetchone()
        assert counters == (2, 1)
    finally:
        connection.close()

    # The next unit carries on from the last committed one: no gap in the sequence, no fork in the chain.
    _add_user(store, clock, "carol")
    assert _assert_consistent(store.home) == (2, 2, 2)


# Across a real crash.


class Worker:
    """A crash_worker.py child and the pipe it reports its steps on."""

    def __init__(self, home: Path, mode: str) -> None:
        read_end, write_end = os.pipe()
        self._pipe = read_end
        self.reported = b""
        self.process = subprocess.Popen(
            [sys.executable, str(WORKER), str(home), mode, str(write_end)],
            pass_fds=(write_end,),
            cwd=REPO,
            stderr=subprocess.PIPE,
        )
        os.close(write_end)

    def wait_for(self, marker: bytes) -> None:
        deadline = time.monotonic() + SIGNAL_TIMEOUT_S
        while marker not in self.reported:
            remaining = deadline - time.monotonic()
            ready, _, _ = select.select([self._pipe], [], [], max(remaining, 0))
            if not ready:
                self.kill()
                pytest.fail(f"no {marker!r} from the worker within {SIGNAL_TIMEOUT_S:g} s")
            chunk = os.read(self._pipe, 4096)
            if not chunk:
                self.process.wait()
                pytest.fail(f"the worker ended before {marker!r}: {self.process.stderr.read().decode()}")
            self.reported += chunk

    def kill(self) -> None:
        """SIGKILL, then everything it managed to report before it died."""
        os.kill(self.process.pid, signal.SIGKILL)
        self.process.wait()
        self.process.stderr.close()
        while chunk := os.read(self._pipe, 4096):
            self.reported += chunk
        os.close(self._pipe)
        assert self.process.returncode == -signal.SIGKILL


@pytest.fixture
def migrated_home(home: Path) -> Path:
    open_store(home).dispose()
    return home


@pytest.mark.parametrize("step", ["user", "audit", "outbox"])
def test_killed_inside_a_unit_leaves_none_of_it(migrated_home: Path, clock, step: str) -> None:
    worker = Worker(migrated_home, f"stop-after-{step}")
    worker.wait_for({"user": b"U", "audit": b"A", "outbox": b"O"}[step])
    worker.kill()
    assert b"C" not in worker.reported

    assert _assert_consistent(migrated_home) == (0, 0, 0)
    store = open_store(migrated_home)
    try:
        _add_user(store, clock, "after-the-crash")
    finally:
        store.dispose()
    assert _assert_consistent(migrated_home) == (1, 1, 1)


def test_killed_right_after_commit_keeps_all_of_it(migrated_home: Path) -> None:
    worker = Worker(migrated_home, "stop-after-commit")
    worker.wait_for(b"C")
    worker.kill()

    assert _assert_consistent(migrated_home) == (1, 1, 1)


def test_killed_at_random_moments_every_unit_is_all_or_nothing(migrated_home: Path, clock) -> None:
    # Seeded, so a failure names kill points that can be replayed. The delay starts at the first
    # commit, so a slow machine still kills mid-stream rather than always during start-up; units
    # take a few milliseconds, so the kills land in every phase of one.
    rng = random.Random(20261124)
    committed = 0
    for iteration in range(8):
        delay = rng.uniform(0.0, 0.1)
        worker = Worker(migrated_home, "loop")
        worker.wait_for(b"C")
        time.sleep(delay)
        worker.kill()

        counts = _assert_consistent(migrated_home)
        reported_commits = worker.reported.count(b"C")
        begun = worker.reported.count(b"B")
        now_committed = counts[0] - committed
        # Every commit that returned is on disk; nothing is there that never began.
        assert reported_commits <= now_committed <= begun, (
            f"iteration {iteration}, kill after {delay * 1000:.0f} ms: reported {worker.reported!r}, "
            f"{now_committed} units on disk"
        )
        committed = counts[0]

    store = open_store(migrated_home)
    try:
        _add_user(store, clock, "after-the-crashes")
    finally:
        store.dispose()
    assert _assert_consistent(migrated_home) == (committed + 1,) * 3
