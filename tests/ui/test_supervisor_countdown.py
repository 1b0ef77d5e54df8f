"""The pane's countdown cells: a row skipped on a tick shows exactly what a fresh computation would."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from mash_tui.domain.policy import NearBreachPolicy
from mash_tui.domain.timescales import ClockState, ClockWindow, format_time_left
from mash_tui.widgets.clock_cells import (
    CLOCK_COLUMN_WIDTH,
    CLOCK_NAMES,
    Countdown,
    RowClock,
    micros,
    short_clock_name,
)

START = datetime(2026, 11, 24, 10, 15, tzinfo=UTC)
POLICY = NearBreachPolicy(fraction_left=0.25, minutes_left=60)
SEVERITY = {ClockState.OK: 0, ClockState.NEAR_BREACH: 1, ClockState.BREACHED: 2}

offsets = st.integers(min_value=-4 * 86_400 * 10**6, max_value=4 * 86_400 * 10**6)
# Timescales past four hours put the near-breach instant (a quarter of the timescale before due)
# between the minute marks of a countdown, where only the state boundary can catch it.
lengths = st.one_of(st.integers(1, 4 * 3_600 * 10**6), st.integers(4 * 3_600 * 10**6, 3 * 86_400 * 10**6))
clock_specs = st.lists(
    st.tuples(st.sampled_from(["decision", "red", "amber"]), offsets, lengths),
    min_size=1,
    max_size=3,
)


def _clocks(specs: list[tuple[str, int, int]]) -> list[RowClock]:
    clocks = []
    for name, due_offset, length in specs:
        due = START + timedelta(microseconds=due_offset)
        clocks.append(RowClock(name, ClockWindow.of(due - timedelta(microseconds=length), due, POLICY)))
    return clocks


def _expected(clocks: list[RowClock], now: datetime) -> tuple[RowClock, ClockState, str]:
    """Straight from the domain: the most severe clock (then the earliest due) and its countdown."""
    states = [(clock, clock.window.state(now)) for clock in clocks]
    clock, state = max(states, key=lambda pair: (SEVERITY[pair[1]], -pair[0].due_us))
    text = format_time_left(clock.window.due - now)
    return clock, state, ("! " + text) if state is ClockState.NEAR_BREACH else text


@settings(max_examples=300, deadline=None)
@given(clock_specs, offsets, st.lists(st.integers(0, 7_200 * 10**6), min_size=1, max_size=8))
def test_a_row_left_alone_on_a_tick_is_never_stale(specs, first, steps) -> None:  # noqa: ANN001
    clocks = _clocks(specs)
    now = START + timedelta(microseconds=first)
    countdown = Countdown(clocks, now)
    for step in steps:
        now += timedelta(microseconds=step)
        if not countdown.is_current(micros(now)):
            countdown.refresh(now)
        clock, state, text = _expected(clocks, now)
        assert (countdown.clock, countdown.state, countdown.text) == (clock, state, text)


@settings(max_examples=300, deadline=None)
@given(clock_specs, st.data(), st.integers(0, 5 * 10**6), st.integers(1, 5 * 10**6), st.booleans())
def test_every_state_boundary_is_seen_as_it_passes(specs, data, before, after, backwards) -> None:  # noqa: ANN001
    clocks = _clocks(specs)
    boundary_us = data.draw(st.sampled_from([edge for clock in clocks for edge in (clock.near_us, clock.due_us)]))
    boundary = datetime(1970, 1, 1, tzinfo=UTC) + timedelta(microseconds=boundary_us)
    then, now = boundary - timedelta(microseconds=before), boundary + timedelta(microseconds=after)
    if backwards:
        # A frozen clock can be set back; the cells must follow it too.
        then, now = now, then
    countdown = Countdown(clocks, then)
    if not countdown.is_current(micros(now)):
        countdown.refresh(now)
    assert (countdown.clock, countdown.state, countdown.text) == _expected(clocks, now)


@settings(max_examples=100, deadline=None)
@given(clock_specs, offsets, offsets)
def test_the_clock_may_also_go_back(specs, first, second) -> None:  # noqa: ANN001
    clocks = _clocks(specs)
    countdown = Countdown(clocks, START + timedelta(microseconds=first))
    now = START + timedelta(microseconds=second)
    if not countdown.is_current(micros(now)):
        countdown.refresh(now)
    assert (countdown.clock, countdown.state, countdown.text) == _expected(clocks, now)


def test_boundaries_to_the_microsecond() -> None:
    due = START + timedelta(hours=4)
    countdown = Countdown([RowClock("red", ClockWindow.of(START, due, POLICY))], START)
    assert countdown.text == "4h 00m" and countdown.state is ClockState.OK
    for now, text, state in (
        (due - timedelta(hours=1), "1h 00m", ClockState.OK),
        (due - timedelta(hours=1) + timedelta(microseconds=1), "! 59m 59s", ClockState.NEAR_BREACH),
        (due, "! 0s", ClockState.NEAR_BREACH),
        (due + timedelta(microseconds=1), "overdue 1s", ClockState.BREACHED),
        (due + timedelta(hours=1, minutes=5), "overdue 1h 05m", ClockState.BREACHED),
    ):
        if not countdown.is_current(micros(now)):
            countdown.refresh(now)
        assert (countdown.text, countdown.state) == (text, state), now


def test_a_row_without_running_clocks() -> None:
    countdown = Countdown([], START)
    assert countdown.text == "—" and countdown.state is None and countdown.clock_name == "—"
    assert countdown.is_current(micros(START + timedelta(days=400)))


def test_clock_names_fit_their_column() -> None:
    assert short_clock_name("request_red", "Police information request") == "Police request"
    assert short_clock_name("request_amber", "Adult social care information request") == "info request"
    assert short_clock_name("amber", "MASH information gathering") == "MASH discussion"
    assert short_clock_name("red", "strategy discussion") == "strategy discussion"
    assert all(len(short_clock_name(name)) <= CLOCK_COLUMN_WIDTH for name in CLOCK_NAMES)
