"""The RAG rules of DOMAIN.md section 4 and the rules file that holds them."""

from __future__ import annotations

import tomllib
from datetime import date
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import mash_tui
from mash_tui.config import default_policy, load_rules
from mash_tui.domain.codes import CONCERN_CATEGORIES, RagLevel
from mash_tui.domain.contact import Contact, parse_contacts
from mash_tui.domain.rag import RulesError, parse_rules, recommend
from mash_tui.paths import SHIPPED_RULES
from tests.unit.contact_records import child, contact_with

RULES = load_rules()
FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "contacts"
SEVEN_YEAR_OLD = [child(dob="2019-03-02")]
BABY_FIVE_MONTHS = [child(dob="2026-06-25")]
LIVES_WITH_CHILD = [{"relationship": "mother", "lives_with_child": True}]


def rated(contact: Contact, **options) -> tuple[str, list[str]]:
    found = recommend(contact, RULES, **options)
    return found.rag.value, list(found.rules)


def test_the_shipped_table_is_the_domain_table_in_order():
    assert [(rule.id, rule.rating.value) for rule in RULES.rules] == [
        ("R1", "RED"), ("R2", "RED"), ("R3", "RED"), ("R4", "RED"), ("R5", "RED"), ("R6", "RED"),
        ("R7", "RED"), ("A1", "AMBER"), ("A2", "AMBER"), ("A3", "AMBER"), ("A4", "AMBER"),
        ("A5", "AMBER"), ("A6", "AMBER"), ("G1", "GREEN"),
    ]  # fmt: skip
    assert all(rule.reason for rule in RULES.rules)


def test_the_shipped_file_is_found_inside_the_package():
    assert SHIPPED_RULES.is_file() and SHIPPED_RULES.parent == Path(mash_tui.__file__).resolve().parent / "data"


def test_the_domain_example_is_red_for_physical_abuse_by_an_adult_with_an_injury():
    example = parse_contacts((FIXTURES / "four_contacts.json").read_text(encoding="utf-8"))[0]
    found = recommend(example, RULES)
    assert (found.rag, found.rules, found.flags) == (RagLevel.RED, ("R5",), ())
    assert found.reasons == ("Physical abuse by an adult with an injury",)


def test_nothing_recorded_is_none():
    found = recommend(contact_with(), RULES)
    assert (found.rag, found.rules, found.reasons, found.flags) == (RagLevel.NONE, (), (), ())


# RED ---------------------------------------------------------------------------------------------


def test_r1_immediate_danger():
    assert rated(contact_with(immediate_danger=True)) == ("RED", ["R1"])
    assert rated(contact_with(immediate_danger=False)) == ("none", [])


@pytest.mark.parametrize("injury", ["minor", "serious"])
def test_r2_any_injury_to_a_baby_under_six_months(injury):
    assert "R2" in rated(contact_with(injury=injury, children=BABY_FIVE_MONTHS))[1]
    assert rated(contact_with(injury="minor", children=BABY_FIVE_MONTHS))[0] == "RED"


def test_r2_the_age_decides_whatever_mobility_says():
    baby = [child(dob="2026-06-25", independently_mobile=True)]
    assert rated(contact_with(injury="minor", children=baby)) == ("RED", ["R2"])


def test_r2_not_at_six_months_when_mobility_is_not_recorded():
    six_months = [child(dob="2026-05-24")]
    assert rated(contact_with(injury="minor", children=six_months)) == ("none", [])


def test_r2_a_child_recorded_as_not_independently_mobile_at_any_age():
    older = [child(dob="2014-01-01", independently_mobile=False)]
    assert rated(contact_with(injury="minor", children=older)) == ("RED", ["R2"])


def test_r2_needs_an_injury():
    assert rated(contact_with(injury="none", children=BABY_FIVE_MONTHS)) == ("none", [])


def test_r2_any_child_on_the_contact_counts():
    children = [child(dob="2015-01-01"), child(dob="2026-10-01")]
    assert rated(contact_with(injury="minor", children=children)) == ("RED", ["R2"])


