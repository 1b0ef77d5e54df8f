"""The Sync conflicts screen against a real shared database.

Each test raises a real conflict: two machines edit the same draft offline from the same version,
then both sync; the second edit is set aside by the shared database. A supervisor's app then lists
it, shows both values side by side, and keeps one.

Snapshots are deterministic with the real database: the database is new for each test (so the
conflict is #1), references take a fixed machine prefix (`steady_references`), the clock is frozen,
no sync loop runs (the header stays "local store"), and the one value the server stamps with its own
clock, `raised_at`, is set to the frozen instant before the screen loads.
"""

from __future__ import annotations

import io
import time

import psycopg
import pytest
from textual.pilot import Pilot
from textual.widgets import DataTable, Static

from mash_tui.app import MashApp
from mash_tui.screens.conflicts import ConflictsScreen
from mash_tui.screens.modals import ConfirmPrompt
from mash_tui.screens.sync import SyncScreen
from tests.conftest import FROZEN_AT
from tests.sync.hub import ACTORS, amber_form, machine, seed_users, server_rows, sync
from tests.ui.test_queue_helpers import open_as, settle, steady_references
from tests.unit.test_hostile_input import screen_text, terminal_problems

__all__ = ["steady_references"]
# Before any store is opened: a store's machine prefix is fixed by its first write.
pytestmark = pytest.mark.usefixtures("steady_references")

SIZES = [pytest.param((80, 24), id="80x24"), pytest.param((120, 40), id="120x40")]
HOSTILE = "[b]x[/b]\x1b[31m"


def _raise_conflict(tmp_path, shared_url: str, clock, *, kept: str = "Desk", set_aside: str = "Laptop"):  # noqa: ANN001, ANN202
    """One open conflict on a draft's child's last name: `kept` in force, `set_aside` by olivia kept aside.

    Returns the supervisor's machine, which knows the users and has the shared database configured.
    """
    from mash_tui.services import contacts

    desk = machine(tmp_path, "desk", shared_url, clock)
    seed_users(desk)
    draft = contacts.start_draft(desk, ACTORS["olivia"], amber_form("Fenwick"))
    sync(desk, "olivia")
    laptop = machine(tmp_path, "laptop", shared_url, clock)
    sync(laptop, "olivia")
    contacts.save_draft(desk, ACTORS["olivia"], draft.id, amber_form(kept))
    contacts.save_draft(laptop, ACTORS["olivia"], draft.id, amber_form(set_aside))
    sync(desk, "olivia")
    sync(laptop, "olivia")
    # The server stamps a conflict with its own clock: fixed here, so "Raised" reads the same every run.
    with psycopg.connect(shared_url) as connection:
        connection.execute("UPDATE sync_conflict SET raised_at = %s", (FROZEN_AT,))
    supervisor_pc = machine(tmp_path, "sue", shared_url, clock)
    sync(supervisor_pc, "os:tester")
    return supervisor_pc


def _app(ctx, clock) -> MashApp:  # noqa: ANN001
    return MashApp(settings=ctx.settings, clock=clock, policy=ctx.policy, ticking=False)


def _text(pilot: Pilot, selector: str) -> str:
    """What a Static holds (a Text, or the detail's headline and table), as plain text."""
    from rich.console import Console

    console = Console(width=200, record=True, color_system=None, file=io.StringIO())
    console.print(pilot.app.screen.query_one(selector, Static).content)
    return console.export_text()


@pytest.mark.parametrize("size", SIZES)
def test_conflicts_screen_snapshot(snap_compare, shared_url, tmp_path, clock, monkeypatch,  # noqa: ANN001
                                   size: tuple[int, int]) -> None:
    supervisor_pc = _raise_conflict(tmp_path, shared_url, clock, kept="Fenwick-Shaw", set_aside="Fenwick Shaw")
    sue = ACTORS["sue"]

    async def run_before(pilot: Pilot) -> None:
        await open_as(pilot, sue, ConflictsScreen(sue))
        assert pilot.app.screen.query_one("#conflicts-table", DataTable).row_count == 1

    assert snap_compare(_app(supervisor_pc, clock), terminal_size=size, run_before=run_before)


async def test_a_supervisor_keeps_the_other_machines_value_from_the_keyboard(shared_url, tmp_path, clock,  # noqa: ANN001
                                                                           monkeypatch) -> None:
    from tests.sync.test_app_sync import _sign_in, _until

    supervisor_pc = _raise_conflict(tmp_path, shared_url, clock, kept="Desk value", set_aside="Laptop value")
    app = _app(supervisor_pc, clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await _sign_in(pilot, "sue")
        await _until(pilot, lambda: app.sync_text.startswith("● online"))
        # The Sync screen tells a supervisor the conflict is there, and which palette entry opens it.
        await pilot.press("f2")
        await _until(pilot, lambda: isinstance(app.screen, SyncScreen)
                     and "Conflicts" in _text(pilot, "#sync-summary"))
        assert "1 open, kept side by side: ctrl+p, then Open: Sync conflicts" in _text(pilot, "#sync-summary")
        await pilot.press("escape")
        await pilot.press("ctrl+p")
        await pilot.pause()
        await pilot.press(*"Open: Sync conflicts")
        await pilot.pause(0.3)  # the palette searches its providers in a worker of its own
        await pilot.press("enter")
        await _until(pilot, lambda: isinstance(app.screen, ConflictsScreen) and len(app.screen.conflicts) == 1)
        screen = app.screen
        table = screen.query_one("#conflicts-table", DataTable)
        assert table.cursor_row == 0 and screen.focused is table
        detail = _text(pilot, "#conflicts-detail")
        assert "Desk value" in detail and "Laptop value" in detail and "children 1 › last name" in detail

        await pilot.press("c")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmPrompt)
        await pilot.press("y")
        await _until(pilot, lambda: "resolved" in _text(pilot, "#conflicts-message"))
        assert "olivia's edit from the other machine is now in force" in _text(pilot, "#conflicts-message")
        await _until(pilot, lambda: not screen.conflicts)
        app._stop_sync()

    [draft] = server_rows(shared_url, "contact_draft").values()
    assert draft["form"]["children"][0]["last_name"] == "Laptop value"
    with psycopg.connect(shared_url) as connection:
        resolution, resolved_by = connection.execute("SELECT resolution, resolved_by FROM sync_conflict").fetchone()
    assert (resolution, resolved_by) == ("client", "sue")


