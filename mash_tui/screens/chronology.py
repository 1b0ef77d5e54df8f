"""An item's chronology, oldest first, read from its records every time it is opened."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.widgets import DataTable, Footer, Static

from mash_tui.clock import to_local
from mash_tui.domain.roles import Actor
from mash_tui.widgets.status_bar import StatusBar
from mash_tui.screens.base import DeskScreen

if TYPE_CHECKING:
    from mash_tui.services.context import Context
    from mash_tui.services.views import ChronologyEntry

WHEN_WIDTH = 16
WHO_WIDTH = 12
# Cell padding of the three columns plus the table's scrollbar.
_TABLE_CHROME = 8


class ChronologyScreen(DeskScreen[None]):
    CSS_PATH = "chronology.tcss"
    BINDINGS = [
        Binding("l", "latest", "Latest", id="chronology_latest"),
        Binding("r", "reload", "Refresh", id="chronology_refresh"),
        Binding("escape", "back", "Back", id="chronology_back"),
    ]

    def __init__(self, actor: Actor, reference: str) -> None:
        super().__init__()
        self.actor = actor
        self.reference = reference
        self.entries: list[ChronologyEntry] = []

    def compose(self) -> ComposeResult:
        yield StatusBar()
        yield Static(Text(f"Chronology: {self.reference}"), id="chronology-title", classes="screen-title")
        yield DataTable(id="chronology-table", cursor_type="row", zebra_stripes=True)
        with VerticalScroll(id="chronology-detail-box"):
            yield Static("", id="chronology-detail")
        yield Footer()

    def on_mount(self) -> None:
        self.action_reload()

    def action_reload(self) -> None:
        self._load()

    def _load(self) -> None:
        def read(ctx: Context) -> list[ChronologyEntry]:
            from mash_tui.services.chronology import chronology

            return chronology(ctx, self.actor, self.reference)

        self.run_service(read, self._show, group="chronology-load")

    def _show(self, entries: list[ChronologyEntry]) -> None:
        self.entries = entries
        table = self.query_one("#chronology-table", DataTable)
        table.clear(columns=True)
        what_width = max(20, self.size.width - WHEN_WIDTH - WHO_WIDTH - _TABLE_CHROME)
        table.add_column("When", key="when", width=WHEN_WIDTH)
        table.add_column("Who", key="who", width=WHO_WIDTH)
        table.add_column("What", key="what", width=what_width)
        for position, entry in enumerate(entries):
            table.add_row(
                Text(to_local(entry.at).strftime("%a %d %b %H:%M")),
                Text(entry.actor),
                Text(entry.summary, no_wrap=True, overflow="ellipsis"),
                key=str(position),
            )
        title = Text(f"Chronology: {self.reference} · {len(entries)} entries, oldest first")
        self.query_one("#chronology-title", Static).update(title)
        self._show_detail()

    def show_refusal(self, words: str) -> None:
        self.query_one("#chronology-detail", Static).update(Text(words))

    @on(DataTable.RowHighlighted, "#chronology-table")
    def _highlighted(self) -> None:
        self._show_detail()

    def _show_detail(self) -> None:
        table = self.query_one("#chronology-table", DataTable)
        detail = self.query_one("#chronology-detail", Static)
        if not self.entries or not table.row_count:
            detail.update(Text("Nothing recorded yet."))
            return
        entry = self.entries[min(table.cursor_row, len(self.entries) - 1)]
        text = Text()
        text.append(to_local(entry.at).strftime("%a %d %b %Y %H:%M:%S"), style="bold")
        text.append(f" · {entry.kind.replace('_', ' ')} · ")
        text.append(entry.actor)
        text.append("\n")
        text.append(entry.summary)
        detail.update(text)

    def action_latest(self) -> None:
        table = self.query_one("#chronology-table", DataTable)
        if table.row_count:
            table.move_cursor(row=table.row_count - 1)

    def action_back(self) -> None:
        self.app.pop_screen()
