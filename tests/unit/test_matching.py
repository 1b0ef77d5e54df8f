"""Person matching (DOMAIN.md sections 1 step 3 and 7): corruptions survive, families do not merge."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mash_tui.config import default_policy
from mash_tui.domain.matching import (
    BANDS,
    KnownRecord,
    PersonDetails,
    alias_names,
    band_for,
    blocking_keys,
    name_forms,
    normalise_address,
    normalise_name,
    normalise_postcode,
    normalise_sex,
    parse_iso_date,
    parse_typed_date,
    query_blocking_keys,
    rank_candidates,
    score_pair,
    sound_key,
)
from mash_tui.domain.policy import MatchingPolicy

POLICY = default_policy().matching
CONFIDENT = ("certain", "likely")

AMELIA = PersonDetails(
    first_name="Amelia",
    last_name="Brown",
    dob=date(2019, 3, 2),
    sex="F",
    address="12 Mill Lane, Tipton",
    postcode="DY4 7AA",
)
WILLIAM = PersonDetails(
    first_name="William",
    last_name="Thompson",
    dob=date(2015, 4, 11),
    sex="M",
    address="3 Oak Road, Dudley",
    postcode="DY1 2AB",
)


def with_(person: PersonDetails, **changes: object) -> PersonDetails:
    values = {
        "first_name": person.first_name,
        "last_name": person.last_name,
        "dob": person.dob,
        "sex": person.sex,
        "address": person.address,
        "postcode": person.postcode,
    }
    values.update(changes)
    return PersonDetails(**values)  # type: ignore[arg-type]


CORRUPTIONS = {
    "typo in first name": with_(WILLIAM, first_name="Willaim"),
    "letters transposed in surname": with_(WILLIAM, last_name="Thomspon"),
    "nickname": with_(WILLIAM, first_name="Bill"),
    "short form": with_(WILLIAM, first_name="Will"),
    "double-barrelled surname": with_(WILLIAM, last_name="Thompson-Reid"),
    "changed surname": with_(WILLIAM, last_name="Okafor"),
    "phonetic surname": with_(WILLIAM, last_name="Tomson"),
    "first and last swapped": with_(WILLIAM, first_name="Thompson", last_name="William"),
    "day and month swapped": with_(WILLIAM, dob=date(2015, 11, 4)),
    "DOB a year out": with_(WILLIAM, dob=date(2016, 4, 11)),
    "missing DOB": with_(WILLIAM, dob=None),
    "missing first name": with_(WILLIAM, first_name=None),
    "missing address": with_(WILLIAM, address=None, postcode=None),
    "address in the caller's words": with_(WILLIAM, address="3 oak rd", postcode="dy12ab"),
}


@pytest.mark.parametrize("query", CORRUPTIONS.values(), ids=CORRUPTIONS.keys())
def test_each_corruption_still_finds_the_person(query: PersonDetails) -> None:
    assert query_blocking_keys(query) & blocking_keys(WILLIAM), "no shared blocking key"
    ranked = rank_candidates(query, [KnownRecord("P1", WILLIAM)], POLICY)
    assert [match.record.record_id for match in ranked] == ["P1"]
    assert ranked[0].band in CONFIDENT


@pytest.mark.parametrize(
    ("query", "reason"),
    [
        (with_(WILLIAM, first_name="Bill"), "Bill is a form of William"),
        (with_(WILLIAM, last_name="Tomson"), "surname sounds alike"),
        (with_(WILLIAM, dob=date(2015, 11, 4)), "day and month of birth swapped"),
        (with_(WILLIAM, dob=date(2016, 4, 11)), "DOB one year out"),
        (with_(WILLIAM, first_name="Thompson", last_name="William"), "first and last names swapped"),
        (with_(WILLIAM, last_name="Reid-Thompson"), "surname Thompson is part of Reid-Thompson"),
        (with_(WILLIAM, first_name="Willian"), "first name spelt nearly the same"),
        (with_(WILLIAM, last_name="Thomspon"), "surname has two letters swapped"),
        (with_(WILLIAM, first_name="Wiliam"), "first name sounds alike"),
        (WILLIAM, "same DOB"),
    ],
)
def test_reasons_say_why(query: PersonDetails, reason: str) -> None:
    assert reason in score_pair(query, WILLIAM, POLICY).reasons


def test_nicknames_work_both_ways_and_through_spellings() -> None:
    catherine = with_(AMELIA, first_name="Catherine")
    kate = with_(AMELIA, first_name="Kate")
    assert "Kate is a form of Catherine" in score_pair(kate, catherine, POLICY).reasons
    assert "Catherine is a form of Kate" in score_pair(catherine, kate, POLICY).reasons
    assert "bill" in name_forms("william")
    assert score_pair(with_(WILLIAM, first_name="Bill"), WILLIAM, POLICY).band == "certain"


def test_reasons_quote_names_as_typed() -> None:
    record = with_(AMELIA, first_name="Élodie", last_name="O'Brien-Smith")
    query = with_(AMELIA, first_name="élodie", last_name="O'Brien")
    reasons = score_pair(query, record, POLICY).reasons
    assert "same first name" in reasons
    assert "surname O'Brien is part of O'Brien-Smith" in reasons


def test_the_same_details_are_certain() -> None:
    result = score_pair(AMELIA, AMELIA, POLICY)
    assert result.band == "certain"
    assert result.reasons[:3] == ("same first name", "same surname", "same DOB")


def test_twin_with_another_first_name_is_not_a_match() -> None:
    twin = with_(AMELIA, first_name="Isla")
    assert score_pair(twin, AMELIA, POLICY).band not in CONFIDENT
    assert "different first name" in score_pair(twin, AMELIA, POLICY).reasons


def test_twins_with_alike_names_are_told_apart_by_the_one_that_fits() -> None:
    jack = PersonDetails("Jack", "Rahman", date(2020, 6, 1), "M", "9 Elm Close", "B1 1AA")
    jake = with_(jack, first_name="Jake")
    ranked = rank_candidates(jack, [KnownRecord("JAKE", jake), KnownRecord("JACK", jack)], POLICY)
    assert ranked[0].record.record_id == "JACK"
    assert ranked[0].band == "certain"
    assert all(match.band not in CONFIDENT for match in ranked[1:])


def test_siblings_and_parents_do_not_match() -> None:
    sibling = with_(AMELIA, first_name="Noah", dob=date(2016, 8, 30), sex="M")
    mother = with_(AMELIA, first_name="Grace", dob=date(1990, 1, 5))
    for relative in (sibling, mother):
        assert score_pair(relative, AMELIA, POLICY).band is None
        assert score_pair(AMELIA, relative, POLICY).band is None


def test_a_child_with_a_different_dob_weighs_against_even_with_the_same_name() -> None:
    namesake = with_(AMELIA, dob=date(2012, 10, 23))
    assert score_pair(namesake, AMELIA, POLICY).band is None


def test_a_missing_first_name_cannot_tell_twins_apart() -> None:
    first_twin = AMELIA
    second_twin = with_(AMELIA, first_name="Isla")
    query = with_(AMELIA, first_name=None)
    ranked = rank_candidates(query, [KnownRecord("A", first_twin), KnownRecord("B", second_twin)], POLICY)
    assert {match.record.record_id for match in ranked} == {"A", "B"}
    assert all(match.band == "possible" for match in ranked)
    assert "another record fits the details given equally well" in ranked[0].reasons


def test_father_and_son_of_one_name_are_ambiguous_without_a_dob() -> None:
    father = PersonDetails("John", "Smith", date(1980, 2, 2), "M", "1 High Street", "B2 2BB")
    son = with_(father, dob=date(2012, 7, 7))
    query = with_(father, dob=None)
    ranked = rank_candidates(query, [KnownRecord("F", father), KnownRecord("S", son)], POLICY)
    assert ranked and all(match.band not in CONFIDENT for match in ranked)


def test_the_same_child_on_earlier_contacts_is_not_a_rival() -> None:
    ranked = rank_candidates(
        AMELIA,
        [
            KnownRecord("contact:C-1:child:0", AMELIA, one_record_per_person=False),
            KnownRecord("contact:C-2:child:0", AMELIA, one_record_per_person=False),
        ],
        POLICY,
    )
    assert [match.band for match in ranked] == ["certain", "certain"]


def test_certain_needs_names_and_dob_to_agree() -> None:
    no_dob = score_pair(with_(AMELIA, dob=None), AMELIA, POLICY)
    assert no_dob.band == "likely"
    assert "not certain until first name, surname and DOB all agree" in no_dob.reasons


def test_rank_orders_best_first_and_drops_the_unlikely() -> None:
    records = [
        KnownRecord("stranger", PersonDetails("Zed", "Quill", date(1970, 1, 1))),
        KnownRecord("year out", with_(WILLIAM, dob=date(2016, 4, 11))),
        KnownRecord("nickname", with_(WILLIAM, first_name="Bill")),
    ]
    ranked = rank_candidates(WILLIAM, records, POLICY)
    assert [(match.record.record_id, match.band) for match in ranked] == [
        ("nickname", "certain"),
        ("year out", "likely"),
    ]


def test_limit_keeps_the_best() -> None:
    records = [KnownRecord(f"P{number}", WILLIAM) for number in range(5)]
    assert len(rank_candidates(WILLIAM, records, POLICY, limit=2)) == 2


def test_an_empty_query_matches_nothing() -> None:
    assert query_blocking_keys(PersonDetails()) == set()
    assert rank_candidates(PersonDetails(), [KnownRecord("P1", WILLIAM)], POLICY) == []


def test_index_keys_are_few() -> None:
    # One key for each pair of first name, surname, DOB and postcode.
    assert len(blocking_keys(WILLIAM)) == 6
    # Each part of a double-barrelled surname, and the whole, pairs with DOB, first name and postcode.
    assert len(blocking_keys(with_(WILLIAM, last_name="Thompson-Reid"))) == 3 + 3 * 3


def test_normalising() -> None:
    assert normalise_name("  O'Brien-Smith ") == "obrien smith"
    assert normalise_name("Zoë") == "zoe"
    assert normalise_postcode(" dy4 7aa") == "DY47AA"
    assert normalise_address("12 Mill Ln.") == "12 mill lane"
    assert [normalise_sex(value) for value in ("F", "female", "MALE", "u", "Unknown", "", None)] == [
        "F",
        "F",
        "M",
        "U",
        "U",
        None,
        None,
    ]
    with pytest.raises(ValueError):
        normalise_sex("x")
    assert sound_key("thompson") == sound_key("tomson")


def test_dates() -> None:
    assert parse_iso_date("2010-02-28") == date(2010, 2, 28)
    assert parse_typed_date("02/03/2010") == date(2010, 3, 2)
    assert parse_typed_date("2010-03-02") == date(2010, 3, 2)
    for bad in ("31/02/2010", "2010-02-31", "20100228", "yesterday", ""):
        with pytest.raises(ValueError):
            parse_typed_date(bad)
    with pytest.raises(ValueError):
        parse_iso_date("02/03/2010")


# --- plausible records (issue 16) --------------------------------------------------------------


def test_a_record_agreeing_on_two_details_is_offered_as_possible_and_says_why() -> None:
    # The caller names a child the records do not hold; the record sharing DOB, surname and
    # address may be that child recorded under another first name, or a twin.
    query = with_(AMELIA, first_name="Isabelle")
    assert score_pair(query, AMELIA, POLICY).band is None
    ranked = rank_candidates(query, [KnownRecord("P1", AMELIA)], POLICY)
    assert [(match.record.record_id, match.band) for match in ranked] == [("P1", "possible")]
    assert ranked[0].reasons[-1] == (
        "same surname, date of birth and address; first name differs: a twin or sibling, or a recording error?"
    )


def test_two_corruptions_at_once_still_offer_the_record() -> None:
    # First name and surname both replaced: only DOB and address agree.
    query = with_(WILLIAM, first_name="Kevin", last_name="Okafor")
    assert query_blocking_keys(query) & blocking_keys(WILLIAM)
    ranked = rank_candidates(query, [KnownRecord("P1", WILLIAM)], POLICY)
    assert [(match.record.record_id, match.band) for match in ranked] == [("P1", "possible")]
    assert "first name and surname differ" in ranked[0].reasons[-1]


def test_more_agreeing_details_rank_a_plausible_record_higher() -> None:
    query = with_(WILLIAM, first_name="Kevin")  # surname, DOB and address agree
    namesake_elsewhere = with_(WILLIAM, first_name="Kevin", dob=date(1980, 1, 1), address="9 Low Road", postcode="B1 2BB")
    ranked = rank_candidates(query, [KnownRecord("namesake", namesake_elsewhere), KnownRecord("P1", WILLIAM)], POLICY)
    assert [match.record.record_id for match in ranked] == ["P1", "namesake"]
    assert ranked[0].score > ranked[1].score
    assert all(match.band == "possible" for match in ranked)


def test_the_twin_of_a_confident_match_is_not_offered() -> None:
    twin = with_(AMELIA, first_name="Isla")
    ranked = rank_candidates(AMELIA, [KnownRecord("TWIN", twin), KnownRecord("P1", AMELIA)], POLICY)
    assert [(match.record.record_id, match.band) for match in ranked] == [("P1", "certain")]


def test_a_dob_wrong_in_year_and_day_weighs_less_than_a_different_one() -> None:
    wrong_year_and_day = with_(WILLIAM, dob=date(2013, 4, 27))
    result = score_pair(wrong_year_and_day, WILLIAM, POLICY)
    assert "same month of birth, year and day differ" in result.reasons
    assert result.band == "possible"
    assert score_pair(with_(WILLIAM, dob=date(2013, 9, 27)), WILLIAM, POLICY).score < result.score


def test_addresses_typed_run_together_and_postcode_slips() -> None:
    typed = with_(WILLIAM, address="3 oakroad", postcode="DY1 2AD")
    reasons = score_pair(typed, WILLIAM, POLICY).reasons
    assert "same address" in reasons
    assert "same postcode district" in reasons
    assert "postcode one character different" in score_pair(with_(WILLIAM, postcode="DZ1 2AB"), WILLIAM, POLICY).reasons
    assert "same street, different house number" in score_pair(
        with_(WILLIAM, address="5oak road"), WILLIAM, POLICY
    ).reasons


# --- aliases ----------------------------------------------------------------------------------


def test_alias_names() -> None:
    assert alias_names(["Jones", " Amelia  Brown-Jones ", "", "Jones"], "Amelia") == (
        ("Amelia", "Jones"),
        ("Amelia", "Brown-Jones"),
    )
    assert alias_names(["Mary Ann Lee"], None) == (("Mary Ann", "Lee"),)


def test_a_child_asked_about_under_an_earlier_surname_is_found() -> None:
    record = KnownRecord("P1", AMELIA, other_names=alias_names(["Okafor"], AMELIA.first_name))
    query = with_(AMELIA, last_name="Okafor", address=None, postcode=None)
    assert query_blocking_keys(query) & blocking_keys(with_(AMELIA, last_name="Okafor"))
    ranked = rank_candidates(query, [record], POLICY)
    assert ranked[0].band == "certain"
    assert ranked[0].reasons[0] == "known as Amelia Okafor"
    # Under her own name the alias is not mentioned.
    assert "known as Amelia Okafor" not in rank_candidates(AMELIA, [record], POLICY)[0].reasons


# --- properties -------------------------------------------------------------------------------

NAMES = st.sampled_from(
    ["William", "Bill", "Will", "Kate", "Catherine", "Amelia", "Isla", "Jack", "Jake", "Jo", "", "Thompson"]
)
SURNAMES = st.sampled_from(["Thompson", "Tomson", "Brown", "Brown-Smith", "Smith", "O'Brien", ""])
TEXT = st.text(alphabet="abcdefghijklmnopqrstuvwxyz -'", max_size=12)
DATES = st.one_of(st.none(), st.dates(min_value=date(1990, 1, 1), max_value=date(1992, 12, 31)))
PEOPLE = st.builds(
    PersonDetails,
    first_name=st.one_of(st.none(), NAMES, TEXT),
    last_name=st.one_of(st.none(), SURNAMES, TEXT),
    dob=DATES,
    sex=st.sampled_from([None, "F", "M", "U"]),
    address=st.sampled_from([None, "1 High Street", "1 High St", "2 High Street", "9 Low Road"]),
    postcode=st.sampled_from([None, "B1 1AA", "B11AA", "B1 2BB", "DY4 7AA"]),
)


@st.composite
def policies(draw: st.DrawFn) -> MatchingPolicy:
    thresholds = sorted(draw(st.lists(st.floats(min_value=0.01, max_value=1.0), min_size=3, max_size=3)))
    return MatchingPolicy(possible=thresholds[0], likely=thresholds[1], certain=thresholds[2], max_candidates=10)


def band_rank(band: str | None) -> int:
    return len(BANDS) - BANDS.index(band) if band else 0


@settings(max_examples=300, deadline=None)
@given(query=PEOPLE, record=PEOPLE, policy=policies())
def test_band_always_follows_the_score(query: PersonDetails, record: PersonDetails, policy: MatchingPolicy) -> None:
    result = score_pair(query, record, policy)
    assert 0.0 <= result.score <= 1.0
    assert result.band == band_for(result.score, policy)


@settings(max_examples=150, deadline=None)
@given(query=PEOPLE, records=st.lists(PEOPLE, max_size=6), policy=policies())
def test_ranked_bands_never_rise_as_scores_fall(
    query: PersonDetails, records: list[PersonDetails], policy: MatchingPolicy
) -> None:
    ranked = rank_candidates(query, [KnownRecord(f"P{index}", person) for index, person in enumerate(records)], policy)
    scores = [match.score for match in ranked]
    assert scores == sorted(scores, reverse=True)
    for match in ranked:
        assert match.band is not None
        assert match.band == band_for(match.score, policy)
    for higher, lower in zip(ranked, ranked[1:]):
        assert band_rank(higher.band) >= band_rank(lower.band)


@settings(max_examples=200, deadline=None)
@given(score=st.floats(min_value=0, max_value=1), other=st.floats(min_value=0, max_value=1), policy=policies())
def test_a_higher_score_never_has_a_lower_band(score: float, other: float, policy: MatchingPolicy) -> None:
    if score >= other:
        assert band_rank(band_for(score, policy)) >= band_rank(band_for(other, policy))


@settings(max_examples=200, deadline=None)
@given(person=PEOPLE)
def test_a_record_always_shares_a_key_with_itself(person: PersonDetails) -> None:
    if blocking_keys(person):
        assert blocking_keys(person) <= query_blocking_keys(person)


DETAILS = ("first", "last", "dob", "address")
OTHER = {
    "first": {"first_name": "Zebedee"},
    "last": {"last_name": "Quaye"},
    "dob": {"dob": date(1961, 9, 30)},
    "address": {"address": "77 Far Away Road", "postcode": "ZE2 9QQ"},
}
KNOWN = st.builds(
    PersonDetails,
    first_name=st.sampled_from(["William", "Amelia", "Kate", "Jo", "Isla", "Jack"]),
    last_name=st.sampled_from(["Thompson", "Brown", "Brown-Smith", "O'Brien", "Li"]),
    dob=st.dates(min_value=date(1990, 1, 1), max_value=date(2025, 12, 31)),
    sex=st.sampled_from([None, "F", "M"]),
    address=st.sampled_from(["1 High Street", "12 Mill Lane, Tipton"]),
    postcode=st.sampled_from(["B1 1AA", "DY4 7AA"]),
)


@settings(max_examples=200, deadline=None)
@given(
    record=KNOWN,
    kept=st.lists(st.sampled_from(DETAILS), min_size=2, max_size=2, unique=True),
    others_missing=st.booleans(),
)
def test_a_record_agreeing_on_any_two_details_is_found_and_offered(
    record: PersonDetails, kept: list[str], others_missing: bool
) -> None:
    changes: dict[str, object] = {}
    for detail in DETAILS:
        if detail not in kept:
            replaced = OTHER[detail]
            changes.update({field: None for field in replaced} if others_missing else replaced)
    query = with_(record, sex=None, **changes)
    assert query_blocking_keys(query) & blocking_keys(record), "no shared blocking key"
    ranked = rank_candidates(query, [KnownRecord("P1", record)], POLICY)
    assert [match.record.record_id for match in ranked] == ["P1"]
    assert ranked[0].band is not None


@settings(max_examples=200, deadline=None)
@given(record=KNOWN, sibling_name=st.sampled_from(["Zebedee", "Noah", "Grace"]), dob=DATES)
def test_a_sibling_is_never_confident_on_shared_surname_and_address(
    record: PersonDetails, sibling_name: str, dob: date | None
) -> None:
    # Another first name, and another DOB or none: whatever the household shares, at most possible.
    sibling = with_(record, first_name=sibling_name, dob=dob if dob != record.dob else None)
    ranked = rank_candidates(sibling, [KnownRecord("P1", record)], POLICY)
    assert all(match.band == "possible" for match in ranked)
