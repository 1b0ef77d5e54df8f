"""The `mash.contact/1` exchange record of DOMAIN.md section 6."""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mash_tui.domain.codes import AGENCIES, CONCERN_CATEGORIES, NON_PROFESSIONAL_SOURCES, SOURCES_OF_CONTACT
from mash_tui.domain.contact import (
    Contact,
    ContactFileError,
    ContactProblem,
    child_age,
    contact_to_json,
    parse_contacts,
)
from tests.unit.contact_records import minimal_record, valid_records

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "contacts"
PYDANTIC_JARGON = ("Input should", "validation error", "[type=", "Value error", "pydantic")


def problems_for(record: object) -> list[tuple[str, str]]:
    with pytest.raises(ContactFileError) as caught:
        parse_contacts(json.dumps(record))
    return [(problem.field, problem.problem) for problem in caught.value.problems]


def fields_in_error(record: object) -> list[str]:
    return [field for field, _ in problems_for(record)]


def parse_one(record: dict) -> Contact:
    [contact] = parse_contacts(json.dumps(record))
    return contact


def test_the_domain_example_reads_and_writes_back_key_for_key():
    text = (FIXTURES / "four_contacts.json").read_text(encoding="utf-8")
    first = json.loads(text)[0]
    assert contact_to_json(parse_contacts(text)[0]) == first


def test_a_minimal_record_takes_the_defaults():
    contact = parse_one(minimal_record())
    assert contact.referrer.anonymous is False and contact.referrer.wants_feedback is False
    assert contact.concerns.injury == "none"
    assert contact.concerns.child_present_at_incident is None
    assert contact.concerns.immediate_danger is False
    assert contact.children[0].independently_mobile is None
    assert contact.adults == () and contact.other_agencies == ()
    assert contact.consent.consent_given is None and contact.consent.agencies_agreed == ()


def test_canonical_json_names_every_key_with_nulls():
    written = contact_to_json(parse_one(minimal_record(adults=[{}], other_agencies=[{}])))
    example = json.loads((FIXTURES / "four_contacts.json").read_text(encoding="utf-8"))[0]
    assert written.keys() == example.keys()
    for part in ("referrer", "concerns", "consent"):
        assert written[part].keys() == example[part].keys()
    assert written["children"][0].keys() == example["children"][0].keys()
    assert written["adults"][0].keys() == example["adults"][0].keys()
    assert written["other_agencies"][0] == {"agency": None, "contact": None}
    assert written["referrer"]["name"] is None


def test_null_means_the_same_as_omitted():
    record = minimal_record(adults=None, other_agencies=None, consent=None)
    record["referrer"].update(anonymous=None, wants_feedback=None)
    record["concerns"].update(injury=None, immediate_danger=None, child_present_at_incident=None)
    record["children"][0].update(aliases=None, independently_mobile=None)
    assert parse_one(record) == parse_one(minimal_record())


def test_blank_strings_read_as_null():
    record = minimal_record()
    record["referrer"].update(name="   ", phone="")
    record["children"][0].update(first_name="", school=" \t", aliases=["", "Fen"], sex="")
    record["concerns"].update(injury="", disclosure="", police_reference=" ", dash_score="")
    contact = parse_one(record)
    assert contact.referrer.name is None and contact.referrer.phone is None
    assert contact.children[0].first_name is None and contact.children[0].school is None
    assert contact.children[0].aliases == ("Fen",)
    assert contact.concerns.injury == "none" and contact.concerns.disclosure is False
    assert contact.concerns.police_reference is None and contact.concerns.dash_score is None


def test_text_people_typed_is_kept_exactly():
    record = minimal_record()
    record["concerns"]["narrative"] = "  O'Brien [/b] said [red]x\n"
    assert parse_one(record).concerns.narrative == "  O'Brien [/b] said [red]x\n"


@pytest.mark.parametrize(
    ("path", "field"),
    [
        ((), "nickname"),
        (("referrer",), "referrer.pager"),
        (("children", 0), "children.0.pager"),
        (("adults", 0), "adults.0.pager"),
        (("concerns",), "concerns.pager"),
        (("consent",), "consent.pager"),
        (("other_agencies", 0), "other_agencies.0.pager"),
    ],
)
def test_unknown_keys_are_an_error_at_every_level(path, field):
    record = minimal_record(adults=[{}], consent={}, other_agencies=[{}])
    target = record
    for part in path:
        target = target[part]
    target[field.rsplit(".", 1)[-1]] = "x"
    assert problems_for(record) == [(field, "Not a field of mash.contact/1")]


