"""Each role's home: what that person works on first after signing in."""

from __future__ import annotations

from dataclasses import dataclass

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.message import Message
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Static

from mash_tui.clock import to_local
from mash_tui.domain.roles import Actor, Role
from mash_tui.services.views import WorkRow
from mash_tui.widgets.safe_text import safe_text
from mash_tui.widgets.status_bar import StatusBar
from mash_tui.screens.base import DeskScreen


class HomeScreen(DeskScreen[None]):
    """An officer's "my work": their drafts and recent contacts, newest first."""

    CSS_PATH = "home.tcss"

    BINDINGS = [
        Binding("n", "new_contact", "New contact", id="home_new_contact"),
        Binding("r", "reload", "Refresh", id="home_reload"),
    ]

    @dataclass
    class Loaded(Message):
        rows: list[WorkRow]

    def __init__(self, actor: Actor) -> None:
        super().__init__()
        self.actor = actor

    def compose(self) -> ComposeResult:
        yield StatusBar()
        yield Static(Text("My work: drafts and recent contacts"), id="home-title", classes="screen-title")
        table: DataTable[Text] = DataTable(id="my-work", cursor_type="row", zebra_stripes=True)
        table.add_column("Reference", key="reference")
        table.add_column("State", key="state")
        table.add_column("Children", key="children")
        table.add_column("Updated", key="updated")
        yield table
        yield Static("", id="home-empty")
        yield Footer()

    def on_mount(self) -> None:
        self.action_reload()

    def action_reload(self) -> None:
        self._load()

    def on_screen_resume(self) -> None:
        self._load()

    def action_new_contact(self) -> None:
        self.app.open_screen("new_contact")

    @on(DataTable.RowSelected, "#my-work")
    def _open_row(self, event: DataTable.RowSelected) -> None:
        # Row keys are made by services.work.my_work: "draft:<id>" or "contact:<reference>".
        key = event.row_key.value or ""
        if key.startswith("draft:"):
            self.app.open_screen("new_contact", draft_id=key.removeprefix("draft:"))
        elif key.startswith("contact:"):
            self.app.open_screen("new_contact", reference=key.removeprefix("contact:"))

    @work(thread=True, exclusive=True, group="home", exit_on_error=False)
    def _load(self) -> None:
        from mash_tui.services.work import my_work

        rows = my_work(self.app.context_when_ready(), self.actor)
        self.post_message(self.Loaded(rows))

    @on(Loaded)
    def _show(self, message: Loaded) -> None:
        table = self.query_one("#my-work", DataTable)
        table.clear()
        for row in message.rows:
            table.add_row(
                Text(row.reference),
                Text(row.state),
                safe_text(row.children),
                Text(to_local(row.updated_at).strftime("%d %b %H:%M")),
                key=row.key,
            )
        empty = self.query_one("#home-empty", Static)
        drafts = [row for row in message.rows if row.key.startswith("draft:")]
        if drafts:
            # After a crash the officer comes back here first: their unsent draft is offered at the top.
            many = f"{len(drafts)} unsent drafts; the newest is" if len(drafts) > 1 else "an unsent draft,"
            empty.update(Text(f"You have {many} {drafts[0].reference}. Press Enter on it to carry on."))
        else:
            empty.update(Text("" if message.rows else "Nothing yet: your drafts and contacts will show here."))


class RoleHomeScreen(DeskScreen[None]):
    """The home of a role whose own workspace lives on another screen."""

    CSS_PATH = "home.tcss"

    def __init__(self, actor: Actor, title: str) -> None:
        super().__init__()
        self.actor = actor
        self.title_text = title

    def compose(self) -> ComposeResult:
        yield StatusBar()
        yield Static(Text(self.title_text), classes="screen-title")
        yield Static(Text("Open the command palette (ctrl+p) for the screens your role may use."))
        yield Footer()


def home_screen_for(actor: Actor) -> Screen[None]:
    role = Role(actor.role)
    if role is Role.DECISION_MAKER:
        from mash_tui.screens.queue import QueueScreen

        return QueueScreen(actor)
    if role is Role.OFFICER:
        return HomeScreen(actor)
    if role is Role.SUPERVISOR:
        from mash_tui.screens.supervisor import SupervisorScreen

        return SupervisorScreen(actor)
    if role is Role.PARTNER:
        from mash_tui.screens.partner import PartnerHomeScreen

        return PartnerHomeScreen(actor)
    titles = {
        Role.ADMIN: "Administration",
        Role.POLICE_SUPPORT: "Police notifications",
        Role.CP_COORDINATOR: "Child protection",
    }
    return RoleHomeScreen(actor, titles[role])
