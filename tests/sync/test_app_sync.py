"""The app syncs in the background once someone signs in, and the header says how it stands."""

from __future__ import annotations

import time

from mash_tui.app import MashApp
from mash_tui.widgets.status_bar import StatusBar
from tests.conftest import PASSWORD
from tests.sync.hub import escalated_item, machine, seed_users, sync


async def _sign_in(pilot, username: str) -> None:  # noqa: ANN001
    await pilot.pause()
    pilot.app.screen.query_one("#username").focus()
    await pilot.press(*username, "enter")
    pilot.app.screen.query_one("#password").focus()
    await pilot.press(*PASSWORD, "enter")


async def _until(pilot, condition, seconds: float = 20.0) -> None:  # noqa: ANN001
    """The sync worker runs for the whole session, so wait on what it shows, not on workers finishing."""
    stop_at = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < stop_at, f"gave up waiting; header says {pilot.app.sync_text!r}"
        await pilot.pause(0.05)


async def test_header_shows_online_and_work_arrives_from_another_machine(shared_url, tmp_path, clock,
                                                                         monkeypatch) -> None:  # noqa: ANN001
    officer_pc = machine(tmp_path, "officer", shared_url, clock)
    seed_users(officer_pc)
    desk = machine(tmp_path, "desk", shared_url, clock)
    sync(desk, "os:tester")
    app = MashApp(settings=desk.settings, clock=clock, policy=desk.policy, ticking=False)
    async with app.run_test(size=(120, 40)) as pilot:
        await _sign_in(pilot, "dan")
        await _until(pilot, lambda: app.sync_text.startswith("● online"))
        assert "all sent" in app.sync_text and "synced " in app.sync_text
        assert app.screen.query_one(StatusBar).sync_state == app.sync_text
        # Another machine's change reaches this one by NOTIFY, without waiting for the 30 s poll.
        reference = escalated_item(officer_pc)
        sync(officer_pc, "olivia")
        from mash_tui.services import queue

        await _until(pilot, lambda: any(view.reference == reference for view in queue.queue(desk, app.actor)))
        app._stop_sync()


async def test_header_shows_offline_and_what_waits(tmp_path, clock, monkeypatch) -> None:  # noqa: ANN001
    from mash_tui.services.users import add_user
    from tests.conftest import OWNER

    unreachable = "postgresql://nobody@127.0.0.1:1/none"
    desk = machine(tmp_path, "desk", unreachable, clock)
    add_user(desk, OWNER, username="olivia", role="officer", password=PASSWORD)
    app = MashApp(settings=desk.settings, clock=clock, policy=desk.policy, ticking=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await _sign_in(pilot, "olivia")
        await _until(pilot, lambda: app.sync_text.startswith("○ offline"))
        # The new user, and the sign-in's audit event for the shared trail.
        assert "2 waiting" in app.sync_text and "never synced" in app.sync_text
        app._stop_sync()


async def test_a_partner_sees_a_new_request_arrive_without_pressing_a_key(shared_url, tmp_path, clock,
                                                                          monkeypatch) -> None:  # noqa: ANN001
    from textual.widgets import DataTable

    from mash_tui.screens.partner import PartnerHomeScreen
    from mash_tui.services import queue, requests
    from tests.sync.hub import ACTORS

    hub_pc = machine(tmp_path, "hub", shared_url, clock)
    seed_users(hub_pc)
    reference = escalated_item(hub_pc)
    queue.claim(hub_pc, ACTORS["dan"], reference)
    police_pc = machine(tmp_path, "police", shared_url, clock)
    sync(police_pc, "os:tester")
    app = MashApp(settings=police_pc.settings, clock=clock, policy=police_pc.policy, ticking=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await _sign_in(pilot, "pat")
        await _until(pilot, lambda: isinstance(app.screen, PartnerHomeScreen) and app.sync_text.startswith("● online"))
        table = app.screen.query_one("#partner-requests", DataTable)
        assert table.row_count == 0
        requests.send_requests(hub_pc, ACTORS["dan"], reference, {"police": "Any call-outs?"})
        sync(hub_pc, "dan")
        await _until(pilot, lambda: table.row_count == 1)
        app._stop_sync()
