"""The working calendar and the clocks of DOMAIN.md section 3.

Instants go in and come out as timezone-aware datetimes; answers are in UTC. Working-day
arithmetic is done on the hub's local wall clock (Europe/London), so a decision due "the same
time next working day" stays at that time across the March and October clock changes, while
clock-hour timescales are real elapsed time.

Wall times that the clock change makes odd are resolved one way everywhere:
- a wall time that happens twice (the hour the clocks go back) means its first occurrence;
- a wall time that never happens (the hour the clocks go forward) means the moment the clocks
  change, the first real instant after it;
- a working-day clock started during the second pass through a repeated hour carries the time at
  the end of that hour to its due day.
All three keep later starts at later-or-equal dues. With the shipped hours (08:30 to 17:00) none
of them arises: the changes happen at night on Sundays.

A working-day due may fall exactly at a closing time: "due at closing" is the last moment of that
day's work, even though the hub itself counts as closed from that moment.
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from functools import lru_cache
from zoneinfo import ZoneInfo

from mash_tui.domain.policy import WEEKDAYS, CalendarPolicy, ClockPolicy, NearBreachPolicy, Policy, SchoolPolicy
from mash_tui.domain.school_calendar import SchoolCalendar

# Longest run of closed days searched for the next opening before the policy is judged unusable;
# a decade is far beyond any real closure yet still bounded.
_MAX_CLOSED_DAYS = 3660


def _as_utc(instant: datetime, name: str) -> datetime:
    # Aware datetimes sharing a tzinfo compare and subtract by wall clock, ignoring the clock
    # change; in UTC every comparison and difference is real time.
    if instant.tzinfo is UTC:
        return instant
    if instant.tzinfo is None or instant.utcoffset() is None:
        raise ValueError(f"{name} must be timezone-aware, got {instant!r}")
    return instant.astimezone(UTC)


def _england_and_wales_bank_holidays(year: int) -> frozenset[date]:
    # Imported on first use: the package loads every country's rules, which the app's
    # start-up should not pay for.
    import holidays

    return frozenset(holidays.UK(subdiv="ENG", years=year).keys())


_BANK_HOLIDAY_SOURCES: dict[str, Callable[[int], frozenset[date]]] = {
    "england_and_wales": _england_and_wales_bank_holidays,
}


def wall_time_to_utc(day: date, wall: time, zone: tzinfo) -> datetime:
    """The UTC instant a local wall time on `day` names (first occurrence; a skipped time → the change)."""
    naive = datetime.combine(day, wall.replace(tzinfo=None, fold=0))
    earlier_offset = naive.replace(tzinfo=zone).astimezone(UTC)
    if earlier_offset.astimezone(zone).replace(tzinfo=None) == naive:
        return earlier_offset
    # The wall time fell in a spring-forward gap. Read with the offset from before the change it
    # lands after later, real wall times; read with the offset after it lands before earlier ones.
    # The change itself lies between the two and keeps wall order.
    later_offset = naive.replace(tzinfo=zone, fold=1).astimezone(UTC)
    return _offset_change_between(later_offset, earlier_offset, zone)


def _offset_change_between(before: datetime, after: datetime, zone: tzinfo) -> datetime:
    """The first whole second in (before, after] that has `after`'s UTC offset."""
    new_offset = after.astimezone(zone).utcoffset()
    second = timedelta(seconds=1)
    low = before.replace(microsecond=0)
    high = after.replace(microsecond=0) + (second if after.microsecond else timedelta(0))
    while high - low > second:
        middle = low + ((high - low) // second // 2) * second
        if middle.astimezone(zone).utcoffset() == new_offset:
            high = middle
        else:
            low = middle
    return high


class WorkingCalendar:
    """Working days and opening hours of one hub, from its calendar policy."""

    def __init__(self, policy: CalendarPolicy, school: SchoolPolicy | None = None) -> None:
        self.policy = policy
        self.zone = ZoneInfo(policy.timezone)
        self._hours_by_weekday: tuple[tuple[time, time] | None, ...] = tuple(
            policy.opening_hours.get(day) for day in WEEKDAYS
        )
        if not any(self._hours_by_weekday):
            raise ValueError("the calendar policy has no opening hours on any day of the week")
        self._closure_days = frozenset(policy.closure_days)
        self._bank_holiday_source = _BANK_HOLIDAY_SOURCES[policy.bank_holidays]
        self._bank_holidays_by_year: dict[int, frozenset[date]] = {}
        # Per instance, so two policies never share answers; years of days fit easily.
        self._opening_window = lru_cache(maxsize=8192)(self._compute_opening_window)
        # Only the Operation Encompass clock needs term dates.
        self.school = SchoolCalendar(school, self.bank_holidays, self.zone) if school is not None else None

    @classmethod
    def from_policy(cls, policy: Policy) -> WorkingCalendar:
        """The calendar every clock of the policy can be worked out on, school terms included."""
        return cls(policy.calendar, policy.school)

    # -- days -------------------------------------------------------------------------------

    def bank_holidays(self, year: int) -> frozenset[date]:
        known = self._bank_holidays_by_year.get(year)
        if known is None:
            known = self._bank_holiday_source(year)
            self._bank_holidays_by_year[year] = known
        return known

    def is_working_day(self, day: date) -> bool:
        """A day with opening hours that is neither a bank holiday nor a local closure day.

        Hours that fall wholly inside the hour the clocks skip do not happen, so that day is not one.
        """
        if isinstance(day, datetime):
            raise TypeError("is_working_day takes a date; convert an instant with local_date()")
        return self.opening_window(day) is not None

    def previous_working_day(self, day: date) -> date:
        """The last working day strictly before `day`."""
        candidate = day
        for _ in range(_MAX_CLOSED_DAYS):
            candidate -= timedelta(days=1)
            if self.opening_window(candidate) is not None:
                return candidate
        raise ValueError(f"no working day within {_MAX_CLOSED_DAYS} days before {day.isoformat()}")

    def next_working_day(self, day: date) -> date:
        """The first working day strictly after `day`."""
        candidate = day
        for _ in range(_MAX_CLOSED_DAYS):
            candidate += timedelta(days=1)
            if self.opening_window(candidate) is not None:
                return candidate
        raise ValueError(f"no working day within {_MAX_CLOSED_DAYS} days after {day.isoformat()}")

    def opening_window(self, day: date) -> tuple[datetime, datetime] | None:
        """UTC [opening, closing) of a working day; None when the hub is shut all day."""
        return self._opening_window(day)

    def _compute_opening_window(self, day: date) -> tuple[datetime, datetime] | None:
        hours = self._hours_by_weekday[day.weekday()]
        if hours is None or day in self._closure_days or day in self.bank_holidays(day.year):
            return None
        opens = wall_time_to_utc(day, hours[0], self.zone)
        closes = wall_time_to_utc(day, hours[1], self.zone)
        # Hours lying wholly inside the hour the clocks skip never happen that day.
        return (opens, closes) if opens < closes else None

    # -- instants ---------------------------------------------------------------------------

    def to_local(self, instant: datetime) -> datetime:
        return _as_utc(instant, "instant").astimezone(self.zone)

    def local_date(self, instant: datetime) -> date:
        return self.to_local(instant).date()

    def is_open(self, instant: datetime) -> bool:
        """Opening time is open; closing time is closed."""
        instant = _as_utc(instant, "instant")
        window = self.opening_window(self.local_date(instant))
        return window is not None and window[0] <= instant < window[1]

    def next_opening(self, instant: datetime) -> datetime:
        """The first moment at or after `instant` when the hub is open, in UTC.

        While the hub is open that is `instant` itself.
        """
        instant = _as_utc(instant, "instant")
        day = self.local_date(instant)
        window = self.opening_window(day)
        if window is not None:
            opens, closes = window
            if instant < opens:
                return opens
            if instant < closes:
                return instant
        opens, _ = self.opening_window(self.next_working_day(day))  # type: ignore[misc]
        return opens

    def add_working_days(self, start: datetime, working_days: int) -> datetime:
        """DOMAIN.md section 3: the same local time `working_days` working days after the clock starts.

        A start outside opening hours starts the clock at the next opening. On the due day the
        time is held inside that day's opening hours: after closing it is due at closing, and
        before opening (possible only when days open at different times) it is due at opening.
        """
        start = _as_utc(start, "start")
        if working_days < 0:
            raise ValueError(f"working_days must not be negative, got {working_days}")
        clock_start = self.next_opening(start)
        due_day = self.local_date(clock_start)
        for _ in range(working_days):
            due_day = self.next_working_day(due_day)
        opens, closes = self.opening_window(due_day)  # type: ignore[misc]
        same_time = wall_time_to_utc(due_day, self._time_of_day(clock_start), self.zone)
        return min(max(same_time, opens), closes)

    def subtract_working_days(self, anchor: datetime, working_days: int) -> datetime:
        """The same local time `working_days` working days before `anchor` (reports before a conference).

        Counting starts from the working day of `anchor`, or the last one before it when `anchor`
        falls on a closed day; the time is held inside the due day's opening hours.
        """
        anchor = _as_utc(anchor, "anchor")
        if working_days < 1:
            raise ValueError(f"working_days must be at least 1, got {working_days}")
        due_day = self.local_date(anchor)
        for _ in range(working_days):
            due_day = self.previous_working_day(due_day)
        opens, closes = self.opening_window(due_day)  # type: ignore[misc]
        same_time = wall_time_to_utc(due_day, self._time_of_day(anchor), self.zone)
        return min(max(same_time, opens), closes)

    def close_of_working_day(self, start: datetime, working_days: int = 1) -> datetime:
        """The closing time of the `working_days`-th working day, counting the day the clock starts
        on (the next opening when `start` is outside opening hours) as the first: "same working day"."""
        start = _as_utc(start, "start")
        if working_days < 1:
            raise ValueError(f"working_days must be at least 1, got {working_days}")
        due_day = self.local_date(self.next_opening(start))
        for _ in range(working_days - 1):
            due_day = self.next_working_day(due_day)
        return self.opening_window(due_day)[1]  # type: ignore[index]

    def add_calendar_months(self, start: datetime, months: int) -> datetime:
        """The same local wall time `months` calendar months later; a day the month lacks (31st, 29
        February) becomes its last day. Review conferences are due by a date, working day or not:
        booking picks a session before it."""
        start = _as_utc(start, "start")
        local = self.to_local(start)
        month_index = local.year * 12 + local.month - 1 + months
        year, month = divmod(month_index, 12)
        month += 1
        last_day = (date(year + (month == 12), month % 12 + 1, 1) - timedelta(days=1)).day
        due_day = date(year, month, min(local.day, last_day))
        return wall_time_to_utc(due_day, self._time_of_day(start), self.zone)

    def _time_of_day(self, instant: datetime) -> time:
        """The local wall time an instant counts as when carried to another day.

        During the second pass through the hour the clocks go back, the wall clock reads times
        it has shown already; counting them as the end of that hour keeps a later start from
        ever being due earlier.
        """
        local = instant.astimezone(self.zone)
        if local.fold == 0:
            return local.time()
        first_pass = local.replace(fold=0)
        offset_before = first_pass.utcoffset()
        if offset_before == local.utcoffset():
            return local.time().replace(fold=0)
        change = _offset_change_between(first_pass.astimezone(UTC), instant, self.zone)
        end_of_repeat = (change + offset_before).replace(tzinfo=None)  # type: ignore[operator]
        if end_of_repeat.date() != local.date():
            return time.max
        return end_of_repeat.time()

    def due_at(self, clock: ClockPolicy, start: datetime) -> datetime:
        """When a clock of this policy started at `start` runs out, in UTC.

        For `working_days_before` clocks `start` is the event counted back from (the conference),
        so the answer is before it.
        """
        start = _as_utc(start, "start")
        if clock.unit == "clock_hours":
            return start + timedelta(hours=clock.length)
        if clock.unit == "working_days":
            return self.add_working_days(start, clock.length)
        if clock.unit == "working_days_before":
            return self.subtract_working_days(start, clock.length)
        if clock.unit == "close_of_working_day":
            return self.close_of_working_day(start, clock.length)
        if clock.unit == "calendar_months":
            return self.add_calendar_months(start, clock.length)
        if clock.unit == "school_day_start":
            if self.school is None:
                raise ValueError("the school-day clock needs the policy's school terms (WorkingCalendar.from_policy)")
            return self.school.next_day_start(start, clock.length)
        raise ValueError(f"unknown clock unit {clock.unit!r}")


# -- clock status -----------------------------------------------------------------------------


class ClockState(enum.StrEnum):
    OK = "ok"
    NEAR_BREACH = "near_breach"
    BREACHED = "breached"
    MET = "met"
    MET_LATE = "met_late"


def near_breach_from(start: datetime, due: datetime, policy: NearBreachPolicy) -> datetime:
    """The instant after which a running clock counts as near breach.

    Near breach is "under `fraction_left` of the timescale left, or under `minutes_left`
    minutes left", i.e. under the larger of the two. The timescale is the real time from start
    to due, so the state needs no calendar and costs the same for every item on every tick.
    """
    start, due = _as_utc(start, "start"), _as_utc(due, "due")
    timescale = max(due - start, timedelta(0))
    margin = max(timescale * policy.fraction_left, timedelta(minutes=policy.minutes_left))
    return due - margin


@dataclass(frozen=True, slots=True)
class ClockWindow:
    """One clock's due and near-breach instants in UTC, worked out once so each tick only compares."""

    start: datetime
    due: datetime
    near_breach_at: datetime

    @classmethod
    def of(cls, start: datetime, due: datetime, policy: NearBreachPolicy) -> ClockWindow:
        start, due = _as_utc(start, "start"), _as_utc(due, "due")
        return cls(start, due, near_breach_from(start, due, policy))

    def state(self, now: datetime, met_at: datetime | None = None) -> ClockState:
        """The state at `now`.

        A clock with `met_at` is met whatever `now` says: met times are stamped by the server,
        whose clock may run ahead of this machine's. Met exactly at due is on time; a running
        clock is breached only once `now` is past due.
        """
        if met_at is not None:
            if met_at.tzinfo is not UTC:
                met_at = _as_utc(met_at, "met_at")
            return ClockState.MET if met_at <= self.due else ClockState.MET_LATE
        if now.tzinfo is not UTC:
            now = _as_utc(now, "now")
        if now > self.due:
            return ClockState.BREACHED
        if now > self.near_breach_at:
            return ClockState.NEAR_BREACH
        return ClockState.OK

    def time_left(self, now: datetime) -> timedelta:
        return self.due - _as_utc(now, "now")


def clock_state(
    start: datetime,
    due: datetime,
    now: datetime,
    policy: NearBreachPolicy,
    met_at: datetime | None = None,
) -> ClockState:
    """The state of one clock at `now`; see `ClockWindow.state`."""
    return ClockWindow.of(start, due, policy).state(now, met_at)


def format_time_left(time_left: timedelta) -> str:
    """A countdown for people: "2d 4h", "3h 12m", "12m 30s", "45s", or "overdue 1h 05m".

    Time left is rounded down and time overdue rounded up, so the text never looks less urgent
    than the truth.
    """
    whole_seconds = time_left // timedelta(seconds=1)
    if whole_seconds >= 0:
        return _format_duration(whole_seconds)
    return "overdue " + _format_duration(-whole_seconds)


def _format_duration(seconds: int) -> str:
    days, seconds = divmod(seconds, 86_400)
    hours, seconds = divmod(seconds, 3_600)
    minutes, seconds = divmod(seconds, 60)
    if days:
        return f"{days}d {hours}h"
    if hours:
        return f"{hours}h {minutes:02d}m"
    if minutes:
        return f"{minutes}m {seconds:02d}s"
    return f"{seconds}s"
