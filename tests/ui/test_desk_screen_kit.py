"""DeskScreen's one road for service calls: a crash is told once, by the app, and the screen stays usable."""

from __future__ import annotations

import pytest
from textual.widgets import Button, Input, Static

from mash_tui.screens.contact import AUTOSAVE_SECONDS, ContactScreen
from mash_tui.screens.login import LoginScreen
from tests.conftest import PASSWORD
from tests.ui.conftest import desk_app, settle
from tests.ui.contact_pilot import open_contact_screen


def _errors(app) -> list[str]:  # noqa: ANN001
    return [str(notice.message) for notice in app._notifications if notice.severity == "error"]


class _Broken:
    """A service that crashes, counting its calls: each call's crash must be told exactly once."""

    def __init__(self) -> None:
        self.calls = 0

    def __call__(self, *_args: object, **_kwargs: object) -> None:
        self.calls += 1
        raise RuntimeError("disk on fire")


async def test_a_crash_while_signing_in_is_told_and_the_form_can_be_used_again(ctx, users, clock,  # noqa: ANN001
                                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    from mash_tui.services import users as user_services

    monkeypatch.setattr(user_services, "authenticate", _Broken())
    app = desk_app(ctx, clock)
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await settle(pilot)
        app.screen.query_one("#username", Input).focus()
        await pilot.press(*"olivia", "enter", *PASSWORD, "enter")
        await settle(pilot)
        assert isinstance(app.screen, LoginScreen)
        assert _errors(app) == ["Something went wrong: disk on fire"]
        assert not app.screen.query_one("#sign-in", Button).disabled
        assert "Signing in" not in str(app.screen.query_one("#login-error", Static).render())


async def test_a_crash_while_saving_a_draft_is_told_once_and_the_form_says_it_is_not_saved(
    ctx, users, clock, monkeypatch: pytest.MonkeyPatch,  # noqa: ANN001
) -> None:
    from mash_tui.services import contacts

    broken = _Broken()
    monkeypatch.setattr(contacts, "start_draft", broken)
    app = desk_app(ctx, clock)
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await open_contact_screen(pilot, users["olivia"])
        await pilot.press("f4", *"Amelia")
        await pilot.pause(AUTOSAVE_SECONDS * 2)
        await settle(pilot)
        assert isinstance(app.screen, ContactScreen)
        # Autosave may have tried more than once while the keys arrived; each crash is told once.
        assert broken.calls >= 1
        assert _errors(app) == ["Something went wrong: disk on fire"] * broken.calls
        assert "Not saved" in str(app.screen.query_one("#contact-state", Static).render())
        # Not stuck "saving": the next change is sent again, and told again.
        tried = broken.calls
        await pilot.press(*"-Rose")
        await pilot.pause(AUTOSAVE_SECONDS * 2)
        await settle(pilot)
        assert broken.calls > tried
        assert len(_errors(app)) == broken.calls
