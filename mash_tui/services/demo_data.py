"""The synthetic demo store: users of every role, known persons, and contacts in every state.

Everything is made up from name parts at random with a fixed seed; nobody in it is a real person.
Each capability adds its part here, so the demo shows all the app can do.
"""

from __future__ import annotations

import csv
import random
import tempfile
import tomllib
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from mash_tui.clock import FrozenClock
from mash_tui.domain.roles import Actor
from mash_tui.paths import DATA_DIR
from mash_tui.services.context import Context

DEMO_PASSWORD = "demo-password"
DEMO_USERS = (
    ("olivia", "officer", None, "Olivia Officer"),
    ("omar", "officer", None, "Omar Officer"),
    ("dana", "decision_maker", None, "Dana Decider"),
    ("dev", "decision_maker", None, "Dev Decider"),
    ("sam", "supervisor", None, "Sam Supervisor"),
    ("pc.police", "partner", "police", "Police desk"),
    ("nurse.health", "partner", "health", "Health desk"),
    ("ada", "admin", None, "Ada Admin"),
)
SERVICES = ("social_care", "early_help", "youth_offending", "cp_plan", "looked_after")


@dataclass
class DemoSummary:
    users: int = 0
    persons: int = 0
    involvements: int = 0
    contacts: int = 0
    states: dict[str, int] = field(default_factory=dict)
    requests: int = 0


def _names() -> dict[str, list[str]]:
    with (DATA_DIR / "demo" / "names.toml").open("rb") as handle:
        return tomllib.load(handle)


class _People:
    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.parts = _names()

    def first(self, sex: str) -> str:
        key = "first_names_female" if sex == "F" else "first_names_male"
        return self.rng.choice(self.parts[key])

    def last(self) -> str:
        return self.rng.choice(self.parts["last_names"])

    def address(self) -> tuple[str, str]:
        number = self.rng.randint(1, 180)
        street = self.rng.choice(self.parts["streets"])
        town = self.rng.choice(self.parts["towns"])
        area = self.rng.choice(self.parts["postcode_areas"])
        postcode = f"{area} {self.rng.randint(1, 9)}{self.rng.choice('ABDEFGHJLNPQRSTUWXYZ')}{self.rng.choice('ABDEFGHJLNPQRSTUWXYZ')}"
        return f"{number} {street}, {town}", postcode

    def phone(self) -> str:
        return f"01632 960{self.rng.randint(0, 999):03d}"


def _write_reference_files(directory: Path, people: _People, count: int, today: date) -> tuple[Path, Path]:
    rng = people.rng
    persons_path = directory / "persons.csv"
    involvements_path = directory / "involvements.csv"
    with persons_path.open("w", newline="") as persons_file, involvements_path.open("w", newline="") as inv_file:
        persons = csv.writer(persons_file)
        involvements = csv.writer(inv_file)
        persons.writerow(["person_id", "first_name", "last_name", "dob", "sex", "address", "postcode"])
        involvements.writerow(
            ["person_id", "service", "status", "start_date", "end_date", "allocated_worker", "team", "phone"]
        )
        number = 0
        while number < count:
            # Families: children share a surname and address with a parent, as real records do.
            surname = people.last()
            address, postcode = people.address()
            members = [("adult", rng.choice("FM"))] + [("child", rng.choice("FM")) for _ in range(rng.randint(1, 3))]
            for kind, sex in members:
                number += 1
                person_id = f"P{number:07d}"
                age_days = rng.randint(20 * 365, 50 * 365) if kind == "adult" else rng.randint(30, 17 * 365)
                dob = today - timedelta(days=age_days)
                persons.writerow([person_id, people.first(sex), surname, dob.isoformat(), sex, address, postcode])
                if kind == "child" and rng.random() < 0.35:
                    service = rng.choice(SERVICES)
                    state = rng.random()
                    if state < 0.45:
                        status, end = "open", None
                    elif state < 0.7:
                        status, end = "closed", today - timedelta(days=rng.randint(1, 27))
                    else:
                        status, end = "closed", today - timedelta(days=rng.randint(29, 400))
                    start = (end or today) - timedelta(days=rng.randint(30, 700))
                    involvements.writerow(
                        [
                            person_id,
                            service,
                            status,
                            start.isoformat(),
                            end.isoformat() if end else "",
                            rng.choice(people.parts["workers"]),
                            rng.choice(people.parts["teams"]),
                            people.phone(),
                        ]
                    )
    return persons_path, involvements_path