def test_the_python_name_of_schema_is_not_an_exchange_key():
    record = minimal_record()
    record["schema_version"] = record.pop("schema")
    assert set(fields_in_error(record)) == {"schema", "schema_version"}


@pytest.mark.parametrize(
    "path",
    [
        ("schema",),
        ("received_at",),
        ("channel",),
        ("referrer",),
        ("referrer", "source"),
        ("children",),
        ("concerns",),
        ("concerns", "categories"),
        ("concerns", "narrative"),
    ],
)
def test_required_keys(path):
    record = minimal_record()
    target = record
    for part in path[:-1]:
        target = target[part]
    del target[path[-1]]
    assert problems_for(record) == [(".".join(path), "This is required")]


def test_a_blank_narrative_is_missing():
    record = minimal_record()
    record["concerns"]["narrative"] = "   "
    assert problems_for(record) == [("concerns.narrative", "This is required")]


def test_the_schema_must_be_mash_contact_1():
    assert problems_for(minimal_record(schema="mash.contact/2")) == [("schema", "Must be 'mash.contact/1'")]


def test_a_contact_needs_a_child():
    assert problems_for(minimal_record(children=[])) == [("children", "A contact needs at least one child")]


@pytest.mark.parametrize(
    ("key", "value"),
    [("channel", "fax"), ("channel", "Phone")],
)
def test_channel_is_from_the_list(key, value):
    [(field, words)] = problems_for(minimal_record(**{key: value}))
    assert field == "channel" and words.startswith("Must be 'phone', 'email'")


@pytest.mark.parametrize("value", ["2019-3-2", "02/03/2019", "20190302", "2019-03-02T00:00:00", 20190302])
def test_dates_are_written_yyyy_mm_dd(value):
    record = minimal_record()
    record["children"][0]["dob"] = value
    assert problems_for(record) == [("children.0.dob", "Must be a date written YYYY-MM-DD")]


def test_a_date_that_does_not_exist_is_refused():
    record = minimal_record()
    record["children"][0]["dob"] = "2019-02-29"
    assert problems_for(record) == [("children.0.dob", "2019-02-29 is not a real date")]


def test_a_time_without_an_offset_is_refused():
    assert problems_for(minimal_record(received_at="2026-11-24T09:12:00")) == [
        ("received_at", "The time needs an offset from UTC, like +00:00")
    ]


@pytest.mark.parametrize("value", ["yesterday", "2026-13-01T00:00:00+00:00", 1764000000])
def test_a_time_must_be_iso_8601(value):
    [(field, words)] = problems_for(minimal_record(received_at=value))
    assert field == "received_at" and words.startswith("Must be a date and time")


def test_a_time_keeps_its_offset_and_z_means_utc():
    assert contact_to_json(parse_one(minimal_record(received_at="2026-07-01T10:00:00+01:00")))["received_at"] == (
        "2026-07-01T10:00:00+01:00"
    )
    assert contact_to_json(parse_one(minimal_record(received_at="2026-11-24T09:12:00Z")))["received_at"] == (
        "2026-11-24T09:12:00+00:00"
    )


def test_a_child_needs_a_last_name_or_an_alias():
    assert problems_for(minimal_record(children=[{"first_name": "Ada", "dob": "2019-03-02"}])) == [
        ("children.0.last_name", "A child needs a last name or an alias")
    ]
    assert parse_one(minimal_record(children=[{"aliases": ["Ada"], "dob": "2019-03-02"}])).children[0].aliases == (
        "Ada",
    )


def test_a_child_needs_a_way_to_tell_their_age():
    assert problems_for(minimal_record(children=[{"last_name": "Fenwick"}])) == [
        ("children.0.dob", "A child needs a date of birth, an estimated age or an unborn due date")
    ]


