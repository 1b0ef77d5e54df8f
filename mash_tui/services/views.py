"""The plain rows that services hand to screens, widgets and the command line, with their JSON form.

Kept free of heavy imports (no SQLAlchemy, no SQLModel, no Textual): screens load it at start.
Domain types appear in annotations only, so loading a view loads none of the domain's rules either.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from mash_tui.clock import to_local
from mash_tui.domain.codes import AGENCY_LABELS, OPEN_REQUEST_STATES

if TYPE_CHECKING:
    from mash_tui.domain.matching import PersonDetails
    from mash_tui.domain.routing import Involvement


_VERSION_SUFFIX = re.compile(r"\.v\d+$")


def _iso(instant: datetime | None) -> str | None:
    return instant.isoformat() if instant else None


def readable_mutation(name: str) -> str:
    """A mutation's name as a person says it: `claim_item.v1` -> "claim item"."""
    words = _VERSION_SUFFIX.sub("", name).replace("_", " ").split()
    return " ".join(words) or name


@dataclass(frozen=True)
class WorkRow:
    """One line of "my work"."""

    key: str
    reference: str
    state: str
    children: str
    updated_at: datetime


# -- clocks (services.clocks) -------------------------------------------------------------------


@dataclass(frozen=True)
class ClockView:
    id: str
    item_id: str
    reference: str
    clock: str
    label: str
    started_at: datetime
    due_at: datetime
    met_at: datetime | None
    breached_at: datetime | None


@dataclass(frozen=True, slots=True)
class BoardClock:
    clock: str
    label: str
    started_at: datetime
    due_at: datetime


@dataclass(frozen=True, slots=True)
class BoardItem:
    """An open item as the supervisor pane shows it, with its running clocks only."""

    id: str
    reference: str
    state: str
    rag: str
    children: str
    claimed_by: str | None
    clocks: tuple[BoardClock, ...]


@dataclass(frozen=True)
class Board:
    # Changes whenever any item changes (a new item, or a version step), so an unchanged store
    # answers the pane's poll without reading every row again.
    fingerprint: tuple[int, int]
    items: list[BoardItem] | None


# -- queue items (services.queue) ---------------------------------------------------------------


@dataclass(frozen=True)
class FeedbackView:
    """One telling of the outcome to the referrer (DOMAIN.md step 9)."""

    how: str
    at: datetime
    by: str
    note: str | None = None

    def as_json(self) -> dict[str, Any]:
        return {"how": self.how, "at": self.at.isoformat(), "by": self.by, "note": self.note}


@dataclass(frozen=True)
class ItemView:
    id: str
    reference: str
    state: str
    rag: str
    children: str
    claimed_by: str | None
    claimed_at: datetime | None
    outcome: str | None
    immediate_danger: bool
    version: int
    created_at: datetime
    updated_at: datetime
    rag_rated_at: datetime | None
    clocks: list[ClockView] = field(default_factory=list)
    # This machine's claim still waits for the shared database's answer: a decision waits too.
    claim_requested: bool = False
    # Each time the referrer was told the outcome, oldest first.
    feedback: list[FeedbackView] = field(default_factory=list)

    @property
    def feedback_given_at(self) -> datetime | None:
        return self.feedback[-1].at if self.feedback else None

    def as_json(self) -> dict[str, Any]:
        return {
            "reference": self.reference,
            "state": self.state,
            "rag": self.rag,
            "children": self.children,
            "claimed_by": self.claimed_by,
            "outcome": self.outcome,
            "immediate_danger": self.immediate_danger,
            "version": self.version,
            "clocks": [
                {
                    "clock": clock.clock,
                    "start": clock.started_at.isoformat(),
                    "due": clock.due_at.isoformat(),
                    "met_at": clock.met_at.isoformat() if clock.met_at else None,
                    "breached_at": clock.breached_at.isoformat() if clock.breached_at else None,
                }
                for clock in self.clocks
            ],
            "feedback": [given.as_json() for given in self.feedback],
            "feedback_given_at": self.feedback_given_at.isoformat() if self.feedback_given_at else None,
        }


@dataclass(frozen=True)
class RecommendationView:
    reference: str
    rag: str
    rules: list[str]
    reasons: list[str]
    flags: list[str]
    repeat_reason: str | None
    officer_may_close: bool
    # The open (or recently closed) case of a confirmed match: who already knows the child.
    routing_worker: str | None = None
    routing_reason: str | None = None


# -- contacts and drafts (services.contacts) ----------------------------------------------------


@dataclass(frozen=True)
class DraftView:
    id: str
    reference: str
    status: str
    version: int
    form: dict[str, Any]
    updated_at: datetime


