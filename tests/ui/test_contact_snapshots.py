"""Snapshots of the capture screen: each section of a new contact at 80x24, a filled one at 120x40.

A frozen clock, no clock tick, steady cursors and a fixed machine prefix (references carry it)
make them the same on every run. Update with `make snapshot-update` and look at the SVGs.
"""

from __future__ import annotations

import pytest
from textual.pilot import Pilot

from mash_tui.screens.contact import SECTIONS, ContactScreen
from mash_tui.services import contacts
from tests.ui.contact_pilot import (
    filled_record,
    fix_machine_prefix,
    make_app,
    open_contact_screen,
    settle,
    steady_cursors,
    wait_until,
)


@pytest.mark.parametrize(("key", "jump"), [pytest.param(key, jump, id=key) for key, _, jump in SECTIONS])
def test_each_section_of_a_new_contact(snap_compare, ctx, users, clock, key: str, jump: str) -> None:
    async def run_before(pilot: Pilot) -> None:
        await open_contact_screen(pilot, users["olivia"])
        await pilot.press(jump.lower())
        await settle(pilot)
        assert isinstance(pilot.app.screen, ContactScreen)

    assert snap_compare(make_app(ctx, clock), terminal_size=(80, 24), run_before=run_before)


@pytest.mark.parametrize("jump", [pytest.param("alt+1", id="top"), pytest.param("f6", id="concerns")])
def test_a_filled_draft_uses_the_width(snap_compare, ctx, users, clock, jump: str) -> None:
    fix_machine_prefix(ctx)
    draft = contacts.start_draft(ctx, users["olivia"], filled_record())

    async def run_before(pilot: Pilot) -> None:
        await open_contact_screen(pilot, users["olivia"], draft_id=draft.id)
        await pilot.press(jump)
        await settle(pilot)
        steady_cursors(pilot)
        assert isinstance(pilot.app.screen, ContactScreen) and pilot.app.screen.mode == "draft"

    assert snap_compare(make_app(ctx, clock), terminal_size=(120, 40), run_before=run_before)


def test_problems_after_submit(snap_compare, ctx, users, clock) -> None:
    fix_machine_prefix(ctx)

    async def run_before(pilot: Pilot) -> None:
        await open_contact_screen(pilot, users["olivia"])
        await pilot.press("f4", *"Amelia", "tab", "tab", "tab", *"2030-01-01", "f9")
        await settle(pilot)

    assert snap_compare(make_app(ctx, clock), terminal_size=(80, 24), run_before=run_before)


def test_immediate_danger_banner(snap_compare, ctx, users, clock) -> None:
    fix_machine_prefix(ctx)

    async def run_before(pilot: Pilot) -> None:
        await open_contact_screen(pilot, users["olivia"])
        screen = pilot.app.screen
        assert isinstance(screen, ContactScreen)
        await pilot.press("f6", "tab", "tab", "tab", "tab", "tab", "space")
        await wait_until(pilot, lambda: screen._danger_raised and not screen._saving, 5)
        await settle(pilot)
        # The toast is the one moving part: it times out on the wall clock.
        pilot.app.clear_notifications()
        await settle(pilot)

    assert snap_compare(make_app(ctx, clock), terminal_size=(80, 24), run_before=run_before)


def test_a_submitted_contact_read_only(snap_compare, ctx, users, clock) -> None:
    fix_machine_prefix(ctx)
    draft = contacts.start_draft(ctx, users["olivia"], filled_record())
    reference = contacts.submit_draft(ctx, users["olivia"], draft.id).reference

    async def run_before(pilot: Pilot) -> None:
        await open_contact_screen(pilot, users["olivia"], reference=reference)
        await settle(pilot)
        assert isinstance(pilot.app.screen, ContactScreen) and pilot.app.screen.mode == "read_only"

    assert snap_compare(make_app(ctx, clock), terminal_size=(80, 24), run_before=run_before)
