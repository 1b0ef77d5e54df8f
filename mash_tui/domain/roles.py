"""Who may do what: DOMAIN.md section 2 as one table, enforced by every service."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Role(StrEnum):
    OFFICER = "officer"
    DECISION_MAKER = "decision_maker"
    SUPERVISOR = "supervisor"
    PARTNER = "partner"
    ADMIN = "admin"


ROLE_LABELS = {
    Role.OFFICER: "MASH officer",
    Role.DECISION_MAKER: "Decision maker",
    Role.SUPERVISOR: "Supervisor",
    Role.PARTNER: "Partner agency",
    Role.ADMIN: "Administrator",
}

SYSTEM_ROLE = "system"
"""Audited role of reference-data loads run by whoever owns the store's files."""


@dataclass(frozen=True)
class Actor:
    """Someone acting: a logged-in user, or the operating-system user loading reference data."""

    username: str
    role: str
    agency: str | None = None
    display_name: str = ""


_OFFICER = frozenset(
    {
        "contact.capture",
        "contact.view",
        "contact.import",
        "contact.export",
        "check.run",
        "match.decide",
        "contact.close",
        "contact.escalate",
        "queue.view",
        "home.view",
        "chronology.view",
        "feedback.record",
    }
)
_DECISION_MAKER = _OFFICER | {
    "item.claim",
    "item.release",
    "item.decide",
    "item.rerate",
    "request.send",
    "request.manage",
    "item.step_up",
    "discussion.record",
    "request.view_all",
}
_SUPERVISOR = frozenset(
    {
        "contact.view",
        "contact.export",
        "queue.view",
        "home.view",
        "item.reassign",
        "clocks.view",
        "audit.view",
        "reports.view",
        "conflict.resolve",
        "chronology.view",
        "request.view_all",
    }
)
_PARTNER = frozenset({"request.view_own", "request.answer", "home.view"})
_ADMIN = frozenset({"user.manage", "policy.manage", "home.view", "clocks.view", "audit.view", "reports.view"})

PERMISSIONS: dict[Role, frozenset[str]] = {
    Role.OFFICER: _OFFICER,
    Role.DECISION_MAKER: frozenset(_DECISION_MAKER),
    Role.SUPERVISOR: _SUPERVISOR,
    Role.PARTNER: _PARTNER,
    Role.ADMIN: _ADMIN,
}

ALL_ACTIONS = frozenset().union(*PERMISSIONS.values())


def may(role: str, action: str) -> bool:
    if action not in ALL_ACTIONS:
        raise KeyError(f"unknown action {action!r}")
    try:
        return action in PERMISSIONS[Role(role)]
    except ValueError:
        return False
