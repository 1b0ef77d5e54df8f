"""The supervisor's live pane: every open item's most urgent clock, counting down each second.

Two rhythms drive it. The app's one 1-second tick recomputes each countdown as due minus now
(and the counts from them), then updates, by key and in one batch, the cells whose text changed
among the rows on screen; a row scrolled into view is brought up to date before it is painted.
A poll every few seconds, in a worker that re-arms only once it has finished, records breaches
that have come due and reads the store; rows are then added, removed or updated by key, never
rebuilt. Only opening the pane and changing its filter or sort by hand fill the table afresh.

Items carry no team yet, so there is no team filter: holder, RAG and state stand in for it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.message import Message
from textual.timer import Timer
from textual.widgets import Footer, Static

from mash_tui.domain.codes import RagLevel
from mash_tui.domain.roles import Actor
from mash_tui.domain.timescales import ClockState, ClockWindow
from mash_tui.domain.workflow import STATE_LABELS, ItemState
from mash_tui.printable import printable
from mash_tui.widgets.clock_cells import (
    CLOCK_COLUMN_WIDTH,
    COUNTDOWN_COLUMN_WIDTH,
    Countdown,
    LiveTable,
    RowClock,
    countdown_styles,
    micros,
)
from mash_tui.widgets.rag_badge import rag_text
from mash_tui.widgets.safe_text import safe_text
from mash_tui.widgets.status_bar import StatusBar
from mash_tui.screens.base import DeskScreen

if TYPE_CHECKING:
    from mash_tui.domain.policy import NearBreachPolicy
    from mash_tui.services.views import BoardItem

POLL_SECONDS = 3.0
ALL = "all"
UNCLAIMED = "unclaimed"
RAG_CHOICES = (ALL, "RED", "AMBER", "GREEN", "none")
STATE_CHOICES = (
    ALL,
    ItemState.ESCALATED.value,
    ItemState.CLAIMED.value,
    ItemState.INFORMATION_GATHERING.value,
    ItemState.PASSED_TO_ALLOCATED_WORKER.value,
)
SORTS = ("time left", "RAG", "reference")
COLUMNS = (
    ("Reference", "reference", 12),
    ("RAG", "rag", 7),
    ("Time left", "left", COUNTDOWN_COLUMN_WIDTH),
    ("Clock", "clock", CLOCK_COLUMN_WIDTH),
    ("Child", "child", 18),
    ("State", "state", max(len(label) for label in STATE_LABELS.values())),
    ("Holder", "holder", 10),
)
_NEVER = float("inf")


class PaneRow:
    """One open item as the pane holds it: what the store said, and its countdown."""

    __slots__ = ("key", "item", "countdown", "shown", "table_text", "table_state", "table_clock")

    def __init__(self, item: BoardItem, policy: NearBreachPolicy, now: datetime) -> None:
        self.key = item.id
        self.item = item
        clocks = [RowClock(clock.clock, ClockWindow.of(clock.started_at, clock.due_at, policy), clock.label)
                  for clock in item.clocks]
        self.countdown = Countdown(clocks, now)
        self.shown = False
        # What the table's countdown and clock cells hold now; the countdown may be ahead.
        self.table_text = ""
        self.table_state: ClockState | None = None
        self.table_clock = ""

    def table_is_behind(self) -> bool:
        countdown = self.countdown
        return countdown.text != self.table_text or countdown.state is not self.table_state

    def left_cell(self, styles: dict[ClockState | None, str]) -> Text:
        self.table_text, self.table_state = self.countdown.text, self.countdown.state
        return self.countdown.cell(styles)

    def clock_cell(self, shared: Callable[[str], Text]) -> Text:
        self.table_clock = self.countdown.clock_name
        return shared(self.table_clock)

    @property
    def holder(self) -> str:
        return self.item.claimed_by or UNCLAIMED

    def sort_key(self, sort: str) -> tuple:
        due = self.countdown.due_us if self.countdown.clock is not None else _NEVER
        if sort == "RAG":
            return (-_rag_rank(self.item.rag), due, self.item.reference)
        if sort == "reference":
            return (self.item.reference,)
        return (due, self.item.reference)

    def item_cells(self) -> dict[str, str]:
        """The plain text of the columns that change only when the item does."""
        return {
            "reference": self.item.reference,
            "rag": self.item.rag,
            "child": self.item.children,
            "state": _state_label(self.item.state),
            "holder": self.holder,
        }


def _state_label(state: str) -> str:
    try:
        return STATE_LABELS[ItemState(state)]
    except (ValueError, KeyError):
        return state


def _rag_rank(rag: str) -> int:
    try:
        return RagLevel(rag).rank
    except ValueError:
        return 0


class SupervisorScreen(DeskScreen[None]):
    """Every open item and its clocks, live: counts, filters and a countdown table."""

    CSS_PATH = "supervisor.tcss"

    BINDINGS: ClassVar[list[Binding]] = [
        Binding("r", "cycle_rag", "RAG filter", id="supervisor_filter_rag"),
        Binding("s", "cycle_state", "State filter", id="supervisor_filter_state"),
        Binding("h", "cycle_holder", "Holder filter", id="supervisor_filter_holder"),
        Binding("o", "cycle_sort", "Sort", id="supervisor_sort"),
        Binding("x", "clear_filters", "Clear filters", id="supervisor_clear_filters"),
        Binding("f5", "refresh_now", "Refresh", id="supervisor_refresh"),
    ]

    @dataclass
    class BoardChanged(Message):
        changed: list[Any]
        removed: list[str]
        near_breach: Any

    class PollFinished(Message):
        pass

    def __init__(self, actor: Actor) -> None:
        super().__init__()
        self.actor = actor
        self._rows: dict[str, PaneRow] = {}
        self._styles: dict[ClockState | None, str] = {}
        self._rag_variables: dict[str, str] = {}
        self._rag_cells: dict[str, Text] = {}
        self._shared: dict[str, Text] = {}
        self._rag = ALL
        self._state = ALL
        self._holder = ALL
        self._sort = SORTS[0]
        self._sort_stale = False
        self._loaded = False
        self._counts: tuple[int, int, int, int] | None = None
        self._polling = False
        self._poll_timer: Timer | None = None
        # Owned by the poll worker (one at a time): what it has already sent to the screen.
        self._seen: dict[str, Any] = {}
        self._fingerprint: tuple[int, int] | None = None
        self._audited = False

    # -- layout ------------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        yield StatusBar()
        yield Static(Text("Clocks and breaches: every open item"), classes="screen-title")
        with Horizontal(id="supervisor-counts"):
            yield Static(Text("Open 0"), id="count-open")
            yield Static(Text("Near breach 0"), id="count-near", classes="near-breach")
            yield Static(Text("Breached 0"), id="count-breached", classes="breach")
            yield Static(Text("Unclaimed RED 0"), id="count-unclaimed-red")
        yield Static(self._filter_text(), id="supervisor-filters")
        table: LiveTable = LiveTable(id="supervisor-table", cursor_type="row", zebra_stripes=True)
        # Fixed widths: the table never measures ten thousand rows, and a countdown that grows
        # ("overdue 1h 05m") is never cut short.
        for label, key, width in COLUMNS:
            table.add_column(label, key=key, width=width)
        yield table
        yield Static(Text("Loading the open items…"), id="supervisor-empty")
        yield Footer()

    def on_mount(self) -> None:
        self._read_theme()
        self.app.theme_changed_signal.subscribe(self, lambda _theme: self._read_theme())
        self.app.clock_signal.subscribe(self, self.on_clock_tick)
        table = self.query_one("#supervisor-table", LiveTable)
        # Rows scrolled into view are brought up to date before they are painted.
        self.watch(table, "scroll_y", self._sync_visible, init=False)
        self._start_poll()

    def _read_theme(self) -> None:
        variables = self.app.get_css_variables()
        self._styles = countdown_styles(variables)
        self._rag_variables = variables
        self._rag_cells = {}
        if self._rows:
            self._rebuild_table()

    # -- the one tick ------------------------------------------------------------------------

    def on_clock_tick(self, now: datetime) -> None:
        """Each countdown is due minus now; the table gets the changed cells of the rows on screen.

        Rows off screen keep their old text in the table until they scroll into view, when
        `_sync_visible` brings them up to date before they are painted.
        """
        if not self._rows:
            return
        now_us = micros(now)
        states_changed = False
        for row in self._rows.values():
            countdown = row.countdown
            if countdown.left_low <= countdown.due_us - now_us < countdown.left_high:
                continue
            state, clock = countdown.state, countdown.clock
            countdown.refresh(now, now_us)
            if countdown.state is not state:
                states_changed = True
            if countdown.clock is not clock:
                # The most urgent clock changed hands: its place in the order may have moved.
                self._sort_stale = True
        self._sync_visible()
        if states_changed:
            self._update_counts()

    def _sync_visible(self, _scroll: object = None) -> None:
        """Update, by key and in one batch, the cells on screen whose text differs from the countdown."""
        table = self.query_one("#supervisor-table", LiveTable)
        if table.row_count == 0:
            return
        behind = []
        for key in table.visible_row_keys():
            row = self._rows.get(key)
            if row is not None and (row.table_is_behind() or row.countdown.clock_name != row.table_clock):
                behind.append(row)
        if not behind:
            return
        with self.app.batch_update():
            for row in behind:
                if row.table_is_behind():
                    table.update_cell(row.key, "left", row.left_cell(self._styles))
                if row.countdown.clock_name != row.table_clock:
                    table.update_cell(row.key, "clock", row.clock_cell(self._shared_text))

    # -- the poll ----------------------------------------------------------------------------

    def _start_poll(self) -> None:
        self._polling = True
        self._poll()

    @work(thread=True, exclusive=True, group="supervisor-poll", exit_on_error=False)
    def _poll(self) -> None:
        from mash_tui.services.clocks import clock_board, record_breaches

        try:
            ctx = self.app.context_when_ready()
            record_breaches(ctx, self.actor)
            board = clock_board(ctx, self.actor, known=self._fingerprint, audited=not self._audited)
            self._audited = True
            first = self._fingerprint is None
            self._fingerprint = board.fingerprint
            if board.items is None:
                return
            current = {item.id: item for item in board.items}
            changed = [item for key, item in current.items() if self._seen.get(key) != item]
            removed = [key for key in self._seen if key not in current]
            self._seen = current
            if changed or removed or first:
                self.post_message(self.BoardChanged(changed, removed, ctx.policy.near_breach))
        finally:
            self.post_message(self.PollFinished())

    @on(PollFinished)
    def _poll_finished(self) -> None:
        self._polling = False
        if self._sort_stale:
            self._sort_table()
        self._poll_timer = self.set_timer(POLL_SECONDS, self._start_poll)

    def action_refresh_now(self) -> None:
        if self._polling:
            return
        if self._poll_timer is not None:
            self._poll_timer.stop()
        self._start_poll()

    @on(BoardChanged)
    def _apply_board(self, message: BoardChanged) -> None:
        now = self.app.clock.now()
        table = self.query_one("#supervisor-table", LiveTable)
        if not self._loaded:
            self._loaded = True
            for item in message.changed:
                self._rows[item.id] = PaneRow(item, message.near_breach, now)
            self._rebuild_table()
            return
        resort = False
        with self.app.batch_update():
            for key in message.removed:
                row = self._rows.pop(key, None)
                if row is not None and row.shown:
                    table.remove_row(key)
            for item in message.changed:
                row = PaneRow(item, message.near_breach, now)
                old = self._rows.get(item.id)
                self._rows[item.id] = row
                row.shown = self._wanted(row)
                if old is not None and old.shown and row.shown:
                    self._update_row(table, old, row)
                    resort = resort or old.sort_key(self._sort) != row.sort_key(self._sort)
                elif old is not None and old.shown:
                    table.remove_row(row.key)
                elif row.shown:
                    table.add_row(*self._cells(row), key=row.key)
                    resort = True
        if resort or self._sort_stale:
            self._sort_table()
        self._update_counts()
        self._update_filter_line()

    def _update_row(self, table: LiveTable, old: PaneRow, new: PaneRow) -> None:
        before, after = old.item_cells(), new.item_cells()
        for column, text in after.items():
            if before[column] != text:
                table.update_cell(new.key, column, self._cell(new, column))
        new.table_text, new.table_state, new.table_clock = old.table_text, old.table_state, old.table_clock
        if new.table_is_behind():
            table.update_cell(new.key, "left", new.left_cell(self._styles))
        if new.countdown.clock_name != new.table_clock:
            table.update_cell(new.key, "clock", new.clock_cell(self._shared_text))

    # -- table contents ----------------------------------------------------------------------

    def _shared_text(self, value: str) -> Text:
        """One Text for each value that many rows repeat (states, holders, clocks, ratings).

        Cells are only read, never changed, so rows can share them; with ten thousand rows
        that saves tens of thousands of objects.
        """
        text = self._shared.get(value)
        if text is None:
            text = self._shared[value] = safe_text(value)
        return text

    def _rag_cell(self, rag: str) -> Text:
        cell = self._rag_cells.get(rag)
        if cell is None:
            cell = self._rag_cells[rag] = rag_text(rag, self._rag_variables)
        return cell

    def _cell(self, row: PaneRow, column: str) -> Text:
        if column == "rag":
            return self._rag_cell(row.item.rag)
        text = row.item_cells()[column]
        return self._shared_text(text) if column in ("state", "holder") else safe_text(text)

    def _cells(self, row: PaneRow) -> tuple[Text, ...]:
        plain = row.item_cells()
        return (
            safe_text(plain["reference"]),
            self._rag_cell(row.item.rag),
            row.left_cell(self._styles),
            row.clock_cell(self._shared_text),
            safe_text(plain["child"]),
            self._shared_text(plain["state"]),
            self._shared_text(plain["holder"]),
        )

    def _wanted(self, row: PaneRow) -> bool:
        item = row.item
        return (
            (self._rag == ALL or item.rag == self._rag)
            and (self._state == ALL or item.state == self._state)
            and (self._holder == ALL or row.holder == self._holder)
        )

    def _ordered(self, rows: list[PaneRow]) -> list[PaneRow]:
        return sorted(rows, key=lambda row: row.sort_key(self._sort))

    def _rebuild_table(self) -> None:
        """Fill the table afresh: on the first load, and when the filter or sort is changed by hand."""
        table = self.query_one("#supervisor-table", LiveTable)
        cursor_key = self._cursor_key(table)
        for row in self._rows.values():
            row.shown = self._wanted(row)
        with self.app.batch_update():
            table.clear()
            for row in self._ordered([row for row in self._rows.values() if row.shown]):
                table.add_row(*self._cells(row), key=row.key)
        self._sort_stale = False
        self._restore_cursor(table, cursor_key)
        self._update_counts()
        self._update_filter_line()

    def _sort_table(self) -> None:
        table = self.query_one("#supervisor-table", LiveTable)
        cursor_key = self._cursor_key(table)
        keys = {row.item.reference: row.sort_key(self._sort) for row in self._rows.values() if row.shown}
        table.sort("reference", key=lambda reference: keys[reference.plain])
        self._sort_stale = False
        self._restore_cursor(table, cursor_key)

    @staticmethod
    def _cursor_key(table: LiveTable) -> str | None:
        if table.row_count == 0:
            return None
        try:
            return table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
        except Exception:  # noqa: BLE001 - a cursor off the table has no row to keep
            return None

    @staticmethod
    def _restore_cursor(table: LiveTable, key: str | None) -> None:
        if key is None or table.row_count == 0:
            return
        try:
            table.move_cursor(row=table.get_row_index(key), animate=False)
        except Exception:  # noqa: BLE001 - the row went away: the cursor stays where it is
            return

    # -- counts and filters ------------------------------------------------------------------

    def _update_counts(self) -> None:
        near = breached = unclaimed_red = 0
        for row in self._rows.values():
            state = row.countdown.state
            if state is ClockState.BREACHED:
                breached += 1
            elif state is ClockState.NEAR_BREACH:
                near += 1
            if row.item.rag == "RED" and row.item.claimed_by is None:
                unclaimed_red += 1
        counts = (len(self._rows), near, breached, unclaimed_red)
        if counts == self._counts:
            return
        self._counts = counts
        for widget_id, label, value in zip(
            ("count-open", "count-near", "count-breached", "count-unclaimed-red"),
            ("Open", "Near breach", "Breached", "Unclaimed RED"),
            counts,
            strict=True,
        ):
            self.query_one(f"#{widget_id}", Static).update(Text(f"{label} {value}"))

    def _filter_text(self) -> Text:
        state = STATE_LABELS[ItemState(self._state)] if self._state != ALL else ALL
        shown = sum(1 for row in self._rows.values() if row.shown)
        return Text(
            f"RAG: {self._rag} · State: {state} · Holder: {printable(self._holder)} · Sort: {self._sort}"
            f" · {shown} of {len(self._rows)} shown",
            no_wrap=True,
            overflow="ellipsis",
        )

    def _update_filter_line(self) -> None:
        self.query_one("#supervisor-filters", Static).update(self._filter_text())
        empty = self.query_one("#supervisor-empty", Static)
        if not self._loaded:
            message = "Loading the open items…"
        elif not self._rows:
            message = "No open items: every clock is met."
        elif not any(row.shown for row in self._rows.values()):
            message = "No open item matches the filters (x clears them)."
        else:
            message = ""
        empty.update(Text(message))
        empty.display = bool(message)

    def _cycle(self, choices: tuple[str, ...], current: str, apply: Callable[[str], None]) -> None:
        following = choices[(choices.index(current) + 1) % len(choices)] if current in choices else choices[0]
        apply(following)
        self._rebuild_table()

    def action_cycle_rag(self) -> None:
        self._cycle(RAG_CHOICES, self._rag, lambda value: setattr(self, "_rag", value))

    def action_cycle_state(self) -> None:
        self._cycle(STATE_CHOICES, self._state, lambda value: setattr(self, "_state", value))

    def action_cycle_holder(self) -> None:
        holders = sorted({row.item.claimed_by for row in self._rows.values() if row.item.claimed_by}
                         | ({self._holder} - {ALL, UNCLAIMED}))
        self._cycle((ALL, UNCLAIMED, *holders), self._holder, lambda value: setattr(self, "_holder", value))

    def action_cycle_sort(self) -> None:
        self._cycle(SORTS, self._sort, lambda value: setattr(self, "_sort", value))

    def action_clear_filters(self) -> None:
        self._rag = self._state = self._holder = ALL
        self._rebuild_table()
