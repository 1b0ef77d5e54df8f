"""`mash.notification/1` records for tests: a valid one to start from, and DASH answers."""

from __future__ import annotations

import copy
from typing import Any

from mash_tui.domain.police.record import DASH_QUESTIONS

_MINIMAL: dict[str, Any] = {
    "schema": "mash.notification/1",
    "police_ref": "DV/26/000101",
    "received_at": "2026-11-24T07:05:00+00:00",
    "incident_at": "2026-11-23T22:40:00+00:00",
    "incident_type": "domestic_abuse",
    "location": {"address": "12 Mill Lane, Tipton", "postcode": "DY4 7AA"},
    "victim": {"first_name": "Kerry", "last_name": "Brown", "dob": "1992-05-01", "sex": "female"},
    "perpetrator": {"first_name": "Dean", "last_name": "Brown", "dob": "1990-07-14", "sex": "male",
                    "visor_subject": False, "serial_offender": False},
    "children": [{"first_name": "Amelia", "last_name": "Brown", "dob": "2019-03-02", "sex": "female",
                  "present": True, "school": {"name": "Oakfield Primary", "urn": "103456"}}],
    "dash": None,
    "officer_grade": "standard",
    "previous_incidents_12m": 0,
    "narrative": "Neighbours heard shouting; the mother had a red mark on her arm.",
    "officer": {"name": "PC Hale", "collar_number": "4471"},
}


def notification_record(**changes: Any) -> dict[str, Any]:
    record = copy.deepcopy(_MINIMAL)
    record.update(copy.deepcopy(changes))
    return record


def dash_answers(yes: int, not_known: int = 0) -> dict[str, Any]:
    """`yes` answers first, then `not_known`, the rest `no`."""
    answers = {}
    for position, question in enumerate(DASH_QUESTIONS):
        answers[question] = "yes" if position < yes else "not_known" if position < yes + not_known else "no"
    return {"answers": answers}
