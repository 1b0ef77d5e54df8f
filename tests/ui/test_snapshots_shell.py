"""Snapshots of the shell: the login screen and an officer's home, at 80x24 and 120x40.

Deterministic by construction: a frozen clock and no clock tick, a fixed terminal size, and no
blinking cursor (the Input's blink timer runs in headless tests too, so a slow run could catch the
cursor in either phase). Update with `make snapshot-update` and look at the SVGs before committing.
"""

from __future__ import annotations

import pytest
from textual.pilot import Pilot
from textual.widgets import Input

from mash_tui.app import MashApp
from mash_tui.screens.home import HomeScreen
from mash_tui.screens.login import LoginScreen
from tests.conftest import PASSWORD

SIZES = [pytest.param((80, 24), id="80x24"), pytest.param((120, 40), id="120x40")]


def _app(ctx, clock) -> MashApp:  # noqa: ANN001
    return MashApp(ctx.home, clock=clock, policy=ctx.policy, ticking=False)


async def _settle(pilot: Pilot) -> None:
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()


def _steady_cursors(pilot: Pilot) -> None:
    for field in pilot.app.screen.query(Input):
        field.cursor_blink = False


@pytest.mark.parametrize("size", SIZES)
def test_login_screen(snap_compare, ctx, clock, size: tuple[int, int]) -> None:
    async def run_before(pilot: Pilot) -> None:
        await pilot.pause()
        _steady_cursors(pilot)
        await _settle(pilot)
        assert isinstance(pilot.app.screen, LoginScreen)

    assert snap_compare(_app(ctx, clock), terminal_size=size, run_before=run_before)


@pytest.mark.parametrize("size", SIZES)
def test_officer_home(snap_compare, ctx, users, clock, size: tuple[int, int]) -> None:
    async def run_before(pilot: Pilot) -> None:
        await pilot.pause()
        _steady_cursors(pilot)
        await pilot.press(*"olivia", "enter")
        await pilot.press(*PASSWORD, "enter")
        # Sign-in runs in a worker; the home it opens loads "my work" in another.
        await _settle(pilot)
        await _settle(pilot)
        assert isinstance(pilot.app.screen, HomeScreen), "the officer did not get past the login screen"
        assert pilot.app.actor is not None and pilot.app.actor.username == "olivia"

    assert snap_compare(_app(ctx, clock), terminal_size=size, run_before=run_before)