def test_both_child_identity_problems_are_reported_together():
    assert fields_in_error(minimal_record(children=[{"first_name": "Ada"}])) == [
        "children.0.last_name",
        "children.0.dob",
    ]


@pytest.mark.parametrize("age", [0, 17])
def test_estimated_age_runs_from_0_to_17(age):
    contact = parse_one(minimal_record(children=[{"last_name": "Fenwick", "estimated_age": age}]))
    assert contact.children[0].estimated_age == age


@pytest.mark.parametrize(
    ("age", "words"),
    [
        (18, "Estimated age must be a whole number from 0 to 17"),
        (-1, "Estimated age must be a whole number from 0 to 17"),
        (5.5, "Must be a whole number"),
        (5.0, "Must be a whole number"),
        ("5", "Must be a whole number"),
        (True, "Must be a whole number"),
    ],
)
def test_estimated_age_outside_0_to_17_or_not_whole_is_refused(age, words):
    record = minimal_record(children=[{"last_name": "Fenwick", "estimated_age": age}])
    assert problems_for(record) == [("children.0.estimated_age", words)]


def test_a_date_of_birth_after_the_contact_was_received_is_refused():
    record = minimal_record(children=[{"last_name": "Fenwick", "dob": "2026-11-25"}])
    assert problems_for(record) == [
        ("children.0.dob", "Date of birth is after the time the contact was received")
    ]


def test_a_baby_born_the_day_the_contact_is_received_is_fine_in_london_time():
    # 23:30 UTC on 30 June is already 1 July in London.
    record = minimal_record(
        received_at="2026-06-30T23:30:00+00:00", children=[{"last_name": "Fenwick", "dob": "2026-07-01"}]
    )
    assert parse_one(record).children[0].dob == date(2026, 7, 1)


def test_an_unborn_due_date_before_the_contact_was_received_is_refused():
    record = minimal_record(children=[{"last_name": "Fenwick", "unborn_due_date": "2026-11-23"}])
    assert problems_for(record) == [
        ("children.0.unborn_due_date", "Unborn due date is before the time the contact was received")
    ]
    record["children"][0]["unborn_due_date"] = "2026-11-24"
    assert parse_one(record).children[0].unborn_due_date == date(2026, 11, 24)


def test_every_child_with_a_bad_date_is_reported():
    children = [{"last_name": "A", "dob": "2027-01-01"}, {"last_name": "B", "unborn_due_date": "2020-01-01"}]
    assert fields_in_error(minimal_record(children=children)) == ["children.0.dob", "children.1.unborn_due_date"]


@pytest.mark.parametrize("source", sorted(set(SOURCES_OF_CONTACT) - NON_PROFESSIONAL_SOURCES))
def test_a_professional_referrer_gives_a_name_and_a_way_to_reach_them(source):
    assert problems_for(minimal_record(referrer={"source": source})) == [
        ("referrer.name", "A professional referrer must give their name"),
        ("referrer.phone", "A professional referrer must give a phone number or an email address"),
    ]
    assert parse_one(minimal_record(referrer={"source": source, "name": "Jo Hart", "email": "jo@example.org"}))
    assert parse_one(minimal_record(referrer={"source": source, "name": "Jo Hart", "phone": "01632 960000"}))


@pytest.mark.parametrize("source", sorted(NON_PROFESSIONAL_SOURCES))
def test_individuals_and_anonymous_callers_may_leave_name_and_phone_empty(source):
    contact = parse_one(minimal_record(referrer={"source": source, "name": "", "phone": None, "anonymous": True}))
    assert contact.referrer.name is None


@pytest.mark.parametrize("source", ["2a", "11", "21", "2 A"])
def test_source_must_be_a_census_code_as_written(source):
    [(field, words)] = problems_for(minimal_record(referrer={"source": source}))
    assert field == "referrer.source" and "is not a source-of-contact code" in words


def test_every_census_category_is_accepted():
    record = minimal_record()
    record["concerns"]["categories"] = list(CONCERN_CATEGORIES)
    assert parse_one(record).concerns.categories == tuple(CONCERN_CATEGORIES)


