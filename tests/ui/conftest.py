"""What the UI tests share: the app on a seeded temporary store, signing in, waiting for workers,
and the terminal sizes snapshots are taken at.

The store itself (`ctx`, with its users) and the frozen `clock` come from tests/conftest.py.
"""

from __future__ import annotations

import pytest
from textual.pilot import Pilot
from textual.screen import Screen
from textual.widgets import Input, TextArea

from mash_tui.app import MashApp
from mash_tui.domain.roles import Actor
from tests.conftest import PASSWORD

# Every screen is snapshot at the size it must work at, and at a roomy one.
SNAPSHOT_SIZES = [pytest.param((80, 24), id="80x24"), pytest.param((120, 40), id="120x40")]


def desk_app(ctx, clock) -> MashApp:  # noqa: ANN001
    """The app on the test's store: its policy, a frozen clock, and no clock tick (tests tick by hand)."""
    return MashApp(ctx.home, clock=clock, policy=ctx.policy, ticking=False)


@pytest.fixture
def app(ctx, clock) -> MashApp:  # noqa: ANN001
    return desk_app(ctx, clock)


async def settle(pilot: Pilot, rounds: int = 3) -> None:
    """Let every worker finish and every message it posted be handled; a worker's answer may start another."""
    for _ in range(rounds):
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()


def steady_cursors(pilot: Pilot) -> None:
    """No blinking cursor: a slow run could otherwise catch it in either phase."""
    for field in pilot.app.screen.query(Input):
        field.cursor_blink = False
    for area in pilot.app.screen.query(TextArea):
        area.cursor_blink = False


async def sign_in(pilot: Pilot, username: str, password: str = PASSWORD) -> None:
    """Sign in through the form, as a person would."""
    await settle(pilot)
    pilot.app.screen.query_one("#username", Input).focus()
    await pilot.press(*username, "enter", *password, "enter")
    await settle(pilot)


async def open_as(pilot: Pilot, actor: Actor, screen: Screen) -> None:
    """Sign in without the login form (its own tests cover it) and open `screen`."""
    await pilot.pause()
    pilot.app.actor = actor
    await pilot.app.switch_screen(screen)
    await settle(pilot)
    for field in pilot.app.screen.query(Input):
        field.cursor_blink = False
