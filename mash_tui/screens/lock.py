"""The idle lock: after `policy.security.idle_lock_minutes` without input the desk hides the case.

The lock is a full screen, not a modal: nothing of the screens beneath is drawn while it is up,
and notifications that arrive meanwhile wait until the same user has typed their password again.
The password goes through `services.users.authenticate`, so wrong guesses count toward the
account's lockout like any other sign-in. Unlocking returns to exactly where the user was.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from rich.text import Text
from textual import events, on
from textual.app import ComposeResult
from textual.containers import Center, Vertical
from textual.message import Message
from textual.widgets import Button, Footer, Input, Label, Static
from textual.worker import Worker, WorkerState

from mash_tui.domain.roles import Actor
from mash_tui.screens.base import DeskScreen
from mash_tui.widgets.safe_text import safe_text
from mash_tui.widgets.status_bar import StatusBar

if TYPE_CHECKING:
    from mash_tui.app import MashApp
    from mash_tui.services.context import Context

# Presence, not a passing cursor: a mouse nudged on the desk must not keep a record open.
INPUT_EVENTS = (events.Key, events.MouseDown, events.MouseScrollDown, events.MouseScrollUp, events.Paste)


class IdleLock:
    """Watches the app's input and its one clock tick; locks once the user has been away too long."""

    def __init__(self, app: MashApp) -> None:
        self.app = app
        self.last_input_at: datetime = app.clock.now()
        self.locked = False
        self._held: list[Callable[[], None]] = []

    def note_input(self) -> None:
        self.last_input_at = self.app.clock.now()

    def idle_limit(self) -> timedelta | None:
        policy = self.app.policy_in_force()
        return timedelta(minutes=policy.security.idle_lock_minutes) if policy is not None else None

    def check(self, now: datetime) -> None:
        """Called every tick: lock a signed-in user who has been idle for the policy's minutes."""
        if self.locked or self.app.actor is None:
            return
        limit = self.idle_limit()
        if limit is not None and now - self.last_input_at >= limit:
            self.lock()

    def lock(self) -> None:
        if self.locked or self.app.actor is None:
            return
        self.locked = True
        # A toast about a case would otherwise sit on top of the lock screen.
        self.app.clear_notifications()
        self.app.push_screen(LockScreen(self.app.actor))

    def hold(self, show: Callable[[], None]) -> None:
        """Keep a notification until the desk is unlocked."""
        self._held.append(show)

    def unlocked(self) -> None:
        self.locked = False
        self.last_input_at = self.app.clock.now()
        held, self._held = self._held, []
        for show in held:
            show()

    def forget(self) -> None:
        """Signing out: nothing held is for the next person at the keyboard."""
        self.locked = False
        self._held = []


class LockScreen(DeskScreen[None]):
    """Covers everything; asks the signed-in user for their password again."""

    CSS_PATH = "lock.tcss"

    AUTO_FOCUS = "#lock-password"

    @dataclass
    class Unlocked(Message):
        actor: Actor

    def __init__(self, actor: Actor) -> None:
        super().__init__()
        self.actor = actor

    def compose(self) -> ComposeResult:
        yield StatusBar()
        with Center():
            with Vertical(id="lock-box"):
                yield Static(Text("MASH Desk is locked"), id="lock-title")
                who = self.actor.display_name or self.actor.username
                yield Static(safe_text(f"Locked after a while without use. {who} ({self.actor.username}), "
                                       "enter your password to carry on."), id="lock-who")
                yield Label("Password")
                yield Input(id="lock-password", password=True, placeholder="password")
                yield Static("", id="lock-error")
                yield Button("Unlock", id="unlock", variant="primary")
        yield Footer()

    @on(Input.Submitted, "#lock-password")
    @on(Button.Pressed, "#unlock")
    def _submit(self) -> None:
        password = self.query_one("#lock-password", Input).value
        if not password:
            self._show_error("Enter your password.")
            return
        self.query_one("#unlock", Button).disabled = True
        self._show_error("Checking…")
        self._authenticate(password)

    def _authenticate(self, password: str) -> None:
        username = self.actor.username

        def authenticate(ctx: Context) -> Actor:
            from mash_tui.services.users import authenticate

            return authenticate(ctx, username, password)

        self.run_service(authenticate, lambda actor: self.post_message(self.Unlocked(actor)),
                         refused=self._refused, group="unlock")

    def _refused(self, reason: str) -> None:
        self._show_error(reason)
        password = self.query_one("#lock-password", Input)
        password.value = ""
        password.focus()
        self.query_one("#unlock", Button).disabled = False

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        # The app says what broke (DeskScreen); the form must not stay disabled after it.
        if event.worker.group == "unlock" and event.state is WorkerState.ERROR:
            self._show_error("")
            self.query_one("#unlock", Button).disabled = False

    @on(Unlocked)
    def _unlocked(self, message: Unlocked) -> None:
        self.query_one("#lock-password", Input).value = ""
        self.app.pop_screen()
        self.app.idle_lock.unlocked()

    def _show_error(self, text: str) -> None:
        self.query_one("#lock-error", Static).update(safe_text(text))
