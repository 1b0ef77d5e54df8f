"""Diarising a conference: the first free chair's session before the due date (DOMAIN.md section 10).

A session is a chair's weekly slot (policy); a slot is one session on one date. A diary holds the
slots already booked; booking a slot twice is refused.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from mash_tui.domain.policy import WEEKDAYS, Chair
from mash_tui.domain.timescales import WorkingCalendar, wall_time_to_utc


class DoubleBooking(ValueError):
    """The slot is booked already."""


@dataclass(frozen=True, order=True)
class Slot:
    starts: datetime  # UTC; first, so slots sort by time
    session_id: str
    chair_id: str
    room: str
    day: date  # the local date it is held on

    @property
    def key(self) -> tuple[str, date]:
        return (self.session_id, self.day)


@dataclass(frozen=True)
class Diary:
    """The booked slots, by (session id, date); immutable, each booking gives a new diary."""

    booked: frozenset[tuple[str, date]] = frozenset()

    def is_free(self, slot: Slot) -> bool:
        return slot.key not in self.booked

    def book(self, slot: Slot) -> Diary:
        if not self.is_free(slot):
            raise DoubleBooking(f"session {slot.session_id} on {slot.day.isoformat()} is booked already")
        return Diary(self.booked | {slot.key})

    def release(self, slot: Slot) -> Diary:
        return Diary(self.booked - {slot.key})


class SessionIndex:
    """The policy's sessions by weekday in start order, worked out once per policy."""

    def __init__(self, chairs: Iterable[Chair]) -> None:
        by_day: list[list[tuple[object, str, str, str]]] = [[] for _ in WEEKDAYS]
        for chair in chairs:
            for session in chair.sessions:
                by_day[WEEKDAYS.index(session.weekday)].append((session.starts, session.id, chair.id, session.room))
        self._by_day = tuple(tuple(sorted(day)) for day in by_day)

    def slots_on(self, day: date, calendar: WorkingCalendar) -> list[Slot]:
        """The sessions held on `day`, earliest first; none on a non-working day."""
        sessions = self._by_day[day.weekday()]
        if not sessions or not calendar.is_working_day(day):
            return []
        return [Slot(wall_time_to_utc(day, starts, calendar.zone), session_id, chair_id, room, day)
                for starts, session_id, chair_id, room in sessions]


def first_free_slot(
    sessions: SessionIndex,
    diary: Diary,
    earliest: datetime,
    due: datetime,
    calendar: WorkingCalendar,
) -> Slot | None:
    """The earliest free slot starting at or after `earliest` and no later than `due`, on a working
    day; None when every one is taken. Ties in time go to the session id, so the answer is stable.

    `earliest` is the caller's choice: now, or later to leave time for invitations and reports.
    """
    if due < earliest:
        return None
    day = calendar.local_date(earliest)
    last_day = calendar.local_date(due)
    while day <= last_day:
        for slot in sessions.slots_on(day, calendar):
            if slot.starts < earliest:
                continue
            if slot.starts > due:
                return None
            if diary.is_free(slot):
                return slot
        day += timedelta(days=1)
    return None


def slot_of(sessions: SessionIndex, session_id: str, day: date, calendar: WorkingCalendar) -> Slot:
    """A named session on a named day (booking by hand); refused when it is not held that day."""
    for slot in sessions.slots_on(day, calendar):
        if slot.session_id == session_id:
            return slot
    raise ValueError(f"session {session_id} is not held on {day.isoformat()} (not its weekday, or not a working day)")
