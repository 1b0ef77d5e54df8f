"""The capture screen driven by the keyboard alone: capture, check, autosave, danger, corrections."""

from __future__ import annotations

import html
import re

import pytest
from textual.widgets import DataTable, Input, Static

from mash_tui.screens.checks import ChecksScreen
from mash_tui.screens.contact import AUTOSAVE_SECONDS, ContactScreen
from mash_tui.screens.home import HomeScreen
from mash_tui.services import contacts, queue
from mash_tui.widgets.field import FormField, path_of
from tests.ui.contact_pilot import (
    filled_record,
    make_app,
    open_contact_screen,
    settle,
    sign_in,
    wait_until,
)


def _field(screen: ContactScreen, path: str) -> FormField:
    for form_field in screen.query(FormField):
        if ".".join(str(part) for part in path_of(form_field)) == path:
            return form_field
    raise AssertionError(f"no field at {path}")


def _screen_text(app) -> str:  # noqa: ANN001
    """What the terminal shows, as plain text (the SVG screenshot, unescaped)."""
    svg = app.export_screenshot()
    texts = re.findall(r"<text[^>]*>(.*?)</text>", svg, flags=re.S)
    return html.unescape("".join(texts)).replace("\xa0", " ")


async def test_full_capture_by_keyboard_alone(ctx, users, clock) -> None:
    app = make_app(ctx, clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await sign_in(pilot)
        assert isinstance(app.screen, HomeScreen)
        await pilot.press("n")
        await settle(pilot)
        assert isinstance(app.screen, ContactScreen)

        # Referrer: the source found by typing part of its name.
        await pilot.press("f3", *"school", "enter")
        await pilot.press("tab", *"Priya Shah", "tab", *"Designated safeguarding lead", "tab", *"Oakfield Primary")
        await pilot.press("tab", *"01632 960123", "tab", "tab", *"teacher", "tab", "tab", "space")

        # Two children: the second added with alt+c.
        await pilot.press("f4", *"Amelia", "tab", *"Brown", "tab", "tab", *"02/03/2019")
        await pilot.press("alt+c")
        await pilot.pause()
        await pilot.press(*"Ben", "tab", *"Brown", "tab", "tab", "tab", *"4")

        # One adult, added with alt+a: parental responsibility, lives with the child, alleged perpetrator.
        await pilot.press("alt+a")
        await pilot.pause()
        await pilot.press(*"Dean", "tab", *"Brown", "tab", "tab", *"father", "tab", "space", "tab", "space")
        await pilot.press("tab", "space")

        # Concerns: narrow the categories by typing, tick with space, then the narrative and the injury.
        await pilot.press("f6", *"adult on", "tab", "space", "tab")
        await pilot.press(*"Bruise on cheek; says dad hit her.", "tab", "enter", "down", "enter")
        await pilot.pause()

        # Consent not sought, with the reason.
        await pilot.press("f7", "tab", "enter", *"not s", "enter")
        await pilot.pause()
        await pilot.press("tab", *"Telling the father may put the child at risk")

        await pilot.press("f9")
        await settle(pilot)
        await settle(pilot)
        # Submitted: the prior-involvement checks come first, over the read-only contact.
        assert isinstance(app.screen, ChecksScreen)
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, ContactScreen) and app.screen.mode == "read_only"

    stored = contacts.list_contacts(ctx, users["olivia"])
    assert len(stored) == 1
    record = stored[0].record
    assert record["referrer"]["source"] == "2A"
    assert record["referrer"]["name"] == "Priya Shah"
    assert record["referrer"]["wants_feedback"] is True
    assert [(child["first_name"], child["dob"], child["estimated_age"]) for child in record["children"]] == [
        ("Amelia", "2019-03-02", None),
        ("Ben", None, 4),
    ]
    (adult,) = record["adults"]
    assert (adult["first_name"], adult["relationship"]) == ("Dean", "father")
    assert adult["parental_responsibility"] and adult["lives_with_child"] and adult["alleged_perpetrator"]
    assert record["concerns"]["categories"] == ["18C"]
    assert record["concerns"]["narrative"] == "Bruise on cheek; says dad hit her."
    assert record["concerns"]["injury"] == "minor"
    assert record["consent"] == {
        "parents_aware": False,
        "consent_given": "not_sought",
        "reason": "Telling the father may put the child at risk",
        "agencies_agreed": [],
    }
    assert stored[0].recommended_rag == "RED"
    assert stored[0].author == "olivia"


