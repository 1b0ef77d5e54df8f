"""Snapshots of the shell: the login screen and an officer's home, at 80x24 and 120x40.

Deterministic by construction: a frozen clock and no clock tick, a fixed terminal size, and no
blinking cursor (the Input's blink timer runs in headless tests too, so a slow run could catch the
cursor in either phase). Update with `make snapshot-update` and look at the SVGs before committing.
"""

from __future__ import annotations

import pytest
from textual.pilot import Pilot

from mash_tui.screens.home import HomeScreen
from mash_tui.screens.login import LoginScreen
from tests.conftest import PASSWORD
from tests.ui.conftest import SNAPSHOT_SIZES, desk_app, settle, steady_cursors


@pytest.mark.parametrize("size", SNAPSHOT_SIZES)
def test_login_screen(snap_compare, ctx, clock, size: tuple[int, int]) -> None:
    async def run_before(pilot: Pilot) -> None:
        await pilot.pause()
        steady_cursors(pilot)
        await settle(pilot, rounds=1)
        assert isinstance(pilot.app.screen, LoginScreen)

    assert snap_compare(desk_app(ctx, clock), terminal_size=size, run_before=run_before)


@pytest.mark.parametrize("size", SNAPSHOT_SIZES)
def test_officer_home(snap_compare, ctx, users, clock, size: tuple[int, int]) -> None:
    async def run_before(pilot: Pilot) -> None:
        await pilot.pause()
        steady_cursors(pilot)
        await pilot.press(*"olivia", "enter")
        await pilot.press(*PASSWORD, "enter")
        # Sign-in runs in a worker; the home it opens loads "my work" in another.
        await settle(pilot, rounds=1)
        await settle(pilot, rounds=1)
        assert isinstance(pilot.app.screen, HomeScreen), "the officer did not get past the login screen"
        assert pilot.app.actor is not None and pilot.app.actor.username == "olivia"

    assert snap_compare(desk_app(ctx, clock), terminal_size=size, run_before=run_before)
