"""The working calendar and clocks of DOMAIN.md section 3."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from mash_tui.config import default_policy
from mash_tui.domain.policy import CLOCK_NAMES, WEEKDAYS, CalendarPolicy, ClockPolicy, NearBreachPolicy
from mash_tui.domain.timescales import (
    ClockState,
    ClockWindow,
    WorkingCalendar,
    clock_state,
    format_time_left,
    near_breach_from,
    wall_time_to_utc,
)

LONDON = ZoneInfo("Europe/London")
POLICY = default_policy()
CALENDAR = WorkingCalendar(POLICY.calendar)


def london(year: int, month: int, day: int, hour: int = 0, minute: int = 0, *, fold: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=LONDON, fold=fold)


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


def due(clock: str, start: datetime, calendar: WorkingCalendar = CALENDAR) -> datetime:
    return calendar.due_at(POLICY.clocks[clock], start)


def calendar_with(**changes: object) -> WorkingCalendar:
    return WorkingCalendar(CalendarPolicy(**{**POLICY.calendar.model_dump(), **changes}))


def every_day(opens: time, closes: time) -> WorkingCalendar:
    return calendar_with(opening_hours={day: (opens, closes) for day in WEEKDAYS})


# -- DOMAIN.md section 3 examples ----------------------------------------------------------------


def test_christmas_eve_decision_is_due_after_christmas_weekend_and_boxing_day_substitute() -> None:
    assert due("decision", london(2026, 12, 24, 15, 0)) == utc(2026, 12, 29, 15, 0)


def test_thursday_quarter_to_five_is_due_at_friday_closing() -> None:
    assert due("decision", london(2026, 11, 19, 16, 45)) == utc(2026, 11, 20, 16, 30)


def test_thursday_quarter_to_five_in_summer_time_is_due_at_friday_closing_local() -> None:
    assert due("decision", london(2026, 7, 2, 16, 45)) == london(2026, 7, 3, 16, 30)


def test_thursday_at_closing_starts_friday_morning_and_is_due_monday_morning() -> None:
    received = london(2026, 11, 19, 17, 0)
    assert CALENDAR.next_opening(received) == utc(2026, 11, 20, 8, 30)
    assert due("decision", received) == utc(2026, 11, 23, 8, 30)


@pytest.mark.parametrize("hour", [0, 10, 23])
def test_saturday_is_due_tuesday_morning(hour: int) -> None:
    assert due("decision", london(2026, 11, 21, hour, 0)) == utc(2026, 11, 24, 8, 30)


def test_red_rated_at_half_past_eleven_on_the_night_the_clocks_go_back_is_due_half_past_two() -> None:
    rated = london(2026, 10, 24, 23, 30)
    answer = due("red", rated)
    assert answer - rated == timedelta(hours=4)
    assert answer.astimezone(LONDON).replace(tzinfo=None) == datetime(2026, 10, 25, 2, 30)


def test_red_over_the_2027_autumn_change_is_four_real_hours() -> None:
    rated = london(2027, 10, 30, 23, 30)
    assert due("red", rated) == utc(2027, 10, 31, 2, 30)


# -- every clock of the table with the shipped policy -------------------------------------------


@pytest.mark.parametrize(
    ("clock", "start", "expected"),
    [
        ("decision", london(2026, 11, 24, 9, 12), london(2026, 11, 25, 9, 12)),
        ("red", london(2026, 11, 24, 9, 12), london(2026, 11, 24, 13, 12)),
        ("amber", london(2026, 11, 24, 9, 12), london(2026, 11, 25, 9, 12)),
        ("green", london(2026, 11, 24, 9, 12), london(2026, 11, 27, 9, 12)),
        ("request_red", london(2026, 11, 24, 9, 12), london(2026, 11, 24, 11, 12)),
        ("request_amber", london(2026, 11, 24, 9, 12), london(2026, 11, 25, 9, 12)),
        ("request_green", london(2026, 11, 24, 9, 12), london(2026, 11, 27, 9, 12)),
        ("confirmation", london(2026, 11, 24, 9, 12), london(2026, 11, 26, 9, 12)),
        ("lado", london(2026, 11, 27, 16, 0), london(2026, 11, 30, 16, 0)),
        ("icpc", london(2026, 12, 1, 10, 0), london(2026, 12, 22, 10, 0)),
        ("icpc", london(2026, 12, 10, 10, 0), london(2027, 1, 5, 10, 0)),
        ("green", london(2026, 11, 26, 16, 45), london(2026, 12, 1, 16, 45)),
        ("green", london(2026, 11, 25, 16, 45), london(2026, 11, 30, 16, 45)),
        ("green", london(2026, 11, 24, 16, 45), london(2026, 11, 27, 16, 30)),
    ],
)
def test_each_clock_of_the_shipped_policy(clock: str, start: datetime, expected: datetime) -> None:
    assert due(clock, start) == expected


def test_answers_are_in_utc_whatever_the_start_offset() -> None:
    in_india = datetime(2026, 12, 24, 20, 30, tzinfo=timezone(timedelta(hours=5, minutes=30)))
    answer = due("decision", in_india)
    assert answer == utc(2026, 12, 29, 15, 0)
    assert answer.utcoffset() == timedelta(0)
    assert due("red", in_india).utcoffset() == timedelta(0)


def test_naive_times_are_refused() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        due("decision", datetime(2026, 12, 24, 15, 0))
    with pytest.raises(ValueError, match="timezone-aware"):
        CALENDAR.is_open(datetime(2026, 12, 24, 15, 0))


def test_zero_working_days_is_the_clock_start_and_negative_is_refused() -> None:
    assert CALENDAR.add_working_days(london(2026, 11, 21, 10, 0), 0) == utc(2026, 11, 23, 8, 30)
    with pytest.raises(ValueError, match="negative"):
        CALENDAR.add_working_days(london(2026, 11, 23, 10, 0), -1)


# -- clock changes -------------------------------------------------------------------------------


def test_working_day_over_the_2026_spring_change_keeps_local_time() -> None:
    # Friday 27 March 15:00 GMT; clocks go forward on Sunday 29 March.
    assert due("decision", london(2026, 3, 27, 15, 0)) == utc(2026, 3, 30, 14, 0)


def test_working_day_over_the_2026_autumn_change_keeps_local_time() -> None:
    # Friday 23 October 15:00 BST; clocks go back on Sunday 25 October.
    assert due("decision", london(2026, 10, 23, 15, 0)) == utc(2026, 10, 26, 15, 0)


def test_working_day_over_the_2027_spring_change_and_easter() -> None:
    # Good Friday 26 March, clocks forward Sunday 28 March, Easter Monday 29 March 2027.
    assert due("decision", london(2027, 3, 25, 15, 0)) == london(2027, 3, 30, 15, 0)
    assert due("decision", london(2027, 3, 25, 15, 0)) == utc(2027, 3, 30, 14, 0)


def test_three_working_days_over_the_2027_autumn_change() -> None:
    assert due("green", london(2027, 10, 29, 10, 0)) == utc(2027, 11, 3, 10, 0)


def test_clock_hours_across_the_spring_change_are_real_hours() -> None:
    rated = london(2026, 3, 28, 23, 30)
    assert due("red", rated) == utc(2026, 3, 29, 3, 30)
    assert due("red", rated).astimezone(LONDON).hour == 4
    assert due("confirmation", london(2026, 3, 27, 12, 0)) == london(2026, 3, 29, 13, 0)


def test_clock_hours_from_the_repeated_hour() -> None:
    first_pass = london(2026, 10, 25, 1, 30)
    second_pass = london(2026, 10, 25, 1, 30, fold=1)
    assert due("red", first_pass) == utc(2026, 10, 25, 4, 30)
    assert due("red", second_pass) == utc(2026, 10, 25, 5, 30)


def test_an_ambiguous_wall_time_means_its_first_occurrence() -> None:
    assert wall_time_to_utc(date(2026, 10, 25), time(1, 30), LONDON) == utc(2026, 10, 25, 0, 30)


@pytest.mark.parametrize("wall", [time(1, 0), time(1, 30), time(1, 59, 59, 999999)])
def test_a_skipped_wall_time_means_the_moment_the_clocks_change(wall: time) -> None:
    assert wall_time_to_utc(date(2026, 3, 29), wall, LONDON) == utc(2026, 3, 29, 1, 0)


def test_sunday_hub_due_in_the_skipped_hour_is_due_when_the_clocks_change() -> None:
    sundays = calendar_with(opening_hours={"sunday": (time(0, 30), time(9, 0))})
    assert sundays.add_working_days(london(2026, 3, 22, 1, 30), 1) == utc(2026, 3, 29, 1, 0)


def test_sunday_hub_due_in_the_repeated_hour_is_due_at_its_first_occurrence() -> None:
    sundays = calendar_with(opening_hours={"sunday": (time(0, 30), time(9, 0))})
    assert sundays.add_working_days(london(2026, 10, 18, 1, 30), 1) == utc(2026, 10, 25, 0, 30)


def test_a_start_in_the_second_pass_of_the_repeated_hour_counts_as_the_end_of_that_hour() -> None:
    round_the_clock = every_day(time(0, 0), time(23, 59))
    first_pass = london(2026, 10, 25, 1, 50)
    second_pass = london(2026, 10, 25, 1, 10, fold=1)
    assert round_the_clock.add_working_days(first_pass, 1) == utc(2026, 10, 26, 1, 50)
    assert round_the_clock.add_working_days(second_pass, 1) == utc(2026, 10, 26, 2, 0)


def test_opening_hours_wholly_inside_the_skipped_hour_make_no_working_day() -> None:
    night = every_day(time(1, 15), time(1, 45))
    assert not night.is_working_day(date(2026, 3, 29))
    assert night.is_working_day(date(2026, 3, 30))
    assert night.next_opening(utc(2026, 3, 29, 0, 0)) == utc(2026, 3, 30, 0, 15)


def test_opening_hours_on_clock_change_days_follow_local_time() -> None:
    assert CALENDAR.opening_window(date(2026, 3, 30)) == (utc(2026, 3, 30, 7, 30), utc(2026, 3, 30, 16, 0))
    assert CALENDAR.opening_window(date(2026, 10, 26)) == (utc(2026, 10, 26, 8, 30), utc(2026, 10, 26, 17, 0))


# -- opening hours -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("instant", "is_open"),
    [
        (london(2026, 11, 19, 8, 29), False),
        (london(2026, 11, 19, 8, 30), True),
        (london(2026, 11, 19, 16, 59), True),
        (london(2026, 11, 19, 17, 0), False),
        (london(2026, 11, 20, 16, 29), True),
        (london(2026, 11, 20, 16, 30), False),
        (london(2026, 11, 20, 16, 45), False),
        (london(2026, 11, 21, 12, 0), False),
        (london(2026, 11, 22, 12, 0), False),
        (london(2026, 12, 28, 12, 0), False),
        (london(2026, 7, 2, 8, 30), True),
        (utc(2026, 7, 2, 7, 30), True),
        (utc(2026, 7, 2, 7, 29), False),
    ],
)
def test_opening_is_open_and_closing_is_closed(instant: datetime, is_open: bool) -> None:
    assert CALENDAR.is_open(instant) is is_open


def test_friday_short_hours() -> None:
    friday = (utc(2026, 11, 20, 8, 30), utc(2026, 11, 20, 16, 30))
    assert CALENDAR.opening_window(date(2026, 11, 20)) == friday
    assert CALENDAR.next_opening(london(2026, 11, 20, 16, 30)) == utc(2026, 11, 23, 8, 30)
    assert due("decision", london(2026, 11, 19, 16, 59)) == utc(2026, 11, 20, 16, 30)


def test_next_opening() -> None:
    assert CALENDAR.next_opening(london(2026, 11, 19, 7, 0)) == utc(2026, 11, 19, 8, 30)
    assert CALENDAR.next_opening(london(2026, 11, 19, 12, 34)) == utc(2026, 11, 19, 12, 34)
    assert CALENDAR.next_opening(london(2026, 11, 19, 17, 0)) == utc(2026, 11, 20, 8, 30)
    assert CALENDAR.next_opening(london(2026, 12, 24, 17, 0)) == utc(2026, 12, 29, 8, 30)


def test_a_calendar_with_no_opening_hours_is_refused() -> None:
    with pytest.raises(ValueError, match="no opening hours"):
        calendar_with(opening_hours={})


# -- bank holidays and closure days --------------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "working"),
    [
        (date(2026, 12, 24), True),
        (date(2026, 12, 25), False),  # Christmas Day
        (date(2026, 12, 28), False),  # Boxing Day substitute (26th is a Saturday)
        (date(2026, 12, 29), True),
        (date(2027, 12, 27), False),  # Christmas Day substitute
        (date(2027, 12, 28), False),  # Boxing Day substitute
        (date(2027, 1, 1), False),
        (date(2026, 4, 3), False),  # Good Friday
        (date(2026, 4, 6), False),  # Easter Monday
        (date(2027, 3, 29), False),  # Easter Monday
        (date(2026, 5, 4), False),  # early May bank holiday
        (date(2020, 5, 8), False),  # early May bank holiday moved for VE Day
        (date(2020, 5, 4), True),
        (date(2026, 5, 25), False),  # spring bank holiday
        (date(2026, 8, 31), False),  # summer bank holiday
        (date(2026, 11, 21), False),  # Saturday
        (date(2026, 11, 22), False),  # Sunday
        (date(2026, 11, 23), True),
    ],
)
def test_working_days_in_england_and_wales(day: date, working: bool) -> None:
    assert CALENDAR.is_working_day(day) is working


def test_easter_and_early_may_push_dues() -> None:
    assert due("decision", london(2026, 4, 2, 15, 0)) == london(2026, 4, 7, 15, 0)
    assert due("decision", london(2026, 5, 1, 11, 0)) == london(2026, 5, 5, 11, 0)


def test_closure_days_from_policy_are_not_working_days() -> None:
    closed_friday = calendar_with(closure_days=(date(2026, 11, 20),))
    assert not closed_friday.is_working_day(date(2026, 11, 20))
    assert closed_friday.is_working_day(date(2026, 11, 19))
    assert due("decision", london(2026, 11, 19, 15, 0), closed_friday) == utc(2026, 11, 23, 15, 0)
    assert due("decision", london(2026, 11, 20, 10, 0), closed_friday) == utc(2026, 11, 24, 8, 30)
    assert due("decision", london(2026, 11, 19, 15, 0)) == utc(2026, 11, 20, 15, 0)


def test_is_working_day_takes_a_date_not_an_instant() -> None:
    with pytest.raises(TypeError):
        CALENDAR.is_working_day(london(2026, 11, 19, 12, 0))


def test_due_day_opening_later_than_the_start_time_is_due_at_opening() -> None:
    late_monday = calendar_with(
        opening_hours={**POLICY.calendar.opening_hours, "monday": (time(10, 0), time(17, 0))}
    )
    assert due("decision", london(2026, 11, 20, 9, 0), late_monday) == utc(2026, 11, 23, 10, 0)


# -- properties ----------------------------------------------------------------------------------

CALENDARS = {
    "shipped": CALENDAR,
    # Round the clock and a night shift put wall times on clock-change nights in play.
    "round_the_clock": every_day(time(0, 0), time(23, 59)),
    "night_shift": every_day(time(1, 15), time(1, 45)),
}
ZONES = [UTC, LONDON, ZoneInfo("America/New_York"), timezone(timedelta(hours=-3, minutes=-30))]

instants = st.datetimes(
    min_value=datetime(2025, 1, 1),
    max_value=datetime(2030, 12, 31),
    timezones=st.sampled_from(ZONES),
    allow_imaginary=False,
)
# Clocks that run forward from their start on the working calendar alone; the school-day clock and
# the clocks counted back from a conference have their own properties in test_lane_clocks.py.
FORWARD_CLOCKS = [
    name for name in CLOCK_NAMES if POLICY.clocks[name].unit not in ("working_days_before", "school_day_start")
]
clock_policies = st.one_of(
    st.sampled_from([POLICY.clocks[name] for name in FORWARD_CLOCKS]),
    st.builds(ClockPolicy, unit=st.sampled_from(["clock_hours", "working_days"]), length=st.integers(1, 30)),
)
calendars = st.sampled_from(sorted(CALENDARS))
PROPERTY_SETTINGS = settings(max_examples=200, deadline=None)


@PROPERTY_SETTINGS
@given(calendars, clock_policies, instants)
def test_due_is_never_before_start(calendar_name: str, clock: ClockPolicy, start: datetime) -> None:
    assert CALENDARS[calendar_name].due_at(clock, start) >= start


@PROPERTY_SETTINGS
@given(calendars, clock_policies, instants, instants)
@example("round_the_clock", ClockPolicy(unit="working_days", length=1),
         london(2026, 10, 25, 1, 50), london(2026, 10, 25, 1, 10, fold=1))
@example("round_the_clock", ClockPolicy(unit="working_days", length=7),
         london(2026, 3, 22, 1, 50), london(2026, 3, 22, 2, 10))
@example("night_shift", ClockPolicy(unit="working_days", length=1),
         london(2026, 10, 25, 1, 40), london(2026, 10, 25, 1, 20, fold=1))
def test_a_later_start_is_never_due_earlier(
    calendar_name: str, clock: ClockPolicy, first: datetime, second: datetime
) -> None:
    calendar = CALENDARS[calendar_name]
    earlier, later = sorted([first, second], key=lambda instant: instant.astimezone(UTC))
    assert calendar.due_at(clock, earlier) <= calendar.due_at(clock, later)


@PROPERTY_SETTINGS
@given(calendars, st.integers(1, 30), instants)
@example("night_shift", 1, london(2026, 3, 22, 1, 20))
@example("night_shift", 1, london(2026, 10, 24, 1, 40))
def test_working_day_dues_fall_on_working_days_within_opening_hours(
    calendar_name: str, length: int, start: datetime
) -> None:
    """Due at the closing time itself is allowed: it is the end of that day's work."""
    calendar = CALENDARS[calendar_name]
    answer = calendar.due_at(ClockPolicy(unit="working_days", length=length), start)
    day = calendar.local_date(answer)
    assert calendar.is_working_day(day)
    opens, closes = calendar.opening_window(day)
    assert opens <= answer <= closes
    assert answer.utcoffset() == timedelta(0)


