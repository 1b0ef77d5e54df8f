"""The clocks of the two lanes after the front door (DOMAIN.md sections 3, 9 and 10), on the
working calendar and the school terms of the shipped policy, through Christmas and Easter."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mash_tui.cli import main
from mash_tui.config import default_policy
from mash_tui.domain.policy import SchoolPolicy
from mash_tui.domain.school_calendar import NoSchoolDayKnown
from mash_tui.domain.timescales import WorkingCalendar

LONDON = ZoneInfo("Europe/London")
POLICY = default_policy()
CALENDAR = WorkingCalendar.from_policy(POLICY)
SCHOOL = CALENDAR.school
assert SCHOOL is not None


def london(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=LONDON)


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


def due(clock: str, start: datetime) -> datetime:
    return CALENDAR.due_at(POLICY.clocks[clock], start)


# -- strategy discussions and conferences (Christmas 2026, Easter 2027) -------------------------


@pytest.mark.parametrize(
    ("clock", "start", "expected"),
    [
        # Christmas Day, the weekend, and Monday 28th the Boxing Day substitute.
        ("strategy", london(2026, 12, 24, 15, 0), utc(2026, 12, 29, 15, 0)),
        ("strategy_minutes", london(2026, 12, 24, 11, 0), utc(2026, 12, 29, 11, 0)),
        ("conference_summary", london(2026, 12, 24, 11, 0), utc(2026, 12, 29, 11, 0)),
        ("lado", london(2026, 12, 24, 16, 45), utc(2026, 12, 29, 16, 45)),
        # 15 working days over Christmas and New Year's Day.
        ("icpc", london(2026, 12, 17, 10, 0), utc(2027, 1, 12, 10, 0)),
        ("conference_minutes", london(2026, 12, 21, 14, 0), utc(2027, 1, 14, 14, 0)),
        # Over Good Friday, Easter Monday and the clocks going forward: same local time, BST.
        ("icpc", london(2027, 3, 17, 11, 0), utc(2027, 4, 9, 10, 0)),
        ("victim_support", london(2027, 3, 25, 12, 0), utc(2027, 3, 30, 11, 0)),
        ("rmo", london(2027, 3, 25, 12, 0), utc(2027, 3, 30, 11, 0)),
        ("strategy", london(2027, 3, 25, 16, 45), utc(2027, 3, 30, 15, 45)),
    ],
)
def test_working_day_clocks(clock: str, start: datetime, expected: datetime) -> None:
    assert due(clock, start) == expected


@pytest.mark.parametrize(
    ("clock", "conference", "expected"),
    [
        # Tuesday after Easter: Easter Monday and Good Friday are skipped counting back.
        ("reports_in", london(2027, 3, 30, 10, 0), utc(2027, 3, 23, 10, 0)),
        ("reports_to_parents", london(2027, 3, 30, 10, 0), utc(2027, 3, 24, 10, 0)),
        # Tuesday 5 January 2027: New Year's Day and the weekend are skipped.
        ("reports_in", london(2027, 1, 5, 10, 0), utc(2026, 12, 30, 10, 0)),
        ("reports_to_parents", london(2027, 1, 5, 10, 0), utc(2026, 12, 31, 10, 0)),
        # A Monday conference at 16:45: the Friday before closes at 16:30.
        ("reports_to_parents", london(2026, 11, 25, 16, 45), utc(2026, 11, 23, 16, 45)),
        ("reports_in", london(2026, 11, 23, 16, 45), utc(2026, 11, 18, 16, 45)),
        ("reports_to_parents", london(2026, 11, 23, 16, 45), utc(2026, 11, 19, 16, 45)),
        ("reports_in", london(2026, 11, 26, 16, 45), utc(2026, 11, 23, 16, 45)),
        ("reports_to_parents", london(2026, 11, 30, 16, 45), utc(2026, 11, 26, 16, 45)),
        ("reports_in", london(2026, 11, 25, 16, 45), utc(2026, 11, 20, 16, 30)),
    ],
)
def test_reports_are_due_working_days_before_the_conference(
    clock: str, conference: datetime, expected: datetime
) -> None:
    assert due(clock, conference) == expected


@pytest.mark.parametrize(
    ("clock", "start", "expected"),
    [
        ("review", london(2026, 11, 30, 10, 0), utc(2027, 2, 28, 10, 0)),  # no 30 February
        ("review", london(2027, 1, 15, 10, 0), utc(2027, 4, 15, 9, 0)),  # 10:00 BST
        ("later_review", london(2027, 8, 31, 10, 0), utc(2028, 2, 29, 10, 0)),  # a leap year
        ("later_review", london(2027, 3, 30, 14, 0), utc(2027, 9, 30, 13, 0)),
    ],
)
def test_review_conferences_are_due_calendar_months_later(clock: str, start: datetime, expected: datetime) -> None:
    assert due(clock, start) == expected


# -- police notification tasks -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "expected"),
    [
        (london(2026, 12, 24, 15, 0), utc(2026, 12, 24, 17, 0)),  # Christmas Eve closes at 17:00
        (london(2026, 12, 24, 18, 0), utc(2026, 12, 29, 17, 0)),  # after closing: the next working day
        (london(2026, 11, 20, 10, 0), utc(2026, 11, 20, 16, 30)),  # Friday closes at 16:30
        (london(2027, 3, 26, 9, 0), utc(2027, 3, 30, 16, 0)),  # Good Friday: Tuesday 17:00 BST
    ],
)
def test_visor_task_is_due_by_the_close_of_the_working_day(start: datetime, expected: datetime) -> None:
    assert due("visor", start) == expected


def test_daiu_flag_is_four_real_hours_even_on_christmas_night() -> None:
    assert due("daiu", london(2026, 12, 24, 22, 0)) == utc(2026, 12, 25, 2, 0)


@pytest.mark.parametrize(
    ("received", "expected"),
    [
        # The Friday before half term: the first school day after it.
        (london(2026, 10, 23, 15, 0), utc(2026, 11, 2, 8, 30)),
        # The last day of the autumn term: the first day of the spring term.
        (london(2026, 12, 18, 20, 0), utc(2027, 1, 4, 8, 30)),
        # Christmas Day itself.
        (london(2026, 12, 25, 11, 0), utc(2027, 1, 4, 8, 30)),
        # The last day before Easter: the summer term starts Monday 12 April, 08:30 BST.
        (london(2027, 3, 25, 22, 0), utc(2027, 4, 12, 7, 30)),
        # Early on a school day: before that morning's start.
        (london(2026, 11, 24, 6, 0), utc(2026, 11, 24, 8, 30)),
        # At the start itself the day has begun: the next school day.
        (london(2026, 11, 24, 8, 30), utc(2026, 11, 25, 8, 30)),
        # A term-time weekend.
        (london(2026, 11, 21, 11, 0), utc(2026, 11, 23, 8, 30)),
        # The early May bank holiday falls in term.
        (london(2027, 4, 30, 18, 0), utc(2027, 5, 4, 7, 30)),
        # The summer holidays: the autumn term 2027.
        (london(2027, 7, 21, 16, 0), utc(2027, 9, 2, 7, 30)),
        # 1 January 2028 is a Saturday; its substitute Monday 3 January is no school day.
        (london(2027, 12, 31, 9, 0), utc(2028, 1, 4, 8, 30)),
    ],
)
def test_encompass_is_due_before_the_next_school_day_starts(received: datetime, expected: datetime) -> None:
    assert due("encompass", received) == expected


def test_school_closure_days_are_not_school_days() -> None:
    closed = SchoolPolicy(**{**POLICY.school.model_dump(), "closure_days": (date(2026, 11, 2),)})
    calendar = WorkingCalendar(POLICY.calendar, closed)
    assert calendar.due_at(POLICY.clocks["encompass"], london(2026, 10, 23, 15, 0)) == utc(2026, 11, 3, 8, 30)


def test_encompass_past_the_last_term_in_the_policy_says_so() -> None:
    with pytest.raises(NoSchoolDayKnown, match="add the next school year"):
        due("encompass", london(2028, 7, 21, 12, 0))


def test_a_calendar_without_school_terms_cannot_work_out_encompass() -> None:
    with pytest.raises(ValueError, match="school terms"):
        WorkingCalendar(POLICY.calendar).due_at(POLICY.clocks["encompass"], london(2026, 11, 24, 12, 0))


# -- properties --------------------------------------------------------------------------------

SCHOOL_YEARS = st.datetimes(
    min_value=datetime(2026, 8, 1), max_value=datetime(2028, 7, 1), timezones=st.just(UTC)
)
PROPERTY = settings(max_examples=150, deadline=None)


@PROPERTY
@given(SCHOOL_YEARS)
def test_encompass_is_the_first_school_day_start_after_receipt(received: datetime) -> None:
    answer = due("encompass", received)
    day = answer.astimezone(LONDON).date()
    assert answer > received
    assert SCHOOL.is_school_day(day)
    assert answer.astimezone(LONDON).time() == POLICY.school.day_starts
    between = received.astimezone(LONDON).date()
    while between < day:
        if SCHOOL.is_school_day(between):
            assert SCHOOL.day_start(between) <= received, f"{between} started after receipt, before the due"
        between += timedelta(days=1)


@PROPERTY
@given(st.sampled_from(["encompass", "review", "later_review", "reports_in", "reports_to_parents", "visor"]),
       SCHOOL_YEARS, SCHOOL_YEARS)
def test_a_later_start_is_never_due_earlier(clock: str, first: datetime, second: datetime) -> None:
    earlier, later = sorted([first, second])
    assert due(clock, earlier) <= due(clock, later)


@PROPERTY
@given(st.sampled_from(["reports_in", "reports_to_parents"]), SCHOOL_YEARS)
def test_reports_fall_on_working_days_within_opening_hours_before_the_conference(
    clock: str, conference: datetime
) -> None:
    answer = due(clock, conference)
    day = CALENDAR.local_date(answer)
    assert answer < conference
    assert CALENDAR.is_working_day(day)
    opens, closes = CALENDAR.opening_window(day)
    assert opens <= answer <= closes
    # The due day is the Nth working day counted back from the conference's date.
    conference_day = CALENDAR.local_date(conference)
    working_days_from_due_to_conference = sum(
        CALENDAR.is_working_day(day + timedelta(days=offset)) for offset in range((conference_day - day).days)
    )
    assert working_days_from_due_to_conference == POLICY.clocks[clock].length


# -- `mash due` knows the new clocks, in the shape it always had ---------------------------------


@pytest.mark.parametrize(
    ("clock", "start", "expected_due", "expected_local"),
    [
        ("strategy", "2026-12-24T15:00:00+00:00", "2026-12-29T15:00:00+00:00", "2026-12-29T15:00:00+00:00"),
        ("icpc", "2027-03-17T11:00:00+00:00", "2027-04-09T10:00:00+00:00", "2027-04-09T11:00:00+01:00"),
        ("conference_minutes", "2026-12-21T14:00:00+00:00", "2027-01-14T14:00:00+00:00",
         "2027-01-14T14:00:00+00:00"),
        ("review", "2027-01-15T10:00:00+00:00", "2027-04-15T09:00:00+00:00", "2027-04-15T10:00:00+01:00"),
        ("lado", "2026-12-24T16:45:00+00:00", "2026-12-29T16:45:00+00:00", "2026-12-29T16:45:00+00:00"),
        ("encompass", "2026-10-23T15:00:00+01:00", "2026-11-02T08:30:00+00:00", "2026-11-02T08:30:00+00:00"),
    ],
)
def test_mash_due_answers_the_new_clocks(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
    clock: str, start: str, expected_due: str, expected_local: str,
) -> None:
    monkeypatch.setenv("MASH_HOME", str(tmp_path / "home"))
    assert main(["due", clock, start, "--json"]) == 0
    answer = json.loads(capsys.readouterr().out)
    assert answer == {"clock": clock, "start": start, "due": expected_due, "due_local": expected_local}


def test_mash_due_encompass_beyond_the_terms_exits_2_and_says_why(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("MASH_HOME", str(tmp_path / "home"))
    with pytest.raises(SystemExit) as exit_:
        main(["due", "encompass", "2029-01-10T12:00:00+00:00", "--json"])
    assert exit_.value.code == 2
    assert "add the next school year" in capsys.readouterr().err
