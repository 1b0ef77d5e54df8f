"""The hub's policy: every *policy* number of DOMAIN.md, as validated, immutable values.

Pure data: loading it from TOML is `mash_tui.config`'s job.
"""

from __future__ import annotations

from datetime import date, time
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

CLOCK_NAMES = (
    "decision",
    "red",
    "amber",
    "green",
    "request_red",
    "request_amber",
    "request_green",
    "confirmation",
    "lado",
    "icpc",
    # After the front door (DOMAIN.md section 10)
    "strategy",
    "strategy_minutes",
    "conference_summary",
    "conference_minutes",
    "reports_in",
    "reports_to_parents",
    "review",
    "later_review",
    # Police notifications (DOMAIN.md section 9)
    "encompass",
    "visor",
    "daiu",
    "victim_support",
    "rmo",
)
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


ClockUnit = Literal[
    "clock_hours",  # real elapsed hours
    "working_days",  # the same local time N working days later (DOMAIN.md section 3)
    "working_days_before",  # the same local time N working days before: reports before a conference
    "close_of_working_day",  # the closing time of the Nth working day, counting the one the clock starts on
    "calendar_months",  # the same local time N calendar months later: review conferences
    "school_day_start",  # the start of the Nth school day after: Operation Encompass
]


class ClockPolicy(_Strict):
    unit: ClockUnit
    length: int = Field(gt=0, le=1000)


class CalendarPolicy(_Strict):
    timezone: str = "Europe/London"
    bank_holidays: Literal["england_and_wales"] = "england_and_wales"
    closure_days: tuple[date, ...] = ()
    opening_hours: dict[str, tuple[time, time]]

    @field_validator("opening_hours")
    @classmethod
    def _check_hours(cls, value: dict[str, tuple[time, time]]) -> dict[str, tuple[time, time]]:
        for day, (opens, closes) in value.items():
            if day not in WEEKDAYS:
                raise ValueError(f"unknown day {day!r}; use one of {', '.join(WEEKDAYS)}")
            if not opens < closes:
                raise ValueError(f"{day}: opening time must be before closing time")
        return value

    @field_validator("timezone")
    @classmethod
    def _check_timezone(cls, value: str) -> str:
        from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as error:
            raise ValueError(f"unknown time zone {value!r}") from error
        return value


class NearBreachPolicy(_Strict):
    fraction_left: float = Field(gt=0, lt=1)
    minutes_left: int = Field(ge=0)


class RoutingPolicy(_Strict):
    closed_within_days: int = Field(ge=0)


class RepeatContactPolicy(_Strict):
    short_window_days: int = Field(gt=0)
    short_window_count: int = Field(ge=2)
    long_window_months: int = Field(gt=0)
    long_window_count: int = Field(ge=2)


class RagPolicy(_Strict):
    non_mobile_under_months: int = Field(ge=0, le=36)


class MatchingPolicy(_Strict):
    certain: float = Field(gt=0, le=1)
    likely: float = Field(gt=0, le=1)
    possible: float = Field(gt=0, le=1)
    max_candidates: int = Field(gt=0, le=100)

    @model_validator(mode="after")
    def _ordered(self) -> "MatchingPolicy":
        if not self.possible <= self.likely <= self.certain:
            raise ValueError("bands must satisfy possible <= likely <= certain")
        return self


class SecurityPolicy(_Strict):
    lockout_attempts: int = Field(gt=0)
    lockout_minutes: int = Field(gt=0)
    idle_lock_minutes: int = Field(gt=0)


class LimitsPolicy(_Strict):
    max_field_chars: int = Field(gt=0)
    max_import_bytes: int = Field(gt=0)


class DashPolicy(_Strict):
    """DASH score bands: below `medium_from` is standard, below `high_from` medium, else high."""

    medium_from: int = Field(default=10, ge=1, le=27)
    high_from: int = Field(default=14, ge=1, le=27)

    @model_validator(mode="after")
    def _ordered(self) -> "DashPolicy":
        if not self.medium_from < self.high_from:
            raise ValueError("medium_from must be below high_from")
        return self


class NotificationPolicy(_Strict):
    """Grading, MARAC and the standard-grade pattern of DOMAIN.md section 9."""

    dash: DashPolicy = DashPolicy()
    # Potential escalation: this incident is the Nth or later for the victim within the window.
    escalation_incident: int = Field(default=3, ge=2)
    escalation_window_months: int = Field(default=12, gt=0)
    # Repeat: any incident within this many months of the victim's last MARAC referral.
    repeat_after_marac_months: int = Field(default=12, gt=0)
    # Standard-grade pattern: this many standard notifications about one child within the window.
    pattern_count: int = Field(default=3, ge=2)
    pattern_window_months: int = Field(default=3, gt=0)


