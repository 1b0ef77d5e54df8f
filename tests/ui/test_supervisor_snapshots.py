"""Snapshots of the supervisor's clocks pane at 80x24 and 120x40: ok, near-breach and breached rows.

The items are made through the services with the frozen clock set to different times, so each
clock starts where a real one would; the clock is then set to the moment the pane is viewed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import pytest
from textual.pilot import Pilot

from mash_tui.clock import FrozenClock
from mash_tui.domain.roles import Actor
from mash_tui.screens.login import LoginScreen
from mash_tui.screens.supervisor import SupervisorScreen
from mash_tui.services import contacts, queue
from tests.unit.contact_records import minimal_record
from tests.ui.conftest import SNAPSHOT_SIZES, desk_app, settle

# The pane is the supervisor's home: their app is the desk app.
pane_app = desk_app


@dataclass(frozen=True)
class Board:
    """The references of the pane's items, by what their most urgent clock shows at `viewed_at`."""

    viewed_at: datetime
    breached: str  # RED, 4 hours, raised 5h 15m before: overdue 1h 15m
    near: str  # RED, raised 3h 55m before: 5 minutes left
    amber: str  # AMBER, received an hour before: its decision is due in 23 hours
    green: str  # GREEN, claimed by dan


def _danger(ctx, officer: Actor, clock: FrozenClock, at: datetime, children: str) -> str:  # noqa: ANN001
    clock.set(at)
    draft = contacts.start_draft(ctx, officer, {})
    return queue.raise_immediate_danger(ctx, officer, draft.id, children=children).reference


def _escalated(ctx, officer: Actor, clock: FrozenClock, at: datetime, category: str,  # noqa: ANN001
               first: str, last: str, received: datetime) -> str:
    clock.set(at)
    record = minimal_record(received_at=received.isoformat())
    record["concerns"]["categories"] = [category]
    record["children"] = [{"first_name": first, "last_name": last, "dob": "2019-03-02"}]
    draft = contacts.start_draft(ctx, officer, record)
    reference = contacts.submit_draft(ctx, officer, draft.id).reference
    queue.escalate(ctx, officer, reference)
    return reference


def _same_references_every_run(ctx) -> None:  # noqa: ANN001
    # References carry a random per-machine prefix; snapshots need the same one every run.
    from mash_tui.store.unit_of_work import client_state

    with ctx.store.writing() as session:
        state = client_state(session)
        state.machine_prefix = "TEST"
        session.add(state)


def build_board(ctx, users: dict[str, Actor], clock: FrozenClock) -> Board:  # noqa: ANN001
    """Four open items whose clocks read breached, near breach and ok when the clock is back at now."""
    _same_references_every_run(ctx)
    officer = users["olivia"]
    viewed_at = clock.now()
    breached = _danger(ctx, officer, clock, viewed_at - timedelta(hours=5, minutes=15), "Bo Breached")
    near = _danger(ctx, officer, clock, viewed_at - timedelta(hours=3, minutes=55), "Ava Near")
    # A name that looks like markup must show as typed.
    amber = _escalated(ctx, officer, clock, viewed_at - timedelta(minutes=15), "16A", "Cy", "O'Brien [/b]",
                       viewed_at - timedelta(hours=1))
    green = _escalated(ctx, officer, clock, viewed_at - timedelta(minutes=5), "7A", "Di", "Green",
                       viewed_at - timedelta(minutes=10))
    clock.set(viewed_at)
    queue.claim(ctx, users["dan"], green)
    return Board(viewed_at, breached, near, amber, green)


async def open_pane(pilot: Pilot, supervisor: Actor) -> SupervisorScreen:
    """Sign the supervisor in: their home is the pane. Waits for its first poll to be shown."""
    await pilot.pause()
    pilot.app.post_message(LoginScreen.Succeeded(supervisor))
    await pilot.pause()
    await settle(pilot)
    screen = pilot.app.screen
    assert isinstance(screen, SupervisorScreen), f"a supervisor's home should be the clocks pane, not {screen}"
    return screen


@pytest.mark.parametrize("size", SNAPSHOT_SIZES)
def test_supervisor_pane(snap_compare, ctx, users, clock, size: tuple[int, int]) -> None:
    board = build_board(ctx, users, clock)

    async def run_before(pilot: Pilot) -> None:
        screen = await open_pane(pilot, users["sue"])
        rows = {row.item.reference: row.countdown for row in screen._rows.values()}
        assert rows[board.breached].text == "overdue 1h 15m"
        assert rows[board.near].text == "! 5m 00s"
        assert rows[board.amber].text == "23h 00m"

    assert snap_compare(pane_app(ctx, clock), terminal_size=size, run_before=run_before)


@pytest.mark.parametrize("size", SNAPSHOT_SIZES)
def test_supervisor_pane_after_the_clock_moves_on(snap_compare, ctx, users, clock, size: tuple[int, int]) -> None:
    """Six minutes on, through the tick alone: the near-breach row has breached.

    (Under the idle lock's ten minutes, which would otherwise hide the pane.)
    """
    board = build_board(ctx, users, clock)

    async def run_before(pilot: Pilot) -> None:
        screen = await open_pane(pilot, users["sue"])
        clock.advance(timedelta(minutes=6))
        pilot.app.tick()
        await pilot.pause()
        rows = {row.item.reference: row.countdown for row in screen._rows.values()}
        assert rows[board.near].text == "overdue 1m 00s"

    assert snap_compare(pane_app(ctx, clock), terminal_size=size, run_before=run_before)
