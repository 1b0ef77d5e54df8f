"""The code sets of DOMAIN.md section 5 and the RAG order."""

from __future__ import annotations

import pytest

from mash_tui.domain.codes import (
    AGENCIES,
    CHANNELS,
    CONCERN_CATEGORIES,
    DECISION_OUTCOMES,
    DOMESTIC_ABUSE_CATEGORIES,
    FLAGS,
    NON_PROFESSIONAL_SOURCES,
    SOURCES_OF_CONTACT,
    RagLevel,
    is_professional_source,
)

EXPECTED_CATEGORIES = [
    "1A", "1B", "1C", "2A", "2B", "2C", "3A", "3B", "3C", "4A", "4B", "4C", "5A", "5B", "5C",
    "6A", "6B", "6C", "7A", "8B", "8C", "8D", "8E", "8F", "9A", "10A", "11A", "12A", "13A", "14A",
    "15A", "16A", "17A", "18B", "18C", "19B", "19C", "20", "22A", "23A", "24A",
]  # fmt: skip

EXPECTED_SOURCES = [
    "1A", "1B", "1C", "1D", "2A", "2B", "3A", "3B", "3C", "3D", "3E", "3F", "4",
    "5A", "5B", "5C", "5D", "6", "7", "8", "9", "10",
]  # fmt: skip


def test_concern_categories_are_exactly_the_census_factors_a_contact_may_carry():
    assert list(CONCERN_CATEGORIES) == EXPECTED_CATEGORIES
    assert "21" not in CONCERN_CATEGORIES


def test_factors_1_to_6_say_whose_factor_it_is():
    assert CONCERN_CATEGORIES["1A"] == "Alcohol misuse: the child"
    assert CONCERN_CATEGORIES["2B"] == "Drug misuse: a parent or carer"
    assert CONCERN_CATEGORIES["3C"] == "Domestic abuse: another household member"


def test_every_code_is_upper_case_and_labelled():
    for code, label in {**CONCERN_CATEGORIES, **SOURCES_OF_CONTACT}.items():
        assert code == code.upper()
        assert label.strip()


def test_sources_of_contact_are_the_census_list():
    assert list(SOURCES_OF_CONTACT) == EXPECTED_SOURCES
    assert SOURCES_OF_CONTACT["6"] == "Police"


@pytest.mark.parametrize("code", sorted(NON_PROFESSIONAL_SOURCES))
def test_individuals_anonymous_and_unknown_callers_are_not_professionals(code):
    assert not is_professional_source(code)


@pytest.mark.parametrize("code", ["2A", "2B", "3A", "3E", "4", "5A", "5D", "6", "7", "8"])
def test_agencies_are_professional_sources(code):
    assert is_professional_source(code)


def test_an_unknown_source_is_not_professional():
    assert not is_professional_source("11")


def test_closed_lists():
    assert CHANNELS == ("phone", "email", "portal", "letter", "in_person", "out_of_hours")
    assert AGENCIES == (
        "police", "health", "education", "housing", "probation",
        "substance_misuse", "adult_social_care", "early_help",
    )  # fmt: skip
    assert FLAGS == ("lado_referral", "marac_referral", "police_notified", "operation_encompass")
    assert "pass_to_allocated_worker" in DECISION_OUTCOMES and len(DECISION_OUTCOMES) == 7
    assert DOMESTIC_ABUSE_CATEGORIES == ("3A", "3B", "3C")


def test_rag_levels_are_ordered_from_none_to_red():
    assert RagLevel.NONE < RagLevel.GREEN < RagLevel.AMBER < RagLevel.RED
    assert max([RagLevel.GREEN, RagLevel.RED, RagLevel.AMBER]) is RagLevel.RED
    assert RagLevel.AMBER >= RagLevel.AMBER and RagLevel.AMBER <= RagLevel.AMBER
    assert [level.value for level in RagLevel] == ["none", "GREEN", "AMBER", "RED"]


@pytest.mark.parametrize(
    ("level", "raised"),
    [
        (RagLevel.NONE, RagLevel.GREEN),
        (RagLevel.GREEN, RagLevel.AMBER),
        (RagLevel.AMBER, RagLevel.RED),
        (RagLevel.RED, RagLevel.RED),
    ],
)
def test_raising_one_level_never_goes_above_red(level, raised):
    assert level.raised_one_level() is raised


def test_rag_levels_do_not_compare_with_strings():
    with pytest.raises(TypeError):
        assert RagLevel.RED > "AMBER"