class SchoolTerm(_Strict):
    """One term: `starts` and `ends` are its first and last days; the half term falls inside it."""

    name: str = Field(min_length=1)
    starts: date
    ends: date
    half_term: tuple[date, date] | None = None

    @model_validator(mode="after")
    def _inside(self) -> "SchoolTerm":
        if not self.starts <= self.ends:
            raise ValueError(f"{self.name}: a term must start on or before its last day")
        if self.half_term is not None:
            first, last = self.half_term
            if not self.starts < first <= last < self.ends:
                raise ValueError(f"{self.name}: the half term must lie inside the term")
        return self


class SchoolPolicy(_Strict):
    """Operation Encompass: when schools are open. A school day is a term-time weekday that is not
    a bank holiday nor one of `closure_days`; the notice is due before `day_starts`."""

    day_starts: time = time(8, 30)
    closure_days: tuple[date, ...] = ()
    terms: tuple[SchoolTerm, ...] = ()

    @field_validator("terms")
    @classmethod
    def _in_order(cls, terms: tuple[SchoolTerm, ...]) -> tuple[SchoolTerm, ...]:
        for earlier, later in zip(terms, terms[1:]):
            if not earlier.ends < later.starts:
                raise ValueError(f"{later.name} must start after {earlier.name} ends")
        return terms


class ChairSession(_Strict):
    """A weekly slot a conference chair keeps for conferences."""

    id: str = Field(min_length=1)
    weekday: str
    starts: time
    room: str = Field(min_length=1)  # a room or a video link

    @field_validator("weekday")
    @classmethod
    def _a_weekday(cls, value: str) -> str:
        if value not in WEEKDAYS:
            raise ValueError(f"unknown day {value!r}; use one of {', '.join(WEEKDAYS)}")
        return value


class Chair(_Strict):
    id: str = Field(min_length=1)
    name: str = Field(min_length=1)
    sessions: tuple[ChairSession, ...]


ConferenceAgency = Literal[
    "social_care",
    "police",
    "health",
    "education",
    "housing",
    "probation",
    "substance_misuse",
    "adult_social_care",
    "early_help",
]


class QuorumPolicy(_Strict):
    """A conference is quorate with `lead` present and at least `others` other agencies, one of
    them from `one_of`."""

    lead: ConferenceAgency = "social_care"
    others: int = Field(default=2, ge=0)
    one_of: tuple[ConferenceAgency, ...] = ("police", "health")


class ConferencePolicy(_Strict):
    chairs: tuple[Chair, ...] = ()
    quorum: QuorumPolicy = QuorumPolicy()
    strategy_required: tuple[ConferenceAgency, ...] = ("social_care", "police", "health")
    # Invited to a strategy discussion where relevant; their absence is shown, not a gap.
    strategy_where_relevant: tuple[str, ...] = ("referrer", "education")

    @model_validator(mode="after")
    def _unique_ids(self) -> "ConferencePolicy":
        chair_ids = [chair.id for chair in self.chairs]
        session_ids = [session.id for chair in self.chairs for session in chair.sessions]
        for kind, ids in (("chair", chair_ids), ("session", session_ids)):
            repeated = sorted({each for each in ids if ids.count(each) > 1})
            if repeated:
                raise ValueError(f"{kind} id {repeated[0]!r} is used twice")
        return self


class Policy(_Strict):
    calendar: CalendarPolicy
    clocks: dict[str, ClockPolicy]
    near_breach: NearBreachPolicy
    routing: RoutingPolicy
    repeat_contacts: RepeatContactPolicy
    rag: RagPolicy
    matching: MatchingPolicy
    security: SecurityPolicy
    limits: LimitsPolicy
    notifications: NotificationPolicy = NotificationPolicy()
    school: SchoolPolicy = SchoolPolicy()
    conferences: ConferencePolicy = ConferencePolicy()

    @field_validator("clocks")
    @classmethod
    def _every_clock(cls, value: dict[str, ClockPolicy]) -> dict[str, ClockPolicy]:
        unknown = sorted(set(value) - set(CLOCK_NAMES))
        if unknown:
            raise ValueError(f"unknown clock {unknown[0]!r}; clocks are {', '.join(CLOCK_NAMES)}")
        missing = [name for name in CLOCK_NAMES if name not in value]
        if missing:
            raise ValueError(f"missing clock {missing[0]!r}")
        return value