def test_r2_an_unborn_child_is_not_a_non_mobile_child():
    unborn = [child(unborn_due_date="2027-01-01", independently_mobile=False)]
    assert rated(contact_with(injury="minor", children=unborn)) == ("none", [])


def test_r2_an_estimated_age_of_0_is_a_baby_under_six_months():
    assert rated(contact_with(injury="minor", children=[child(estimated_age=0)])) == ("RED", ["R2"])


def test_r2_uses_the_policy_age_for_non_mobile():
    eight_months = [child(dob="2026-03-20")]
    assert rated(contact_with(injury="minor", children=eight_months)) == ("none", [])
    assert rated(contact_with(injury="minor", children=eight_months), non_mobile_under_months=9) == ("RED", ["R2"])
    assert default_policy().rag.non_mobile_under_months == 6


def test_r2_ages_on_the_london_date():
    # 23:30 UTC on 31 May 2026 is 1 June in London: a baby born 1 December 2025 is 6 months old.
    baby = [child(dob="2025-12-01")]
    assert rated(contact_with(injury="minor", children=baby, received_at="2026-05-31T23:30:00+00:00"))[0] == "none"
    assert rated(contact_with(injury="minor", children=baby, received_at="2026-05-31T22:30:00+00:00"))[0] == "RED"


def test_r3_serious_injury():
    assert rated(contact_with(injury="serious", children=SEVEN_YEAR_OLD)) == ("RED", ["R3"])
    assert rated(contact_with(injury="minor", children=SEVEN_YEAR_OLD)) == ("none", [])


@pytest.mark.parametrize("code", ["19B", "19C"])
def test_r4_sexual_abuse(code):
    assert rated(contact_with(categories=[code])) == ("RED", ["R4"])


@pytest.mark.parametrize("injury", ["minor", "serious"])
def test_r5_physical_abuse_by_an_adult_with_an_injury(injury):
    assert "R5" in rated(contact_with(categories=["18C"], injury=injury))[1]


def test_r5_not_without_an_injury_that_is_a2():
    assert rated(contact_with(categories=["18C"])) == ("AMBER", ["A2"])


def test_r5_not_for_child_on_child_abuse():
    assert rated(contact_with(categories=["18B"], injury="minor")) == ("AMBER", ["A2"])


@pytest.mark.parametrize("code", ["22A", "12A"])
def test_r6_fgm_and_trafficking(code):
    assert rated(contact_with(categories=[code])) == ("RED", ["R6"])


@pytest.mark.parametrize("code", ["3A", "3B", "3C"])
def test_r7_high_risk_domestic_abuse_with_a_child_present(code):
    found = recommend(contact_with(categories=[code], dash_score=14, child_present_at_incident=True), RULES)
    assert (found.rag, found.rules) == (RagLevel.RED, ("R7", "A1"))
    assert "marac_referral" in found.flags


def test_r7_a_child_living_there_is_enough():
    assert rated(contact_with(categories=["3B"], dash_score=20, adults=LIVES_WITH_CHILD)) == ("RED", ["R7", "A1"])


def test_r7_not_below_dash_14():
    assert rated(contact_with(categories=["3B"], dash_score=13, child_present_at_incident=True)) == ("AMBER", ["A1"])


def test_r7_not_without_a_child_present_or_living_there():
    adults = [{"relationship": "father", "lives_with_child": False}]
    contact = contact_with(categories=["3B"], dash_score=20, child_present_at_incident=False, adults=adults)
    assert rated(contact) == ("GREEN", ["G1"])


def test_r7_not_without_a_domestic_abuse_category():
    found = recommend(contact_with(dash_score=20, child_present_at_incident=True), RULES)
    assert (found.rag, found.rules, found.flags) == (RagLevel.NONE, (), ("marac_referral",))


# AMBER -------------------------------------------------------------------------------------------


def test_a1_domestic_abuse_with_a_child_present():
    assert rated(contact_with(categories=["3C"], child_present_at_incident=True)) == ("AMBER", ["A1"])


def test_a1_unknown_presence_is_not_presence():
    assert rated(contact_with(categories=["3A"], child_present_at_incident=None)) == ("GREEN", ["G1"])


