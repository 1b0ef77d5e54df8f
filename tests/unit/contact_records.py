"""Synthetic `mash.contact/1` records for tests: a minimal valid record and hypothesis strategies."""

from __future__ import annotations

import copy
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any

from hypothesis import strategies as st

from mash_tui.domain.codes import (
    AGENCIES,
    CHANNELS,
    CONCERN_CATEGORIES,
    INJURIES,
    NON_PROFESSIONAL_SOURCES,
    SEXES,
    SOURCES_OF_CONTACT,
)
from mash_tui.domain.contact import Contact, local_date

RECEIVED_AT = "2026-11-24T09:12:00+00:00"

_MINIMAL = {
    "schema": "mash.contact/1",
    "received_at": RECEIVED_AT,
    "channel": "phone",
    "referrer": {"source": "1A"},
    "children": [{"last_name": "Fenwick", "dob": "2019-03-02"}],
    "concerns": {"categories": [], "narrative": "Synthetic narrative."},
}


def minimal_record(**top: Any) -> dict[str, Any]:
    """A fresh, valid record with only the required keys; `top` replaces top-level keys."""
    record = copy.deepcopy(_MINIMAL)
    record.update(copy.deepcopy(top))
    return record


def child(**fields: Any) -> dict[str, Any]:
    return {"last_name": "Fenwick", **fields}


def contact_with(
    *,
    categories: tuple[str, ...] | list[str] = (),
    children: list[dict[str, Any]] | None = None,
    adults: list[dict[str, Any]] | None = None,
    received_at: str = RECEIVED_AT,
    **concerns: Any,
) -> Contact:
    record = minimal_record(received_at=received_at)
    record["concerns"].update(categories=list(categories), **concerns)
    if children is not None:
        record["children"] = children
    if adults is not None:
        record["adults"] = adults
    return Contact.model_validate(record)


_OFFSETS = st.sampled_from([UTC, timezone(timedelta(hours=1)), timezone(timedelta(hours=-5, minutes=-30))])
# Names, codes and short fields hold no control character; free text (narrative, reason,
# addresses) may also hold line breaks and tabs (DOMAIN.md section 6).
_CHARACTERS = st.characters(exclude_categories=("Cs", "Cc"))
_FREE_CHARACTERS = st.one_of(_CHARACTERS, st.sampled_from("\n\t"))
_ANY_TEXT = st.one_of(st.none(), st.just(""), st.just("  "), st.text(_CHARACTERS, max_size=12))
_GIVEN_TEXT = st.text(_CHARACTERS, min_size=1, max_size=12).filter(str.strip)
_ANY_FREE_TEXT = st.one_of(st.none(), st.just(""), st.just("  "), st.text(_FREE_CHARACTERS, max_size=12))
_GIVEN_FREE_TEXT = st.text(_FREE_CHARACTERS, min_size=1, max_size=12).filter(str.strip)
# The latest time a generated contact is received: no later than the tests' frozen clock, since
# a contact received more than a day ahead of the clock is refused.
LATEST_RECEIVED_AT = datetime(2026, 11, 20)
_MAYBE_BOOL = st.one_of(st.none(), st.booleans())


@st.composite
def valid_records(draw: st.DrawFn) -> dict[str, Any]:
    """Records that satisfy every rule of DOMAIN.md section 6, with optional keys in any form."""
    received_at = draw(
        st.datetimes(min_value=datetime(2001, 1, 1), max_value=LATEST_RECEIVED_AT, timezones=_OFFSETS)
    )
    received_on = local_date(received_at)
    source = draw(st.sampled_from(sorted(SOURCES_OF_CONTACT)))
    professional = source not in NON_PROFESSIONAL_SOURCES
    referrer: dict[str, Any] = {"source": source}
    for key in ("name", "role", "organisation", "phone", "email", "relationship_to_child"):
        if draw(st.booleans()):
            referrer[key] = draw(_ANY_TEXT)
    if professional:
        referrer["name"] = draw(_GIVEN_TEXT)
        referrer[draw(st.sampled_from(["phone", "email"]))] = draw(_GIVEN_TEXT)
    for key in ("anonymous", "wants_feedback"):
        if draw(st.booleans()):
            referrer[key] = draw(_MAYBE_BOOL)

    record: dict[str, Any] = {
        "schema": "mash.contact/1",
        "received_at": received_at.isoformat(),
        "channel": draw(st.sampled_from(CHANNELS)),
        "referrer": referrer,
        "children": draw(st.lists(_valid_children(received_on), min_size=1, max_size=3)),
        "concerns": draw(_valid_concerns()),
    }
    if draw(st.booleans()):
        record["adults"] = draw(st.lists(_valid_adults(), max_size=2))
    if draw(st.booleans()):
        record["consent"] = draw(_valid_consent())
    if draw(st.booleans()):
        record["other_agencies"] = draw(
            st.lists(st.fixed_dictionaries({}, optional={"agency": _ANY_TEXT, "contact": _ANY_TEXT}), max_size=2)
        )
    return record


