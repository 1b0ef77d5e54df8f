"""Countdown cells for live tables: each row's clocks worked out once, so a tick is a subtraction.

A row shows its most urgent running clock (breached before near breach before ok, then the
earliest due) and the time left on it, `due - now`. Besides the text it keeps the range of
`due - now` over which neither that text nor any of its clocks' states can change; on a tick
a row inside its range needs nothing more, so ten thousand rows cost ten thousand subtractions.
Times are whole microseconds since the epoch: integer arithmetic is exact, so the range agrees
with the text to the microsecond.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from rich.text import Text
from textual.widgets import DataTable
from textual.widgets.data_table import Row, RowKey

from mash_tui.domain.codes import CLOCK_SHORT_LABELS
from mash_tui.domain.timescales import ClockState, ClockWindow, format_time_left

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND = timedelta(microseconds=1)
_SECOND = 1_000_000
_NO_LIMIT = float("inf")

# What each clock is for, short enough for a table column of CLOCK_COLUMN_WIDTH.
CLOCK_NAMES = CLOCK_SHORT_LABELS
CLOCK_COLUMN_WIDTH = max(len(name) for name in CLOCK_NAMES.values())
# "overdue 23h 59m" is the longest a countdown gets below a day.
COUNTDOWN_COLUMN_WIDTH = 15
NO_CLOCK = "—"

_STATE_OF_RANK = (ClockState.OK, ClockState.NEAR_BREACH, ClockState.BREACHED)


def micros(instant: datetime) -> int:
    return (instant - EPOCH) // _MICROSECOND


class RowClock:
    """One running clock of a row: its window, and the same instants as integers for ticks."""

    __slots__ = ("name", "title", "window", "due_us", "near_us")

    def __init__(self, name: str, window: ClockWindow, label: str | None = None) -> None:
        self.name = name
        self.title = short_clock_name(name, label)
        self.window = window
        self.due_us = micros(window.due)
        self.near_us = micros(window.near_breach_at)


def short_clock_name(name: str, label: str | None = None) -> str:
    """What the clock column says: an information request names its agency ("Police request")."""
    if label and label.endswith(" information request"):
        label = label.removesuffix(" information request") + " request"
    if label and len(label) <= CLOCK_COLUMN_WIDTH:
        return label
    return CLOCK_NAMES.get(name, name)


class Countdown:
    """The countdown of one row. `refresh(now)` says whether its text, state or clock changed."""

    __slots__ = ("clocks", "clock", "state", "text", "due_us", "left_low", "left_high")

    def __init__(self, clocks: Iterable[RowClock], now: datetime) -> None:
        self.clocks = tuple(clocks)
        self.clock: RowClock | None = None
        self.state: ClockState | None = None
        self.text = NO_CLOCK
        self.due_us = 0
        self.left_low: float = -_NO_LIMIT
        self.left_high: float = _NO_LIMIT
        self.refresh(now)

    @property
    def clock_name(self) -> str:
        return self.clock.title if self.clock else NO_CLOCK

    def is_current(self, now_us: int) -> bool:
        """True while `due - now` stays in the range where nothing shown can change."""
        return self.left_low <= self.due_us - now_us < self.left_high

    def refresh(self, now: datetime, now_us: int | None = None) -> bool:
        if now_us is None:
            now_us = micros(now)
        if not self.clocks:
            return False
        # ClockWindow.state on the integer instants: breached once now is past due, near breach
        # once past the near-breach instant. Most severe first, then the earliest due.
        clock, rank = self.clocks[0], -1
        for candidate in self.clocks:
            candidate_rank = 2 if now_us > candidate.due_us else 1 if now_us > candidate.near_us else 0
            if candidate_rank > rank or (candidate_rank == rank and candidate.due_us < clock.due_us):
                clock, rank = candidate, candidate_rank
        state = _STATE_OF_RANK[rank]
        left_us = clock.due_us - now_us
        text = format_time_left(timedelta(microseconds=left_us))
        if state is ClockState.NEAR_BREACH:
            # Never colour alone: the mark says "near breach" to anyone who cannot see the colour.
            text = "! " + text
        changed = clock is not self.clock or state is not self.state or text != self.text
        self.clock, self.state, self.text, self.due_us = clock, state, text, clock.due_us
        valid_after, valid_until = _text_holds(clock.due_us, left_us)
        for other in self.clocks:
            for boundary in (other.near_us, other.due_us):
                # A state turns once now passes a boundary: it holds up to and including it.
                if boundary < now_us:
                    valid_after = max(valid_after, boundary)
                else:
                    valid_until = min(valid_until, boundary)
        self.left_low = clock.due_us - valid_until
        self.left_high = clock.due_us - valid_after
        return changed

    def cell(self, styles: dict[ClockState | None, str]) -> Text:
        return Text(self.text, style=styles.get(self.state, ""), no_wrap=True)


def _text_holds(due_us: int, left_us: int) -> tuple[int, int]:
    """The instants (after, until] over which `format_time_left` keeps showing the same text.

    The text depends on whole seconds (rounded down when left, up when overdue) at a grain that
    grows with the size: seconds under an hour, minutes under a day, hours beyond.
    """
    whole = left_us // _SECOND
    size = whole if whole >= 0 else -whole
    grain = 3600 if size >= 86_400 else 60 if size >= 3600 else 1
    lowest = size - size % grain
    if whole >= 0:
        return due_us - (lowest + grain) * _SECOND, due_us - lowest * _SECOND
    return due_us + (lowest - 1) * _SECOND, due_us + (lowest + grain - 1) * _SECOND


def countdown_styles(variables: dict[str, str]) -> dict[ClockState | None, str]:
    """Cell styles from the theme's `$near-breach` and `$breach` (tables cannot use CSS classes)."""
    return {
        ClockState.NEAR_BREACH: f"bold {variables.get('near-breach', 'yellow')}",
        ClockState.BREACHED: f"bold {variables.get('breach', 'red')}",
    }