async def test_resolved_conflicts_show_with_a_and_cannot_be_resolved_again(shared_url, tmp_path, clock,  # noqa: ANN001
                                                                            monkeypatch) -> None:
    from mash_tui.sync.conflicts import resolve_conflict

    supervisor_pc = _raise_conflict(tmp_path, shared_url, clock)
    resolve_conflict(supervisor_pc, ACTORS["sue"], 1, keep="server")
    sue = ACTORS["sue"]
    async with _app(supervisor_pc, clock).run_test(size=(80, 24)) as pilot:
        await open_as(pilot, sue, ConflictsScreen(sue))
        screen = pilot.app.screen
        assert screen.conflicts == [] and "No conflicts" in _text(pilot, "#conflicts-state")
        await pilot.press("a")
        await settle(pilot)
        [shown] = screen.conflicts
        assert shown.resolution == "server"
        assert "Resolved by sue: kept the shared database's value" in _text(pilot, "#conflicts-detail")
        # Nothing open is highlighted: `s` and `c` are greyed and do nothing.
        assert screen.check_action("keep", ("client",)) is None
        await pilot.press("c")
        await pilot.pause()
        assert not isinstance(pilot.app.screen, ConfirmPrompt)


async def test_a_non_supervisor_cannot_open_it(shared_url, tmp_path, clock, monkeypatch) -> None:  # noqa: ANN001
    from mash_tui.screens.home import home_screen_for
    from mash_tui.screens.registry import screens_for

    supervisor_pc = _raise_conflict(tmp_path, shared_url, clock)
    assert [actor.username for actor in ACTORS.values()
            if "conflicts" in {entry.id for entry in screens_for(actor)}] == ["sue"]
    for username in ("olivia", "dan", "pat", "adam"):
        actor = ACTORS[username]
        app = _app(supervisor_pc, clock)
        async with app.run_test(size=(80, 24), notifications=True) as pilot:
            await open_as(pilot, actor, home_screen_for(actor))
            app.open_screen("conflicts")
            await settle(pilot)
            assert not isinstance(app.screen, ConflictsScreen), username
            assert any("may not open" in notice.message for notice in app._notifications), username


async def test_hostile_text_in_a_conflicting_value_shows_as_typed(shared_url, tmp_path, clock,  # noqa: ANN001
                                                                  monkeypatch) -> None:
    supervisor_pc = _raise_conflict(tmp_path, shared_url, clock, kept="Desk", set_aside=HOSTILE)
    sue = ACTORS["sue"]
    async with _app(supervisor_pc, clock).run_test(size=(120, 40)) as pilot:
        await open_as(pilot, sue, ConflictsScreen(sue))
        detail = _text(pilot, "#conflicts-detail")
        # The markup stays text and the escape shows as a visible ␛, not a colour change.
        assert "[b]x[/b]␛[31m" in detail
        assert "\x1b" not in detail
        # And nothing on the whole screen reaches the terminal as a control character or a link.
        problems = terminal_problems(pilot.app, "conflicts screen")
        assert not problems, problems
        assert "[b]x[/b]␛[31m" in screen_text(pilot.app)


async def test_without_a_shared_database_it_says_so(tmp_path, clock, monkeypatch) -> None:  # noqa: ANN001
    from mash_tui.services.context import open_context

    ctx = open_context(tmp_path / "pc", clock=clock)
    sue = ACTORS["sue"]
    async with _app(ctx, clock).run_test(size=(80, 24)) as pilot:
        await open_as(pilot, sue, ConflictsScreen(sue))
        assert "No shared database is set up" in _text(pilot, "#conflicts-state")
        assert not pilot.app.screen.query_one("#conflicts-table", DataTable).display


async def test_an_unreachable_shared_database_is_said_in_place(tmp_path, clock, monkeypatch) -> None:  # noqa: ANN001
    unreachable = "postgresql://nobody@127.0.0.1:1/none"
    ctx = machine(tmp_path, "pc", unreachable, clock)
    sue = ACTORS["sue"]
    started = time.monotonic()
    async with _app(ctx, clock).run_test(size=(80, 24)) as pilot:
        await open_as(pilot, sue, ConflictsScreen(sue))
        state = _text(pilot, "#conflicts-state")
        assert "unreachable" in state and "r tries again" in state
    assert time.monotonic() - started < 30