@dataclass(frozen=True)
class ContactView:
    id: str
    reference: str
    version: int
    author: str
    received_at: datetime
    submitted_at: datetime
    record: dict[str, Any]
    children: str
    recommended_rag: str
    rules: list[str]
    reasons: list[str]
    flags: list[str]
    superseded: bool = False


# -- the chronology (services.chronology) -------------------------------------------------------


@dataclass(frozen=True)
class ChronologyEntry:
    at: datetime
    kind: str
    actor: str
    summary: str
    details: dict[str, Any] = field(default_factory=dict)
    # Orders entries at the same instant as they were written (uuid7 ids sort by creation).
    order: str = ""

    def as_json(self) -> dict[str, Any]:
        return {
            "at": self.at.isoformat(),
            "at_local": to_local(self.at).isoformat(),
            "kind": self.kind,
            "actor": self.actor,
            "summary": self.summary,
            "details": self.details,
        }


# -- the audit trail (services.audit) -----------------------------------------------------------


@dataclass(frozen=True)
class AuditEntry:
    seq: int
    id: str
    occurred_at: datetime
    actor: str
    role: str
    action: str
    entity: str
    entity_id: str | None
    subject_ref: str | None
    details: dict[str, Any] = field(default_factory=dict)

    def as_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["occurred_at"] = self.occurred_at.isoformat()
        return data


@dataclass(frozen=True)
class BrokenLink:
    """Where the chain first fails, and how.

    `kind` is `edited` (the event's content no longer matches its hash), `deleted` (a gap in
    `seq`), `reordered` (the event's predecessor sits elsewhere in the trail) or `unlinked` (its
    predecessor is nowhere: deleted and renumbered, or an earlier event rewritten with a new hash).
    """

    seq: int
    event_id: str
    kind: str
    detail: str
    previous_seq: int | None = None

    def __str__(self) -> str:
        return f"event seq {self.seq} ({self.event_id}): {self.kind}: {self.detail}"


@dataclass(frozen=True)
class VerifyResult:
    events: int
    """Events checked before the first broken link (all of them when intact)."""
    head_hash: str
    """The last intact event's hash: note it somewhere safe to catch later truncation."""
    first_broken: BrokenLink | None
    elapsed_seconds: float

    @property
    def ok(self) -> bool:
        return self.first_broken is None

    def as_json(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "events": self.events,
            "head_hash": self.head_hash,
            "first_broken": asdict(self.first_broken) if self.first_broken else None,
            "elapsed_seconds": round(self.elapsed_seconds, 3),
        }


# -- prior-involvement checks (services.checks) -------------------------------------------------


@dataclass(frozen=True)
class EarlierContact:
    reference: str
    received_at: datetime


@dataclass(frozen=True)
class CandidateCheck:
    """One record a person may be, with everything the officer needs to confirm or reject it."""

    candidate_id: str
    source: str
    score: float
    band: str | None
    reasons: tuple[str, ...]
    person: PersonDetails
    involvements: list[Involvement] = field(default_factory=list)
    earlier_contacts: list[EarlierContact] = field(default_factory=list)
    decision: str | None = None


@dataclass(frozen=True)
class PersonCheck:
    """A child or adult on the contact, and their candidates, best first."""

    reference: str
    role: str
    index: int
    person: PersonDetails
    candidates: list[CandidateCheck]


# -- information requests (services.requests) ---------------------------------------------------


@dataclass(frozen=True)
class SharedPerson:
    key: str  # "child:0", "adult:1"
    role: str
    name: str
    description: str


@dataclass(frozen=True)
class Finding:
    person: str
    known: bool
    summary: str | None = None
    current_risks: str | None = None
    agency_contact: str | None = None

    def as_json(self) -> dict[str, Any]:
        return {"person": self.person, "known": self.known, "summary": self.summary,
                "current_risks": self.current_risks, "agency_contact": self.agency_contact}


@dataclass(frozen=True)
class AnswerView:
    id: str
    findings: tuple[Finding, ...]
    free_text: str | None
    answered_by: str
    answered_at: datetime
    supersedes_id: str | None
    superseded: bool

    def as_json(self) -> dict[str, Any]:
        return {"id": self.id, "findings": [finding.as_json() for finding in self.findings],
                "free_text": self.free_text, "answered_by": self.answered_by,
                "answered_at": self.answered_at.isoformat(), "supersedes_id": self.supersedes_id,
                "superseded": self.superseded}