@pytest.mark.parametrize(
    ("categories", "injury"),
    [(["18B"], "none"), (["18B"], "minor"), (["18C"], "none"), (["17A"], "none"), (["16A"], "none")],
)
def test_a2_physical_emotional_abuse_and_neglect(categories, injury):
    assert rated(contact_with(categories=categories, injury=injury)) == ("AMBER", ["A2"])


def test_a2_does_not_claim_adult_abuse_with_injury():
    assert rated(contact_with(categories=["18C"], injury="minor", children=SEVEN_YEAR_OLD)) == ("RED", ["R5"])


def test_a2_with_neglect_beside_adult_abuse_with_injury():
    contact = contact_with(categories=["18C", "16A"], injury="minor", children=SEVEN_YEAR_OLD)
    assert rated(contact) == ("RED", ["R5", "A2"])


@pytest.mark.parametrize("code", ["11A", "24A", "13A", "10A", "15A"])
def test_a3_exploitation_gangs_missing_self_harm(code):
    assert rated(contact_with(categories=[code])) == ("AMBER", ["A3"])


@pytest.mark.parametrize("code", ["1B", "2B", "4B"])
def test_a4_parental_misuse_or_mental_health_with_a_child_under_5(code):
    assert rated(contact_with(categories=[code], children=[child(dob="2022-01-01")])) == ("AMBER", ["A4"])


def test_a4_an_unborn_child_counts_as_under_5():
    assert rated(contact_with(categories=["2B"], children=[child(unborn_due_date="2027-03-01")])) == ("AMBER", ["A4"])


def test_a4_an_estimated_age_of_4_is_under_5():
    assert rated(contact_with(categories=["4B"], children=[child(estimated_age=4)])) == ("AMBER", ["A4"])


def test_a4_not_at_5():
    five = [child(dob="2021-11-24")]
    assert rated(contact_with(categories=["1B"], children=five)) == ("GREEN", ["G1"])


def test_a4_not_for_the_childs_own_or_another_household_members_misuse():
    baby = [child(dob="2024-01-01")]
    assert rated(contact_with(categories=["1A", "4C"], children=baby)) == ("GREEN", ["G1"])


def test_a5_allegation_against_a_professional_flags_the_lado():
    found = recommend(contact_with(allegation_against_professional=True), RULES)
    assert (found.rag, found.rules, found.flags) == (RagLevel.AMBER, ("A5",), ("lado_referral",))
    assert "LADO" in found.reasons[0]
    assert recommend(contact_with(allegation_against_professional=False), RULES).flags == ()


@pytest.mark.parametrize("code", ["23A", "8B", "8C", "8D", "8E", "8F", "9A"])
def test_a6_faith_private_fostering_unaccompanied(code):
    assert rated(contact_with(categories=[code])) == ("AMBER", ["A6"])


# GREEN -------------------------------------------------------------------------------------------

RULED_CATEGORIES = {"19B", "19C", "18B", "18C", "22A", "12A", "17A", "16A", "11A", "24A", "13A", "10A", "15A",
                    "23A", "8B", "8C", "8D", "8E", "8F", "9A"}  # fmt: skip


@pytest.mark.parametrize("code", sorted(set(CONCERN_CATEGORIES) - RULED_CATEGORIES))
def test_g1_any_other_category_on_its_own_is_green(code):
    assert rated(contact_with(categories=[code], children=SEVEN_YEAR_OLD)) == ("GREEN", ["G1"])


def test_g1_also_fires_beside_a_higher_rule_when_a_category_is_left_uncovered():
    # G1 reports a recorded category that no fired rule covers; it never changes a higher rating.
    found = recommend(contact_with(categories=["20", "19C"]), RULES)
    assert (found.rag, found.rules) == (RagLevel.RED, ("R4", "G1"))
    assert "no higher rule covers" in found.reasons[1]


def test_g1_does_not_fire_when_every_category_is_covered():
    assert rated(contact_with(categories=["19C", "16A"])) == ("RED", ["R4", "A2"])


