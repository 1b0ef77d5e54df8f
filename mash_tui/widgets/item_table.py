"""A table of queue items kept up to date by key: rows change in place, nothing is rebuilt.

Each row remembers its most urgent clock's window, so the time-left column is worked out from
the deadline at every app tick.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from rich.text import Text
from textual.widgets import DataTable
from textual.widgets.data_table import RowDoesNotExist

from mash_tui.domain.timescales import ClockWindow
from mash_tui.domain.workflow import STATE_LABELS, ItemState
from mash_tui.widgets.countdown import time_left_cell
from mash_tui.widgets.rag_badge import rag_text
from mash_tui.widgets.safe_text import safe_text

if TYPE_CHECKING:
    from mash_tui.domain.policy import NearBreachPolicy
    from mash_tui.services.views import ItemView


# Shorter words where the full label would not fit the state column.
QUEUE_STATE_WORDS = {ItemState.INFORMATION_GATHERING: "gathering"}


@dataclass(frozen=True)
class QueueRow:
    """What one row shows, apart from the time left, which changes every second."""

    reference: str
    rag: str
    children: str
    holder: str
    state: str
    clock_label: str
    window: ClockWindow | None
    # The holder's claim waits for the shared database's answer (see `ItemView.claim_requested`).
    claim_requested: bool = False


def queue_row(item: ItemView, near_breach: NearBreachPolicy) -> QueueRow:
    live = [clock for clock in item.clocks if clock.met_at is None]
    urgent = min(live, key=lambda clock: clock.due_at, default=None)
    window = ClockWindow.of(urgent.started_at, urgent.due_at, near_breach) if urgent else None
    try:
        state = QUEUE_STATE_WORDS.get(ItemState(item.state)) or STATE_LABELS[ItemState(item.state)]
    except ValueError:
        state = item.state
    return QueueRow(
        reference=item.reference,
        rag=item.rag,
        children=item.children,
        holder=item.claimed_by or "",
        state=state,
        clock_label=urgent.label if urgent else "",
        window=window,
        claim_requested=item.claim_requested,
    )


# Short, so that a holder's name and the mark fit the 80-column table; the detail line says it in full.
REQUESTED_MARK = " (req.)"


def holder_cell(row: QueueRow) -> Text:
    """Who holds the item, marked while their claim is only requested."""
    if not row.holder:
        return Text("—")
    cell = safe_text(row.holder)
    if row.claim_requested:
        cell.append(REQUESTED_MARK, style="italic")
    return cell


class ItemTable(DataTable[Text]):
    # Fixed widths that fit 80 columns: the table never re-measures itself as rows come and go.
    # The held-by column has room for a short name and the requested mark; "gathering" is the
    # longest state word the queue shows; "overdue 23h 59m" is the longest countdown below a day.
    COLUMNS = (
        ("RAG", "rag", 7),
        ("Time left", "time_left", 15),
        ("Reference", "reference", 12),
        ("Child", "children", 13),
        ("Held by", "holder", 11),
        ("State", "state", 9),
    )

    def __init__(self, **kwargs: object) -> None:
        super().__init__(cursor_type="row", zebra_stripes=True, **kwargs)  # type: ignore[arg-type]
        self.rows_by_reference: dict[str, QueueRow] = {}
        self._shown_time_left: dict[str, tuple[str, str]] = {}

    def on_mount(self) -> None:
        for label, key, width in self.COLUMNS:
            self.add_column(label, key=key, width=width)
        self.app.clock_signal.subscribe(self, self._tick)  # type: ignore[attr-defined]

    @property
    def highlighted_reference(self) -> str | None:
        if not self.row_count:
            return None
        try:
            row_key, _ = self.coordinate_to_cell_key(self.cursor_coordinate)
        except (RowDoesNotExist, LookupError):
            return None
        return row_key.value

    def highlighted_row(self) -> QueueRow | None:
        reference = self.highlighted_reference
        return self.rows_by_reference.get(reference) if reference else None

    def show(self, rows: list[QueueRow], now: datetime, keep: str | None = None) -> None:
        """Bring the table to `rows`, in their order, changing only the cells that differ."""
        keep = keep or self.highlighted_reference
        variables = self.app.get_css_variables()
        wanted = {row.reference for row in rows}
        for gone in [reference for reference in self.rows_by_reference if reference not in wanted]:
            self.remove_row(gone)
            del self.rows_by_reference[gone]
            self._shown_time_left.pop(gone, None)
        for row in rows:
            previous = self.rows_by_reference.get(row.reference)
            cells = self._static_cells(row, variables)
            time_left = time_left_cell(row.window, now, variables)
            if previous is None:
                self.add_row(cells["rag"], time_left, cells["reference"], cells["children"], cells["holder"],
                             cells["state"], key=row.reference)
            else:
                before = self._static_cells(previous, variables)
                for column, value in cells.items():
                    if value != before[column]:
                        self.update_cell(row.reference, column, value)
                self.update_cell(row.reference, "time_left", time_left)
            self._shown_time_left[row.reference] = (time_left.plain, str(time_left.style))
            self.rows_by_reference[row.reference] = row
        order = {row.reference: position for position, row in enumerate(rows)}
        self.sort("reference", key=lambda reference: order[reference.plain])
        if keep in order:
            self.move_cursor(row=self.get_row_index(keep))

    @staticmethod
    def _static_cells(row: QueueRow, variables: dict[str, str]) -> dict[str, Text]:
        return {
            "rag": rag_text(row.rag, variables),
            "reference": Text(row.reference),
            "children": safe_text(row.children),
            "holder": holder_cell(row),
            "state": Text(row.state),
        }

    def _tick(self, now: datetime) -> None:
        variables = self.app.get_css_variables()
        for reference, row in self.rows_by_reference.items():
            cell = time_left_cell(row.window, now, variables)
            shown = (cell.plain, str(cell.style))
            if self._shown_time_left.get(reference) != shown:
                self.update_cell(reference, "time_left", cell)
                self._shown_time_left[reference] = shown
