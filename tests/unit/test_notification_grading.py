"""Grading, MARAC, the standard-grade pattern, sharing and tasks (DOMAIN.md section 9)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mash_tui.config import default_policy
from mash_tui.domain.police.grading import GradeNotRaised, GradeRaise, check_raise, grade_notification, rank
from mash_tui.domain.police.marac import VictimHistory, assess_marac
from mash_tui.domain.police.record import DASH_QUESTIONS, GRADES, Notification, parse_notifications
from mash_tui.domain.police.sharing import EarlierNotification, Pattern, sharing_decision, standard_pattern
from mash_tui.domain.police.tasks import task_state
from mash_tui.domain.police.triage import triage
from mash_tui.domain.policy import DashPolicy
from mash_tui.domain.timescales import WorkingCalendar
from tests.unit.notification_records import dash_answers, notification_record

POLICY = default_policy()
RULES = POLICY.notifications
CALENDAR = WorkingCalendar.from_policy(POLICY)
PROPERTY = settings(max_examples=120, deadline=None)


def read(**changes: object) -> Notification:
    [notification] = parse_notifications(json.dumps(notification_record(**changes)))
    return notification


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


# -- grade ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(("yes", "grade"), [(0, "standard"), (9, "standard"), (10, "medium"), (13, "medium"),
                                            (14, "high"), (27, "high")])
def test_dash_bands(yes: int, grade: str) -> None:
    grading = grade_notification(read(dash=dash_answers(yes, not_known=27 - yes)), RULES.dash)
    assert (grading.dash_score, grading.dash_grade, grading.grade) == (yes, grade, grade)


def test_not_known_answers_do_not_count() -> None:
    assert grade_notification(read(dash=dash_answers(9, not_known=18)), RULES.dash).grade == "standard"


def test_the_officer_grade_wins_over_a_lower_score() -> None:
    grading = grade_notification(read(dash=dash_answers(3), officer_grade="high"), RULES.dash)
    assert grading.grade == "high"
    assert grading.reasons == (
        "DASH score 3 of 27 ('yes' answers): standard (under 10)",
        "The attending officer graded it high",
        "Grade high: the highest, from the officer's grade; judgement never lowers it",
    )


def test_a_score_is_never_lowered_by_the_officer() -> None:
    grading = grade_notification(read(dash=dash_answers(15), officer_grade="standard"), RULES.dash)
    assert grading.grade == "high"
    assert grading.reasons[-1] == "Grade high: the highest, from the DASH score; judgement never lowers it"


def test_a_declined_dash_is_graded_by_judgement() -> None:
    grading = grade_notification(read(officer_grade="medium"), RULES.dash)
    assert (grading.dash_score, grading.dash_grade, grading.grade) == (None, None, "medium")
    assert grading.reasons[0] == "The victim declined the DASH questions: no score, graded by judgement"


def test_a_support_officer_raises_with_a_reason_shown() -> None:
    raise_ = GradeRaise("high", "Strangulation disclosed on the phone", by="paula")
    grading = grade_notification(read(dash=dash_answers(11)), RULES.dash, [raise_])
    assert grading.grade == "high" and grading.raised_to == "high"
    assert "Raised to high by paula: Strangulation disclosed on the phone" in grading.reasons
    assert grading.reasons[-1].endswith("from the support officer's raise; judgement never lowers it")


def test_a_raise_that_does_not_raise_is_refused() -> None:
    with pytest.raises(GradeNotRaised, match="only raise"):
        check_raise("medium", "standard", "Calmer now")
    with pytest.raises(GradeNotRaised, match="only raise"):
        check_raise("medium", "medium", "Same")
    with pytest.raises(GradeNotRaised, match="reason"):
        check_raise("medium", "high", "  ")
    assert check_raise("medium", "high", " Weapon seen ") == GradeRaise("high", "Weapon seen")


def test_dash_thresholds_are_policy() -> None:
    strict = DashPolicy(medium_from=5, high_from=8)
    assert grade_notification(read(dash=dash_answers(8)), strict).grade == "high"
    with pytest.raises(ValueError):
        DashPolicy(medium_from=14, high_from=10)


grades = st.sampled_from(GRADES)
raises = st.lists(st.builds(GradeRaise, to=grades, reason=st.sampled_from(["weapon", "threats", "pregnant"])),
                  max_size=3)


def answers_with(yes_questions: set[str]) -> dict:
    return {"answers": {question: "yes" if question in yes_questions else "no" for question in DASH_QUESTIONS}}


@PROPERTY
@given(st.sets(st.sampled_from(DASH_QUESTIONS)), st.sets(st.sampled_from(DASH_QUESTIONS)), grades, raises)
def test_more_yes_answers_never_lower_the_grade(first: set[str], more: set[str], officer: str, raised: list) -> None:
    fewer = grade_notification(read(dash=answers_with(first), officer_grade=officer), RULES.dash, raised)
    larger = grade_notification(read(dash=answers_with(first | more), officer_grade=officer), RULES.dash, raised)
    assert rank(larger.grade) >= rank(fewer.grade)


@PROPERTY
@given(st.integers(0, 27), grades, raises)
def test_the_officer_grade_and_every_raise_are_never_lowered(yes: int, officer: str, raised: list) -> None:
    grading = grade_notification(read(dash=dash_answers(yes), officer_grade=officer), RULES.dash, raised)
    assert rank(grading.grade) >= rank(officer)
    assert all(rank(grading.grade) >= rank(each.to) for each in raised)
    assert rank(grading.grade) >= rank(grading.dash_grade)
    assert grading.grade in {officer, grading.dash_grade, *(each.to for each in raised)}


@PROPERTY
@given(st.integers(0, 27), grades, raises, st.randoms(use_true_random=False))
def test_the_grade_does_not_depend_on_the_order_of_raises(yes: int, officer: str, raised: list, shuffle) -> None:
    notification = read(dash=dash_answers(yes), officer_grade=officer)
    shuffled = list(raised)
    shuffle.shuffle(shuffled)
    assert grade_notification(notification, RULES.dash, raised) == grade_notification(
        notification, RULES.dash, shuffled)


# -- MARAC ---------------------------------------------------------------------------------------

INCIDENT = "2026-11-23T22:40:00+00:00"


def marac(history: VictimHistory = VictimHistory(), **changes: object):
    notification = read(**changes)
    return assess_marac(notification, grade_notification(notification, RULES.dash), history, RULES)


def test_no_criterion_no_referral() -> None:
    result = marac()
    assert (result.refer, result.criteria, result.reasons) == (False, (), ("No MARAC criterion is met",))


def test_visible_high_risk_is_a_score_of_14_or_more() -> None:
    assert marac(dash=dash_answers(14)).criteria == ("visible_high_risk",)
    assert marac(dash=dash_answers(13)).criteria == ()


def test_professional_judgement_is_a_high_grade_by_judgement() -> None:
    result = marac(dash=dash_answers(2), officer_grade="high")
    assert result.criteria == ("professional_judgement",)
    assert result.reasons == ("Professional judgement: graded high by the attending officer",)


def test_potential_escalation_counts_police_and_hub_incidents_without_double_counting() -> None:
    # Third incident from the police count alone.
    assert "potential_escalation" in marac(previous_incidents_12m=2).criteria
    assert "potential_escalation" not in marac(previous_incidents_12m=1).criteria
    # The hub holds two earlier notifications for this victim within 12 months.
    held = VictimHistory(earlier_incidents=(utc(2026, 3, 1), utc(2026, 8, 9)))
    assert "potential_escalation" in marac(held).criteria
    # The same two incidents counted by the police and held by the hub are still two.
    assert marac(held, previous_incidents_12m=2).reasons[0].startswith("Potential escalation: incident 3 ")
    # One of them is older than 12 months: only one held earlier incident counts.
    old = VictimHistory(earlier_incidents=(utc(2025, 11, 23, 22, 0), utc(2026, 8, 9)))
    assert "potential_escalation" not in marac(old).criteria


def test_repeat_is_an_incident_within_12_months_of_the_last_marac_referral() -> None:
    assert marac(VictimHistory(last_marac_referral=utc(2025, 11, 24))).criteria == ("repeat",)
    assert marac(VictimHistory(last_marac_referral=utc(2025, 11, 23))).criteria == ()


def test_every_criterion_together() -> None:
    history = VictimHistory(earlier_incidents=(utc(2026, 5, 1), utc(2026, 6, 1)), last_marac_referral=utc(2026, 6, 2))
    result = marac(history, dash=dash_answers(20), officer_grade="high")
    assert result.refer
    assert result.criteria == ("visible_high_risk", "professional_judgement", "potential_escalation", "repeat")
    assert len(result.reasons) == 4


instants_this_year = st.datetimes(min_value=datetime(2025, 6, 1), max_value=datetime(2026, 11, 23),
                                  timezones=st.just(UTC))


@PROPERTY
@given(st.lists(instants_this_year, max_size=6), st.none() | instants_this_year, st.integers(0, 5),
       st.integers(0, 27), grades, st.randoms(use_true_random=False))
def test_marac_does_not_depend_on_the_order_of_the_history(
    incidents: list, last_marac, police_count: int, yes: int, officer: str, shuffle
) -> None:
    shuffled = list(incidents)
    shuffle.shuffle(shuffled)
    changes = {"previous_incidents_12m": police_count, "dash": dash_answers(yes), "officer_grade": officer}
    first = marac(VictimHistory(tuple(incidents), last_marac), **changes)
    again = marac(VictimHistory(tuple(shuffled), last_marac), **changes)
    assert first == again


@PROPERTY
@given(st.lists(instants_this_year, max_size=6), instants_this_year, st.integers(0, 5))
def test_more_history_never_takes_a_criterion_away(incidents: list, extra: datetime, police_count: int) -> None:
    before = marac(VictimHistory(tuple(incidents)), previous_incidents_12m=police_count)
    after = marac(VictimHistory((*incidents, extra)), previous_incidents_12m=police_count)
    assert set(before.criteria) <= set(after.criteria)


# -- the standard-grade pattern and sharing -------------------------------------------------------

NOW = utc(2026, 11, 24, 7, 5)


def earlier(*days_ago: int) -> list[EarlierNotification]:
    return [EarlierNotification(f"DV/old/{days}", NOW - timedelta(days=days)) for days in days_ago]


def test_three_standard_notifications_in_three_months_fire_the_pattern() -> None:
    pattern = standard_pattern("DV/new", NOW, earlier(80, 10), RULES)
    assert pattern.fires and pattern.police_refs == ("DV/old/80", "DV/old/10", "DV/new")


def test_one_outside_three_months_does_not_count() -> None:
    # 24 August 2026 07:05 is exactly three months back and counts; a minute earlier does not.
    inside = [EarlierNotification("DV/a", utc(2026, 8, 24, 7, 5)), *earlier(5)]
    outside = [EarlierNotification("DV/a", utc(2026, 8, 24, 7, 4)), *earlier(5)]
    assert standard_pattern("DV/new", NOW, inside, RULES).fires
    assert not standard_pattern("DV/new", NOW, outside, RULES).fires


def test_one_occurrence_found_twice_counts_once() -> None:
    assert not standard_pattern("DV/new", NOW, earlier(10, 10), RULES).fires
    assert not standard_pattern("DV/new", NOW, [*earlier(10), EarlierNotification("DV/new", NOW)], RULES).fires


@PROPERTY
@given(st.lists(st.integers(0, 200), max_size=8), st.randoms(use_true_random=False))
def test_the_pattern_does_not_depend_on_order(days_ago: list[int], shuffle) -> None:
    found = earlier(*days_ago)
    shuffled = list(found)
    shuffle.shuffle(shuffled)
    assert standard_pattern("DV/new", NOW, found, RULES) == standard_pattern("DV/new", NOW, shuffled, RULES)


@pytest.mark.parametrize(
    ("grade", "fires", "injured", "action", "rag", "at_once"),
    [
        ("high", False, False, "red_contact", "RED", True),
        ("medium", False, False, "amber_contact", "AMBER", False),
        ("standard", False, False, "record_only", None, False),
        ("standard", True, False, "amber_contact", "AMBER", False),
        ("standard", False, True, "amber_contact", "AMBER", False),
    ],
)
def test_sharing_by_grade(grade: str, fires: bool, injured: bool, action: str, rag: str | None, at_once: bool) -> None:
    decision = sharing_decision(grade, Pattern(fires, ("DV/1", "DV/2", "DV/3") if fires else ("DV/3",)), injured)
    assert (decision.action, decision.rag, decision.at_once) == (action, rag, at_once)


# -- tasks ---------------------------------------------------------------------------------------


def tasks_of(graded_at: datetime = NOW, **changes: object) -> dict[tuple[str, int | None], datetime]:
    result = triage(read(**changes), policy=POLICY, calendar=CALENDAR, graded_at=graded_at)
    return {(task.kind, task.child): task.due for task in result.tasks}


def test_a_standard_notification_with_a_school_child_needs_only_encompass() -> None:
    # Received Tuesday 24 November 07:05, before school: due 08:30 that morning.
    assert tasks_of() == {("encompass", 0): utc(2026, 11, 24, 8, 30)}


def test_a_high_notification_with_a_visor_serial_perpetrator_needs_every_police_task() -> None:
    record = notification_record(dash=dash_answers(16))
    record["perpetrator"].update(visor_subject=True, serial_offender=True)
    second_child = dict(record["children"][0], first_name="Leo", dob="2024-01-09", school=None)
    third_child = dict(record["children"][0], first_name="Maya", school={"name": "Tipton Academy", "urn": None})
    record["children"] += [second_child, third_child]
    [notification] = parse_notifications(json.dumps(record))
    result = triage(notification, policy=POLICY, calendar=CALENDAR, graded_at=utc(2026, 11, 24, 9, 0))
    assert {(task.kind, task.child): task.due for task in result.tasks} == {
        ("visor", None): utc(2026, 11, 24, 17, 0),  # received before opening: that day's close
        ("daiu", None): utc(2026, 11, 24, 11, 5),  # four real hours from receipt
        ("rmo", None): utc(2026, 11, 25, 9, 0),  # one working day from grading
        ("encompass", 0): utc(2026, 11, 24, 8, 30),
        ("encompass", 2): utc(2026, 11, 24, 8, 30),
    }
    daiu = next(task for task in result.tasks if task.kind == "daiu")
    assert daiu.reason == "DAIU detective sergeant flag: high risk and a serial offender"
    assert result.sharing.action == "red_contact" and result.marac.criteria == ("visible_high_risk",)


def test_medium_needs_victim_support_and_the_rmo_log() -> None:
    dues = tasks_of(graded_at=utc(2026, 12, 24, 15, 0), officer_grade="medium",
                    received_at="2026-12-24T14:00:00+00:00")
    assert dues == {
        ("victim_support", None): utc(2026, 12, 29, 15, 0),
        ("rmo", None): utc(2026, 12, 29, 15, 0),
        ("encompass", 0): utc(2027, 1, 4, 8, 30),  # the spring term
    }


def test_friday_before_half_term_is_due_on_the_first_school_day_after() -> None:
    dues = tasks_of(received_at="2026-10-23T15:00:00+01:00", incident_at="2026-10-23T02:00:00+01:00")
    assert dues == {("encompass", 0): utc(2026, 11, 2, 8, 30)}


def test_task_states() -> None:
    [task] = triage(read(), policy=POLICY, calendar=CALENDAR, graded_at=NOW).tasks
    near = POLICY.near_breach
    assert task_state(task, utc(2026, 11, 24, 7, 10), None, near) == "due"
    assert task_state(task, utc(2026, 11, 24, 8, 0), None, near) == "near_breach"
    assert task_state(task, utc(2026, 11, 24, 8, 31), None, near) == "breached"
    assert task_state(task, utc(2026, 11, 24, 9, 0), utc(2026, 11, 24, 8, 45), near) == "done"


def test_the_pattern_makes_a_standard_notification_shared() -> None:
    result = triage(read(), policy=POLICY, calendar=CALENDAR, graded_at=NOW,
                    earlier_standard_by_child={0: earlier(30, 60)})
    assert result.patterns[0].fires
    assert result.sharing.action == "amber_contact"
    # A medium one is shared anyway and counts no pattern.
    medium = triage(read(officer_grade="medium"), policy=POLICY, calendar=CALENDAR, graded_at=NOW,
                    earlier_standard_by_child={0: earlier(30, 60)})
    assert not medium.patterns[0].fires and medium.sharing.rag == "AMBER"


@PROPERTY
@given(st.permutations(range(3)), st.integers(0, 27))
def test_a_file_read_in_any_order_triages_each_notification_the_same(order: list[int], yes: int) -> None:
    records = [notification_record(police_ref=f"DV/{n}", dash=dash_answers((yes + 7 * n) % 28),
                                   officer_grade=GRADES[n]) for n in range(3)]
    in_order = parse_notifications(json.dumps(records))
    shuffled = parse_notifications(json.dumps([records[n] for n in order]))
    by_ref = {each.police_ref: triage(each, policy=POLICY, calendar=CALENDAR, graded_at=NOW) for each in in_order}
    assert all(triage(each, policy=POLICY, calendar=CALENDAR, graded_at=NOW) == by_ref[each.police_ref]
               for each in shuffled)
