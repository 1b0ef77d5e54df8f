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
)
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ClockPolicy(_Strict):
    unit: Literal["clock_hours", "working_days"]
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
