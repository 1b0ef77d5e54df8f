"""Prior-involvement checks on a draft, from the capture screen, while the caller is on the line."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.pilot import Pilot
from textual.widgets import DataTable, Input, Static

from mash_tui.screens.checks import ChecksScreen
from mash_tui.screens.contact import ContactScreen
from mash_tui.screens.home import HomeScreen
from mash_tui.services import checks, contacts
from mash_tui.widgets.field import FormField, path_of
from tests.conftest import OWNER
from tests.ui.contact_pilot import (
    filled_record,
    fix_machine_prefix,
    make_app,
    open_contact_screen,
    settle,
    sign_in,
    steady_cursors,
)

# Looks like markup on purpose: the case system's words must show as it holds them.
WORKER = "Sam O'Brien [/b]"


@pytest.fixture
def known_family(ctx, tmp_path: Path) -> None:  # noqa: ANN001
    """Ada, with an open social care case, and her father Dean, as the case system knows them."""
    from mash_tui.services.prior_involvement import import_involvements, import_persons

    persons = tmp_path / "persons.csv"
    persons.write_text("person_id,first_name,last_name,dob,sex,address,postcode\n"
                       "P-100,Ada,Fenwick,2019-03-02,F,12 Mill Lane,DY4 7AA\n"
                       "P-200,Dean,Fenwick,1988-07-14,M,12 Mill Lane,DY4 7AA\n", encoding="utf-8")
    involvements = tmp_path / "involvements.csv"
    involvements.write_text("person_id,service,status,start_date,end_date,allocated_worker,team,phone\n"
                            f"P-100,social_care,open,2026-01-10,,{WORKER},Team North,01632 960999\n",
                            encoding="utf-8")
    import_persons(ctx.store, persons, OWNER, ctx.clock)
    import_involvements(ctx.store, involvements, OWNER, ctx.clock)


def _field(screen: ContactScreen, path: str) -> FormField:
    for form_field in screen.query(FormField):
        if ".".join(str(part) for part in path_of(form_field)) == path:
            return form_field
    raise AssertionError(f"no field at {path}")


def _rows(app) -> list[str]:  # noqa: ANN001
    return [row.key.value for row in app.screen.query_one("#checks-table", DataTable).ordered_rows]


def _text(app, selector: str) -> str:  # noqa: ANN001
    return str(app.screen.query_one(selector, Static).render())


async def test_officer_checks_the_child_being_typed_and_comes_back_to_the_form(ctx, users, clock,  # noqa: ANN001
                                                                                known_family) -> None:
    officer = users["olivia"]
    app = make_app(ctx, clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await sign_in(pilot)
        assert isinstance(app.screen, HomeScreen)
        await pilot.press("n")
        await settle(pilot)
        capture = app.screen
        assert isinstance(capture, ContactScreen)
        # Straight on after typing the date of birth: no pause for the autosave.
        await pilot.press("f4", *"Ada", "tab", *"Fenwick", "tab", "tab", *"02/03/2019")
        typed = capture._read()
        dob_input = app.focused
        assert isinstance(dob_input, Input) and dob_input.value == "02/03/2019"

        await pilot.press("ctrl+r")
        await settle(pilot)
        checks_screen = app.screen
        assert isinstance(checks_screen, ChecksScreen)
        (draft,) = contacts.open_drafts(ctx, officer)
        assert draft.form["children"][0]["last_name"] == "Fenwick"  # saved before the checks ran
        assert checks_screen.reference == draft.reference and checks_screen.draft_id == draft.id
        assert "(draft, still being typed)" in _text(app, "#checks-title")
        assert _rows(app) == ["person:child:0", "candidate:child:0:P-100"]
        assert "Social care: open" in _text(app, "#checks-detail")
        assert WORKER in _text(app, "#checks-detail")

        await pilot.press("y")
        await settle(pilot)
        table = app.screen.query_one("#checks-table", DataTable)
        assert str(table.get_cell("candidate:child:0:P-100", "decision")) == "Confirmed"
        routing = _text(app, "#checks-routing")
        assert WORKER in routing and "01632 960999" in routing

        # A draft has no recommendation yet: g does nothing.
        await pilot.press("g")
        await settle(pilot)
        assert app.screen is checks_screen

        await pilot.press("escape")
        await settle(pilot)
        assert app.screen is capture and capture.mode == "draft"
        assert app.focused is dob_input and dob_input.cursor_position == len("02/03/2019")
        assert capture._read() == typed
        assert _field(capture, "children.0.first_name").read() == "Ada"
        # Typing goes on where it stopped.
        await pilot.press("tab", *"4")
        assert _field(capture, "children.0.estimated_age").read() == 4

    with ctx.store.reading() as session:
        assert checks.latest_decisions(session, draft.reference) == {("child", 0, "P-100"): "confirmed"}
    # The draft's own checks now show the decision: it holds for the contact once submitted.
    (person,) = checks.run_checks(ctx, officer, draft_id=draft.id)
    assert [candidate.decision for candidate in person.candidates] == ["confirmed"]


async def test_a_decision_made_on_the_draft_holds_once_it_is_submitted(ctx, users, clock,  # noqa: ANN001
                                                                        known_family) -> None:
    officer = users["olivia"]
    record = filled_record()
    record["children"] = [{**record["children"][0], "first_name": "Ada", "last_name": "Fenwick",
                           "aliases": [], "dob": "2019-03-02", "postcode": "DY4 7AA"}]
    draft = contacts.start_draft(ctx, officer, record)
    app = make_app(ctx, clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_contact_screen(pilot, officer, draft_id=draft.id)
        await pilot.press("ctrl+r")
        await settle(pilot)
        assert isinstance(app.screen, ChecksScreen)
        await pilot.press("y", "escape")
        await settle(pilot)
        assert isinstance(app.screen, ContactScreen)
        await pilot.press("f9")
        await settle(pilot)
        await settle(pilot)
        submitted_checks = app.screen
        assert isinstance(submitted_checks, ChecksScreen) and submitted_checks.draft_id is None
        table = submitted_checks.query_one("#checks-table", DataTable)
        assert str(table.get_cell("candidate:child:0:P-100", "decision")) == "Confirmed"
        assert WORKER in _text(app, "#checks-routing")


def test_checks_on_a_draft_snapshot(snap_compare, ctx, users, clock, known_family) -> None:  # noqa: ANN001
    fix_machine_prefix(ctx)
    record = filled_record()
    record["children"] = [{**record["children"][0], "first_name": "Ada", "last_name": "Fenwick",
                           "aliases": [], "dob": "2019-03-02", "postcode": "DY4 7AA"}]
    record["adults"] = [{**record["adults"][0], "first_name": "Dean", "last_name": "Fenwick", "dob": "1988-07-14"}]
    draft = contacts.start_draft(ctx, users["olivia"], record)

    async def run_before(pilot: Pilot) -> None:
        await open_contact_screen(pilot, users["olivia"], draft_id=draft.id)
        await pilot.press("ctrl+r")
        await settle(pilot)
        assert isinstance(pilot.app.screen, ChecksScreen)
        await pilot.press("y")
        await settle(pilot)
        steady_cursors(pilot)
        assert WORKER in _text(pilot.app, "#checks-routing")

    assert snap_compare(make_app(ctx, clock), terminal_size=(80, 24), run_before=run_before)


async def test_the_key_does_nothing_on_a_submitted_contact(ctx, users, clock, known_family) -> None:  # noqa: ANN001
    officer = users["olivia"]
    draft = contacts.start_draft(ctx, officer, filled_record())
    reference = contacts.submit_draft(ctx, officer, draft.id).reference
    app = make_app(ctx, clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_contact_screen(pilot, officer, reference=reference)
        screen = app.screen
        assert isinstance(screen, ContactScreen) and screen.mode == "read_only"
        assert screen.check_action("checks", ()) is False  # and so not in the footer
        stack = list(app.screen_stack)
        await pilot.press("ctrl+r")
        await settle(pilot)
        assert app.screen_stack == stack and screen.mode == "read_only"
        # Correcting is not typing a draft either.
        await pilot.press("e")
        await pilot.pause()
        assert screen.mode == "correcting"
        await pilot.press("ctrl+r")
        await settle(pilot)
        assert app.screen is screen and screen.mode == "correcting"
    assert contacts.open_drafts(ctx, officer) == []
    assert len(contacts.contact_versions(ctx, officer, reference)) == 1
    with ctx.store.reading() as session:
        assert checks.latest_decisions(session, reference) == {}


async def test_nothing_typed_is_not_checked_and_makes_no_draft(ctx, users, clock) -> None:  # noqa: ANN001
    app = make_app(ctx, clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_contact_screen(pilot, users["olivia"])
        screen = app.screen
        assert isinstance(screen, ContactScreen)
        await pilot.press("ctrl+r")
        await settle(pilot)
        assert app.screen is screen
    assert contacts.open_drafts(ctx, users["olivia"]) == []
