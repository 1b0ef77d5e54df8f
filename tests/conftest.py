"""Shared fixtures: a fresh home with a store, a frozen clock and one user of every role."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from mash_tui.clock import FrozenClock
from mash_tui.domain.roles import Actor

FROZEN_AT = datetime(2026, 11, 24, 10, 15, tzinfo=UTC)
PASSWORD = "correct horse battery"
OWNER = Actor("os:tester", "system", display_name="tester")

TEST_USERS = (
    ("olivia", "officer", None, "Olivia Officer"),
    ("dan", "decision_maker", None, "Dan Decider"),
    ("sue", "supervisor", None, "Sue Supervisor"),
    ("pat", "partner", "police", "Pat Police"),
    ("adam", "admin", None, "Adam Admin"),
)


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(FROZEN_AT)


@pytest.fixture
def home(tmp_path: Path) -> Path:
    return tmp_path / "home"


@pytest.fixture
def ctx(home: Path, clock: FrozenClock):
    from mash_tui.services.context import open_context

    context = open_context(home, clock=clock)
    yield context
    context.store.dispose()


@pytest.fixture
def users(ctx) -> dict[str, Actor]:
    from mash_tui.services.users import add_user

    actors = {}
    for username, role, agency, display in TEST_USERS:
        add_user(ctx, OWNER, username=username, role=role, agency=agency, password=PASSWORD, display_name=display)
        actors[username] = Actor(username, role, agency, display)
    return actors