def test_g1_covers_a_category_whose_rule_did_not_fire():
    assert rated(contact_with(categories=["3A"], immediate_danger=True)) == ("RED", ["R1", "G1"])


def test_g1_needs_a_category():
    assert rated(contact_with(immediate_danger=True)) == ("RED", ["R1"])


# Flags and repeats -------------------------------------------------------------------------------


def test_marac_at_dash_14_whatever_the_category():
    assert recommend(contact_with(categories=["20"], dash_score=14), RULES).flags == ("marac_referral",)
    assert recommend(contact_with(categories=["20"], dash_score=13), RULES).flags == ()


def test_operation_encompass_needs_domestic_abuse_a_police_reference_and_a_school():
    school = [child(dob="2016-01-01", school="Synthetic Primary")]
    found = recommend(contact_with(categories=["3A"], police_reference="EX/1", children=school), RULES)
    assert found.flags == ("operation_encompass",)
    assert recommend(contact_with(categories=["3A"], children=school), RULES).flags == ()
    assert recommend(contact_with(categories=["3A"], police_reference="EX/1"), RULES).flags == ()
    assert recommend(contact_with(categories=["16A"], police_reference="EX/1", children=school), RULES).flags == ()


def test_flags_come_in_a_stable_order():
    contact = contact_with(
        categories=["3B"],
        dash_score=16,
        police_reference="EX/2",
        allegation_against_professional=True,
        children=[child(dob="2016-01-01", school="Synthetic Primary")],
    )
    assert recommend(contact, RULES).flags == ("lado_referral", "marac_referral", "operation_encompass")


@pytest.mark.parametrize(
    ("contact", "before", "after", "raised"),
    [
        (contact_with(), "none", "GREEN", True),
        (contact_with(categories=["20"]), "GREEN", "AMBER", True),
        (contact_with(categories=["16A"]), "AMBER", "RED", True),
        (contact_with(categories=["19C"]), "RED", "RED", False),
    ],
)
def test_a_repeat_contact_raises_one_level_never_above_red(contact, before, after, raised):
    found = recommend(contact, RULES, repeat_contact=True)
    assert (found.rated_by_rules.value, found.rag.value, found.raised_for_repeat) == (before, after, raised)
    assert recommend(contact, RULES).raised_for_repeat is False


def test_rules_and_reasons_come_in_table_order():
    contact = contact_with(categories=["16A", "19B"], immediate_danger=True, injury="serious")
    found = recommend(contact, RULES)
    assert found.rules == ("R1", "R3", "R4", "A2")
    by_id = {rule.id: rule.reason for rule in RULES.rules}
    assert found.reasons == tuple(by_id[rule_id] for rule_id in found.rules)


# The rules file ----------------------------------------------------------------------------------

GOOD_RULE = """
[[rule]]
id = "X1"
reason = "Synthetic rule"
rating = "AMBER"
when = { any_category = ["20"] }
"""


def test_a_hub_may_write_its_own_rules(tmp_path):
    path = tmp_path / "rules.toml"
    path.write_text(GOOD_RULE, encoding="utf-8")
    rules = load_rules(path)
    found = recommend(contact_with(categories=["20"]), rules)
    assert (found.rag, found.rules) == (RagLevel.AMBER, ("X1",))
    assert recommend(contact_with(categories=["7A"]), rules).rag is RagLevel.NONE


