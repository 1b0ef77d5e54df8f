"""The tasks a notification sets, each with its clock (DOMAIN.md sections 3 and 9).

VISOR (perpetrator a VISOR subject), DAIU detective sergeant flag (high risk or a serial
offender), victim support referral (medium), RMO log (high and medium), and one Operation
Encompass notice per child with a known school.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from mash_tui.domain.police.grading import Grading
from mash_tui.domain.police.record import Notification
from mash_tui.domain.policy import ClockPolicy, NearBreachPolicy
from mash_tui.domain.timescales import ClockState, ClockWindow, WorkingCalendar

TaskKind = Literal["visor", "daiu", "victim_support", "rmo", "encompass"]
TASK_KINDS: tuple[TaskKind, ...] = ("visor", "daiu", "victim_support", "rmo", "encompass")
TaskState = Literal["due", "near_breach", "breached", "done"]


@dataclass(frozen=True)
class Task:
    kind: TaskKind  # also the name of its clock in the policy
    child: int | None  # the child's index in the notification, for Encompass; else None
    started_at: datetime
    due: datetime
    reason: str


def notification_tasks(
    notification: Notification,
    grading: Grading,
    graded_at: datetime,
    calendar: WorkingCalendar,
    clocks: dict[str, ClockPolicy],
) -> tuple[Task, ...]:
    """Every task the notification needs. VISOR, DAIU and Encompass run from receipt; victim
    support and the RMO log from grading. `calendar` must know the school terms
    (`WorkingCalendar.from_policy`)."""
    received = notification.received_at
    wanted: list[tuple[TaskKind, int | None, datetime, str]] = []
    perpetrator = notification.perpetrator
    if perpetrator is not None and perpetrator.visor_subject:
        wanted.append(("visor", None, received, "The perpetrator is a VISOR subject"))
    daiu_because = []
    if grading.grade == "high":
        daiu_because.append("high risk")
    if perpetrator is not None and perpetrator.serial_offender:
        daiu_because.append("a serial offender")
    if daiu_because:
        wanted.append(("daiu", None, received, f"DAIU detective sergeant flag: {' and '.join(daiu_because)}"))
    if grading.grade == "medium":
        wanted.append(("victim_support", None, graded_at, "Medium risk: refer the victim to victim support"))
    if grading.grade in ("high", "medium"):
        wanted.append(("rmo", None, graded_at, f"{grading.grade.capitalize()} risk: open or update the RMO log"))
    for index, child in enumerate(notification.children):
        if child.school is not None:
            wanted.append(("encompass", index, received,
                           f"Operation Encompass: tell {child.school.name} about {child.display_name} "
                           "before the school day starts"))
    return tuple(
        Task(kind, child, start, calendar.due_at(clocks[kind], start), reason)
        for kind, child, start, reason in wanted
    )


def task_state(task: Task, now: datetime, done_at: datetime | None, policy: NearBreachPolicy) -> TaskState:
    """`done` once done, on time or late (the lateness is kept by `ClockState.MET_LATE` for reports)."""
    state = ClockWindow.of(task.started_at, task.due, policy).state(now, done_at)
    return {
        ClockState.OK: "due",
        ClockState.NEAR_BREACH: "near_breach",
        ClockState.BREACHED: "breached",
        ClockState.MET: "done",
        ClockState.MET_LATE: "done",
    }[state]