# Under a loaded full run the home's first paint of the new row has been seen to miss the 5 s window
# (the row is in the table; the screenshot does not show it yet). Issue 21 section 4 tracks it;
# until the cause is found, a failure is retried twice and three in a row still fail the suite.
@pytest.mark.flaky(reruns=2)
async def test_markup_typed_as_a_name_shows_as_typed(ctx, users, clock) -> None:
    app = make_app(ctx, clock)
    async with app.run_test(size=(100, 30)) as pilot:
        await open_contact_screen(pilot, users["olivia"])
        await pilot.press("f4", *"[red]x", "tab", *"O'Brien [/b]")
        screen = app.screen
        assert isinstance(screen, ContactScreen)
        await wait_until(pilot, lambda: screen._draft_id is not None and not screen._saving, 2)
        shown = _screen_text(app)
        assert "[red]x" in shown and "O'Brien [/b]" in shown
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, HomeScreen)
        table = app.screen.query_one("#my-work", DataTable)
        assert table.get_row_at(0)[2].plain == "[red]x O'Brien [/b]"
        # The row is in the table before the next frame paints it.
        await wait_until(pilot, lambda: "[red]x O'Brien [/b]" in _screen_text(app), 5)
        assert "[red]x O'Brien [/b]" in _screen_text(app)
    (draft,) = contacts.open_drafts(ctx, users["olivia"])
    assert draft.form["children"][0]["first_name"] == "[red]x"
    assert draft.form["children"][0]["last_name"] == "O'Brien [/b]"