def _valid_children(received_on: date) -> st.SearchStrategy[dict[str, Any]]:
    born = st.dates(min_value=received_on - timedelta(days=18 * 366), max_value=received_on).map(
        lambda day: {"dob": day.isoformat()}
    )
    estimated = st.integers(0, 17).map(lambda years: {"estimated_age": years})
    unborn = st.dates(min_value=received_on, max_value=received_on + timedelta(days=280)).map(
        lambda day: {"unborn_due_date": day.isoformat()}
    )
    named = st.one_of(
        st.fixed_dictionaries({"last_name": _GIVEN_TEXT}),
        st.fixed_dictionaries({"aliases": st.lists(_GIVEN_TEXT, min_size=1, max_size=2)}),
    )
    optional = {
        "first_name": _ANY_TEXT,
        "sex": st.one_of(st.none(), st.sampled_from(SEXES)),
        "independently_mobile": _MAYBE_BOOL,
        "address": _ANY_FREE_TEXT,
        "postcode": _ANY_TEXT,
        "school": _ANY_TEXT,
        "nhs_number": _ANY_TEXT,
        "location_now": _ANY_TEXT,
    }
    return st.tuples(named, st.one_of(born, estimated, unborn), st.fixed_dictionaries({}, optional=optional)).map(
        lambda parts: {**parts[0], **parts[1], **parts[2]}
    )


def _valid_adults() -> st.SearchStrategy[dict[str, Any]]:
    optional = {
        key: _MAYBE_BOOL for key in ("lives_with_child", "parental_responsibility", "alleged_perpetrator")
    } | {key: _ANY_TEXT for key in ("first_name", "last_name", "relationship", "postcode", "phone")}
    optional["address"] = _ANY_FREE_TEXT
    optional["dob"] = st.one_of(
        st.none(), st.dates(min_value=date(1940, 1, 1), max_value=LATEST_RECEIVED_AT.date()).map(date.isoformat)
    )
    return st.fixed_dictionaries({}, optional=optional)


def _valid_concerns() -> st.SearchStrategy[dict[str, Any]]:
    allowed = sorted(CONCERN_CATEGORIES)
    optional = {
        "injury": st.one_of(st.none(), st.sampled_from(INJURIES)),
        "disclosure": _MAYBE_BOOL,
        "immediate_danger": _MAYBE_BOOL,
        "child_present_at_incident": _MAYBE_BOOL,
        "dash_score": st.one_of(st.none(), st.integers(0, 27)),
        "police_reference": _ANY_TEXT,
        "allegation_against_professional": _MAYBE_BOOL,
    }
    return st.fixed_dictionaries(
        {"categories": st.lists(st.sampled_from(allowed), unique=True, max_size=4), "narrative": _GIVEN_FREE_TEXT},
        optional=optional,
    )


def _valid_consent() -> st.SearchStrategy[dict[str, Any]]:
    explained = st.fixed_dictionaries(
        {"consent_given": st.sampled_from(["no", "not_sought"]), "reason": _GIVEN_FREE_TEXT}
    )
    agreed = st.fixed_dictionaries(
        {"consent_given": st.one_of(st.none(), st.just("yes"))},
        optional={
            "reason": _ANY_FREE_TEXT,
            "agencies_agreed": st.one_of(st.none(), st.lists(st.sampled_from(AGENCIES), unique=True)),
        },
    )
    awareness = st.fixed_dictionaries({}, optional={"parents_aware": _MAYBE_BOOL})
    return st.tuples(st.one_of(explained, agreed), awareness).map(lambda parts: {**parts[0], **parts[1]})
