"""Signing in. Nothing of any case shows before a right password."""

from __future__ import annotations

from dataclasses import dataclass

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.containers import Center, Vertical
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Button, Footer, Input, Label, Static

from mash_tui.domain.roles import Actor
from mash_tui.widgets.status_bar import StatusBar


class LoginScreen(Screen[None]):
    AUTO_FOCUS = "#username"

    @dataclass
    class Succeeded(Message):
        actor: Actor

    @dataclass
    class Failed(Message):
        reason: str

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

    @work(thread=True, exclusive=True, group="login", exit_on_error=False)
    def _authenticate(self, username: str, password: str) -> None:
        from mash_tui.services.users import LoginRefused, authenticate

        ctx = self.app.context_when_ready()
        try:
            actor = authenticate(ctx, username, password)
        except LoginRefused as refused:
            self.post_message(self.Failed(str(refused)))
        else:
            self.post_message(self.Succeeded(actor))

    @on(Failed)
    def _failed(self, message: Failed) -> None:
        self._show_error(message.reason)
        password = self.query_one("#password", Input)
        password.value = ""
        password.focus()
        self.query_one("#sign-in", Button).disabled = False

    def _show_error(self, text: str) -> None:
        self.query_one("#login-error", Static).update(Text(text))
