"""Allegations against staff and volunteers: screening, the LADO clock and outcome (DOMAIN.md section 10)."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from mash_tui.config import default_policy
from mash_tui.domain.child_protection.lado import (
    ScreeningRefused,
    ScreeningState,
    open_screening,
    record_lado_outcome,
    refer_to_lado,
    referred_in_time,
    return_to_front_door,
)
from mash_tui.domain.timescales import WorkingCalendar

LONDON = ZoneInfo("Europe/London")
POLICY = default_policy()
CALENDAR = WorkingCalendar.from_policy(POLICY)


def screening_from(recorded: datetime):
    return open_screening(recorded, CALENDAR, POLICY.clocks["lado"])


def test_the_lado_clock_is_one_working_day_from_the_allegation_over_easter() -> None:
    screening = screening_from(datetime(2027, 3, 25, 14, 0, tzinfo=LONDON))
    assert screening.lado_due == datetime(2027, 3, 30, 13, 0, tzinfo=UTC)  # 14:00 BST after Easter Monday
    assert screening.state is ScreeningState.AWAITING_SCREENING and referred_in_time(screening) is None


def test_refer_then_record_an_outcome() -> None:
    screening = screening_from(datetime(2026, 12, 24, 15, 0, tzinfo=LONDON))
    referred = refer_to_lado(screening, datetime(2026, 12, 29, 10, 0, tzinfo=UTC))
    assert referred.state is ScreeningState.REFERRED and referred_in_time(referred) is True
    assert record_lado_outcome(referred, "unsubstantiated").outcome == "unsubstantiated"
    late = refer_to_lado(screening, datetime(2026, 12, 29, 15, 1, tzinfo=UTC))
    assert referred_in_time(late) is False


def test_returning_needs_a_reason_and_ends_screening() -> None:
    screening = screening_from(datetime(2026, 11, 24, 9, 0, tzinfo=UTC))
    with pytest.raises(ScreeningRefused, match="reason"):
        return_to_front_door(screening, "  ")
    returned = return_to_front_door(screening, "Conduct outside work, no risk to children: threshold not met")
    assert returned.state is ScreeningState.RETURNED
    with pytest.raises(ScreeningRefused, match="already returned"):
        refer_to_lado(returned, datetime(2026, 11, 24, 10, 0, tzinfo=UTC))
    with pytest.raises(ScreeningRefused, match="only a case referred"):
        record_lado_outcome(returned, "false")


def test_an_outcome_is_one_of_the_five_and_given_once() -> None:
    referred = refer_to_lado(screening_from(datetime(2026, 11, 24, 9, 0, tzinfo=UTC)),
                             datetime(2026, 11, 24, 11, 0, tzinfo=UTC))
    with pytest.raises(ScreeningRefused, match="unknown LADO outcome"):
        record_lado_outcome(referred, "proven")
    concluded = record_lado_outcome(referred, "malicious")
    with pytest.raises(ScreeningRefused):
        record_lado_outcome(concluded, "false")
