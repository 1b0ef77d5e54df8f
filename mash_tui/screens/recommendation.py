"""The officer's recommendation: the rating the rules propose, why, and what to do next.

The rules recommend; people decide. The officer escalates to the decision makers, passes the
contact to a worker who already knows the child, or, only where no rule reaches GREEN, closes it
with advice or no further action.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.widgets import Footer, Static

from mash_tui.clock import to_local
from mash_tui.domain.codes import CLOSING_OUTCOMES, DECISION_OUTCOME_LABELS, FLAG_LABELS
from mash_tui.domain.roles import Actor, may
from mash_tui.domain.workflow import STATE_LABELS, ItemState
from mash_tui.screens.modals import ChoicePrompt, ChoiceWithReason, ReasonPrompt
from mash_tui.widgets.rag_badge import RagBadge
from mash_tui.widgets.status_bar import StatusBar
from mash_tui.screens.base import DeskScreen

if TYPE_CHECKING:
    from collections.abc import Callable

    from mash_tui.services.context import Context
    from mash_tui.services.views import ItemView, RecommendationView

CLOSING_CHOICES = [(outcome, DECISION_OUTCOME_LABELS[outcome]) for outcome in CLOSING_OUTCOMES]


def reasons_text(view: RecommendationView) -> Text:
    """Every rule that fired with its reason (the repeat-contact raise has its own line)."""
    text = Text()
    if not view.rules:
        text.append("No concern recorded and no rule fired.")
    for rule, reason in zip(view.rules, view.reasons, strict=False):
        text.append(f"{rule:<4}", style="bold")
        text.append(f"{reason}\n")
    text.rstrip()
    return text


def repeat_text(view: RecommendationView) -> Text:
    if not view.repeat_reason:
        return Text("Repeat contact: no")
    raised = len(view.reasons) > len(view.rules)
    text = Text("Repeat contact: ")
    text.append(view.repeat_reason)
    text.append(" (rating raised one level)" if raised else " (already RED: not raised)")
    return text


def flags_text(flags: list[str]) -> Text:
    words = ", ".join(FLAG_LABELS.get(flag, flag) for flag in flags) if flags else "none"
    return Text(f"Flags: {words}")


def routing_text(view: RecommendationView) -> Text:
    if view.routing_reason:
        return Text(view.routing_reason)
    return Text("No open or recently closed case among the confirmed matches.")


class RecommendationScreen(DeskScreen[None]):
    CSS_PATH = "recommendation.tcss"
    MESSAGE_LINE = "#rec-message"
    BINDINGS = [
        Binding("e", "escalate", "Escalate", id="recommendation_escalate"),
        Binding("c", "close_contact", "Close (advice/NFA)", id="recommendation_close"),
        # Reached only when closing is not offered: says why instead of doing nothing.
        Binding("c", "close_refused", "Close", show=False, id="recommendation_close_refused"),
        Binding("p", "pass_to_worker", "Pass to worker", id="recommendation_pass"),
        Binding("r", "reload", "Refresh", id="recommendation_refresh"),
        Binding("k", "checks", "Checks", id="recommendation_checks"),
        Binding("escape", "back", "Back", id="recommendation_back"),
    ]

    @dataclass(frozen=True)
    class Loaded:
        """What the screen shows, read in one worker."""

        recommendation: RecommendationView
        item: ItemView | None
        children: str
        received_at: datetime

    def __init__(self, actor: Actor, reference: str) -> None:
        super().__init__()
        self.actor = actor
        self.reference = reference
        self.recommendation: RecommendationView | None = None
        self.item: ItemView | None = None

    def compose(self) -> ComposeResult:
        yield StatusBar()
        yield Static(Text(f"Recommendation: {self.reference}"), id="rec-title", classes="screen-title")
        with Horizontal(id="rec-rating"):
            yield RagBadge("none", id="rec-badge")
            yield Static(Text("Loading the recommendation…"), id="rec-summary")
        with VerticalScroll(id="rec-body"):
            yield Static(Text("Why"), classes="section-title")
            yield Static("", id="rec-rules")
            yield Static("", id="rec-repeat")
            yield Static("", id="rec-flags")
            yield Static(Text("Routing"), classes="section-title")
            yield Static("", id="rec-routing")
            yield Static(Text("Where it stands"), classes="section-title")
            yield Static("", id="rec-state")
        yield Static("", id="rec-message", classes="action-message")
        yield Footer()

    def on_mount(self) -> None:
        self.action_reload()

    # -- what is offered --------------------------------------------------------------------

    def _undecided(self) -> bool:
        """The contact is still the officer's: nothing has escalated, closed or passed it on."""
        if self.recommendation is None:
            return False
        if self.item is None:
            return True
        # An immediate-danger item is in the queue before the contact is finished; escalating
        # the submitted contact attaches it.
        return self.item.immediate_danger and self.item.state == ItemState.ESCALATED

    def _may_close(self) -> bool:
        return (
            self._undecided()
            and self.item is None
            and self.recommendation is not None
            and self.recommendation.officer_may_close
            and may(self.actor.role, "contact.close")
        )

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "checks":
            return may(self.actor.role, "check.run")
        if action == "escalate":
            return self._undecided() and may(self.actor.role, "contact.escalate")
        if action == "close_contact":
            return self._may_close()
        if action == "close_refused":
            return not self._may_close()
        if action == "pass_to_worker":
            return (
                self._undecided()
                and self.item is None
                and self.recommendation is not None
                and self.recommendation.routing_reason is not None
                and may(self.actor.role, "contact.escalate")
            )
        return True

    # -- loading ----------------------------------------------------------------------------

    def action_reload(self) -> None:
        self._load()

    def _load(self) -> None:
        self.run_service(self._read, self._show, group="recommendation-load")

    def _read(self, ctx: Context) -> Loaded:
        from mash_tui.services import contacts, queue

        recommendation = queue.recommendation_for(ctx, self.actor, self.reference)
        contact = contacts.get_contact(ctx, self.actor, self.reference)
        try:
            item = queue.item_view(ctx, self.reference)
        except queue.ItemRefused:
            item = None
        return self.Loaded(recommendation, item, contact.children, contact.received_at)

    def _show(self, message: Loaded) -> None:
        view = message.recommendation
        self.recommendation = view
        self.item = message.item
        received = to_local(message.received_at).strftime("%a %d %b %H:%M")
        title = Text(f"Recommendation: {self.reference} · ")
        title.append(message.children or "no child named")
        title.append(f" · received {received}")
        self.query_one("#rec-title", Static).update(title)
        self.query_one("#rec-badge", RagBadge).set_rag(view.rag)
        summary = "recommended rating" if view.rules else "no concern recorded: no rating"
        self.query_one("#rec-summary", Static).update(Text(f" {summary} (the rules recommend; people decide)"))
        self.query_one("#rec-rules", Static).update(reasons_text(view))
        self.query_one("#rec-repeat", Static).update(repeat_text(view))
        self.query_one("#rec-flags", Static).update(flags_text(view.flags))
        self.query_one("#rec-routing", Static).update(routing_text(view))
        self.query_one("#rec-state", Static).update(self._state_text())
        self.refresh_bindings()

    def _state_text(self) -> Text:
        view = self.recommendation
        item = self.item
        if item is None or self._undecided():
            if view is not None and not view.officer_may_close:
                return Text(f"Rated {view.rag}: escalate it to the decision makers (e). "
                            "An officer cannot close a contact rated GREEN or above.")
            return Text("No rule reaches GREEN: close it with advice or no further action (c), or escalate it (e).")
        try:
            state = STATE_LABELS[ItemState(item.state)]
        except ValueError:
            state = item.state
        text = Text(f"{state.capitalize()}")
        if item.outcome:
            text.append(f" · outcome {item.outcome}")
        if item.claimed_by:
            text.append(" · held by ")
            text.append(item.claimed_by)
        return text

    # -- actions ----------------------------------------------------------------------------

    def action_back(self) -> None:
        self.app.pop_screen()

    def action_checks(self) -> None:
        from mash_tui.screens.checks import ChecksScreen

        self.app.push_screen(ChecksScreen(self.actor, self.reference))

    def action_escalate(self) -> None:
        prompt = ReasonPrompt(
            f"Escalate {self.reference} to the decision makers",
            "A note for the decision maker (optional):",
            required=False,
            submit_label="Escalate",
        )

        def escalate(note: str | None) -> None:
            if note is None:
                return
            self._act(lambda ctx, queue: queue.escalate(ctx, self.actor, self.reference, note=note or None),
                      "escalated")

        self.app.push_screen(prompt, escalate)

    def action_close_contact(self) -> None:
        prompt = ChoicePrompt(
            f"Close {self.reference}",
            CLOSING_CHOICES,
            reason_prompt="Why is it closed? (the reason is recorded)",
            submit_label="Close contact",
        )

        def close(answer: ChoiceWithReason | None) -> None:
            if answer is None:
                return
            self._act(
                lambda ctx, queue: queue.close_contact(ctx, self.actor, self.reference, answer.choice, answer.reason),
                "closed",
            )

        self.app.push_screen(prompt, close)

    def action_close_refused(self) -> None:
        view = self.recommendation
        if view is None:
            return
        if self.item is not None and not self._undecided():
            self._tell(f"{self.reference} has already left the officer's hands.", refused=True)
        elif not may(self.actor.role, "contact.close"):
            self._tell(f"A user with the role {self.actor.role} may not close contacts.", refused=True)
        else:
            self._tell(f"{self.reference} is rated {view.rag}: an officer cannot close it. Escalate it (e).",
                       refused=True)

    def action_pass_to_worker(self) -> None:
        view = self.recommendation
        if view is None or view.routing_reason is None:
            return
        worker = view.routing_worker or "the allocated team"
        prompt = ReasonPrompt(
            f"Pass {self.reference} to {worker}",
            "Why it goes to the allocated worker:",
            initial=view.routing_reason,
            submit_label="Pass on",
        )

        def pass_on(reason: str | None) -> None:
            if reason is None:
                return
            self._act(
                lambda ctx, queue: queue.pass_to_allocated_worker(ctx, self.actor, self.reference, worker, reason),
                f"passed to {worker}",
            )

        self.app.push_screen(prompt, pass_on)

    def _act(self, call: Callable[[Context, Any], ItemView], done: str) -> None:
        def said(view: ItemView) -> None:
            self._tell(f"{view.reference} {done} ({view.rag}, {view.state}).")
            self.action_reload()

        self.run_service(lambda ctx: call(ctx, _queue_service()), said, group="recommendation-action")

    def _tell(self, words: str, *, refused: bool = False) -> None:
        self.say(words, refused=refused)
        self.notify(Text(words), severity="warning" if refused else "information")


def _queue_service() -> Any:
    """The queue's services, imported in the worker that calls them: the store is heavy to import."""
    from mash_tui.services import queue

    return queue