@pytest.mark.parametrize(
    ("categories", "field", "words"),
    [
        (["21"], "concerns.categories.0", "21 (no factors) is only for the end of an assessment, not a contact"),
        (["18c"], "concerns.categories.0", "'18c' is not a concern category code"),
        (["1D"], "concerns.categories.0", "'1D' is not a concern category code"),
        (["8A"], "concerns.categories.0", "'8A' is not a concern category code"),
        (["16A", "16A"], "concerns.categories.1", "16A is listed twice"),
        ([17], "concerns.categories.0", "Must be text"),
        ("16A", "concerns.categories", "Must be a list"),
    ],
)
def test_categories_are_known_codes_listed_once(categories, field, words):
    record = minimal_record()
    record["concerns"]["categories"] = categories
    assert problems_for(record) == [(field, words)]


@pytest.mark.parametrize("score", [0, 14, 27])
def test_dash_score_runs_from_0_to_27_without_a_domestic_abuse_code(score):
    record = minimal_record()
    record["concerns"]["dash_score"] = score
    assert parse_one(record).concerns.dash_score == score


@pytest.mark.parametrize("score", [-1, 28, 14.5, "14"])
def test_dash_score_outside_0_to_27_is_refused(score):
    record = minimal_record()
    record["concerns"]["dash_score"] = score
    assert fields_in_error(record) == ["concerns.dash_score"]


@pytest.mark.parametrize(("key", "value"), [("injury", "bruise"), ("injury", "Minor")])
def test_injury_is_none_minor_or_serious(key, value):
    record = minimal_record()
    record["concerns"][key] = value
    assert problems_for(record) == [("concerns.injury", "Must be 'none', 'minor' or 'serious'")]


@pytest.mark.parametrize("value", ["true", 1, "yes"])
def test_booleans_are_json_true_or_false(value):
    record = minimal_record()
    record["concerns"]["immediate_danger"] = value
    assert problems_for(record) == [("concerns.immediate_danger", "Must be true or false")]


def test_child_present_at_incident_keeps_unknown_apart_from_no():
    record = minimal_record()
    record["concerns"]["child_present_at_incident"] = False
    assert parse_one(record).concerns.child_present_at_incident is False


@pytest.mark.parametrize("answer", ["no", "not_sought"])
def test_consent_refused_or_not_sought_needs_a_reason(answer):
    assert problems_for(minimal_record(consent={"consent_given": answer, "reason": " "})) == [
        ("consent.reason", "A reason is needed when consent is refused or not sought")
    ]
    assert parse_one(minimal_record(consent={"consent_given": answer, "reason": "Would put the child at risk"}))


def test_consent_given_needs_no_reason_and_without_a_list_covers_every_agency():
    consent = parse_one(minimal_record(consent={"consent_given": "yes"})).consent
    assert consent.agencies_covered() == AGENCIES
    listed = parse_one(minimal_record(consent={"consent_given": "yes", "agencies_agreed": ["health"]})).consent
    assert listed.agencies_covered() == ("health",)
    refused = parse_one(minimal_record(consent={"consent_given": "no", "reason": "Father said no"})).consent
    assert refused.agencies_covered() == ()


@pytest.mark.parametrize(
    ("agencies", "field"),
    [(["police", "GP"], "consent.agencies_agreed.1"), (["police", "police"], "consent.agencies_agreed.1")],
)
def test_agencies_agreed_are_named_agencies_once_each(agencies, field):
    assert fields_in_error(minimal_record(consent={"consent_given": "yes", "agencies_agreed": agencies})) == [field]


def test_consent_answer_is_from_the_list():
    assert fields_in_error(minimal_record(consent={"consent_given": "maybe"})) == ["consent.consent_given"]


# Reading files -----------------------------------------------------------------------------------


def test_a_json_array_json_lines_and_a_single_object_all_read():
    array = parse_contacts((FIXTURES / "four_contacts.json").read_text(encoding="utf-8"))
    lines = parse_contacts((FIXTURES / "four_contacts.jsonl").read_text(encoding="utf-8"))
    assert len(array) == 4 and array == lines
    assert parse_contacts(json.dumps(minimal_record(), indent=2)) == [parse_one(minimal_record())]


def test_blank_lines_and_a_byte_order_mark_are_ignored():
    line = json.dumps(minimal_record())
    assert len(parse_contacts(f"\ufeff{line}\n\n   \n{line}\n")) == 2


