"""Sync with the shared database, as the signed-in user sees it.

Online or offline (as the app's sync loop last found it), the changes waiting to be sent, the last
good sync in Europe/London, and this user's changes the shared database refused, with its reason;
for a supervisor, while the shared database answers, how many sync conflicts wait to be resolved.
Going offline stops nothing: this screen only reports. It loads again whenever the sync state moves.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.message import Message
from textual.widgets import DataTable, Footer, Static

from mash_tui.clock import to_local
from mash_tui.domain.roles import Actor, may
from mash_tui.screens.base import DeskScreen
from mash_tui.widgets.safe_text import safe_text
from mash_tui.widgets.status_bar import StatusBar

if TYPE_CHECKING:
    from datetime import datetime

    from mash_tui.sync.status import Rejection, SyncOverview, SyncState

LOAD_GROUP = "sync-load"
WHAT_WIDTH = 16
WHEN_WIDTH = 12
# The table's cell padding and scrollbar: what is left of the terminal goes to the reason.
TABLE_FRAME = 10
MIN_REASON_WIDTH = 24


def _when(moment: datetime) -> str:
    return to_local(moment).strftime("%a %d %b %Y %H:%M")


def summary_text(overview: SyncOverview, state: SyncState | None, open_conflicts: int | None = None) -> Text:
    """The four lines at the top: connection, waiting changes, last sync, refusals of this user.

    A fifth for a supervisor while the shared database answers: how many conflicts wait, and where.
    """
    text = Text()
    text.append("Connection   ", style="bold")
    if not overview.configured:
        text.append("no shared database: this machine works from its own store alone")
    elif state is None:
        text.append("connecting to the shared database…")
    elif state.online:
        text.append("● online")
    else:
        text.append("○ offline")
        if state.error:
            text.append(" · ")
            text.append_text(safe_text(state.error))
        text.append("\n             work carries on here and is sent when the shared database answers",
                    style="italic")
    text.append("\nWaiting      ", style="bold")
    waiting = overview.waiting
    changes = f"{waiting} change{'s' if waiting != 1 else ''}"
    if not overview.configured:
        text.append(f"{changes} kept here, to be sent once a shared database is set up" if waiting else "nothing")
    else:
        text.append(f"{changes} waiting to be sent" if waiting else "all sent")
    text.append("\nLast sync    ", style="bold")
    text.append(f"{_when(overview.last_sync_at)} (London)" if overview.last_sync_at else "never")
    text.append("\nRefused      ", style="bold")
    refused = len(overview.refusals)
    text.append(f"{refused} of your changes" if refused else "none of your changes")
    if open_conflicts is not None:
        text.append("\nConflicts    ", style="bold")
        text.append(f"{open_conflicts} open, kept side by side: ctrl+p, then Open: Sync conflicts"
                    if open_conflicts else "none open")
    return text


def refusal_detail(rejection: Rejection | None) -> Text:
    """The highlighted refusal in full, as the table may cut the reason short."""
    from mash_tui.sync.status import readable_mutation

    if rejection is None:
        return Text("Nothing of yours has been refused by the shared database.")
    text = Text(readable_mutation(rejection.name).capitalize(), style="bold")
    text.append(f", {_when(rejection.client_time)}: refused because ")
    text.append_text(safe_text(rejection.reason or "no reason was given"))
    return text


class SyncScreen(DeskScreen[None]):
    CSS_PATH = "sync.tcss"
    BINDINGS = [
        Binding("r", "reload", "Refresh", id="sync_refresh"),
        Binding("escape", "back", "Back", id="sync_back"),
    ]

    @dataclass
    class Loaded(Message):
        overview: SyncOverview
        # Only for a supervisor, and only when the shared database answered.
        open_conflicts: int | None = None

    def __init__(self, actor: Actor) -> None:
        super().__init__()
        self.actor = actor
        self.refusals: list[Rejection] = []

    def compose(self) -> ComposeResult:
        yield StatusBar()
        yield Static(Text("Sync with the shared database"), classes="screen-title")
        yield Static(Text("Loading…"), id="sync-summary")
        yield Static(Text("Your changes the shared database refused, newest first"), classes="section-title")
        table: DataTable[Text] = DataTable(id="sync-refusals", cursor_type="row", zebra_stripes=True)
        reason_width = max(MIN_REASON_WIDTH, self.app.size.width - WHAT_WIDTH - WHEN_WIDTH - TABLE_FRAME)
        table.add_column("What", key="what", width=WHAT_WIDTH)
        table.add_column("When", key="when", width=WHEN_WIDTH)
        table.add_column("Reason", key="reason", width=reason_width)
        yield table
        yield Static("", id="sync-detail")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#sync-refusals", DataTable).focus()
        self.follow_sync_rounds()
        self.action_reload()

    def action_reload(self) -> None:
        state = getattr(self.app, "last_sync_state", None)
        # Offline, counting conflicts would only wait for a connection to time out.
        self._load(count_conflicts=state is not None and state.online and may(self.actor.role, "conflict.resolve"))

    def action_back(self) -> None:
        self.app.pop_screen()

    @work(thread=True, exclusive=True, group=LOAD_GROUP, exit_on_error=False)
    def _load(self, *, count_conflicts: bool) -> None:
        from mash_tui.sync.conflicts import list_conflicts
        from mash_tui.sync.errors import SharedDatabaseUnavailable
        from mash_tui.sync.status import sync_overview

        ctx = self.app.context_when_ready()
        overview = sync_overview(ctx, self.actor)
        open_conflicts = None
        if count_conflicts:
            try:
                open_conflicts = len(list_conflicts(ctx, self.actor))
            except SharedDatabaseUnavailable:
                pass  # gone offline since: the line is left out until the shared database answers
        self.post_message(self.Loaded(overview, open_conflicts))

    @on(Loaded)
    def _show(self, message: Loaded) -> None:
        from mash_tui.sync.status import readable_mutation

        overview = message.overview
        state = getattr(self.app, "last_sync_state", None)
        self.query_one("#sync-summary", Static).update(summary_text(overview, state, message.open_conflicts))
        self.refusals = overview.refusals
        table = self.query_one("#sync-refusals", DataTable)
        table.clear()
        table.add_rows(
            (
                Text(readable_mutation(rejection.name)),
                Text(to_local(rejection.client_time).strftime("%d %b %H:%M")),
                safe_text(rejection.reason or "—"),
            )
            for rejection in overview.refusals
        )
        self._describe()

    @on(DataTable.RowHighlighted, "#sync-refusals")
    def _describe(self) -> None:
        row = self.query_one("#sync-refusals", DataTable).cursor_row
        chosen = self.refusals[row] if 0 <= row < len(self.refusals) else None
        self.query_one("#sync-detail", Static).update(refusal_detail(chosen))
