"""Checking a contact while it is typed: the submit rules, said early, and never a problem invented."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

from hypothesis import given, settings
from hypothesis import strategies as st

from mash_tui.domain.contact import ContactFileError, validate_contact
from mash_tui.domain.draft import draft_problems, received_at_of
from tests.unit.contact_records import RECEIVED_AT, minimal_record, valid_records

FALLBACK = datetime(2026, 11, 24, 10, 0, tzinfo=UTC)


def _said(record: dict) -> set[tuple[str, str]]:
    return {(problem.field, problem.problem) for problem in draft_problems(record)}


def _submit_problems(record: dict) -> set[tuple[str, str]]:
    try:
        validate_contact(record)
    except ContactFileError as error:
        return {(problem.field, problem.problem) for problem in error.problems}
    return set()


def test_a_record_that_could_be_submitted_has_no_problems() -> None:
    assert draft_problems(minimal_record()) == []


def test_a_birth_after_the_call_is_said_while_the_referrer_is_still_blank() -> None:
    record = minimal_record(referrer={}, children=[{"last_name": "Fenwick", "dob": "2030-01-01"}])
    said = _said(record)
    assert any(field == "children.0.dob" for field, _ in said)
    assert any(field.startswith("referrer") for field, _ in said)


def test_a_nameless_childs_dates_are_checked_already() -> None:
    said = _said(minimal_record(children=[{"dob": "2030-01-01"}]))
    assert any(field == "children.0.dob" for field, _ in said)
    assert any("last name" in words for _, words in said)


@settings(max_examples=60, deadline=None)
@given(valid_records())
def test_any_valid_record_passes_as_a_draft(record: dict) -> None:
    assert draft_problems(record) == []


_PARTS = ("channel", "referrer", "adults", "concerns", "consent", "other_agencies", "children", "received_at")


@settings(max_examples=80, deadline=None)
@given(valid_records(), st.lists(st.sampled_from(_PARTS), unique=True, min_size=1),
       st.sampled_from([None, "", "nonsense", 7, [], {}]))
def test_every_submit_problem_is_said_and_a_draft_passes_only_when_submit_would(
    record: dict, spoiled: list[str], junk: object,
) -> None:
    for part in spoiled:
        record[part] = junk
    submit = _submit_problems(record)
    said = _said(record)
    assert submit <= said  # nothing the submit would refuse goes unsaid
    assert (said == set()) == (submit == set())


@given(st.datetimes(timezones=st.sampled_from([UTC, timezone(timedelta(hours=1)), timezone(timedelta(hours=-5))])))
def test_a_complete_received_time_is_taken_as_typed(moment: datetime) -> None:
    assert received_at_of({"received_at": moment.isoformat()}, FALLBACK) == moment


@given(st.one_of(st.none(), st.text(max_size=20), st.integers(),
                 st.datetimes().map(lambda naive: naive.isoformat())))
def test_a_half_typed_or_zoneless_received_time_falls_back(value: object) -> None:
    moment = received_at_of({"received_at": value}, FALLBACK)
    try:
        parsed = datetime.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        parsed = None
    expected = parsed if parsed is not None and parsed.tzinfo is not None else FALLBACK
    assert moment == expected


def test_the_example_received_time_is_read() -> None:
    assert received_at_of({"received_at": RECEIVED_AT}, FALLBACK) == datetime(2026, 11, 24, 9, 12, tzinfo=UTC)
