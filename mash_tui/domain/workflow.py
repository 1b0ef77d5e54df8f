"""The life of a front-door item: its states and the only moves allowed between them.

A service asks `transition(state, action)` before it changes anything; an illegal move is refused
with words a person understands, whether it came from a screen, the command line or sync.
"""

from __future__ import annotations

from enum import StrEnum

from mash_tui.domain.codes import CLOSING_OUTCOMES, RagLevel


class ItemState(StrEnum):
    ESCALATED = "escalated"
    CLAIMED = "claimed"
    INFORMATION_GATHERING = "information_gathering"
    DECIDED = "decided"
    EARLY_HELP = "early_help"
    PASSED_TO_ALLOCATED_WORKER = "passed_to_allocated_worker"
    CLOSED = "closed"


class ItemAction(StrEnum):
    CLAIM = "claim"
    RELEASE = "release"
    REASSIGN = "reassign"
    DECIDE = "decide"
    RERATE = "rerate"
    STEP_UP = "step_up"


STATE_LABELS = {
    ItemState.ESCALATED: "in queue",
    ItemState.CLAIMED: "claimed",
    ItemState.INFORMATION_GATHERING: "information gathering",
    ItemState.DECIDED: "decided",
    ItemState.EARLY_HELP: "early help",
    ItemState.PASSED_TO_ALLOCATED_WORKER: "with allocated worker",
    ItemState.CLOSED: "closed",
}

# Items on which the front door still owes something: they carry live clocks.
OPEN_STATES = frozenset(
    {
        ItemState.ESCALATED,
        ItemState.CLAIMED,
        ItemState.INFORMATION_GATHERING,
        ItemState.PASSED_TO_ALLOCATED_WORKER,
    }
)
HELD_STATES = frozenset({ItemState.CLAIMED, ItemState.INFORMATION_GATHERING})
# Items the front door has settled: the referrer can be told the outcome (DOMAIN.md step 9).
# Information gathering is not an outcome yet: the decision is still to come.
OUTCOME_STATES = frozenset(
    {
        ItemState.DECIDED,
        ItemState.EARLY_HELP,
        ItemState.PASSED_TO_ALLOCATED_WORKER,
        ItemState.CLOSED,
    }
)

_ALLOWED: dict[ItemAction, frozenset[ItemState]] = {
    ItemAction.CLAIM: frozenset({ItemState.ESCALATED}),
    ItemAction.RELEASE: HELD_STATES,
    ItemAction.REASSIGN: HELD_STATES | {ItemState.ESCALATED},
    ItemAction.DECIDE: HELD_STATES,
    ItemAction.RERATE: HELD_STATES,
    ItemAction.STEP_UP: frozenset({ItemState.EARLY_HELP}),
}

_REFUSALS = {
    ItemAction.CLAIM: "only an item waiting in the queue can be claimed",
    ItemAction.RELEASE: "only a claimed item can be released",
    ItemAction.REASSIGN: "only an open queue item can be reassigned",
    ItemAction.DECIDE: "claim the item before recording a decision",
    ItemAction.RERATE: "claim the item before re-rating it",
    ItemAction.STEP_UP: "only an early-help item can be stepped up",
}


class TransitionRefused(ValueError):
    """An action the item's state does not allow."""


def allows(state: ItemState, action: ItemAction) -> bool:
    """Whether an item in `state` may take `action`: what a screen offers follows this."""
    return state in _ALLOWED[action]


def check_allowed(state: ItemState, action: ItemAction) -> None:
    if not allows(state, action):
        raise TransitionRefused(f"{_REFUSALS[action]} (this item is {STATE_LABELS[state]})")


def state_after(state: ItemState, action: ItemAction, outcome: str | None = None) -> ItemState:
    """The state an allowed action leads to."""
    check_allowed(state, action)
    if action is ItemAction.CLAIM or action is ItemAction.REASSIGN:
        return ItemState.CLAIMED if state is ItemState.ESCALATED else state
    if action is ItemAction.RELEASE:
        return ItemState.ESCALATED
    if action is ItemAction.RERATE:
        return state
    if action is ItemAction.STEP_UP:
        return ItemState.ESCALATED
    return state_after_decision(outcome)


def state_after_decision(outcome: str | None) -> ItemState:
    if outcome == "mash_information_gathering":
        return ItemState.INFORMATION_GATHERING
    if outcome == "early_help":
        return ItemState.EARLY_HELP
    if outcome == "pass_to_allocated_worker":
        return ItemState.PASSED_TO_ALLOCATED_WORKER
    if outcome in CLOSING_OUTCOMES:
        return ItemState.CLOSED
    return ItemState.DECIDED


def officer_may_close(recommended: RagLevel) -> bool:
    """An officer closes with advice only where no rule reaches GREEN."""
    return recommended is RagLevel.NONE


RAG_CLOCKS = {RagLevel.RED: "red", RagLevel.AMBER: "amber", RagLevel.GREEN: "green"}
REQUEST_CLOCKS = {RagLevel.RED: "request_red", RagLevel.AMBER: "request_amber", RagLevel.GREEN: "request_green"}

# What a decision does for the RAG clock: RED's 4 hours end with a strategy discussion decided,
# GREEN's 3 days with early help; AMBER's day ends with the MASH discussion or a final decision.
_RAG_CLOCK_MET_BY = {
    RagLevel.RED: frozenset({"strategy_discussion"}),
    RagLevel.AMBER: frozenset(
        {"strategy_discussion", "assessment", "early_help", "advice_and_information", "no_further_action",
         "pass_to_allocated_worker"}
    ),
    RagLevel.GREEN: frozenset(
        {"strategy_discussion", "assessment", "early_help", "advice_and_information", "no_further_action",
         "pass_to_allocated_worker"}
    ),
}


def decision_meets_rag_clock(rag: RagLevel, outcome: str) -> bool:
    return outcome in _RAG_CLOCK_MET_BY.get(rag, frozenset())
