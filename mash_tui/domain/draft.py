"""A contact while it is still being typed: what is wrong with it so far, and when the call came in.

A draft is checked by the same rules as a submitted contact (`validate_contact`). But a form
half filled in is wrong in many places at once, and pydantic stops at the first wrong part of a
record: a date of birth after the call would go unmentioned until the referrer was finished. So
the parts that are still wrong are replaced by valid stand-ins and the record checked again, to
find the rules across parts early. Only the stand-ins are invented; no problem is.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from mash_tui.domain.contact import ContactFileError, ContactProblem, validate_contact

# Valid stand-ins for parts of a record that are still wrong, so that the rules across parts
# (a date of birth after the call) are checked while the officer is still typing the rest.
_STAND_INS: dict[str, Any] = {
    "channel": "phone",
    "referrer": {"source": "10"},
    "adults": [],
    "concerns": {"categories": [], "narrative": "stand-in"},
    "consent": None,
    "other_agencies": [],
}


def draft_problems(record: dict[str, Any]) -> list[ContactProblem]:
    """Everything wrong with the draft `record` that can be said yet; empty when it could be submitted."""
    try:
        validate_contact(record)
    except ContactFileError as error:
        problems = list(error.problems)
    else:
        return []
    wrong_parts = {problem.field.split(".", 1)[0] for problem in problems}
    if "received_at" in wrong_parts or not isinstance(record.get("children"), list):
        return problems
    probe = {**record, **{part: _STAND_INS[part] for part in wrong_parts & _STAND_INS.keys()}}
    probe["children"] = [_identifiable(child) for child in record["children"]]
    try:
        validate_contact(probe)
    except ContactFileError as error:
        seen = {(problem.field, problem.problem) for problem in problems}
        problems += [problem for problem in error.problems if (problem.field, problem.problem) not in seen]
    return problems


def _identifiable(child: Any) -> Any:
    """A child with stand-ins for a missing name and age, so its dates can be checked already."""
    if not isinstance(child, dict):
        return child
    child = dict(child)
    if not child.get("last_name") and not child.get("aliases"):
        child["last_name"] = "stand-in"
    if all(child.get(key) in (None, "") for key in ("dob", "estimated_age", "unborn_due_date")):
        child["estimated_age"] = 0
    return child


def received_at_of(form: dict[str, Any], fallback: datetime) -> datetime:
    """When the draft says the call came in; while that is still half typed (or has no zone), `fallback`."""
    value = form.get("received_at")
    try:
        moment = datetime.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        moment = None
    return moment if moment is not None and moment.tzinfo is not None else fallback
