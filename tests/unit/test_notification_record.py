"""Reading `mash.notification/1` (DOMAIN.md section 9): strict, naming the record and field,
all or nothing."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mash_tui.domain.police.record import (
    DASH_QUESTIONS,
    NotificationFileError,
    notification_to_json,
    parse_notifications,
)
from tests.unit.notification_records import dash_answers, notification_record


def problems_of(records: list[dict]) -> list[tuple[int | None, str]]:
    with pytest.raises(NotificationFileError) as error:
        parse_notifications(json.dumps(records))
    return [(problem.index, problem.field) for problem in error.value.problems]


def test_a_valid_record_reads_with_its_score() -> None:
    [notification] = parse_notifications(json.dumps([notification_record(dash=dash_answers(11, 3))]))
    assert notification.police_ref == "DV/26/000101"
    assert notification.dash_score == 11
    assert notification.children[0].school.name == "Oakfield Primary"


def test_declined_dash_has_no_score() -> None:
    [notification] = parse_notifications(json.dumps(notification_record()))
    assert notification.dash is None and notification.dash_score is None


def test_json_lines_read_like_an_array() -> None:
    lines = "\n".join(json.dumps(notification_record(police_ref=f"DV/{n}")) for n in range(3))
    assert [each.police_ref for each in parse_notifications(lines)] == ["DV/0", "DV/1", "DV/2"]


def test_missing_police_ref_is_refused_naming_record_and_field() -> None:
    bad = notification_record()
    del bad["police_ref"]
    assert problems_of([notification_record(), bad]) == [(1, "police_ref")]


def test_a_blank_police_ref_is_missing() -> None:
    assert problems_of([notification_record(police_ref="  ")]) == [(0, "police_ref")]


def test_unknown_keys_are_refused_wherever_they_are() -> None:
    record = notification_record(colour="red")
    record["victim"]["nickname"] = "K"
    record["children"][0]["school"]["phase"] = "primary"
    assert sorted(problems_of([record])) == [(0, "children.0.school.phase"), (0, "colour"), (0, "victim.nickname")]


@pytest.mark.parametrize(
    ("field", "value", "where"),
    [
        ("received_at", "2026-11-24 07:05", "received_at"),  # no offset
        ("received_at", "yesterday", "received_at"),
        ("incident_at", "2026-02-30T22:40:00+00:00", "incident_at"),
    ],
)
def test_bad_times_are_refused(field: str, value: str, where: str) -> None:
    assert problems_of([notification_record(**{field: value})]) == [(0, where)]


def test_bad_dates_are_refused_naming_the_person() -> None:
    record = notification_record()
    record["children"][0]["dob"] = "2019-02-30"
    record["victim"]["dob"] = "01/05/1992"
    assert sorted(problems_of([record])) == [(0, "children.0.dob"), (0, "victim.dob")]


def test_a_child_born_after_the_incident_is_refused() -> None:
    record = notification_record()
    record["children"][0]["dob"] = "2026-11-30"
    assert problems_of([record]) == [(0, "children.0.dob")]


def test_an_incident_after_receipt_is_refused() -> None:
    assert problems_of([notification_record(incident_at="2026-11-24T08:00:00+00:00")]) == [(0, "incident_at")]


def test_dash_must_answer_every_question_and_no_other() -> None:
    dash = dash_answers(5)
    del dash["answers"]["q27"]
    dash["answers"]["q28"] = "yes"
    dash["answers"]["q3"] = "maybe"
    assert sorted(problems_of([notification_record(dash=dash)])) == [
        (0, "dash.answers.q27"), (0, "dash.answers.q28")]
    dash = dash_answers(5)
    dash["answers"]["q3"] = "maybe"
    assert problems_of([notification_record(dash=dash)]) == [(0, "dash.answers.q3")]


@pytest.mark.parametrize(
    ("field", "value"),
    [("officer_grade", "critical"), ("incident_type", "burglary"), ("previous_incidents_12m", -1),
     ("previous_incidents_12m", "2"), ("children", []), ("narrative", "")],
)
def test_bad_values_are_refused(field: str, value: object) -> None:
    assert problems_of([notification_record(**{field: value})]) == [(0, field)]


def test_the_same_police_ref_twice_in_a_file_is_refused() -> None:
    assert problems_of([notification_record(), notification_record()]) == [(1, "police_ref")]


def test_one_bad_record_refuses_the_whole_file_and_every_problem_is_named() -> None:
    records = [notification_record(police_ref=f"DV/{n}") for n in range(4)]
    records[1]["officer_grade"] = "critical"
    records[3]["schema"] = "mash.contact/1"
    assert problems_of(records) == [(1, "officer_grade"), (3, "schema")]


def test_text_that_is_not_json_is_refused_for_the_file() -> None:
    with pytest.raises(NotificationFileError) as error:
        parse_notifications("[{")
    assert error.value.problems[0].index is None
    assert str(error.value.problems[0]).startswith("the file:")


def test_the_message_names_the_notification_and_field() -> None:
    bad = notification_record()
    del bad["police_ref"]
    with pytest.raises(NotificationFileError, match=r"notification 0, police_ref: This is required"):
        parse_notifications(json.dumps(bad))


@settings(max_examples=60, deadline=None)
@given(st.text(min_size=1, max_size=40).filter(str.strip), st.text(min_size=1, max_size=200).filter(str.strip),
       st.integers(0, 27))
def test_a_record_written_out_reads_back_the_same(police_ref: str, narrative: str, yes: int) -> None:
    [first] = parse_notifications(json.dumps(notification_record(
        police_ref=police_ref, narrative=narrative, dash=dash_answers(yes))))
    [again] = parse_notifications(json.dumps(notification_to_json(first)))
    assert again == first
    assert again.narrative == narrative and again.dash_score == yes
    assert len(DASH_QUESTIONS) == 27