def _record(people: _People, received_at: datetime, kind: str) -> dict[str, Any]:
    rng = people.rng
    surname = people.last()
    address, postcode = people.address()
    sex = rng.choice(("female", "male"))
    age_years = {"baby": 0, "young": rng.randint(1, 4)}.get(kind, rng.randint(5, 16))
    extra_days = rng.randint(20, 150) if kind == "baby" else rng.randint(20, 300)
    dob = (received_at - timedelta(days=age_years * 365 + extra_days)).date()
    categories = {
        "red_injury": ["18C"],
        "baby": ["16A"],
        "amber_da": ["3B"],
        "amber_neglect": ["16A"],
        "green": ["14A"],
        "young": ["2B"],
        "advice": [],
    }[kind]
    concerns: dict[str, Any] = {
        "categories": categories,
        "narrative": {
            "red_injury": "Child says a parent hit them; bruising to the face seen by staff.",
            "baby": "Health visitor saw a bruise on the baby's arm; parents unsure how it happened.",
            "amber_da": "Police attended a domestic incident overnight; children were at home.",
            "amber_neglect": "Child often arrives hungry and in unwashed clothes.",
            "green": "Falling attendance and low-level behaviour concerns at school.",
            "young": "Neighbour worried a parent is using drugs with a toddler at home.",
            "advice": "Parent asking where to find support with a child's sleep.",
        }[kind],
    }
    if kind in ("red_injury", "baby"):
        concerns["injury"] = "minor"
        concerns["disclosure"] = kind == "red_injury"
    if kind == "amber_da":
        concerns["child_present_at_incident"] = True
        concerns["police_reference"] = f"WMP-{rng.randint(10000, 99999)}"
        concerns["dash_score"] = rng.randint(4, 12)
    professional = kind not in ("advice", "young")
    referrer: dict[str, Any] = {
        "source": rng.choice(["2A", "3B", "6"]) if professional else "1B",
        "name": f"{people.first(rng.choice('FM'))} {people.last()}",
        "phone": people.phone(),
        "wants_feedback": professional,
    }
    if professional:
        referrer["organisation"] = {"2A": "Oakfield Primary", "3B": "Health visiting team", "6": "Police"}[
            referrer["source"]
        ]
    child = {
        "first_name": people.first("F" if sex == "female" else "M"),
        "last_name": surname,
        "dob": dob.isoformat(),
        "sex": sex,
        "address": address,
        "postcode": postcode,
    }
    if kind not in ("baby", "young"):
        child["school"] = "Oakfield Primary"
    adult = {
        "first_name": people.first(rng.choice("FM")),
        "last_name": surname,
        "relationship": rng.choice(["mother", "father", "stepfather"]),
        "lives_with_child": True,
        "parental_responsibility": True,
        "alleged_perpetrator": kind in ("red_injury", "amber_da"),
    }
    return {
        "schema": "mash.contact/1",
        "received_at": received_at.isoformat(),
        "channel": "phone",
        "referrer": referrer,
        "children": [child],
        "adults": [adult],
        "concerns": concerns,
        "consent": {"parents_aware": False, "consent_given": "not_sought", "reason": "Risk to the child"},
    }


# (kind, what happens after capture, hours before now it was received)
_CONTACT_PLAN = (
    [("red_injury", "escalate", h) for h in (1, 3, 5)]
    + [("baby", "escalate", 2)]
    + [("amber_da", "escalate", h) for h in (4, 20, 30)]
    + [("amber_neglect", "escalate", h) for h in (6, 26, 50)]
    + [("green", "escalate", h) for h in (8, 60, 100)]
    + [("young", "escalate", 12)]
    + [("amber_da", "claim", h) for h in (2, 22)]
    + [("red_injury", "claim", 1)]
    + [("amber_neglect", "decide_gathering", h) for h in (10, 28)]
    + [("red_injury", "decide_strategy", h) for h in (30, 70)]
    + [("green", "decide_early_help", h) for h in (48, 90, 150)]
    + [("amber_neglect", "decide_assessment", 200)]
    + [("advice", "close", h) for h in (3, 9, 27, 80)]
    + [("green", "pass", h) for h in (5, 40)]
    + [("amber_neglect", "submit", h) for h in (1, 2)]
    + [("green", "draft", h) for h in (0, 1)]
    + [("advice", "draft", 0)]
    + [("green", "escalate", h) for h in (120, 130)]
    + [("amber_neglect", "escalate", 140)]
    + [("amber_neglect", "rerate_red", h) for h in (3, 7)]
    + [("green", "step_up", h) for h in (170, 190)]
    + [("amber_da", "escalate", h) for h in (15, 45)]
)


