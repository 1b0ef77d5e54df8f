"""Who must be there: the quorum of a conference and the agencies of a strategy discussion."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from mash_tui.domain.policy import QuorumPolicy


@dataclass(frozen=True)
class QuorumResult:
    quorate: bool
    reasons: tuple[str, ...]


def quorum(attended: Iterable[str], policy: QuorumPolicy) -> QuorumResult:
    """Quorate with the lead agency present and at least `others` other agencies, one of them
    from `one_of` (by default: children's social care and two others, police or health among them)."""
    present = set(attended)
    others = present - {policy.lead}
    reasons = []
    if policy.lead not in present:
        reasons.append(f"{policy.lead} is not there")
    if len(others) < policy.others:
        reasons.append(f"{len(others)} other agencies there; at least {policy.others} are needed")
    if policy.one_of and not others & set(policy.one_of):
        reasons.append(f"none of {' or '.join(policy.one_of)} is there")
    if reasons:
        return QuorumResult(False, tuple(reasons))
    return QuorumResult(True, (f"{policy.lead} and {', '.join(sorted(others))} are there",))


def missing_agencies(attended: Iterable[str], required: Iterable[str]) -> tuple[str, ...]:
    """Required agencies that were not there, in the policy's order: shown, never silently accepted."""
    present = set(attended)
    return tuple(agency for agency in required if agency not in present)
