"""Signing in. Nothing of any case shows before a right password."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.containers import Center, Vertical
from textual.message import Message
from textual.widgets import Button, Footer, Input, Label, Static
from textual.worker import Worker, WorkerState

from mash_tui.domain.roles import Actor
from mash_tui.screens.base import DeskScreen
from mash_tui.widgets.status_bar import StatusBar

if TYPE_CHECKING:
    from mash_tui.services.context import Context


class LoginScreen(DeskScreen[None]):
    CSS_PATH = "login.tcss"
    AUTO_FOCUS = "#username"

    @dataclass
    class Succeeded(Message):
        actor: Actor

    def compose(self) -> ComposeResult:
        yield StatusBar()
        with Center():
            with Vertical(id="login-box"):
                yield Static("Sign in to MASH Desk", id="login-title")
                yield Label("User name")
                yield Input(id="username", placeholder="user name")
                yield Label("Password")
                yield Input(id="password", password=True, placeholder="password")
                yield Static("", id="login-error")
                yield Button("Sign in", id="sign-in", variant="primary")
        yield Footer()

    @on(Input.Submitted, "#username")
    def _to_password(self) -> None:
        self.query_one("#password", Input).focus()

    @on(Input.Submitted, "#password")
    @on(Button.Pressed, "#sign-in")
    def _submit(self) -> None:
        username = self.query_one("#username", Input).value.strip()
        password = self.query_one("#password", Input).value
        if not username or not password:
            self._show_error("Enter your user name and password.")
            return
        self.query_one("#sign-in", Button).disabled = True
        self._show_error("Signing in…")
        self._authenticate(username, password)

    def _authenticate(self, username: str, password: str) -> None:
        def authenticate(ctx: Context) -> Actor:
            from mash_tui.services.users import authenticate

            return authenticate(ctx, username, password)

        self.run_service(authenticate, lambda actor: self.post_message(self.Succeeded(actor)),
                         refused=self._failed, group="login")

    def _failed(self, reason: str) -> None:
        self._show_error(reason)
        password = self.query_one("#password", Input)
        password.value = ""
        password.focus()
        self.query_one("#sign-in", Button).disabled = False

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        # The app says what broke (DeskScreen); the form must not stay disabled after it.
        if event.worker.group == "login" and event.state is WorkerState.ERROR:
            self._show_error("")
            self.query_one("#sign-in", Button).disabled = False

    def _show_error(self, text: str) -> None:
        self.query_one("#login-error", Static).update(Text(text))