@PROPERTY_SETTINGS
@given(st.integers(1, 1000), instants)
def test_clock_hour_dues_are_exactly_that_many_real_hours_later(length: int, start: datetime) -> None:
    answer = CALENDAR.due_at(ClockPolicy(unit="clock_hours", length=length), start)
    assert answer - start == timedelta(hours=length)
    assert answer.utcoffset() == timedelta(0)


@PROPERTY_SETTINGS
@given(calendars, instants)
def test_next_opening_is_the_first_open_moment(calendar_name: str, instant: datetime) -> None:
    calendar = CALENDARS[calendar_name]
    opening = calendar.next_opening(instant)
    assert calendar.is_open(opening)
    if calendar.is_open(instant):
        assert opening == instant.astimezone(UTC)
    else:
        assert opening > instant
        assert not calendar.is_open(opening - timedelta(microseconds=1))


# -- clock status --------------------------------------------------------------------------------

NEAR = POLICY.near_breach
START = utc(2026, 11, 24, 9, 0)
FOUR_HOURS_LATER = utc(2026, 11, 24, 13, 0)
TWO_DAYS_LATER = utc(2026, 11, 26, 9, 0)


@pytest.mark.parametrize(
    ("due_at", "now", "state"),
    [
        (FOUR_HOURS_LATER, utc(2026, 11, 24, 9, 0), ClockState.OK),
        (FOUR_HOURS_LATER, utc(2026, 11, 24, 11, 59), ClockState.OK),
        (FOUR_HOURS_LATER, utc(2026, 11, 24, 12, 0), ClockState.OK),  # exactly 25% left is not under
        (FOUR_HOURS_LATER, utc(2026, 11, 24, 12, 1), ClockState.NEAR_BREACH),
        (FOUR_HOURS_LATER, utc(2026, 11, 24, 13, 0), ClockState.NEAR_BREACH),  # due now, not yet past
        (FOUR_HOURS_LATER, FOUR_HOURS_LATER + timedelta(seconds=1), ClockState.BREACHED),
        (TWO_DAYS_LATER, utc(2026, 11, 25, 20, 59), ClockState.OK),
        (TWO_DAYS_LATER, utc(2026, 11, 25, 21, 1), ClockState.NEAR_BREACH),  # under 12 of 48 hours left
        # 2 hours: a quarter is 30 minutes, so the 60 minutes rule decides.
        (utc(2026, 11, 24, 11, 0), utc(2026, 11, 24, 9, 59), ClockState.OK),
        (utc(2026, 11, 24, 11, 0), utc(2026, 11, 24, 10, 1), ClockState.NEAR_BREACH),
    ],
)
def test_running_clock_states(due_at: datetime, now: datetime, state: ClockState) -> None:
    assert clock_state(START, due_at, now, NEAR) is state