def _make_contacts(ctx: Context, rng: random.Random, summary: DemoSummary) -> None:
    from mash_tui.services import contacts, queue

    people = _People(rng)
    now = ctx.clock.now()
    officers = [Actor("olivia", "officer", None, "Olivia Officer"), Actor("omar", "officer", None, "Omar Officer")]
    deciders = [Actor("dana", "decision_maker", None, "Dana Decider"), Actor("dev", "decision_maker", None, "Dev Decider")]
    for position, (kind, fate, hours_ago) in enumerate(_CONTACT_PLAN):
        received = (now - timedelta(hours=hours_ago, minutes=rng.randint(0, 50))).replace(microsecond=0)
        # Each step happens a little after the contact was received, as it would at a real front door.
        step_clock = FrozenClock(received + timedelta(minutes=15))
        step_ctx = replace(ctx, clock=step_clock)
        officer = officers[position % 2]
        decider = deciders[position % 2]
        record = _record(people, received, kind)
        draft = contacts.start_draft(step_ctx, officer, record)
        if fate == "draft":
            summary.states["draft"] = summary.states.get("draft", 0) + 1
            continue
        reference = contacts.submit_draft(step_ctx, officer, draft.id).reference
        summary.contacts += 1
        if fate == "submit":
            summary.states["submitted"] = summary.states.get("submitted", 0) + 1
            continue
        if fate == "close":
            queue.close_contact(step_ctx, officer, reference, "advice_and_information", "Signposted to the parenting line")
        elif fate == "pass":
            queue.pass_to_allocated_worker(step_ctx, officer, reference, "Sam Okafor", "Open early help case")
        else:
            queue.escalate(step_ctx, officer, reference, note="Escalated for a decision")
            step_clock.advance(timedelta(minutes=20))
            if fate != "escalate":
                queue.claim(step_ctx, decider, reference)
            decisions = {
                "decide_gathering": ("AMBER", "mash_information_gathering", None),
                "decide_strategy": ("RED", "strategy_discussion", None),
                "decide_early_help": ("GREEN", "early_help", None),
                "decide_assessment": ("AMBER", "assessment", None),
            }
            if fate == "rerate_red":
                step_clock.advance(timedelta(minutes=10))
                queue.rerate(step_ctx, decider, reference, "RED", "Police checks show a recent assault by the adult")
            if fate == "step_up":
                step_clock.advance(timedelta(minutes=30))
                queue.decide(step_ctx, decider, reference, rag="GREEN", outcome="early_help")
                step_clock.advance(timedelta(hours=30))
                queue.step_up(step_ctx, decider, reference, "Early help worker saw new bruising")
            if fate in decisions:
                step_clock.advance(timedelta(minutes=30))
                rag, outcome, reason = decisions[fate]
                queue.decide(step_ctx, decider, reference, rag=rag, outcome=outcome, reason=reason)
        summary.states[fate] = summary.states.get(fate, 0) + 1


def _make_requests(ctx: Context, summary: DemoSummary) -> None:
    """Requests on the items in information gathering: some answered, some seen, one left to run late."""
    from mash_tui.services import queue, requests

    deciders = {"dana": Actor("dana", "decision_maker", None, "Dana Decider"),
                "dev": Actor("dev", "decision_maker", None, "Dev Decider")}
    police = Actor("pc.police", "partner", "police", "Police desk")
    health = Actor("nurse.health", "partner", "health", "Health desk")
    gathering = queue.list_items(ctx, deciders["dana"], states=frozenset({"information_gathering"}))
    for position, item in enumerate(sorted(gathering, key=lambda view: view.updated_at)):
        decider = deciders.get(item.claimed_by or "")
        if decider is None:
            continue
        step_clock = FrozenClock(item.updated_at + timedelta(minutes=5))
        step_ctx = replace(ctx, clock=step_clock)
        sent = requests.send_requests(step_ctx, decider, item.reference, {
            "police": "Any call-outs to the family's address, or markers on the adults?",
            "health": None,
            "education": "Attendance and presentation this term?",
        })
        summary.requests += len(sent)
        by_agency = {view.agency: view for view in sent}
        step_clock.advance(timedelta(minutes=40))
        requests.open_request(step_ctx, police, by_agency["police"].request_ref)
        step_clock.advance(timedelta(minutes=50))
        people = by_agency["police"].people
        findings = [{"person": person.key, "known": person.role == "adult",
                     "summary": "One call-out for a verbal argument in the spring; no arrests" if person.role == "adult"
                     else None,
                     "current_risks": "None known now" if person.role == "adult" else None,
                     "agency_contact": "DC Morgan, Public Protection Unit" if person.role == "adult" else None}
                    for person in people]
        requests.answer_request(step_ctx, police, by_agency["police"].request_ref, findings=findings,
                                free_text="No markers on the address.")
        step_clock.advance(timedelta(hours=1))
        requests.open_request(step_ctx, health, by_agency["health"].request_ref)
        if position == 0:
            # The older item's education request is left unanswered: it runs past its due time.
            continue
        step_clock.advance(timedelta(minutes=30))
        requests.answer_request(step_ctx, health, by_agency["health"].request_ref,
                                findings=[{"person": person.key, "known": False} for person in people],
                                free_text="Not known to the health visiting or school nursing teams.")


def build_demo_store(ctx: Context, loader: Actor, *, persons: int = 2400, seed: int = 2026) -> DemoSummary:
    from mash_tui.services.prior_involvement import import_involvements, import_persons
    from mash_tui.services.users import add_user

    rng = random.Random(seed)
    summary = DemoSummary()
    for username, role, agency, display in DEMO_USERS:
        add_user(ctx, loader, username=username, role=role, agency=agency, password=DEMO_PASSWORD, display_name=display)
        summary.users += 1
    today = ctx.clock.now().date()
    with tempfile.TemporaryDirectory() as directory:
        persons_path, involvements_path = _write_reference_files(Path(directory), _People(rng), persons, today)
        summary.persons = import_persons(ctx.store, persons_path, loader, ctx.clock).rows
        summary.involvements = import_involvements(ctx.store, involvements_path, loader, ctx.clock).rows
    _make_contacts(ctx, rng, summary)
    _make_requests(ctx, summary)
    return summary
