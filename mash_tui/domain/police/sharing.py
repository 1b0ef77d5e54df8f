"""What goes to children's social care (DOMAIN.md section 9).

High → a RED contact at once; medium → an AMBER contact; standard → recorded and counted for the
standard-grade pattern, shared only when the pattern fires or a child was injured.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Literal

from mash_tui.domain.police.months import months_before
from mash_tui.domain.police.record import Grade
from mash_tui.domain.policy import NotificationPolicy


@dataclass(frozen=True)
class EarlierNotification:
    """Another standard notification about the same child (matched elsewhere)."""

    police_ref: str
    received_at: datetime


@dataclass(frozen=True)
class Pattern:
    fires: bool
    police_refs: tuple[str, ...]  # the standard notifications in the window, this one included, oldest first


def standard_pattern(
    police_ref: str,
    received_at: datetime,
    earlier_standard: Iterable[EarlierNotification],
    policy: NotificationPolicy,
) -> Pattern:
    """`pattern_count` standard notifications about one child within `pattern_window_months`,
    this one included, become one contact (Devon's rule)."""
    now = received_at.astimezone(UTC)
    window_opens = months_before(now, policy.pattern_window_months)
    # One occurrence counts once, however often matching finds it.
    seen = {each.police_ref: each.received_at.astimezone(UTC) for each in earlier_standard
            if each.police_ref != police_ref}
    inside = sorted((at, ref) for ref, at in seen.items() if window_opens <= at <= now)
    refs = tuple(ref for _, ref in inside) + (police_ref,)
    return Pattern(len(refs) >= policy.pattern_count, refs)


ShareAction = Literal["red_contact", "amber_contact", "record_only"]


@dataclass(frozen=True)
class SharingDecision:
    action: ShareAction
    rag: Literal["RED", "AMBER"] | None
    at_once: bool  # shared without waiting for anyone
    reason: str


def sharing_decision(grade: Grade, pattern: Pattern, child_injured: bool) -> SharingDecision:
    if grade == "high":
        return SharingDecision("red_contact", "RED", True, "High risk: shared at once as a RED contact")
    if grade == "medium":
        return SharingDecision("amber_contact", "AMBER", False, "Medium risk: shared as an AMBER contact")
    if pattern.fires:
        return SharingDecision(
            "amber_contact", "AMBER", False,
            f"Standard, but {len(pattern.police_refs)} standard notifications about this child in the "
            f"pattern window ({', '.join(pattern.police_refs)}): shared as an AMBER contact, as a medium would be",
        )
    if child_injured:
        return SharingDecision("amber_contact", "AMBER", False,
                               "Standard, but a child was injured: shared as an AMBER contact")
    return SharingDecision("record_only", None, False,
                           "Standard: recorded and counted for the pattern, not shared")
