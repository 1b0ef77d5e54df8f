"""A partner agency's desk: its list and answer screen, snapshots and a police officer's keyboard flow."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import select
from textual.pilot import Pilot
from textual.widgets import Checkbox, DataTable, Input, Static

from mash_tui.screens.partner import PartnerHomeScreen, PartnerRequestScreen
from mash_tui.services import requests
from mash_tui.store.tables import AuditEvent
from tests.conftest import PASSWORD
from tests.requests_setup import claimed_item, desk, neglect_record, settle, show, steady_prefix
from tests.ui.conftest import SNAPSHOT_SIZES


def _three_requests(ctx, users, clock) -> list[requests.RequestView]:  # noqa: ANN001
    """Police asked about three children: one answered, one nearly due, one just sent."""
    steady_prefix(ctx)
    dan, pat = users["dan"], users["pat"]
    first = claimed_item(ctx, users, neglect_record(first_name="Ada", last_name="Fenwick"))
    answered = requests.send_requests(ctx, dan, first, {"police": "Any call-outs this year?", "health": None})[0]
    clock.advance(timedelta(hours=1))
    requests.answer_request(ctx, pat, answered.request_ref, findings=[{"person": "child:0", "known": False}])
    second = claimed_item(ctx, users, neglect_record(first_name="Ben", last_name="O'Brien [/b]"))
    soon = requests.send_requests(ctx, dan, second, {"police": "[red]Markers[/red] on the mother?"})[0]
    clock.advance(timedelta(hours=5))
    third = claimed_item(ctx, users, neglect_record(first_name="Cara", last_name="Singh"))
    fresh = requests.send_requests(ctx, dan, third, {"police": None})[0]
    # Tuesday 16:15: the second request is due Wednesday 11:15, the third Wednesday 16:15.
    return [answered, soon, fresh]


@pytest.mark.parametrize("size", SNAPSHOT_SIZES)
def test_partner_list_snapshot(snap_compare, ctx, users, clock, size: tuple[int, int]) -> None:  # noqa: ANN001
    _three_requests(ctx, users, clock)
    # Wednesday 09:45: the second request is near breach (1h 30m left), the third is not.
    clock.advance(timedelta(hours=17, minutes=30))

    async def run_before(pilot: Pilot) -> None:
        await show(pilot, users["pat"], PartnerHomeScreen(users["pat"]))
        table = pilot.app.screen.query_one("#partner-requests", DataTable)
        # Open requests by the least time left, then the answered one; no health request.
        assert [key.value for key in table.rows] == ["R-TEST-00005", "R-TEST-00007", "R-TEST-00002"]

    assert snap_compare(desk(ctx, clock), terminal_size=size, run_before=run_before)


@pytest.mark.parametrize("size", SNAPSHOT_SIZES)
def test_partner_answer_snapshot(snap_compare, ctx, users, clock, size: tuple[int, int]) -> None:  # noqa: ANN001
    _, soon, _ = _three_requests(ctx, users, clock)

    async def run_before(pilot: Pilot) -> None:
        await show(pilot, users["pat"], PartnerRequestScreen(users["pat"], soon.request_ref))
        await pilot.press("space", "tab", *"One call-out in June", "tab", *"None now")
        await pilot.pause()
        assert pilot.app.screen.query(Checkbox).first().value is True

    assert snap_compare(desk(ctx, clock), terminal_size=size, run_before=run_before)


async def _sign_in(pilot: Pilot, username: str) -> None:
    await pilot.pause()
    await pilot.press(*username, "enter")
    await pilot.press(*PASSWORD, "enter")
    await settle(pilot)


async def test_a_police_partner_signs_in_and_answers_one_request(ctx, users, clock) -> None:
    reference = claimed_item(ctx, users)
    sent = requests.send_requests(ctx, users["dan"], reference, {"police": "Any call-outs?", "health": None})
    police = sent[0]
    clock.advance(timedelta(minutes=30))
    app = desk(ctx, clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await _sign_in(pilot, "pat")
        assert isinstance(app.screen, PartnerHomeScreen)
        table = app.screen.query_one("#partner-requests", DataTable)
        assert [key.value for key in table.rows] == [police.request_ref]
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, PartnerRequestScreen)
        # Opening it marked it seen.
        assert requests.list_my_requests(ctx, users["pat"])[0].state == "seen"
        # The child: not known. The mother: known, with what the records hold.
        await pilot.press("tab", "tab", "tab", "tab")
        assert isinstance(app.focused, Checkbox)
        await pilot.press("space", "tab", *"Two call-outs for arguments", "tab", *"Shouting at night", "tab",
                          *"PC Lee, PPU")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, PartnerHomeScreen)
        assert app.screen.query_one("#partner-requests", DataTable).get_row(police.request_ref)[2].plain == "answered"
    answered = requests.list_my_requests(ctx, users["pat"])[0]
    assert answered.state == "answered"
    findings = {finding.person: finding for finding in answered.answer.findings}
    assert findings["child:0"].known is False
    assert findings["adult:0"].known is True and findings["adult:0"].summary == "Two call-outs for arguments"
    assert findings["adult:0"].agency_contact == "PC Lee, PPU"
    # Health's request is untouched and still running.
    gathering = requests.information_gathering(ctx, users["dan"], reference)
    assert [view.state for view in gathering.requests] == ["answered", "sent"]


async def test_known_without_a_summary_is_refused_on_the_screen(ctx, users, clock) -> None:
    reference = claimed_item(ctx, users)
    police = requests.send_requests(ctx, users["dan"], reference, {"police": None})[0]
    app = desk(ctx, clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await show(pilot, users["pat"], PartnerRequestScreen(users["pat"], police.request_ref))
        await pilot.press("space", "ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, PartnerRequestScreen)
        words = app.screen.query_one("#partner-request-message", Static).render().plain
        assert "say what your records hold" in words
    assert requests.list_my_requests(ctx, users["pat"])[0].state == "seen"


async def test_a_partner_cannot_open_another_agencys_request_on_screen(ctx, users, clock) -> None:
    reference = claimed_item(ctx, users)
    health = requests.send_requests(ctx, users["dan"], reference, {"health": "Known to the health visitor?"})[0]
    app = desk(ctx, clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await show(pilot, users["pat"], PartnerRequestScreen(users["pat"], health.request_ref))
        screen = app.screen
        words = screen.query_one("#partner-request-message", Static).render().plain
        assert "among Police's requests" in words
        # Nothing of the request reached the screen.
        assert "health visitor" not in screen.query_one("#partner-request-question", Static).render().plain
        assert not screen.query(Input)
    with ctx.store.reading() as session:
        refused = session.exec(select(AuditEvent).where(AuditEvent.action == "request.refused")).all()
    assert [(event.actor, event.entity_id) for event in refused] == [("pat", health.id)]


async def test_a_withdrawn_request_takes_no_answer(ctx, users, clock) -> None:
    reference = claimed_item(ctx, users)
    police = requests.send_requests(ctx, users["dan"], reference, {"police": None})[0]
    requests.withdraw_request(ctx, users["dan"], police.request_ref, "Known from the strategy meeting")
    app = desk(ctx, clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await show(pilot, users["pat"], PartnerRequestScreen(users["pat"], police.request_ref))
        screen = app.screen
        assert "Withdrawn by the MASH" in screen.query_one("#partner-request-message", Static).render().plain
        assert all(field.disabled for field in screen.query(Input))
        assert not screen.check_action("send_answer", ()) and not screen.check_action("send_correction", ())