@dataclass(frozen=True)
class RequestView:
    id: str
    request_ref: str
    reference: str
    agency: str
    question: str | None
    summary: str
    people: tuple[SharedPerson, ...]
    rag: str
    sent_by: str
    sent_at: datetime
    due_at: datetime
    state: str
    seen_at: datetime | None
    answered_at: datetime | None
    withdrawn_at: datetime | None
    withdrawn_reason: str | None
    chase_count: int
    last_chased_at: datetime | None
    version: int
    answers: tuple[AnswerView, ...] = ()

    @property
    def agency_label(self) -> str:
        return AGENCY_LABELS.get(self.agency, self.agency)

    @property
    def children(self) -> str:
        return ", ".join(person.name for person in self.people if person.role == "child")

    @property
    def answer(self) -> AnswerView | None:
        """The answer in force: the latest correction, or the first answer if never corrected."""
        current = [answer for answer in self.answers if not answer.superseded]
        return current[-1] if current else None

    @property
    def is_open(self) -> bool:
        return self.state in OPEN_REQUEST_STATES

    def status_at(self, now: datetime) -> str:
        """sent, seen, answered or withdrawn; or overdue once an open request passes its due time."""
        if self.is_open and now > self.due_at:
            return "overdue"
        return self.state

    def as_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "request_ref": self.request_ref,
            "reference": self.reference,
            "agency": self.agency,
            "question": self.question,
            "summary": self.summary,
            "people": [{"key": p.key, "role": p.role, "name": p.name, "description": p.description}
                       for p in self.people],
            "rag": self.rag,
            "sent_by": self.sent_by,
            "sent_at": self.sent_at.isoformat(),
            "due": self.due_at.isoformat(),
            "state": self.state,
            "seen_at": _iso(self.seen_at),
            "answered_at": _iso(self.answered_at),
            "withdrawn_at": _iso(self.withdrawn_at),
            "withdrawn_reason": self.withdrawn_reason,
            "chase_count": self.chase_count,
            "answer": self.answer.as_json() if self.answer else None,
            "corrections": max(len(self.answers) - 1, 0),
        }


@dataclass(frozen=True)
class RequestDraft:
    """What the composer starts from: the item, what would be shared, and the default agencies."""

    reference: str
    rag: str
    state: str
    children: str
    summary: str
    people: tuple[SharedPerson, ...]
    agencies: tuple[tuple[str, str], ...]
    defaults: tuple[str, ...]
    already_open: tuple[str, ...]
    clock: str
    due_at: datetime
    consent: str


@dataclass(frozen=True)
class DiscussionView:
    id: str
    participants: tuple[str, ...]
    summary: str
    agreed_actions: str | None
    recorded_by: str
    recorded_at: datetime


@dataclass(frozen=True)
class GatheringView:
    """One item's information gathering: every request with its answers, and the MASH discussions."""

    reference: str
    rag: str
    state: str
    claimed_by: str | None
    children: str
    requests: list[RequestView] = field(default_factory=list)
    discussions: list[DiscussionView] = field(default_factory=list)


# -- users (services.users) ---------------------------------------------------------------------


@dataclass(frozen=True)
class UserSummary:
    username: str
    display_name: str
    role: str
    agency: str | None
    active: bool


# -- sync conflicts (sync.conflicts) ------------------------------------------------------------


@dataclass(frozen=True)
class ConflictView:
    id: int
    kind: str
    entity_id: str
    reference: str | None
    author: str | None
    mutation_name: str
    server_data: dict[str, Any]
    client_data: dict[str, Any]
    raised_at: datetime
    resolved_by: str | None
    resolution: str | None

    @property
    def differing(self) -> list[str]:
        ignored = {"version", "updated_at"}
        names = sorted(set(self.server_data) | set(self.client_data))
        return [name for name in names
                if name not in ignored and self.server_data.get(name) != self.client_data.get(name)]

    @property
    def server_summary(self) -> str:
        return ", ".join(f"{name}={self.server_data.get(name)!s}" for name in self.differing)

    @property
    def client_summary(self) -> str:
        return ", ".join(f"{name}={self.client_data.get(name)!s}" for name in self.differing)

    def as_json(self) -> dict[str, Any]:
        return {
            "id": self.id, "kind": self.kind, "entity_id": self.entity_id, "reference": self.reference,
            "author": self.author, "mutation": self.mutation_name, "fields": self.differing,
            "server": {name: self.server_data.get(name) for name in self.differing},
            "client": {name: self.client_data.get(name) for name in self.differing},
            "raised_at": self.raised_at.isoformat(), "resolved_by": self.resolved_by, "resolution": self.resolution,
        }