def test_an_empty_file_holds_no_contacts():
    assert parse_contacts("") == [] and parse_contacts("  \n") == [] and parse_contacts("[]") == []


def test_one_bad_contact_refuses_the_whole_file_and_every_problem_is_named():
    good = minimal_record()
    bad_dob = minimal_record(children=[{"last_name": "Fenwick", "dob": "2030-01-01"}])
    unknown_key = minimal_record(colour="blue")
    with pytest.raises(ContactFileError) as caught:
        parse_contacts(json.dumps([good, bad_dob, good, unknown_key]))
    assert caught.value.problems == [
        ContactProblem(1, "children.0.dob", "Date of birth is after the time the contact was received"),
        ContactProblem(3, "colour", "Not a field of mash.contact/1"),
    ]
    assert str(caught.value.problems[0]) == (
        "contact 1, children.0.dob: Date of birth is after the time the contact was received"
    )


def test_json_lines_problems_count_objects_not_lines():
    text = "\n".join([json.dumps(minimal_record()), "", "{not json", "[1, 2]", json.dumps(minimal_record(x=1))])
    with pytest.raises(ContactFileError) as caught:
        parse_contacts(text)
    assert [(problem.index, problem.field) for problem in caught.value.problems] == [(1, ""), (2, ""), (3, "x")]
    assert caught.value.problems[0].problem.startswith("Line 3 is not valid JSON")
    assert caught.value.problems[1].problem == "Line 4 is not a JSON object"


def test_a_broken_json_array_is_a_problem_with_the_file():
    with pytest.raises(ContactFileError) as caught:
        parse_contacts('[{"schema": "mash.contact/1",')
    [problem] = caught.value.problems
    assert problem.index is None and problem.problem.startswith("Not valid JSON")
    assert str(problem).startswith("the file: Not valid JSON")


def test_array_items_that_are_not_objects_are_named():
    with pytest.raises(ContactFileError) as caught:
        parse_contacts(json.dumps([minimal_record(), "contact", None]))
    assert [(problem.index, problem.problem) for problem in caught.value.problems] == [
        (1, "Each contact must be a JSON object"),
        (2, "Each contact must be a JSON object"),
    ]


# Ages --------------------------------------------------------------------------------------------

RECEIVED = datetime(2026, 11, 24, 9, 12, tzinfo=timezone.utc)


def age_of(received_at: datetime = RECEIVED, **child_fields) -> tuple[int, int, bool]:
    contact = parse_one(
        minimal_record(received_at=received_at.isoformat(), children=[{"last_name": "Fenwick", **child_fields}])
    )
    age = child_age(contact.children[0], contact.received_at)
    return age.months, age.years, age.unborn


@pytest.mark.parametrize(
    ("dob", "months", "years"),
    [
        ("2026-11-24", 0, 0),
        ("2026-05-24", 6, 0),
        ("2026-05-25", 5, 0),
        ("2021-11-24", 60, 5),
        ("2021-11-25", 59, 4),
        ("2019-03-02", 92, 7),
    ],
)
def test_age_is_whole_calendar_months_and_years(dob, months, years):
    assert age_of(dob=dob) == (months, years, False)


def test_age_uses_the_london_date_of_received_at():
    # 23:30 UTC on 31 May 2026 is 00:30 on 1 June in London (BST).
    late_evening = datetime(2026, 5, 31, 23, 30, tzinfo=timezone.utc)
    assert age_of(late_evening, dob="2025-12-01") == (6, 0, False)
    same_instant_in_utc_terms = datetime(2026, 5, 31, 22, 59, tzinfo=timezone.utc)
    assert age_of(same_instant_in_utc_terms, dob="2025-12-01") == (5, 0, False)


def test_a_leap_day_birthday_comes_on_1_march_in_other_years():
    assert age_of(datetime(2025, 2, 28, 12, tzinfo=timezone.utc), dob="2024-02-29")[0] == 11
    assert age_of(datetime(2025, 3, 1, 12, tzinfo=timezone.utc), dob="2024-02-29")[0] == 12


def test_an_estimated_age_counts_as_that_many_whole_years():
    assert age_of(estimated_age=4) == (48, 4, False)


