"""The rules for a new contact's characters and dates: what a file or a form may not bring in."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from mash_tui.domain.contact import ContactFileError, parse_contacts, validate_contact
from mash_tui.printable import printable
from tests.unit.contact_records import minimal_record

NOW = datetime(2026, 11, 24, 10, 15, tzinfo=UTC)


def _problems(record: dict, *, now: datetime = NOW) -> list[tuple[str, str]]:
    with pytest.raises(ContactFileError) as refused:
        validate_contact(record, now=now)
    return [(problem.field, problem.problem) for problem in refused.value.problems]


def test_a_lone_surrogate_from_a_file_is_refused_naming_its_field() -> None:
    text = json.dumps([minimal_record()]).replace('"Fenwick"', '"Fen\\ud800wick"')
    with pytest.raises(ContactFileError) as refused:
        parse_contacts(text, now=NOW)
    (problem,) = refused.value.problems
    assert (problem.index, problem.field) == (0, "children.0.last_name")
    assert "lone surrogate" in problem.problem


def test_a_lone_surrogate_in_a_field_name_is_refused_and_the_message_can_be_printed() -> None:
    text = json.dumps([minimal_record()]).replace('"children"', '"chil\\udc00dren"', 1)
    with pytest.raises(ContactFileError) as refused:
        parse_contacts(text, now=NOW)
    message = str(refused.value)
    message.encode("utf-8")  # raised UnicodeEncodeError when the name was echoed raw
    assert "lone surrogate" in message


@pytest.mark.parametrize("character", ["\x00", "\x1b", "\x07", "\x7f", "\x85", "\t", "\n"])
@pytest.mark.parametrize("field", ["first_name", "last_name", "postcode", "nhs_number"])
def test_control_characters_are_refused_in_names_and_codes(field: str, character: str) -> None:
    record = minimal_record()
    record["children"][0][field] = f"Ann{character}e"
    assert _problems(record) == [(f"children.0.{field}", _words_for(character, free_text=False))]


@pytest.mark.parametrize("character", ["\x00", "\x1b"])
def test_control_characters_are_refused_in_dates_and_codes_too(character: str) -> None:
    record = minimal_record()
    record["children"][0]["dob"] = f"2019-03-02{character}"
    record["referrer"]["source"] = f"1A{character}"
    assert [field for field, _ in _problems(record)] == ["referrer.source", "children.0.dob"]


def test_free_text_keeps_its_line_breaks_and_tabs_but_no_other_control() -> None:
    record = minimal_record()
    record["concerns"]["narrative"] = "First line\n\tsecond line\r\n"
    assert validate_contact(record, now=NOW).concerns.narrative == "First line\n\tsecond line\r\n"
    record["concerns"]["narrative"] = "Said\x1b[2J nothing"
    assert _problems(record) == [("concerns.narrative", _words_for("\x1b", free_text=True))]


def _words_for(character: str, *, free_text: bool) -> str:
    where = "free text may hold only line breaks and tabs" if free_text else "it is not free text"
    return f"The text holds the control character U+{ord(character):04X}; {where}"


@pytest.mark.parametrize("dob", ["1899-12-31", "0999-01-01", "0001-01-01"])
def test_a_date_of_birth_before_1900_is_refused(dob: str) -> None:
    record = minimal_record()
    record["children"][0]["dob"] = dob
    record["adults"] = [{"last_name": "Fenwick", "dob": dob}]
    problems = _problems(record)
    assert [field for field, _ in problems] == ["children.0.dob", "adults.0.dob"]
    assert problems[0][1] == f"Date of birth {dob} is before 1900"


def test_a_date_of_birth_in_the_future_is_refused() -> None:
    record = minimal_record()
    record["adults"] = [{"last_name": "Fenwick", "dob": "2026-11-25"}]
    assert _problems(record) == [("adults.0.dob", "Date of birth 2026-11-25 is in the future")]


def test_a_receipt_time_more_than_a_day_ahead_is_refused_and_within_a_day_is_kept() -> None:
    record = minimal_record(received_at="2026-11-25T10:00:00+00:00")
    assert validate_contact(record, now=NOW).received_at == datetime(2026, 11, 25, 10, tzinfo=UTC)
    record = minimal_record(received_at="2026-11-25T10:16:00+00:00")
    assert _problems(record) == [("received_at", "2026-11-25T10:16:00+00:00 is more than a day in the future")]


def test_a_record_stored_before_these_rules_still_opens() -> None:
    """Read back without `now`, a stored record is checked by the rules it was stored under."""
    record = minimal_record()
    record["children"][0]["first_name"] = "Ann\x1be"
    record["children"][0]["dob"] = "1899-12-31"
    assert validate_contact(record).children[0].first_name == "Ann\x1be"


def test_printable_turns_a_lone_surrogate_into_a_stand_in() -> None:
    assert printable("a\ud800b") == "a\ufffdb"
    assert printable("a\udfffb\n", multiline=True).encode("utf-8") == "a\ufffdb\n".encode()
