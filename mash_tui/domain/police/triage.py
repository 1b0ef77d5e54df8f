"""One notification triaged: grade, MARAC, the pattern, sharing and tasks, from what the hub holds.

The single entry point the services call; each part is its own module and can be used alone.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime

from mash_tui.domain.police.grading import GradeRaise, Grading, grade_notification
from mash_tui.domain.police.marac import MaracAssessment, VictimHistory, assess_marac
from mash_tui.domain.police.record import Notification
from mash_tui.domain.police.sharing import (
    EarlierNotification,
    Pattern,
    SharingDecision,
    sharing_decision,
    standard_pattern,
)
from mash_tui.domain.police.tasks import Task, notification_tasks
from mash_tui.domain.policy import Policy
from mash_tui.domain.timescales import WorkingCalendar


@dataclass(frozen=True)
class Triage:
    grading: Grading
    marac: MaracAssessment
    patterns: tuple[Pattern, ...]  # one per child, in the notification's order
    sharing: SharingDecision
    tasks: tuple[Task, ...]


def triage(
    notification: Notification,
    *,
    policy: Policy,
    calendar: WorkingCalendar,
    graded_at: datetime,
    raises: Iterable[GradeRaise] = (),
    victim_history: VictimHistory = VictimHistory(),
    earlier_standard_by_child: Mapping[int, Iterable[EarlierNotification]] | None = None,
    child_injured: bool = False,
) -> Triage:
    """`earlier_standard_by_child`: for each child's index, the other standard notifications the
    hub holds about that child (matched elsewhere). The pattern counts only when this one is
    standard too."""
    rules = policy.notifications
    grading = grade_notification(notification, rules.dash, raises)
    marac = assess_marac(notification, grading, victim_history, rules)
    earlier = earlier_standard_by_child or {}
    if grading.grade == "standard":
        patterns = tuple(
            standard_pattern(notification.police_ref, notification.received_at, earlier.get(index, ()), rules)
            for index in range(len(notification.children))
        )
    else:
        patterns = tuple(Pattern(False, (notification.police_ref,)) for _ in notification.children)
    firing = next((pattern for pattern in patterns if pattern.fires), patterns[0])
    sharing = sharing_decision(grading.grade, firing, child_injured)
    tasks = notification_tasks(notification, grading, graded_at, calendar, policy.clocks)
    return Triage(grading, marac, patterns, sharing, tasks)