def test_met_clocks() -> None:
    later = utc(2026, 12, 1)
    assert clock_state(START, FOUR_HOURS_LATER, later, NEAR, met_at=utc(2026, 11, 24, 12)) is ClockState.MET
    assert clock_state(START, FOUR_HOURS_LATER, later, NEAR, met_at=FOUR_HOURS_LATER) is ClockState.MET
    late = FOUR_HOURS_LATER + timedelta(seconds=1)
    assert clock_state(START, FOUR_HOURS_LATER, later, NEAR, met_at=late) is ClockState.MET_LATE


def test_a_met_time_ahead_of_this_machine_still_counts_as_met() -> None:
    now = utc(2026, 11, 24, 12, 59)
    assert clock_state(START, FOUR_HOURS_LATER, now, NEAR, met_at=utc(2026, 11, 24, 13, 0)) is ClockState.MET


def test_near_breach_policy_values_are_used() -> None:
    strict = NearBreachPolicy(fraction_left=0.5, minutes_left=0)
    assert clock_state(START, FOUR_HOURS_LATER, utc(2026, 11, 24, 11, 1), strict) is ClockState.NEAR_BREACH
    assert clock_state(START, FOUR_HOURS_LATER, utc(2026, 11, 24, 11, 0), strict) is ClockState.OK
    minutes = NearBreachPolicy(fraction_left=0.01, minutes_left=90)
    assert clock_state(START, FOUR_HOURS_LATER, utc(2026, 11, 24, 11, 31), minutes) is ClockState.NEAR_BREACH
    assert near_breach_from(START, FOUR_HOURS_LATER, minutes) == utc(2026, 11, 24, 11, 30)