@pytest.mark.parametrize(
    ("change", "words"),
    [
        (('when = { any_category = ["20"] }', 'when = { colour = "red" }'), "rule X1: unknown condition 'colour'"),
        (('rating = "AMBER"', 'rating = "PURPLE"'), "rule X1: rating 'PURPLE' must be one of RED, AMBER, GREEN"),
        (('rating = "AMBER"', 'rating = "none"'), "rule X1: rating 'none'"),
        (('reason = "Synthetic rule"\n', ""), "rule X1: missing 'reason'"),
        (('reason = "Synthetic rule"', 'reason = " "'), "rule X1: reason must be non-empty text"),
        (('when = { any_category = ["20"] }', ""), "rule X1: missing 'when'"),
        (('when = { any_category = ["20"] }', "when = {}"), "rule X1: when must be a table with at least one"),
        (('["20"]', '["21"]'), "rule X1: any_category: '21' is not one of"),
        (('["20"]', "[]"), "rule X1: any_category must be a non-empty list"),
        (('any_category = ["20"]', "immediate_danger = false"), "rule X1: immediate_danger can only be true"),
        (('any_category = ["20"]', "dash_at_least = 30"), "rule X1: dash_at_least must be a whole number"),
        (('any_category = ["20"]', "child_under_years = true"), "rule X1: child_under_years must be a whole number"),
        (('any_category = ["20"]', "fallback = true, immediate_danger = true"), "rule X1: fallback = true must be"),
        (('any_category = ["20"]', "any_of = [{ fallback = true }]"), "rule X1: fallback = true must be"),
        (('any_category = ["20"]', "any_of = []"), "rule X1: any_of must be a non-empty list"),
        (('any_category = ["20"]', 'injury_in = ["bruise"]'), "rule X1: injury_in: 'bruise' is not one of"),
        (('rating = "AMBER"', 'rating = "AMBER"\nflags = ["call_mum"]'), "rule X1: flags must be a list drawn"),
        (('rating = "AMBER"', 'rating = "AMBER"\ncolour = "red"'), "rule X1: unknown key 'colour'"),
        (('id = "X1"\n', ""), "rule number 1: missing 'id'"),
    ],
)
def test_a_bad_rule_is_refused_with_its_id_and_the_problem(change, words):
    old, new = change
    assert old in GOOD_RULE
    with pytest.raises(RulesError) as caught:
        parse_rules(GOOD_RULE.replace(old, new))
    assert str(caught.value).startswith(words)


def test_a_duplicate_rule_id_is_refused():
    with pytest.raises(RulesError, match="rule X1: the id is used twice"):
        parse_rules(GOOD_RULE + GOOD_RULE)


def test_a_bad_flag_entry_is_refused():
    entry = '\n[[flag]]\nflag = "bat_signal"\nreason = "Synthetic"\nwhen = { dash_at_least = 14 }\n'
    with pytest.raises(RulesError, match="flag number 1: flag 'bat_signal' must be one of"):
        parse_rules(GOOD_RULE + entry)
    entry = '\n[[flag]]\nflag = "marac_referral"\nreason = "Synthetic"\nwhen = { fallback = true }\n'
    with pytest.raises(RulesError, match="flag marac_referral: fallback only applies to a"):
        parse_rules(GOOD_RULE + entry)


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("[[rule]\n", "not valid TOML"),
        ("", "the file defines no [[rule]]"),
        (GOOD_RULE + "\n[colours]\nred = 1\n", "unknown table 'colours'"),
        ('rule = "R1"', "rule must be written as [[rule]] tables"),
    ],
)
def test_a_bad_rules_file_is_refused(text, words):
    with pytest.raises(RulesError, match=words.replace("[", r"\[")):
        parse_rules(text)


def test_a_missing_rules_file_is_refused_naming_it(tmp_path):
    with pytest.raises(RulesError, match="nowhere.toml: cannot be read"):
        load_rules(tmp_path / "nowhere.toml")


def test_a_loaded_file_error_names_the_file(tmp_path):
    path = tmp_path / "hub.toml"
    path.write_text(GOOD_RULE.replace('"AMBER"', '"BLUE"'), encoding="utf-8")
    with pytest.raises(RulesError, match=r"hub.toml: rule X1: rating 'BLUE'"):
        load_rules(path)


def test_every_shipped_rule_reason_is_plain_text():
    shipped = tomllib.loads(SHIPPED_RULES.read_text(encoding="utf-8"))
    assert [entry["id"] for entry in shipped["rule"]] == [rule.id for rule in RULES.rules]
    assert [entry["flag"] for entry in shipped["flag"]] == ["marac_referral", "operation_encompass"]


# Properties --------------------------------------------------------------------------------------

CODES = sorted(CONCERN_CATEGORIES)
INJURY_ORDER = ["none", "minor", "serious"]


