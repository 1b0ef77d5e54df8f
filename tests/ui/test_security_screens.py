"""The idle lock and the audit trail screen, driven from the keyboard.

The lock: after the policy's idle minutes without input the desk shows a full lock screen that
holds nothing of the case, refuses the app's own ways out, counts wrong passwords toward the
account's lockout, and returns the same user to exactly where they were. The audit screen answers
"who looked at this child's record" for a supervisor, and its reads are audited too.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from textual.pilot import Pilot
from textual.widgets import DataTable, Input, Static

from mash_tui.app import MashApp
from mash_tui.screens.lock import LockScreen
from mash_tui.screens.login import LoginScreen
from tests.conftest import PASSWORD
from tests.unit.contact_records import minimal_record
from tests.ui.conftest import SNAPSHOT_SIZES, desk_app, settle, sign_in, steady_cursors

CHILD_NAME = "Ada Fenwick-Sample"


def _screen_text(app: MashApp) -> str:
    update = app.screen._compositor.render_update(full=True, screen_stack=app._background_screens)
    return "\n".join("".join(segment.text for strip in line for segment in strip) for line in update.strips)


def _contact_about_a_child(ctx, officer) -> str:  # noqa: ANN001
    from mash_tui.services import contacts

    record = minimal_record()
    record["children"] = [{"first_name": "Ada", "last_name": "Fenwick-Sample", "dob": "2019-03-02"}]
    record["concerns"]["categories"] = ["16A"]
    draft = contacts.start_draft(ctx, officer, record)
    return contacts.submit_draft(ctx, officer, draft.id).reference


async def _idle(pilot: Pilot, clock, minutes: float) -> None:  # noqa: ANN001
    clock.advance(timedelta(minutes=minutes))
    pilot.app.tick()
    await pilot.pause()


# -- the idle lock ----------------------------------------------------------------------------------


async def test_idle_desk_locks_hides_the_case_and_returns_to_where_the_user_was(ctx, users, clock) -> None:  # noqa
    _contact_about_a_child(ctx, users["olivia"])
    app = desk_app(ctx, clock)
    idle_minutes = ctx.policy.security.idle_lock_minutes
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await sign_in(pilot, "olivia")
        home = app.screen
        assert CHILD_NAME in _screen_text(app)
        await _idle(pilot, clock, idle_minutes - 1)
        assert app.screen is home, "locked too early"
        await pilot.press("r")  # any key is presence: the idle time starts again
        await _idle(pilot, clock, idle_minutes - 0.5)
        assert app.screen is home
        await _idle(pilot, clock, 0.5)
        assert isinstance(app.screen, LockScreen)
        shown = _screen_text(app)
        assert "Fenwick" not in shown and "C-" not in shown, "the lock screen shows the case"
        assert "locked" in shown.lower()
        # Nothing of the case arrives on the lock screen either, and the app's own ways out are shut.
        app.notify(f"New RED item about {CHILD_NAME}")
        await settle(pilot)
        assert "Fenwick" not in _screen_text(app) and "New RED" not in _screen_text(app)
        for key in ("f1", "ctrl+p"):
            await pilot.press(key)
            await pilot.pause()
            assert isinstance(app.screen, LockScreen), f"{key} got past the lock"
        app.open_screen("new_contact")
        await pilot.pause()
        assert isinstance(app.screen, LockScreen)
        await pilot.press(*PASSWORD, "enter")
        await settle(pilot)
        assert app.screen is home, "unlocking did not return to where the user was"
        assert not app.idle_lock.locked
        await settle(pilot)
        assert "New RED item about Ada" in _screen_text(app), "the held notification was lost"


async def test_wrong_passwords_at_the_lock_count_toward_lockout(ctx, users, clock) -> None:  # noqa: ANN001
    from mash_tui.services.audit import show_audit

    attempts = ctx.policy.security.lockout_attempts
    app = desk_app(ctx, clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await sign_in(pilot, "olivia")
        app.idle_lock.lock()
        await pilot.pause()
        for _ in range(attempts):
            app.screen.query_one("#lock-password", Input).focus()
            await pilot.press(*"not the password", "enter")
            await settle(pilot)
            assert isinstance(app.screen, LockScreen)
            assert "not recognised" in str(app.screen.query_one("#lock-error", Static).render())
        # Locked out now: even the right password is refused, in the same words.
        await pilot.press(*PASSWORD, "enter")
        await settle(pilot)
        assert isinstance(app.screen, LockScreen)
        assert "not recognised" in str(app.screen.query_one("#lock-error", Static).render())
        # Signing out from the lock leaves no screen of the last user behind.
        await pilot.press("ctrl+l")
        await settle(pilot)
        assert isinstance(app.screen, LoginScreen)
        assert len(app.screen_stack) == 2 and app.actor is None and not app.idle_lock.locked
    failures = [entry for entry in show_audit(ctx, users["sue"], user="olivia") if entry.action == "login.failed"]
    assert len(failures) == attempts + 1
    assert any(entry.details.get("locked_now") for entry in failures)


async def test_the_login_screen_never_locks(ctx, users, clock) -> None:  # noqa: ANN001
    app = desk_app(ctx, clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await _idle(pilot, clock, ctx.policy.security.idle_lock_minutes * 3)
        assert isinstance(app.screen, LoginScreen)


@pytest.mark.parametrize("size", SNAPSHOT_SIZES)
def test_lock_screen_snapshot(snap_compare, ctx, users, clock, size: tuple[int, int]) -> None:  # noqa: ANN001
    async def run_before(pilot: Pilot) -> None:
        await sign_in(pilot, "olivia")
        await _idle(pilot, clock, ctx.policy.security.idle_lock_minutes)
        assert isinstance(pilot.app.screen, LockScreen)
        steady_cursors(pilot)
        await pilot.pause()

    assert snap_compare(desk_app(ctx, clock), terminal_size=size, run_before=run_before)


# -- the audit trail screen -------------------------------------------------------------------------


async def test_who_looked_at_this_childs_record(ctx, users, clock) -> None:  # noqa: ANN001
    from mash_tui.services import contacts
    from mash_tui.services.audit import show_audit

    reference = _contact_about_a_child(ctx, users["olivia"])
    other = _contact_about_a_child(ctx, users["olivia"])
    clock.advance(timedelta(minutes=5))
    contacts.get_contact(ctx, users["dan"], reference)
    contacts.get_contact(ctx, users["dan"], other)
    app = desk_app(ctx, clock)
    async with app.run_test(size=(120, 40)) as pilot:
        await sign_in(pilot, "sue")
        app.open_screen("audit", subject=reference)
        await settle(pilot)
        table = app.screen.query_one("#audit-table", DataTable)
        rows = [[str(cell) for cell in table.get_row_at(index)] for index in range(table.row_count)]
        assert rows[0][1:4] == ["dan", "decision_maker", "contact.view"], "newest first: dan's view"
        assert all(row[4] == reference for row in rows), "only events about this reference"
        assert {row[3] for row in rows} >= {"draft.start", "contact.submit", "contact.view"}
        # Narrow to one user by the keyboard.
        app.screen.query_one("#audit-user", Input).focus()
        await pilot.press(*"olivia", "enter")
        await settle(pilot)
        assert {str(table.get_row_at(index)[1]) for index in range(table.row_count)} == {"olivia"}
        await pilot.press("f6")
        await settle(pilot)
        assert table.row_count > len(rows), "clearing the filters shows every event"
    reads = [entry for entry in show_audit(ctx, users["adam"]) if entry.action == "audit.view"]
    assert [entry.actor for entry in reads] == ["sue", "sue", "sue"]
    assert reads[0].subject_ref == reference


async def test_only_supervisors_and_admins_open_the_audit_trail(ctx, users, clock) -> None:  # noqa: ANN001
    from mash_tui.screens.registry import screens_for

    assert "audit" in {entry.id for entry in screens_for(users["sue"])}
    assert "audit" in {entry.id for entry in screens_for(users["adam"])}
    for name in ("olivia", "dan", "pat"):
        assert "audit" not in {entry.id for entry in screens_for(users[name])}
    app = desk_app(ctx, clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await sign_in(pilot, "olivia")
        before = app.screen
        app.open_screen("audit")
        await pilot.pause()
        assert app.screen is before


def _fixed_machine_prefix(ctx) -> None:  # noqa: ANN001
    """References carry a random machine prefix; a snapshot needs the same one every run."""
    from mash_tui.store.unit_of_work import client_state

    with ctx.store.writing() as session:
        state = client_state(session)
        state.machine_prefix = "TEST"
        session.add(state)


@pytest.mark.parametrize("size", SNAPSHOT_SIZES)
def test_audit_screen_snapshot(snap_compare, ctx, users, clock, size: tuple[int, int]) -> None:  # noqa: ANN001
    from mash_tui.services import contacts

    _fixed_machine_prefix(ctx)
    reference = _contact_about_a_child(ctx, users["olivia"])
    contacts.get_contact(ctx, users["dan"], reference)

    async def run_before(pilot: Pilot) -> None:
        await sign_in(pilot, "sue")
        pilot.app.open_screen("audit", subject=reference)
        await settle(pilot)
        steady_cursors(pilot)
        await pilot.pause()

    assert snap_compare(desk_app(ctx, clock), terminal_size=size, run_before=run_before)