def test_clock_states_are_strings_for_display_and_storage() -> None:
    assert [state.value for state in ClockState] == ["ok", "near_breach", "breached", "met", "met_late"]


def test_a_clock_window_is_worked_out_once_and_compared_on_each_tick() -> None:
    window = ClockWindow.of(START, FOUR_HOURS_LATER, NEAR)
    assert window.near_breach_at == utc(2026, 11, 24, 12, 0)
    assert window.state(utc(2026, 11, 24, 12, 0)) is ClockState.OK
    assert window.state(utc(2026, 11, 24, 12, 30)) is ClockState.NEAR_BREACH
    assert window.state(utc(2026, 11, 24, 14, 0)) is ClockState.BREACHED
    assert window.state(utc(2026, 11, 24, 14, 0), met_at=utc(2026, 11, 24, 13, 30)) is ClockState.MET_LATE
    assert window.time_left(utc(2026, 11, 24, 14, 5)) == -timedelta(minutes=65)


def test_timescale_is_real_time_across_the_clock_change_even_in_local_time() -> None:
    half = NearBreachPolicy(fraction_left=0.5, minutes_left=0)
    rated = london(2026, 10, 24, 23, 30)
    due_local = london(2026, 10, 25, 2, 30)
    assert due_local - rated != timedelta(hours=4)  # same-zone arithmetic reads the wall clock
    assert near_breach_from(rated, due_local, half) == utc(2026, 10, 25, 0, 30)
    assert clock_state(rated, due_local, london(2026, 10, 25, 1, 10, fold=1), half) is ClockState.NEAR_BREACH
    assert clock_state(rated, due_local, london(2026, 10, 25, 1, 10, fold=0), half) is ClockState.OK


