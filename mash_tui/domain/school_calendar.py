"""School days for Operation Encompass (DOMAIN.md section 9).

A school day is a weekday inside a term, outside its half term, that is neither a bank holiday nor
one of the policy's school closure days. The school is told before the next school day starts.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta, tzinfo

from mash_tui.domain.policy import SchoolPolicy


class NoSchoolDayKnown(ValueError):
    """The policy's term dates end before the day asked about: the hub must add the next year."""


class SchoolCalendar:
    def __init__(
        self,
        policy: SchoolPolicy,
        bank_holidays: Callable[[int], frozenset[date]],
        zone: tzinfo,
    ) -> None:
        self.policy = policy
        self.zone = zone
        self._bank_holidays = bank_holidays
        self._closure_days = frozenset(policy.closure_days)

    def in_term(self, day: date) -> bool:
        for term in self.policy.terms:
            if term.starts <= day <= term.ends:
                if term.half_term is not None and term.half_term[0] <= day <= term.half_term[1]:
                    return False
                return True
        return False

    def is_school_day(self, day: date) -> bool:
        if isinstance(day, datetime):
            raise TypeError("is_school_day takes a date")
        return (
            day.weekday() < 5
            and self.in_term(day)
            and day not in self._closure_days
            and day not in self._bank_holidays(day.year)
        )

    def next_school_day(self, day: date) -> date:
        """The first school day strictly after `day`."""
        last_known = max((term.ends for term in self.policy.terms), default=None)
        candidate = day + timedelta(days=1)
        while last_known is not None and candidate <= last_known:
            if self.is_school_day(candidate):
                return candidate
            candidate += timedelta(days=1)
        raise NoSchoolDayKnown(
            f"the policy's school terms have no school day after {day.isoformat()}; add the next school year"
        )

    def day_start(self, day: date) -> datetime:
        """When the school day on `day` starts, in UTC."""
        # School starts in the morning, far from the night-time clock changes.
        local = datetime.combine(day, self.policy.day_starts).replace(tzinfo=self.zone)
        return local.astimezone(UTC)

    def next_day_start(self, instant: datetime, school_days: int = 1) -> datetime:
        """The start of the `school_days`-th school day that starts strictly after `instant`.

        A notification at 07:00 on a school day is due at 08:30 that morning; one at 08:30 or
        later is due the next school day, since that day's start has passed.
        """
        if instant.tzinfo is None or instant.utcoffset() is None:
            raise ValueError(f"instant must be timezone-aware, got {instant!r}")
        if school_days < 1:
            raise ValueError(f"school_days must be at least 1, got {school_days}")
        day = instant.astimezone(self.zone).date()
        if not (self.is_school_day(day) and instant < self.day_start(day)):
            day = self.next_school_day(day)
        for _ in range(school_days - 1):
            day = self.next_school_day(day)
        return self.day_start(day)