async def test_a_change_reaches_the_store_within_a_second(ctx, users, clock) -> None:
    app = make_app(ctx, clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_contact_screen(pilot, users["olivia"])
        screen = app.screen
        assert isinstance(screen, ContactScreen)
        assert "Not saved yet" in str(screen.query_one("#contact-state", Static).render())
        await pilot.press("f4", *"Amelia")

        def stored_name() -> str | None:
            drafts = contacts.open_drafts(ctx, users["olivia"])
            return drafts[0].form["children"][0]["first_name"] if drafts else None

        assert await wait_until(pilot, lambda: stored_name() == "Amelia", 1.0) <= 1.0
        (draft,) = contacts.open_drafts(ctx, users["olivia"])
        assert draft.reference in str(screen.query_one("#contact-title", Static).render())
        await pilot.press("tab", *"Brown")
        await wait_until(pilot, lambda: contacts.open_drafts(ctx, users["olivia"])[0].form["children"][0]
                         ["last_name"] == "Brown", 1.0)
        assert AUTOSAVE_SECONDS < 1


async def test_nothing_typed_makes_no_draft(ctx, users, clock) -> None:
    app = make_app(ctx, clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_contact_screen(pilot, users["olivia"])
        await pilot.press("f3", "f4", "f6")
        await pilot.pause(AUTOSAVE_SECONDS * 2)
        await settle(pilot)
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, HomeScreen)
    assert contacts.open_drafts(ctx, users["olivia"]) == []


async def test_a_draft_is_offered_and_reopens_as_left(ctx, users, clock) -> None:
    record = filled_record()
    record["children"][0]["dob"] = "spring 2019"  # still wrong: a draft keeps what was typed
    contacts.start_draft(ctx, users["olivia"], record)
    app = make_app(ctx, clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await sign_in(pilot)
        assert isinstance(app.screen, HomeScreen)
        offer = str(app.screen.query_one("#home-empty", Static).render())
        assert "unsent draft" in offer
        await pilot.press("enter")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, ContactScreen) and screen.mode == "draft"
        shown = screen._read()
        assert shown == record
        assert _field(screen, "children.0.dob").read() == "spring 2019"


async def test_leaving_a_field_says_what_is_wrong_with_it(ctx, users, clock) -> None:
    app = make_app(ctx, clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_contact_screen(pilot, users["olivia"])
        screen = app.screen
        assert isinstance(screen, ContactScreen)
        await pilot.press("f4", "tab", "tab", "tab", *"2030-01-01")
        assert _field(screen, "children.0.dob").problem is None
        await pilot.press("tab")
        await pilot.pause()
        assert _field(screen, "children.0.dob").problem == "Date of birth is after the time the contact was received"
        # Tabbing past an empty last name counts as leaving it; an untouched field says nothing yet.
        assert _field(screen, "children.0.last_name").problem == "A child needs a last name or an alias"
        assert _field(screen, "referrer.source").problem is None
        await pilot.press("shift+tab", "ctrl+u", *"2020-01-01", "tab")
        await pilot.pause()
        assert _field(screen, "children.0.dob").problem is None
        await pilot.press("alt+1", "ctrl+u", *"yesterday", "tab")
        await pilot.pause()
        assert _field(screen, "received_at").problem == "Write the date and time as YYYY-MM-DD HH:MM"


async def test_submit_checks_everything_and_goes_to_the_first_problem(ctx, users, clock) -> None:
    app = make_app(ctx, clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_contact_screen(pilot, users["olivia"])
        screen = app.screen
        assert isinstance(screen, ContactScreen)
        await pilot.press("f6", "tab", "tab", *"Worried about the children.")
        await pilot.press("f9")
        await pilot.pause()
        source = _field(screen, "referrer.source")
        assert source.problem == "Source of contact is required"
        assert app.focused is not None and source in app.focused.ancestors_with_self
        assert _field(screen, "children.0.last_name").problem == "A child needs a last name or an alias"
        assert _field(screen, "children.0.dob").problem is not None
        assert _field(screen, "concerns.narrative").problem is None
        banner = str(screen.query_one("#form-problems", Static).render())
        assert "3 things to put right" in banner
        await settle(pilot)
    assert contacts.list_contacts(ctx, users["olivia"]) == []


async def test_immediate_danger_goes_to_the_queue_as_red_at_once(ctx, users, clock) -> None:
    app = make_app(ctx, clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_contact_screen(pilot, users["olivia"])
        screen = app.screen
        assert isinstance(screen, ContactScreen)
        await pilot.press("f4", *"Amelia", "tab", *"Brown")
        await pilot.press("f6", "tab", "tab", "tab", "tab", "tab")
        assert app.focused is not None and _field(screen, "concerns.immediate_danger") in app.focused.ancestors
        await pilot.press("space")
        await pilot.pause()
        banner = screen.query_one("#danger-banner", Static)
        assert banner.display and "ring 999" in str(banner.render())
        await wait_until(pilot, lambda: screen._danger_raised, 2)
        assert "top of the decision makers' queue as RED" in str(banner.render())
    items = queue.list_items(ctx, users["dan"])
    (item,) = [item for item in items if item.immediate_danger]
    assert item.rag == "RED" and item.state == "escalated"
    assert item.reference == contacts.open_drafts(ctx, users["olivia"])[0].reference


async def test_a_submitted_contact_is_read_only_and_a_correction_is_a_new_version(ctx, users, clock) -> None:
    officer = users["olivia"]
    draft = contacts.start_draft(ctx, officer, filled_record())
    reference = contacts.submit_draft(ctx, officer, draft.id).reference
    app = make_app(ctx, clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_contact_screen(pilot, officer, reference=reference)
        screen = app.screen
        assert isinstance(screen, ContactScreen) and screen.mode == "read_only"
        assert all(form_field.disabled for form_field in screen.query(FormField))
        assert screen._read() == filled_record()
        await pilot.press("f4", "ctrl+s", "alt+c", "f9")
        await settle(pilot)
        assert len(contacts.contact_versions(ctx, officer, reference)) == 1

        await pilot.press("e")
        await pilot.pause()
        assert screen.mode == "correcting"
        await pilot.press("f4", "ctrl+u", *"Maisie-Rose", "f9")
        await settle(pilot)
        await settle(pilot)
        assert screen.mode == "read_only"
        assert "version 2 of 2" in str(screen.query_one("#contact-title", Static).render())
        await pilot.press("left_square_bracket")
        await pilot.pause()
        assert "version 1 of 2" in str(screen.query_one("#contact-title", Static).render())
        assert "Superseded by version 2" in str(screen.query_one("#contact-state", Static).render())
        assert _field(screen, "children.0.first_name").read() == "Maisie"
    versions = contacts.contact_versions(ctx, officer, reference)
    assert [version.version for version in versions] == [1, 2]
    assert versions[0].superseded and versions[0].record["children"][0]["first_name"] == "Maisie"
    assert versions[1].record["children"][0]["first_name"] == "Maisie-Rose"


async def test_the_form_gives_back_exactly_the_record_it_was_given(ctx, users, clock) -> None:
    import json
    from pathlib import Path

    from mash_tui.domain.contact import contact_to_json, validate_contact

    fixtures = Path(__file__).resolve().parents[1] / "fixtures" / "contacts" / "four_contacts.json"
    other_offset = filled_record()
    other_offset["received_at"] = "2026-11-24T04:12:30-05:30"
    records = [contact_to_json(validate_contact(raw)) for raw in json.loads(fixtures.read_text())]
    records += [filled_record(), other_offset]
    app = make_app(ctx, clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_contact_screen(pilot, users["olivia"])
        screen = app.screen
        assert isinstance(screen, ContactScreen)
        for record in records:
            await screen._show_record(record)
            await pilot.pause()
            assert screen._read() == record
        assert isinstance(_field(screen, "received_at").control, Input)


async def test_leaving_by_another_road_keeps_the_last_keys(ctx, users, clock) -> None:
    app = make_app(ctx, clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_contact_screen(pilot, users["olivia"])
        await pilot.press("f4", *"Amelia", "f1")  # Home at once: before autosave's turn comes
        assert isinstance(app.screen, HomeScreen)

        def stored_name() -> str | None:
            drafts = contacts.open_drafts(ctx, users["olivia"])
            return drafts[0].form["children"][0]["first_name"] if drafts else None

        await wait_until(pilot, lambda: stored_name() == "Amelia", 2.0)


async def test_removing_an_entry_with_something_typed_asks_first(ctx, users, clock) -> None:  # noqa: ANN001
    from mash_tui.screens.contact import ChildBlock
    from mash_tui.screens.modals import ConfirmPrompt

    app = make_app(ctx, clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await sign_in(pilot)
        await pilot.press("n")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, ContactScreen)
        await pilot.press("f4", *"Amelia", "tab", *"Brown")
        await pilot.press("alt+c")
        await pilot.pause()
        assert len(screen.query(ChildBlock)) == 2
        # The second child is empty: it goes at once.
        await pilot.press("alt+r")
        await settle(pilot)
        assert len(screen.query(ChildBlock)) == 1
        # The first holds a name: alt+r asks, and "n" keeps it.
        screen.query(ChildBlock).first().query(FormField).first().focus_target.focus()
        await pilot.press("alt+r")
        await settle(pilot)
        assert isinstance(app.screen, ConfirmPrompt)
        await pilot.press("n")
        await settle(pilot)
        assert app.screen is screen and len(screen.query(ChildBlock)) == 1
        await pilot.press("alt+r")
        await settle(pilot)
        await pilot.press("y")
        await settle(pilot)
        assert app.screen is screen and len(screen.query(ChildBlock)) == 0


async def test_f2_opens_the_sync_screen_from_capture_and_escape_returns_to_the_form(ctx, users, clock) -> None:
    """F2 means Sync on every screen; the capture form's Call section is alt+1."""
    from mash_tui.screens.sync import SyncScreen

    app = make_app(ctx, clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_contact_screen(pilot, users["olivia"])
        capture = app.screen
        await pilot.press("f4", *"Amelia")
        await pilot.press("f2")
        await settle(pilot)
        assert isinstance(app.screen, SyncScreen)
        await pilot.press("escape")
        await settle(pilot)
        assert app.screen is capture
        assert _field(capture, "children.0.first_name").read() == "Amelia"
        await pilot.press("alt+1")
        await pilot.pause()
        assert app.focused is not None and path_of(app.focused) == ["received_at"]