@PROPERTY_SETTINGS
@given(instants, st.integers(1, 10_000_000), st.integers(0, 20_000_000), st.integers(0, 20_000_000))
def test_a_running_clock_only_gets_worse_as_time_passes(
    start: datetime, length_seconds: int, first_offset: int, second_offset: int
) -> None:
    order = [ClockState.OK, ClockState.NEAR_BREACH, ClockState.BREACHED]
    # Elapsed-time arithmetic happens in UTC: adding to a London wall time drops `fold`.
    start = start.astimezone(UTC)
    window = ClockWindow.of(start, start + timedelta(seconds=length_seconds), NEAR)
    earlier, later = sorted([first_offset, second_offset])
    earlier_state = window.state(start + timedelta(seconds=earlier))
    later_state = window.state(start + timedelta(seconds=later))
    assert order.index(earlier_state) <= order.index(later_state)
    assert window.state(start) is not ClockState.BREACHED


@pytest.mark.parametrize(
    ("time_left", "text"),
    [
        (timedelta(hours=3, minutes=12), "3h 12m"),
        (timedelta(days=2, hours=4, minutes=59), "2d 4h"),
        (timedelta(hours=1, minutes=5), "1h 05m"),
        (timedelta(minutes=12, seconds=30), "12m 30s"),
        (timedelta(seconds=45, microseconds=900000), "45s"),
        (timedelta(0), "0s"),
        (-timedelta(hours=1, minutes=5), "overdue 1h 05m"),
        (-timedelta(hours=1, minutes=4, seconds=59, microseconds=1), "overdue 1h 05m"),
        (-timedelta(microseconds=1), "overdue 1s"),
        (-timedelta(days=3, hours=2), "overdue 3d 2h"),
    ],
)
def test_format_time_left(time_left: timedelta, text: str) -> None:
    assert format_time_left(time_left) == text


def test_holiday_lookups_are_made_once_per_year() -> None:
    calendar = calendar_with()
    assert calendar.bank_holidays(2026) is calendar.bank_holidays(2026)
    assert date(2026, 12, 28) in calendar.bank_holidays(2026)
