from __future__ import annotations

from textual.widgets import DataTable, Static

from mash_tui.app import MashApp
from mash_tui.screens.home import HomeScreen
from mash_tui.screens.login import LoginScreen
from tests.conftest import PASSWORD


async def _type(pilot, selector: str, text: str) -> None:
    pilot.app.screen.query_one(selector).focus()
    await pilot.press(*text)


async def test_wrong_then_right_password(ctx, users, clock) -> None:
    app = MashApp(ctx.home, clock=clock, policy=ctx.policy, ticking=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert isinstance(app.screen, LoginScreen)
        await _type(pilot, "#username", "olivia")
        await pilot.press("enter")
        await _type(pilot, "#password", "wrong password")
        await pilot.press("enter")
        await app.workers.wait_for_complete()
        await pilot.pause()
        error = app.screen.query_one("#login-error", Static)
        assert "not recognised" in str(error.render())
        assert app.actor is None
        await _type(pilot, "#password", PASSWORD)
        await pilot.press("enter")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert isinstance(app.screen, HomeScreen)
        assert app.actor is not None and app.actor.username == "olivia"
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert app.screen.query_one("#my-work", DataTable).row_count == 0
