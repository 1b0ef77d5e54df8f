"""DASH score and grade (DOMAIN.md section 9).

The grade is the highest of the DASH grade, the officer's grade and any raise by a support officer:
professional judgement can raise a grade, never lower it. Every step is given as a plain-English
reason, rule by rule, like the RAG recommendation.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from mash_tui.domain.police.record import GRADES, Grade, Notification
from mash_tui.domain.policy import DashPolicy


class GradeNotRaised(ValueError):
    """A support officer's grade that is not above the grade already given."""


@dataclass(frozen=True)
class GradeRaise:
    """A support officer raising the grade, with the reason they must give."""

    to: Grade
    reason: str
    by: str = ""


@dataclass(frozen=True)
class Grading:
    dash_score: int | None
    dash_grade: Grade | None  # None when the victim declined the DASH questions
    officer_grade: Grade
    raised_to: Grade | None  # the highest support officer's raise, if any
    grade: Grade
    reasons: tuple[str, ...]

    @property
    def judged_high(self) -> bool:
        """High by professional judgement (the officer's or a support officer's), not by the score."""
        return self.officer_grade == "high" or self.raised_to == "high"


def rank(grade: Grade) -> int:
    return GRADES.index(grade)


def highest(grades: Iterable[Grade]) -> Grade:
    return max(grades, key=rank)


def dash_grade(score: int, policy: DashPolicy) -> Grade:
    if score >= policy.high_from:
        return "high"
    if score >= policy.medium_from:
        return "medium"
    return "standard"


def _band_words(grade: Grade, policy: DashPolicy) -> str:
    return {
        "high": f"{policy.high_from} or more",
        "medium": f"{policy.medium_from} to {policy.high_from - 1}",
        "standard": f"under {policy.medium_from}",
    }[grade]


def grade_notification(
    notification: Notification, policy: DashPolicy, raises: Iterable[GradeRaise] = ()
) -> Grading:
    """The grade and its reasons. Raises are taken in any order: the highest counts."""
    reasons = []
    score = notification.dash_score
    from_dash: Grade | None = None
    if score is None:
        reasons.append("The victim declined the DASH questions: no score, graded by judgement")
    else:
        from_dash = dash_grade(score, policy)
        reasons.append(
            f"DASH score {score} of 27 ('yes' answers): {from_dash} ({_band_words(from_dash, policy)})"
        )
    reasons.append(f"The attending officer graded it {notification.officer_grade}")
    raises = sorted(raises, key=lambda each: (rank(each.to), each.reason, each.by))
    raised_to = highest(each.to for each in raises) if raises else None
    for each in raises:
        who = f" by {each.by}" if each.by else ""
        reasons.append(f"Raised to {each.to}{who}: {each.reason}")
    candidates = [grade for grade in (from_dash, notification.officer_grade, raised_to) if grade is not None]
    grade = highest(candidates)
    deciding = []
    if from_dash == grade:
        deciding.append("the DASH score")
    if notification.officer_grade == grade:
        deciding.append("the officer's grade")
    if raised_to == grade:
        deciding.append("the support officer's raise")
    reasons.append(f"Grade {grade}: the highest, from {' and '.join(deciding)}; judgement never lowers it")
    return Grading(score, from_dash, notification.officer_grade, raised_to, grade, tuple(reasons))


def check_raise(current: Grade, to: Grade, reason: str) -> GradeRaise:
    """A support officer's raise, refused when it does not raise or has no reason."""
    if rank(to) <= rank(current):
        raise GradeNotRaised(f"the grade is already {current}; a support officer may only raise it")
    if not reason.strip():
        raise GradeNotRaised("raising a grade needs a reason")
    return GradeRaise(to=to, reason=reason.strip())
