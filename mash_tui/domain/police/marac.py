"""MARAC referral: the four criteria of DOMAIN.md section 9.

Matching the victim against earlier notifications is done elsewhere (DOMAIN.md section 7); this
takes what matching found: when the victim's earlier incidents happened, and when the victim was
last referred to MARAC.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Literal

from mash_tui.domain.police.grading import Grading
from mash_tui.domain.police.months import months_before
from mash_tui.domain.police.record import Notification
from mash_tui.domain.policy import NotificationPolicy

Criterion = Literal["visible_high_risk", "professional_judgement", "potential_escalation", "repeat"]
CRITERIA: tuple[Criterion, ...] = ("visible_high_risk", "professional_judgement", "potential_escalation", "repeat")


@dataclass(frozen=True)
class VictimHistory:
    """What the hub holds about the victim: other notifications' incident times (in any order;
    this notification's own incident is not among them) and the last MARAC referral, if any."""

    earlier_incidents: tuple[datetime, ...] = ()
    last_marac_referral: datetime | None = None


@dataclass(frozen=True)
class MaracAssessment:
    refer: bool
    criteria: tuple[Criterion, ...]  # in the order of CRITERIA
    reasons: tuple[str, ...]


def incidents_in_window(notification: Notification, history: VictimHistory, policy: NotificationPolicy) -> int:
    """Police-recorded incidents for the victim within the window, this one included.

    The police count (`previous_incidents_12m`) and the notifications the hub holds overlap: every
    notification is a police-recorded incident. So the earlier incidents are the larger of the two
    counts, never their sum, which would count one incident twice.
    """
    incident_at = notification.incident_at.astimezone(UTC)
    window_opens = months_before(incident_at, policy.escalation_window_months)
    held = sum(window_opens <= each.astimezone(UTC) < incident_at for each in set(history.earlier_incidents))
    return 1 + max(held, notification.previous_incidents_12m)


def assess_marac(
    notification: Notification, grading: Grading, history: VictimHistory, policy: NotificationPolicy
) -> MaracAssessment:
    met: list[Criterion] = []
    reasons: list[str] = []
    if grading.dash_score is not None and grading.dash_score >= policy.dash.high_from:
        met.append("visible_high_risk")
        reasons.append(f"Visible high risk: DASH score {grading.dash_score}, {policy.dash.high_from} or more")
    if grading.judged_high:
        met.append("professional_judgement")
        who = "the attending officer" if grading.officer_grade == "high" else "a support officer"
        reasons.append(f"Professional judgement: graded high by {who}")
    count = incidents_in_window(notification, history, policy)
    if count >= policy.escalation_incident:
        met.append("potential_escalation")
        reasons.append(
            f"Potential escalation: incident {count} for this victim within "
            f"{policy.escalation_window_months} months ({policy.escalation_incident} or more)"
        )
    last = history.last_marac_referral
    incident_at = notification.incident_at.astimezone(UTC)
    if last is not None and months_before(incident_at, policy.repeat_after_marac_months) <= last.astimezone(UTC) <= incident_at:
        met.append("repeat")
        reasons.append(
            f"Repeat: within {policy.repeat_after_marac_months} months of the victim's last MARAC referral "
            f"({last.astimezone(UTC).date().isoformat()})"
        )
    if not met:
        reasons.append("No MARAC criterion is met")
    return MaracAssessment(bool(met), tuple(met), tuple(reasons))