class LiveTable(DataTable):
    """A DataTable whose cell updates do not re-walk every row at the next paint.

    DataTable caches its row order and line offsets under a counter that every `update_cell`
    bumps, so with ten thousand rows each changed countdown cost a pass over all of them (and
    the garbage of a fresh list per paint). Order and offsets change only when rows are added,
    removed, sorted or cleared, and each of those replaces `_row_locations` or changes the
    number of rows, so they are cached on that instead. Every row here is one line high; the
    override leans on DataTable's internals, which the exact Textual pin keeps still.
    """

    # Class defaults: DataTable's own __init__ already reads the row order.
    _indexed_locations: object = None
    _indexed_count = -1
    _indexed_rows: list[Row] = []  # noqa: RUF012 - replaced, never mutated
    _indexed_offsets: list[tuple[RowKey, int]] = []  # noqa: RUF012 - replaced, never mutated

    def _reindex(self) -> None:
        if self._row_locations is self._indexed_locations and len(self.rows) == self._indexed_count:
            return
        rows: list[Row] = DataTable.ordered_rows.fget(self)  # type: ignore[attr-defined]
        self._indexed_rows = rows
        self._indexed_offsets = [(row.key, line) for row in rows for line in range(row.height)]
        self._indexed_locations = self._row_locations
        self._indexed_count = len(self.rows)

    @property
    def ordered_rows(self) -> list[Row]:
        self._reindex()
        return self._indexed_rows

    @property
    def _y_offsets(self) -> list[tuple[RowKey, int]]:
        self._reindex()
        return self._indexed_offsets

    def _update_dimensions(self, new_rows: Iterable[RowKey]) -> None:
        if not any(column.auto_width for column in self.columns.values()):
            # Fixed widths and one-line rows: nothing in a new row can change the table's size,
            # so measuring every cell of ten thousand new rows would be wasted.
            new_rows = ()
        super()._update_dimensions(new_rows)

    def visible_row_keys(self) -> list[str]:
        """Keys of the rows on screen now (and one either side), top to bottom."""
        first = max(0, int(self.scroll_y) - 1)
        last = min(self.row_count, int(self.scroll_y) + self.scrollable_content_region.height + 1)
        locations = self._row_locations
        return [locations.get_key(index).value for index in range(first, last)]
