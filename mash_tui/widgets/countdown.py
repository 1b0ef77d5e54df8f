"""Time left on a clock, worked out again from its deadline at every app tick.

Nothing here counts down: each tick asks `due - now`, so a slow tick, a sleep or a changed clock
can never leave a countdown showing more time than the deadline allows.
"""

from __future__ import annotations

from datetime import datetime

from rich.text import Text
from textual.widgets import Static

from mash_tui.clock import to_local
from mash_tui.domain.timescales import ClockState, ClockWindow, format_time_left

_STATE_VARIABLES = {ClockState.NEAR_BREACH: "near-breach", ClockState.BREACHED: "breach"}
_STATE_CLASSES = {ClockState.NEAR_BREACH: "near-breach", ClockState.BREACHED: "breach"}


def time_left_words(window: ClockWindow, now: datetime, met_at: datetime | None = None) -> str:
    state = window.state(now, met_at)
    if state is ClockState.MET:
        return "met"
    if state is ClockState.MET_LATE:
        return "met late"
    return format_time_left(window.time_left(now))


def time_left_cell(window: ClockWindow | None, now: datetime, variables: dict[str, str],
                   met_at: datetime | None = None) -> Text:
    """A table cell: the time left, coloured from the theme once the clock is near breach or past it."""
    if window is None:
        return Text("no clock")
    state = window.state(now, met_at)
    variable = _STATE_VARIABLES.get(state)
    colour = variables.get(variable, "") if variable else ""
    style = f"bold {colour}" if colour else ""
    return Text(time_left_words(window, now, met_at), style=style)


class ClockCountdown(Static):
    """One clock on one line: what it is for, when it is due (Europe/London) and the time left."""

    def __init__(self, label: str, window: ClockWindow, met_at: datetime | None = None, **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self.label = label
        self.window = window
        self.met_at = met_at

    def on_mount(self) -> None:
        self.show_at(self.app.clock.now())  # type: ignore[attr-defined]
        self.app.clock_signal.subscribe(self, self.show_at)  # type: ignore[attr-defined]

    def show_at(self, now: datetime) -> None:
        state = self.window.state(now, self.met_at)
        for known in _STATE_CLASSES.values():
            self.set_class(_STATE_CLASSES.get(state) == known, known)
        due = to_local(self.window.due).strftime("%a %d %b %H:%M")
        line = Text(no_wrap=True, overflow="ellipsis")
        line.append(f"{time_left_words(self.window, now, self.met_at):>14}", style="bold")
        line.append(f"  due {due}  ")
        line.append(self.label)
        self.update(line)
