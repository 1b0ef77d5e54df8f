"""Quorum and diarising conferences (DOMAIN.md section 10)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mash_tui.config import default_policy
from mash_tui.domain.child_protection.booking import (
    Diary,
    DoubleBooking,
    SessionIndex,
    first_free_slot,
    slot_of,
)
from mash_tui.domain.child_protection.quorum import missing_agencies, quorum
from mash_tui.domain.policy import WEEKDAYS, Chair, ChairSession, ConferencePolicy, QuorumPolicy
from mash_tui.domain.timescales import WorkingCalendar

LONDON = ZoneInfo("Europe/London")
POLICY = default_policy()
CALENDAR = WorkingCalendar.from_policy(POLICY)
SESSIONS = SessionIndex(POLICY.conferences.chairs)
QUORUM = POLICY.conferences.quorum


def london(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=LONDON)


# -- quorum ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("attended", "quorate"),
    [
        ({"social_care", "police", "health"}, True),
        ({"social_care", "police", "education"}, True),
        ({"social_care", "health", "housing"}, True),
        ({"social_care", "education", "housing", "probation"}, False),  # neither police nor health
        ({"social_care", "police"}, False),  # only one other agency
        ({"police", "health", "education"}, False),  # no children's social care
        (set(), False),
    ],
)
def test_quorum_is_social_care_and_two_others_police_or_health_among_them(attended: set, quorate: bool) -> None:
    assert quorum(attended, QUORUM).quorate is quorate


def test_an_inquorate_conference_says_why() -> None:
    assert quorum({"police", "education"}, QUORUM).reasons == ("social_care is not there",)
    assert quorum({"social_care", "education", "housing"}, QUORUM).reasons == ("none of police or health is there",)


def test_quorum_is_policy() -> None:
    lenient = QuorumPolicy(lead="social_care", others=1, one_of=())
    assert quorum({"social_care", "education"}, lenient).quorate


@settings(max_examples=100, deadline=None)
@given(st.sets(st.sampled_from(["social_care", "police", "health", "education", "housing", "probation"])),
       st.sampled_from(["police", "health", "education", "housing", "probation"]))
def test_more_agencies_never_make_a_quorate_conference_inquorate(attended: set, another: str) -> None:
    if quorum(attended, QUORUM).quorate:
        assert quorum(attended | {another}, QUORUM).quorate


def test_missing_strategy_agencies_are_named_in_policy_order() -> None:
    assert missing_agencies({"social_care"}, POLICY.conferences.strategy_required) == ("police", "health")
    assert missing_agencies({"social_care", "police", "health", "education"},
                            POLICY.conferences.strategy_required) == ()


# -- booking -----------------------------------------------------------------------------------


def test_the_first_free_session_is_the_earliest_after_now() -> None:
    # Monday 23 November 2026, 09:00: Okafor's Monday 09:30 session is the first.
    slot = first_free_slot(SESSIONS, Diary(), london(2026, 11, 23, 9, 0), london(2026, 12, 11, 17, 0), CALENDAR)
    assert (slot.session_id, slot.starts, slot.room) == (
        "okafor-mon-am", datetime(2026, 11, 23, 9, 30, tzinfo=UTC), "Video: Teams link in the invitation")


def test_a_booked_slot_is_skipped_and_the_next_offered() -> None:
    now, due = london(2026, 11, 23, 9, 0), london(2026, 12, 11, 17, 0)
    diary = Diary()
    offered = []
    for _ in range(4):
        slot = first_free_slot(SESSIONS, diary, now, due, CALENDAR)
        diary = diary.book(slot)
        offered.append((slot.session_id, slot.day))
    assert offered == [("okafor-mon-am", date(2026, 11, 23)), ("hale-tue-am", date(2026, 11, 24)),
                       ("singh-wed-am", date(2026, 11, 25)), ("okafor-wed-pm", date(2026, 11, 25))]


def test_no_session_on_a_bank_holiday_or_over_christmas() -> None:
    # From Christmas Eve evening: Friday 25th, Monday 28th are bank holidays; Tuesday 29th is next.
    slot = first_free_slot(SESSIONS, Diary(), london(2026, 12, 24, 18, 0), london(2027, 1, 15, 17, 0), CALENDAR)
    assert (slot.session_id, slot.day) == ("hale-tue-am", date(2026, 12, 29))
    # Easter 2027: Good Friday and Easter Monday have no sessions.
    slot = first_free_slot(SESSIONS, Diary(), london(2027, 3, 26, 8, 0), london(2027, 4, 16, 17, 0), CALENDAR)
    assert (slot.session_id, slot.day) == ("hale-tue-am", date(2027, 3, 30))


def test_nothing_free_before_the_due_date_is_none() -> None:
    now, due = london(2026, 11, 23, 9, 0), london(2026, 11, 24, 10, 0)
    diary = Diary().book(slot_of(SESSIONS, "okafor-mon-am", date(2026, 11, 23), CALENDAR))
    assert first_free_slot(SESSIONS, diary, now, due, CALENDAR).session_id == "hale-tue-am"
    diary = diary.book(slot_of(SESSIONS, "hale-tue-am", date(2026, 11, 24), CALENDAR))
    assert first_free_slot(SESSIONS, diary, now, due, CALENDAR) is None


def test_booking_a_slot_twice_is_refused() -> None:
    slot = slot_of(SESSIONS, "hale-thu-pm", date(2026, 11, 26), CALENDAR)
    diary = Diary().book(slot)
    with pytest.raises(DoubleBooking, match="hale-thu-pm on 2026-11-26"):
        diary.book(slot)
    assert diary.release(slot).book(slot) == diary


def test_a_session_is_not_held_off_its_weekday_or_on_a_holiday() -> None:
    with pytest.raises(ValueError, match="not held"):
        slot_of(SESSIONS, "hale-thu-pm", date(2026, 11, 25), CALENDAR)
    with pytest.raises(ValueError, match="not held"):
        slot_of(SESSIONS, "singh-fri-am", date(2026, 12, 25), CALENDAR)


def test_a_session_keeps_its_local_time_across_the_clock_change() -> None:
    winter = slot_of(SESSIONS, "hale-tue-am", date(2027, 3, 23), CALENDAR)
    summer = slot_of(SESSIONS, "hale-tue-am", date(2027, 3, 30), CALENDAR)
    assert winter.starts.astimezone(LONDON).time() == summer.starts.astimezone(LONDON).time() == time(10, 0)
    assert summer.starts.hour == 9  # 10:00 BST


def test_chair_and_session_ids_are_unique_in_policy() -> None:
    session = ChairSession(id="a", weekday="monday", starts=time(10), room="Room 1")
    with pytest.raises(ValueError, match="session id 'a'"):
        ConferencePolicy(chairs=(Chair(id="x", name="X", sessions=(session,)),
                                 Chair(id="y", name="Y", sessions=(session,))))


chairs = st.lists(
    st.builds(lambda weekday, hour: (weekday, hour), st.sampled_from(WEEKDAYS), st.integers(8, 16)),
    min_size=1, max_size=8,
).map(lambda sessions: SessionIndex([Chair(id="c", name="C", sessions=tuple(
    ChairSession(id=f"s{n}", weekday=weekday, starts=time(hour), room="R") for n, (weekday, hour) in enumerate(sessions)))]))
moments = st.datetimes(min_value=datetime(2026, 9, 1), max_value=datetime(2028, 6, 1), timezones=st.just(UTC))


@settings(max_examples=100, deadline=None)
@given(chairs, moments, st.integers(0, 40), st.integers(0, 30))
def test_the_slot_offered_is_free_on_a_working_day_in_range_and_the_first(
    sessions: SessionIndex, now: datetime, days: int, taken: int
) -> None:
    due = now + timedelta(days=days)
    diary = Diary()
    for _ in range(taken):  # fill the first few slots
        slot = first_free_slot(sessions, diary, now, due, CALENDAR)
        if slot is None:
            break
        diary = diary.book(slot)
    slot = first_free_slot(sessions, diary, now, due, CALENDAR)
    day = now.astimezone(LONDON).date()
    every = []
    while day <= due.astimezone(LONDON).date():
        every += [each for each in sessions.slots_on(day, CALENDAR) if now <= each.starts <= due]
        day += timedelta(days=1)
    free = sorted(each for each in every if diary.is_free(each))
    assert slot == (free[0] if free else None)
    if slot is not None:
        assert CALENDAR.is_working_day(slot.day)