def test_an_unborn_child_counts_as_0_months():
    assert age_of(unborn_due_date="2027-02-01") == (0, 0, True)


def test_a_date_of_birth_wins_over_an_estimate_or_a_due_date():
    assert age_of(dob="2020-11-24", estimated_age=10, unborn_due_date="2027-01-01") == (72, 6, False)
    assert age_of(estimated_age=10, unborn_due_date="2027-01-01") == (120, 10, False)


# Properties --------------------------------------------------------------------------------------


@settings(max_examples=150, deadline=None)
@given(valid_records())
def test_canonical_json_round_trips_exactly(record):
    contact = Contact.model_validate(record)
    written = contact_to_json(contact)
    [again] = parse_contacts(json.dumps(written, ensure_ascii=False))
    assert again == contact
    assert contact_to_json(again) == written


@settings(max_examples=50, deadline=None)
@given(st.lists(valid_records(), min_size=1, max_size=4))
def test_a_file_of_valid_records_reads_in_order_as_array_or_lines(records):
    expected = [Contact.model_validate(record) for record in records]
    assert parse_contacts(json.dumps(records)) == expected
    assert parse_contacts("\n".join(json.dumps(record) for record in records)) == expected


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=10),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
    max_leaves=8,
)
FIELD_NAMES = st.sampled_from(
    ["schema", "received_at", "channel", "referrer", "children", "concerns", "consent", "adults", "source",
     "dob", "estimated_age", "unborn_due_date", "categories", "injury", "dash_score", "consent_given",
     "agencies_agreed", "narrative", "name", "phone", "last_name", "aliases", "other_agencies"]
)  # fmt: skip


def _mutate(record: object, key: str, value: object, data: st.DataObject) -> object:
    """Replace or add `key` somewhere inside the record, at a depth hypothesis chooses."""
    if isinstance(record, dict):
        targets = [name for name, inner in record.items() if isinstance(inner, dict | list)]
        if targets and data.draw(st.booleans()):
            name = data.draw(st.sampled_from(targets))
            return {**record, name: _mutate(record[name], key, value, data)}
        return {**record, key: value}
    if isinstance(record, list) and record:
        position = data.draw(st.integers(0, len(record) - 1))
        return [*record[:position], _mutate(record[position], key, value, data), *record[position + 1 :]]
    return value


@settings(max_examples=200, deadline=None)
@given(valid_records(), FIELD_NAMES | st.text(max_size=8), JSON_VALUES, st.data())
def test_damaged_records_only_ever_raise_contact_file_error_in_plain_words(record, key, value, data):
    damaged = _mutate(record, key, value, data)
    try:
        parse_contacts(json.dumps(damaged))
    except ContactFileError as error:
        for problem in error.problems:
            assert problem.problem and not any(word in problem.problem for word in PYDANTIC_JARGON)
            assert problem.index in (0, None)


@settings(max_examples=150, deadline=None)
@given(st.text(max_size=200) | JSON_VALUES.map(json.dumps))
def test_garbage_text_only_ever_raises_contact_file_error(text):
    try:
        parse_contacts(text)
    except ContactFileError as error:
        assert error.problems


def test_very_deep_json_is_refused_not_crashed():
    with pytest.raises(ContactFileError):
        parse_contacts("[" * 100_000 + "]" * 100_000)


def test_an_offset_near_the_ends_of_time_is_refused_not_crashed():
    assert fields_in_error(minimal_record(received_at="0001-01-01T00:00:00+05:00")) == ["received_at"]
    assert fields_in_error(minimal_record(received_at="9999-12-31T23:59:59-05:00")) == ["received_at"]


def test_a_contact_is_immutable():
    contact = parse_one(minimal_record())
    with pytest.raises(ValueError):
        contact.channel = "email"  # type: ignore[misc]


def test_building_a_contact_in_code_applies_the_same_rules():
    record = minimal_record(children=[{"last_name": "Fenwick", "dob": "2030-01-01"}])
    with pytest.raises(ValueError, match="Date of birth is after"):
        Contact.model_validate(record)
    assert Contact.model_validate(minimal_record()).received_at - RECEIVED == timedelta(0)
