"""The RAG recommendation of DOMAIN.md section 4: rules (`mash_tui/data/rag_rules.toml`), applied to a contact.

The software recommends and shows every reason; people decide. Rules are data so a hub can change
them, and a rules text that cannot be read exactly is refused rather than half applied. Finding and
reading the file is `mash_tui.config`'s job (`load_rules`); this module parses the text it is given.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from typing import Any

from mash_tui.domain.codes import CONCERN_CATEGORIES, FLAGS, INJURIES, RagLevel
from mash_tui.domain.contact import Contact, child_age

_FACT_CONDITIONS = (
    "immediate_danger",
    "allegation_against_professional",
    "non_mobile_child",
    "child_present_or_living_there",
    "police_reference_given",
    "child_has_school",
)
_CODE_LIST_CONDITIONS = {"any_category": CONCERN_CATEGORIES, "injury_in": INJURIES}
_NUMBER_CONDITIONS = {"dash_at_least": (0, 27), "child_under_years": (1, 18)}
_CONDITIONS = (*_FACT_CONDITIONS, *_CODE_LIST_CONDITIONS, *_NUMBER_CONDITIONS, "any_of", "fallback")
_RATINGS = {level.value: level for level in reversed(RagLevel) if level is not RagLevel.NONE}


class RulesError(ValueError):
    """A rules file that cannot be used; the message names the rule and the problem."""


@dataclass(frozen=True)
class Condition:
    """Every part given must hold; an empty part is not checked."""

    facts: frozenset[str] = frozenset()
    any_category: frozenset[str] | None = None
    injury_in: frozenset[str] | None = None
    dash_at_least: int | None = None
    child_under_years: int | None = None
    any_of: tuple[Condition, ...] = ()
    fallback: bool = False


@dataclass(frozen=True)
class Rule:
    id: str
    reason: str
    rating: RagLevel
    when: Condition
    flags: tuple[str, ...] = ()


@dataclass(frozen=True)
class FlagRule:
    flag: str
    reason: str
    when: Condition


@dataclass(frozen=True)
class RuleSet:
    rules: tuple[Rule, ...]
    flag_rules: tuple[FlagRule, ...] = ()


@dataclass(frozen=True)
class Recommendation:
    rag: RagLevel
    rules: tuple[str, ...]
    reasons: tuple[str, ...]
    flags: tuple[str, ...]
    raised_for_repeat: bool
    rated_by_rules: RagLevel


def parse_rules(text: str) -> RuleSet:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise RulesError(f"not valid TOML: {error}") from None
    unknown = sorted(set(data) - {"rule", "flag"})
    if unknown:
        raise RulesError(f"unknown table {unknown[0]!r}; a rules file holds [[rule]] and [[flag]] tables")
    rules = tuple(_rule(position, entry) for position, entry in enumerate(_tables(data, "rule")))
    if not rules:
        raise RulesError("the file defines no [[rule]]")
    seen: set[str] = set()
    for rule in rules:
        if rule.id in seen:
            raise RulesError(f"rule {rule.id}: the id is used twice")
        seen.add(rule.id)
    flag_rules = tuple(_flag_rule(position, entry) for position, entry in enumerate(_tables(data, "flag")))
    return RuleSet(rules=rules, flag_rules=flag_rules)


def _tables(data: dict[str, Any], key: str) -> list[Any]:
    entries = data.get(key, [])
    if not isinstance(entries, list):
        raise RulesError(f"{key} must be written as [[{key}]] tables")
    return entries


def _rule(position: int, entry: Any) -> Rule:
    name = f"rule number {position + 1}"
    if isinstance(entry, dict) and isinstance(entry.get("id"), str) and entry["id"].strip():
        name = f"rule {entry['id']}"
    try:
        _only_keys(entry, required={"id", "reason", "rating", "when"}, optional={"flags"})
        rule_id = _text(entry, "id")
        name = f"rule {rule_id}"
        rating = entry["rating"]
        if rating not in _RATINGS:
            raise RulesError(f"rating {rating!r} must be one of {', '.join(_RATINGS)}")
        flags = entry.get("flags", [])
        if not isinstance(flags, list) or any(flag not in FLAGS for flag in flags):
            raise RulesError(f"flags must be a list drawn from {', '.join(FLAGS)}")
        when = _condition(entry["when"], top_level=True)
        return Rule(rule_id, _text(entry, "reason"), _RATINGS[rating], when, tuple(dict.fromkeys(flags)))
    except RulesError as error:
        raise RulesError(f"{name}: {error}") from None


def _flag_rule(position: int, entry: Any) -> FlagRule:
    name = f"flag number {position + 1}"
    try:
        _only_keys(entry, required={"flag", "reason", "when"}, optional=set())
        flag = entry["flag"]
        if flag not in FLAGS:
            raise RulesError(f"flag {flag!r} must be one of {', '.join(FLAGS)}")
        name = f"flag {flag}"
        when = _condition(entry["when"], top_level=True)
        if when.fallback:
            raise RulesError("fallback only applies to a [[rule]]")
        return FlagRule(flag, _text(entry, "reason"), when)
    except RulesError as error:
        raise RulesError(f"{name}: {error}") from None


def _only_keys(entry: Any, *, required: set[str], optional: set[str]) -> None:
    if not isinstance(entry, dict):
        raise RulesError("must be a table")
    unknown = sorted(set(entry) - required - optional)
    if unknown:
        raise RulesError(f"unknown key {unknown[0]!r}")
    missing = sorted(required - set(entry))
    if missing:
        raise RulesError(f"missing {missing[0]!r}")


def _text(entry: dict[str, Any], key: str) -> str:
    value = entry[key]
    if not isinstance(value, str) or not value.strip():
        raise RulesError(f"{key} must be non-empty text")
    return value


def _condition(table: Any, *, top_level: bool) -> Condition:
    if not isinstance(table, dict) or not table:
        raise RulesError("when must be a table with at least one condition")
    unknown = sorted(set(table) - set(_CONDITIONS))
    if unknown:
        raise RulesError(f"unknown condition {unknown[0]!r}; conditions are {', '.join(_CONDITIONS)}")
    if "fallback" in table:
        if not top_level or len(table) > 1 or table["fallback"] is not True:
            raise RulesError("fallback = true must be a rule's only condition")
        return Condition(fallback=True)
    for name in _FACT_CONDITIONS:
        if name in table and table[name] is not True:
            raise RulesError(f"{name} can only be true")
    code_lists = {name: _code_list(name, table[name]) for name in _CODE_LIST_CONDITIONS if name in table}
    numbers = {name: _number(name, table[name]) for name in _NUMBER_CONDITIONS if name in table}
    branches = table.get("any_of", [])
    if "any_of" in table and (not isinstance(branches, list) or not branches):
        raise RulesError("any_of must be a non-empty list of condition tables")
    return Condition(
        facts=frozenset(name for name in _FACT_CONDITIONS if name in table),
        any_of=tuple(_condition(branch, top_level=False) for branch in branches),
        **code_lists,
        **numbers,
    )


def _code_list(name: str, codes: Any) -> frozenset[str]:
    allowed = _CODE_LIST_CONDITIONS[name]
    if not isinstance(codes, list) or not codes:
        raise RulesError(f"{name} must be a non-empty list")
    for code in codes:
        if code not in allowed:
            raise RulesError(f"{name}: {code!r} is not one of {', '.join(allowed)}")
    return frozenset(codes)


def _number(name: str, value: Any) -> int:
    low, high = _NUMBER_CONDITIONS[name]
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise RulesError(f"{name} must be a whole number from {low} to {high}")
    return value


@dataclass(frozen=True)
class _Facts:
    categories: frozenset[str]
    injury: str
    dash_score: int | None
    youngest_years: int
    immediate_danger: bool
    allegation_against_professional: bool
    non_mobile_child: bool
    child_present_or_living_there: bool
    police_reference_given: bool
    child_has_school: bool


def _facts(contact: Contact, non_mobile_under_months: int) -> _Facts:
    concerns = contact.concerns
    ages = [(child, child_age(child, contact.received_at)) for child in contact.children]
    # An unborn child cannot carry the bruising a non-mobile baby's rule is about; the unborn
    # child is covered by A4 and by the injury rules that do not ask about mobility.
    non_mobile = any(
        not age.unborn and (age.months < non_mobile_under_months or child.independently_mobile is False)
        for child, age in ages
    )
    return _Facts(
        categories=frozenset(concerns.categories),
        injury=concerns.injury,
        dash_score=concerns.dash_score,
        youngest_years=min(age.years for _, age in ages),
        immediate_danger=concerns.immediate_danger,
        allegation_against_professional=concerns.allegation_against_professional,
        non_mobile_child=non_mobile,
        child_present_or_living_there=concerns.child_present_at_incident is True
        or any(adult.lives_with_child for adult in contact.adults),
        police_reference_given=concerns.police_reference is not None,
        child_has_school=any(child.school is not None for child in contact.children),
    )


def _categories_if_holds(condition: Condition, facts: _Facts) -> frozenset[str] | None:
    """None when the condition fails; otherwise the recorded categories it relied on."""
    if not all(getattr(facts, name) for name in condition.facts):
        return None
    if condition.injury_in is not None and facts.injury not in condition.injury_in:
        return None
    if condition.dash_at_least is not None:
        if facts.dash_score is None or facts.dash_score < condition.dash_at_least:
            return None
    if condition.child_under_years is not None and not facts.youngest_years < condition.child_under_years:
        return None
    relied_on: frozenset[str] = frozenset()
    if condition.any_category is not None:
        relied_on = condition.any_category & facts.categories
        if not relied_on:
            return None
    if condition.any_of:
        branches = [_categories_if_holds(branch, facts) for branch in condition.any_of]
        held = [found for found in branches if found is not None]
        if not held:
            return None
        relied_on = relied_on.union(*held)
    return relied_on


def recommend(
    contact: Contact,
    rules: RuleSet,
    *,
    non_mobile_under_months: int = 6,
    repeat_contact: bool = False,
) -> Recommendation:
    """The highest rating of the rules that fire, raised one level for a repeat contact.

    The fallback rule (G1) fires when a recorded category is not one a fired rule relied on, even
    beside a higher rule: every recorded concern is then accounted for in the reasons, and the
    rating cannot change because GREEN is the lowest.

    Repeat raising is literal: a repeat contact with nothing else recorded becomes GREEN, because
    repeats treated one at a time are how patterns of harm are missed.
    """
    facts = _facts(contact, non_mobile_under_months)
    covered: set[str] = set()
    fired: set[str] = set()
    for rule in rules.rules:
        if rule.when.fallback:
            continue
        relied_on = _categories_if_holds(rule.when, facts)
        if relied_on is not None:
            fired.add(rule.id)
            covered |= relied_on
    if facts.categories - covered:
        fired |= {rule.id for rule in rules.rules if rule.when.fallback}
    in_order = [rule for rule in rules.rules if rule.id in fired]

    flags = {flag for rule in in_order for flag in rule.flags}
    flags |= {entry.flag for entry in rules.flag_rules if _categories_if_holds(entry.when, facts) is not None}
    rated = max((rule.rating for rule in in_order), default=RagLevel.NONE)
    rag = rated.raised_one_level() if repeat_contact else rated
    return Recommendation(
        rag=rag,
        rules=tuple(rule.id for rule in in_order),
        reasons=tuple(rule.reason for rule in in_order),
        flags=tuple(flag for flag in FLAGS if flag in flags),
        raised_for_repeat=rag is not rated,
        rated_by_rules=rated,
    )
