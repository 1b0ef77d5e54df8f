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
    POLICE_SUPPORT = "police_support"
    CP_COORDINATOR = "cp_coordinator"


ROLE_LABELS = {
    Role.OFFICER: "MASH officer",
    Role.DECISION_MAKER: "Decision maker",
    Role.SUPERVISOR: "Supervisor",
    Role.PARTNER: "Partner agency",
    Role.ADMIN: "Administrator",
    Role.POLICE_SUPPORT: "MASH support officer (police)",
    Role.CP_COORDINATOR: "Child protection co-ordinator",
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
# After the front door (DOMAIN.md section 10): strategy discussions, conferences, the register and
# the allegations-against-staff route. Acted on only by the co-ordinator, decision makers and
# supervisors; partners see only the invitations sent to their agency.
_CHILD_PROTECTION = frozenset(
    {
        "strategy.view",
        "strategy.record",
        "conference.view",
        "conference.book",
        "conference.invite",
        "conference.attend",
        "conference.outcome",
        "register.view",
        "register.change",
        "register.export",
        "lado.screen",
        "lado.outcome",
    }
)
_DECISION_MAKER = _OFFICER | _CHILD_PROTECTION | {
    "item.claim",
    "item.release",
    "item.decide",
    "item.rerate",
    "request.send",
    "request.manage",
    "item.step_up",
    "discussion.record",
    "request.view_all",
    "notification.view",
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
        "notification.view",
    }
) | _CHILD_PROTECTION
_PARTNER = frozenset({"request.view_own", "request.answer", "home.view", "invitation.view_own", "invitation.answer"})
# Police staff in the hub (DOMAIN.md section 9): the notifications lane, not the hub's other contacts.
# `notification.view` covers the contacts made from notifications; no `contact.view`.
_POLICE_SUPPORT = frozenset(
    {
        "home.view",
        "notification.import",
        "notification.view",
        "notification.grade",
        "notification.task",
        "notification.share",
    }
)
_CP_COORDINATOR = _CHILD_PROTECTION | {
    "home.view",
    "contact.view",
    "queue.view",
    "chronology.view",
    "clocks.view",
    "returns.produce",
}
_ADMIN = frozenset({"user.manage", "policy.manage", "home.view", "clocks.view", "audit.view", "reports.view"})

PERMISSIONS: dict[Role, frozenset[str]] = {
    Role.OFFICER: _OFFICER,
    Role.DECISION_MAKER: frozenset(_DECISION_MAKER),
    Role.SUPERVISOR: _SUPERVISOR,
    Role.PARTNER: _PARTNER,
    Role.ADMIN: _ADMIN,
    Role.POLICE_SUPPORT: _POLICE_SUPPORT,
    Role.CP_COORDINATOR: frozenset(_CP_COORDINATOR),
}

ALL_ACTIONS = frozenset().union(*PERMISSIONS.values())


def may(role: str, action: str) -> bool:
    if action not in ALL_ACTIONS:
        raise KeyError(f"unknown action {action!r}")
    try:
        return action in PERMISSIONS[Role(role)]
    except ValueError:
        return False
