"""Allegations against staff and volunteers (ASV) and the LADO (DOMAIN.md section 10).

A contact about an adult who works with children is screened by the co-ordinator: referred to the
LADO within 1 working day of the allegation being recorded, or returned to the front door with a
reason. A LADO case ends with one outcome.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Literal

from mash_tui.domain.policy import ClockPolicy
from mash_tui.domain.timescales import WorkingCalendar

LadoOutcome = Literal["substantiated", "unsubstantiated", "false", "malicious", "unfounded"]
LADO_OUTCOMES: tuple[LadoOutcome, ...] = ("substantiated", "unsubstantiated", "false", "malicious", "unfounded")


class ScreeningRefused(ValueError):
    """A step the screening's state does not allow."""


class ScreeningState(enum.StrEnum):
    AWAITING_SCREENING = "awaiting_screening"
    REFERRED = "referred"
    RETURNED = "returned"
    CONCLUDED = "concluded"


@dataclass(frozen=True)
class Screening:
    recorded_at: datetime  # when the allegation was recorded: the LADO clock starts here
    lado_due: datetime
    state: ScreeningState = ScreeningState.AWAITING_SCREENING
    referred_at: datetime | None = None
    returned_reason: str | None = None
    outcome: LadoOutcome | None = None


def open_screening(recorded_at: datetime, calendar: WorkingCalendar, lado_clock: ClockPolicy) -> Screening:
    return Screening(recorded_at, calendar.due_at(lado_clock, recorded_at))


def refer_to_lado(screening: Screening, at: datetime) -> Screening:
    if screening.state is not ScreeningState.AWAITING_SCREENING:
        raise ScreeningRefused(f"already {screening.state.value}")
    return replace(screening, state=ScreeningState.REFERRED, referred_at=at)


def return_to_front_door(screening: Screening, reason: str) -> Screening:
    """The LADO threshold is not met: back to the front door, with the reason."""
    if screening.state is not ScreeningState.AWAITING_SCREENING:
        raise ScreeningRefused(f"already {screening.state.value}")
    if not reason.strip():
        raise ScreeningRefused("returning an allegation to the front door needs a reason")
    return replace(screening, state=ScreeningState.RETURNED, returned_reason=reason.strip())


def record_lado_outcome(screening: Screening, outcome: LadoOutcome) -> Screening:
    if screening.state is not ScreeningState.REFERRED:
        raise ScreeningRefused("only a case referred to the LADO has an outcome")
    if outcome not in LADO_OUTCOMES:
        raise ScreeningRefused(f"unknown LADO outcome {outcome!r}; use one of {', '.join(LADO_OUTCOMES)}")
    return replace(screening, state=ScreeningState.CONCLUDED, outcome=outcome)


def referred_in_time(screening: Screening) -> bool | None:
    """None until referred; then whether it met the 1-working-day clock (for the returns)."""
    return None if screening.referred_at is None else screening.referred_at <= screening.lado_due
