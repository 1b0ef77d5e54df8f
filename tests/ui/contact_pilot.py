"""What the contact screen tests share: a filled record, a fixed machine prefix, and Pilot steps."""

from __future__ import annotations

import copy
import time
from collections.abc import Callable
from typing import Any

from textual.pilot import Pilot
from textual.widgets import Input, TextArea

from mash_tui.app import MashApp
from mash_tui.domain.roles import Actor
from tests.conftest import PASSWORD

_FILLED: dict[str, Any] = {
    "schema": "mash.contact/1",
    "received_at": "2026-11-24T09:12:00+00:00",
    "channel": "phone",
    "referrer": {
        "name": "Rosa Quill",
        "role": "Designated safeguarding lead",
        "organisation": "Hollybank Primary",
        "source": "2A",
        "phone": "01632 960555",
        "email": "dsl@hollybank.example",
        "relationship_to_child": "teacher",
        "anonymous": False,
        "wants_feedback": True,
    },
    "children": [
        {
            "first_name": "Maisie",
            "last_name": "Thorne",
            "aliases": ["Mai", "Maisy"],
            "dob": "2019-03-02",
            "estimated_age": None,
            "unborn_due_date": None,
            "sex": "female",
            "independently_mobile": True,
            "address": "4 Quarry Row, Exampleton",
            "postcode": "ZZ1 1ZZ",
            "school": "Hollybank Primary",
            "nhs_number": "999 000 0001",
            "location_now": "at school",
        },
        {
            "first_name": "Alfie",
            "last_name": "Thorne",
            "aliases": [],
            "dob": None,
            "estimated_age": 3,
            "unborn_due_date": None,
            "sex": "male",
            "independently_mobile": None,
            "address": "4 Quarry Row, Exampleton",
            "postcode": "ZZ1 1ZZ",
            "school": None,
            "nhs_number": None,
            "location_now": "at nursery",
        },
    ],
    "adults": [
        {
            "first_name": "Gareth",
            "last_name": "Thorne",
            "dob": "1990-07-14",
            "relationship": "father",
            "lives_with_child": True,
            "parental_responsibility": True,
            "alleged_perpetrator": True,
            "address": None,
            "postcode": None,
            "phone": "07700 900111",
        },
        {
            "first_name": "Lena",
            "last_name": "Thorne",
            "dob": None,
            "relationship": "mother",
            "lives_with_child": True,
            "parental_responsibility": True,
            "alleged_perpetrator": False,
            "address": None,
            "postcode": None,
            "phone": None,
        },
    ],
    "concerns": {
        "categories": ["18C", "3B"],
        "narrative": "Bruise on cheek; says dad hit her.\nMother says there is shouting most nights.",
        "injury": "minor",
        "disclosure": True,
        "immediate_danger": False,
        "child_present_at_incident": True,
        "dash_score": 11,
        "police_reference": "PR-2026-0042",
        "allegation_against_professional": False,
    },
    "consent": {
        "parents_aware": False,
        "consent_given": "not_sought",
        "reason": "Telling the father may put the child at risk",
        "agencies_agreed": ["health", "education"],
    },
    "other_agencies": [{"agency": "GP", "contact": "Dr Hale, Mill Surgery"}],
}


def filled_record() -> dict[str, Any]:
    """A valid record that fills every field of the form."""
    return copy.deepcopy(_FILLED)


def fix_machine_prefix(ctx, prefix: str = "TEST") -> None:  # noqa: ANN001
    """References carry a random per-machine prefix; snapshots need the same one every run."""
    from mash_tui.store.unit_of_work import client_state

    with ctx.store.writing() as session:
        state = client_state(session)
        state.machine_prefix = prefix
        session.add(state)


def make_app(ctx, clock) -> MashApp:  # noqa: ANN001
    return MashApp(ctx.home, clock=clock, policy=ctx.policy, ticking=False)


async def settle(pilot: Pilot) -> None:
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()


def steady_cursors(pilot: Pilot) -> None:
    for field in pilot.app.screen.query(Input):
        field.cursor_blink = False
    for area in pilot.app.screen.query(TextArea):
        area.cursor_blink = False


async def sign_in(pilot: Pilot, username: str = "olivia") -> None:
    await pilot.pause()
    await pilot.press(*username, "enter")
    await pilot.press(*PASSWORD, "enter")
    await settle(pilot)


async def open_contact_screen(pilot: Pilot, actor: Actor, **kwargs: object) -> None:
    """Straight to the contact screen, signed in as `actor`, without typing a password."""
    app = pilot.app
    await pilot.pause()
    app.actor = actor
    await app.switch_screen(app.home_screen())
    await settle(pilot)
    app.open_screen("new_contact", **kwargs)
    await settle(pilot)
    await settle(pilot)
    steady_cursors(pilot)


async def wait_until(pilot: Pilot, condition: Callable[[], bool], seconds: float) -> float:
    """Let the app run until `condition` holds; how long it took. Fails after `seconds`."""
    started = time.monotonic()
    while not condition():
        if time.monotonic() - started > seconds:
            raise AssertionError(f"not within {seconds} s")
        await pilot.pause(0.02)
        await pilot.app.workers.wait_for_complete()
    return time.monotonic() - started