@st.composite
def children_lists(draw: st.DrawFn) -> list[dict]:
    age_facts = st.one_of(
        st.dates(min_value=date(2009, 1, 1), max_value=date(2026, 11, 24)).map(lambda day: {"dob": day.isoformat()}),
        st.integers(0, 17).map(lambda years: {"estimated_age": years}),
        st.just({"unborn_due_date": "2027-02-01"}),
    )
    extras = st.fixed_dictionaries(
        {},
        optional={
            "independently_mobile": st.one_of(st.none(), st.booleans()),
            "school": st.sampled_from(["Synthetic Primary", None]),
        },
    )
    one_child = st.tuples(age_facts, extras).map(lambda parts: child(**parts[0], **parts[1]))
    return draw(st.lists(one_child, min_size=1, max_size=3))


@st.composite
def contact_facts(draw: st.DrawFn) -> dict:
    return {
        "categories": draw(st.lists(st.sampled_from(CODES), unique=True, max_size=4)),
        "children": draw(children_lists()),
        "adults": draw(st.lists(st.fixed_dictionaries({"lives_with_child": st.booleans()}), max_size=2)),
        "injury": draw(st.sampled_from(INJURY_ORDER)),
        "immediate_danger": draw(st.booleans()),
        "allegation_against_professional": draw(st.booleans()),
        "child_present_at_incident": draw(st.one_of(st.none(), st.booleans())),
        "dash_score": draw(st.one_of(st.none(), st.integers(0, 27))),
        "police_reference": draw(st.sampled_from([None, "EX/9"])),
    }


def rating_of(facts: dict, **options) -> RagLevel:
    return recommend(contact_with(**facts), RULES, **options).rag


@settings(max_examples=150, deadline=None)
@given(contact_facts(), st.sampled_from(CODES))
def test_adding_a_concern_category_never_lowers_the_rating(facts, extra):
    more = {**facts, "categories": sorted({*facts["categories"], extra})}
    assert rating_of(more) >= rating_of(facts)


@settings(max_examples=150, deadline=None)
@given(contact_facts())
def test_a_worse_injury_never_lowers_the_rating(facts):
    worse = INJURY_ORDER[min(INJURY_ORDER.index(facts["injury"]) + 1, 2)]
    assert rating_of({**facts, "injury": worse}) >= rating_of(facts)


@settings(max_examples=150, deadline=None)
@given(
    contact_facts(),
    st.sampled_from(
        [
            {"immediate_danger": True},
            {"allegation_against_professional": True},
            {"child_present_at_incident": True},
            {"dash_score": 27},
            {"police_reference": "EX/10"},
        ]
    ),
)
def test_adding_a_danger_flag_never_lowers_the_rating(facts, danger):
    assert rating_of({**facts, **danger}) >= rating_of(facts)


@settings(max_examples=100, deadline=None)
@given(contact_facts(), st.randoms(use_true_random=False))
def test_the_order_of_children_and_categories_does_not_matter(facts, random):
    shuffled = {**facts, "children": list(facts["children"]), "categories": list(facts["categories"])}
    random.shuffle(shuffled["children"])
    random.shuffle(shuffled["categories"])
    first = recommend(contact_with(**facts), RULES)
    again = recommend(contact_with(**shuffled), RULES)
    assert (first.rag, first.rules, first.reasons, first.flags) == (again.rag, again.rules, again.reasons, again.flags)


@settings(max_examples=100, deadline=None)
@given(contact_facts())
def test_a_repeat_raises_exactly_one_level_and_rules_match_reasons(facts):
    contact = contact_with(**facts)
    plain = recommend(contact, RULES)
    repeat = recommend(contact, RULES, repeat_contact=True)
    assert repeat.rag is plain.rag.raised_one_level()
    assert repeat.rules == plain.rules and len(plain.rules) == len(plain.reasons)
    assert (plain.rag is RagLevel.NONE) == (not plain.rules)


def test_the_fixture_file_rates_as_documented():
    contacts = parse_contacts((FIXTURES / "four_contacts.jsonl").read_text(encoding="utf-8"))
    assert [recommend(contact, RULES).rag.value for contact in contacts] == ["RED", "AMBER", "GREEN", "none"]
