"""Synthetic contacts in every state the capture screen makes, for the demo store and benchmarks.

Every name, address and number is made up. `make_demo_contacts` leaves an officer with unsent
drafts (one of them unfinished, one raised as immediate danger), submitted contacts, and a
contact corrected once, so the corrected version and the one it superseded can both be seen.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from mash_tui.clock import LONDON
from mash_tui.domain.codes import AGENCIES, CHANNELS, NON_PROFESSIONAL_SOURCES
from mash_tui.domain.contact import SCHEMA
from mash_tui.domain.roles import Actor
from mash_tui.services.context import Context

_GIVEN = {
    "female": ["Ada", "Bryony", "Cerys", "Delphine", "Esme", "Fenella", "Greer", "Hattie", "Isla", "Juno", "Kezia",
               "Lettie", "Marnie", "Nell", "Orla", "Perdita", "Rosalind", "Saffy", "Tamsin", "Wren"],
    "male": ["Alfie", "Barnaby", "Cormac", "Dashiell", "Ellis", "Fenton", "Gideon", "Hal", "Ivo", "Jago", "Kit",
             "Lorcan", "Monty", "Nye", "Otto", "Piers", "Rufus", "Sol", "Tobin", "Wilf"],
}
_FAMILY = ["Ashdown", "Blackthorn", "Carrow", "Dunmore", "Eskdale", "Farrant", "Galloway", "Hebden", "Ingram",
           "Jessop", "Kettering", "Lockwood", "Marlow", "Northcott", "Oakes", "Penrose", "Quarrie", "Redfern",
           "Stannard", "Thwaite"]
_STREETS = ["Quarry Row", "Mill Lane", "Tanner Street", "Orchard Close", "Heron Way", "Station Parade"]
_TOWN = "Exampleton"
_SCHOOLS = ["Hollybank Primary", "Oakfield Primary", "St Brannoc's Academy", "Exampleton High"]
_NARRATIVES = {
    "16A": "Children seen out late without a coat; neighbour says the house is cold and there is little food.",
    "17A": "Child says she is shouted at and called names every evening; she is frightened to go home.",
    "18C": "Bruise on the cheek; child says a parent hit her with a hand.",
    "18B": "Child pushed down the stairs by an older cousin; bump on the head seen by the school nurse.",
    "3B": "Police attended a domestic incident at the home last night; the children were in the house.",
    "2B": "Health visitor worried that a parent is using drugs while caring for the baby.",
    "4B": "Parent has stopped taking medication and the children are missing school.",
    "10A": "Child went missing overnight for the third time this month and returned with new clothes.",
    "11A": "Child has an older boyfriend who collects her from school in a car; she has a new phone.",
    "20": "Family struggling since a house move; referrer wants advice about support available.",
    "15A": "Child disclosed self-harm to a teacher; fresh cuts on the forearm.",
    "19C": "Child disclosed that an adult family friend touched her; she is at school now.",
}
_PROFESSIONALS = [("2A", "Designated safeguarding lead", "school"), ("3B", "Health visitor", "health visitor"),
                  ("6", "Police constable", "police officer"), ("3A", "GP", "family doctor")]


@dataclass
class DemoContacts:
    """The references made, by the state they were left in."""

    drafts: list[str] = field(default_factory=list)
    danger_drafts: list[str] = field(default_factory=list)
    submitted: list[str] = field(default_factory=list)
    corrected: list[str] = field(default_factory=list)


def synthetic_contact(rng: random.Random, received_at: datetime, *, children: int | None = None,
                      adults: int | None = None) -> dict[str, Any]:
    """A valid `mash.contact/1` record about a made-up family."""
    family = rng.choice(_FAMILY)
    received_on = received_at.astimezone(LONDON).date()
    street = f"{rng.randint(1, 120)} {rng.choice(_STREETS)}, {_TOWN}"
    postcode = f"ZZ{rng.randint(1, 9)} {rng.randint(1, 9)}{rng.choice('ABDEFGHJ')}{rng.choice('LNPQRSTU')}"
    categories = rng.sample(sorted(_NARRATIVES), k=rng.choice([1, 1, 1, 2]))
    professional = rng.random() < 0.75
    if professional:
        source, role, relationship = rng.choice(_PROFESSIONALS)
        referrer = {"name": _person(rng), "role": role, "organisation": rng.choice(_SCHOOLS) if source == "2A" else None,
                    "source": source, "phone": _phone(rng), "email": None, "relationship_to_child": relationship,
                    "anonymous": False, "wants_feedback": rng.random() < 0.8}
    else:
        source = rng.choice(sorted(NON_PROFESSIONAL_SOURCES - {"10"}))
        anonymous = source == "9"
        referrer = {"name": None if anonymous else _person(rng), "role": None, "organisation": None,
                    "source": source, "phone": None if anonymous else _phone(rng), "email": None,
                    "relationship_to_child": None if anonymous else rng.choice(["neighbour", "aunt", "grandparent"]),
                    "anonymous": anonymous, "wants_feedback": False}
    record: dict[str, Any] = {
        "schema": SCHEMA,
        "received_at": received_at.isoformat(),
        "channel": rng.choice(CHANNELS[:3]),
        "referrer": referrer,
        "children": [_child(rng, family, street, postcode, received_on)
                     for _ in range(children if children is not None else rng.choice([1, 1, 2, 3]))],
        "adults": [_adult(rng, family, position) for position in
                   range(adults if adults is not None else rng.choice([0, 1, 1, 2]))],
        "concerns": {
            "categories": categories,
            "narrative": " ".join(_NARRATIVES[code] for code in categories),
            "injury": "minor" if {"18B", "18C"} & set(categories) else rng.choice(["none", "none", "minor"]),
            "disclosure": bool({"19C", "15A", "17A"} & set(categories)),
            "immediate_danger": False,
            "child_present_at_incident": True if "3B" in categories else None,
            "dash_score": rng.randint(3, 16) if "3B" in categories else None,
            "police_reference": f"PR-{received_on.year}-{rng.randint(1000, 9999)}" if "3B" in categories else None,
            "allegation_against_professional": False,
        },
        "consent": _consent(rng),
        "other_agencies": [{"agency": "GP", "contact": f"Dr {rng.choice(_FAMILY)}, {rng.choice(_STREETS)} Surgery"}]
        if rng.random() < 0.4 else [],
    }
    return record


def _person(rng: random.Random) -> str:
    return f"{rng.choice(_GIVEN[rng.choice(('female', 'male'))])} {rng.choice(_FAMILY)}"


def _phone(rng: random.Random) -> str:
    return f"01632 960{rng.randint(0, 999):03d}"


def _child(rng: random.Random, family: str, street: str, postcode: str, received_on: date) -> dict[str, Any]:
    sex = rng.choice(("female", "male"))
    born = received_on - timedelta(days=rng.randint(90, 16 * 365))
    known_dob = rng.random() < 0.85
    return {
        "first_name": rng.choice(_GIVEN[sex]), "last_name": family, "aliases": [],
        "dob": born.isoformat() if known_dob else None,
        "estimated_age": None if known_dob else (received_on - born).days // 365,
        "unborn_due_date": None, "sex": sex, "independently_mobile": None, "address": street,
        "postcode": postcode, "school": rng.choice(_SCHOOLS) if (received_on - born).days > 4 * 365 else None,
        "nhs_number": None, "location_now": rng.choice(["at school", "at home", "with grandparent", None]),
    }


def _adult(rng: random.Random, family: str, position: int) -> dict[str, Any]:
    relationship = ["mother", "father", "stepfather", "grandmother"][position % 4]
    sex = "female" if relationship in ("mother", "grandmother") else "male"
    return {
        "first_name": rng.choice(_GIVEN[sex]), "last_name": family,
        "dob": date(rng.randint(1970, 2002), rng.randint(1, 12), rng.randint(1, 28)).isoformat(),
        "relationship": relationship, "lives_with_child": rng.random() < 0.8,
        "parental_responsibility": relationship in ("mother", "father"),
        "alleged_perpetrator": rng.random() < 0.3, "address": None, "postcode": None,
        "phone": _phone(rng) if rng.random() < 0.5 else None,
    }


def _consent(rng: random.Random) -> dict[str, Any]:
    answer = rng.choice(["yes", "yes", "no", "not_sought"])
    reason = {"no": "Mother declined checks with health and housing",
              "not_sought": "Asking the parents may put the child at risk"}.get(answer)
    agreed = rng.sample(AGENCIES, k=rng.randint(1, 3)) if answer == "yes" and rng.random() < 0.5 else []
    return {"parents_aware": answer != "not_sought", "consent_given": answer, "reason": reason,
            "agencies_agreed": agreed}


def make_demo_contacts(ctx: Context, officer_actor: Actor, count: int, rng: random.Random) -> DemoContacts:
    """`count` contacts of the officer's: mostly submitted, some left as drafts of different kinds."""
    from mash_tui.services import contacts, queue

    made = DemoContacts()
    now = ctx.clock.now().replace(microsecond=0)
    for number in range(count):
        received = now - timedelta(hours=number * 3 + rng.randint(0, 2), minutes=rng.randint(0, 59))
        record = synthetic_contact(rng, received)
        kind = number % 8
        if kind == 1:
            # A call cut short: no date of birth or narrative yet, so it cannot be submitted as it is.
            unfinished = {**record, "concerns": {**record["concerns"], "narrative": None}}
            unfinished["children"] = [{**child, "dob": None, "estimated_age": None} for child in record["children"]]
            made.drafts.append(contacts.start_draft(ctx, officer_actor, unfinished).reference)
        elif kind == 3 and not made.danger_drafts:
            record["concerns"]["immediate_danger"] = True
            draft = contacts.start_draft(ctx, officer_actor, record)
            names = ", ".join(f"{child['first_name']} {child['last_name']}" for child in record["children"])
            queue.raise_immediate_danger(ctx, officer_actor, draft.id, names)
            made.danger_drafts.append(draft.reference)
        elif kind == 5:
            made.drafts.append(contacts.start_draft(ctx, officer_actor, record).reference)
        else:
            draft = contacts.start_draft(ctx, officer_actor, record)
            reference = contacts.submit_draft(ctx, officer_actor, draft.id).reference
            if kind == 6 and not made.corrected:
                corrected = {**record, "children": [{**record["children"][0], "location_now": "with grandparent"},
                                                    *record["children"][1:]]}
                contacts.correct_contact(ctx, officer_actor, reference, corrected)
                made.corrected.append(reference)
            else:
                made.submitted.append(reference)
    return made
