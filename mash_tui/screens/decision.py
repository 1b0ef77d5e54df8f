"""One queue item, for the decision maker: the contact, the recommendation, the clocks, the history.

The decision maker confirms the rating or changes it (a change needs a reason), records an
outcome with its flags, re-rates later as answers arrive (which restarts the RAG clock), and
steps an early-help item back up to the queue. Once there is an outcome, officers and decision
makers record each time the referrer is told it. Others see it read-only.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Grid, Horizontal, Vertical, VerticalScroll
from textual.widgets import Button, Checkbox, Footer, Input, RadioButton, RadioSet, Select, Static

from mash_tui.clock import to_local
from mash_tui.domain.codes import (
    CONCERN_CATEGORIES,
    DECISION_OUTCOME_LABELS,
    DECISION_OUTCOMES,
    FLAG_LABELS,
    FLAGS,
    ITEM_EVENT_LABELS,
    SOURCES_OF_CONTACT,
)
from mash_tui.domain.roles import Actor, may
from mash_tui.errors import UserError
from mash_tui.domain.timescales import ClockWindow
from mash_tui.domain.workflow import (
    HELD_STATES,
    OUTCOME_STATES,
    STATE_LABELS,
    ItemAction,
    ItemState,
    TransitionRefused,
    allows,
    check_allowed,
)
from mash_tui.screens.feedback import FeedbackForm, FeedbackPrompt, feedback_line, recorded_words
from mash_tui.screens.modals import ChoicePrompt, ChoiceWithReason, ReasonPrompt, Dialog
from mash_tui.screens.recommendation import flags_text, reasons_text, repeat_text, routing_text
from mash_tui.widgets.countdown import ClockCountdown
from mash_tui.widgets.rag_badge import RagBadge
from mash_tui.widgets.status_bar import StatusBar
from mash_tui.screens.base import DeskScreen

if TYPE_CHECKING:
    from mash_tui.services.context import Context
    from mash_tui.domain.policy import NearBreachPolicy
    from mash_tui.services.views import ItemView, RecommendationView

RATINGS = [("RED", "RED"), ("AMBER", "AMBER"), ("GREEN", "GREEN")]


def _state_label(state: str) -> str:
    try:
        return STATE_LABELS[ItemState(state)]
    except ValueError:
        return state


# -- what the screen shows, as text ---------------------------------------------------------------


def _yes(value: Any) -> bool:
    return value is True


def _joined(*parts: Any) -> str:
    return ", ".join(str(part) for part in parts if part not in (None, "", [], ()))


def _birth_words(child: dict[str, Any]) -> str | None:
    if child.get("dob"):
        return f"born {child['dob']}"
    if child.get("unborn_due_date"):
        return f"unborn, due {child['unborn_due_date']}"
    if child.get("estimated_age") is not None:
        return f"about {child['estimated_age']} years old"
    return None


def contact_text(record: dict[str, Any], received_at: datetime) -> Text:
    """The contact as a decision maker reads it; every value is the record's data, shown as typed."""
    text = Text()
    received = to_local(received_at).strftime("%a %d %b %Y %H:%M")
    text.append("Received ", style="bold")
    text.append(f"{received} by {record.get('channel', 'unknown channel')}\n")

    referrer = record.get("referrer") or {}
    source = referrer.get("source", "")
    text.append("Referrer ", style="bold")
    who = _joined(referrer.get("name"), referrer.get("role"), referrer.get("organisation"))
    text.append(who or "not named")
    text.append(f" · {source} {SOURCES_OF_CONTACT.get(source, '')}".rstrip())
    if _yes(referrer.get("anonymous")):
        text.append(" · anonymous")
    if _yes(referrer.get("wants_feedback")):
        text.append(" · wants feedback")
    reach = _joined(referrer.get("phone"), referrer.get("email"))
    if reach:
        text.append(f" · {reach}")
    text.append("\n")

    for child in record.get("children") or []:
        name = " ".join(part for part in (child.get("first_name"), child.get("last_name")) if part) or "unnamed child"
        text.append("Child ", style="bold")
        text.append(name)
        details = _joined(_birth_words(child), child.get("sex"),
                          child.get("school") and f"school {child['school']}",
                          _joined(child.get("address"), child.get("postcode")),
                          child.get("location_now") and f"now {child['location_now']}")
        if child.get("independently_mobile") is False:
            details = _joined(details, "not independently mobile")
        if details:
            text.append(f" · {details}")
        text.append("\n")

    for adult in record.get("adults") or []:
        name = " ".join(part for part in (adult.get("first_name"), adult.get("last_name")) if part) or "unnamed adult"
        text.append("Adult ", style="bold")
        text.append(name)
        marks = [adult.get("relationship"), adult.get("dob") and f"born {adult['dob']}"]
        marks += [words for key, words in (("lives_with_child", "lives with the child"),
                                           ("parental_responsibility", "parental responsibility"),
                                           ("alleged_perpetrator", "alleged perpetrator")) if _yes(adult.get(key))]
        details = _joined(*marks)
        if details:
            text.append(f" · {details}")
        text.append("\n")

    concerns = record.get("concerns") or {}
    text.append("Concerns ", style="bold")
    categories = concerns.get("categories") or []
    text.append("; ".join(f"{code} {CONCERN_CATEGORIES.get(code, '')}".strip() for code in categories) or "none recorded")
    marks = [f"injury {concerns.get('injury') or 'none'}"]
    marks += [words for key, words in (("disclosure", "disclosure"), ("immediate_danger", "IMMEDIATE DANGER"),
                                       ("allegation_against_professional", "allegation against a professional"))
              if _yes(concerns.get(key))]
    if concerns.get("child_present_at_incident") is True:
        marks.append("child present")
    if concerns.get("dash_score") is not None:
        marks.append(f"DASH {concerns['dash_score']}")
    if concerns.get("police_reference"):
        marks.append(f"police ref {concerns['police_reference']}")
    text.append(f" · {_joined(*marks)}\n")
    text.append(str(concerns.get("narrative") or ""))

    consent = record.get("consent") or {}
    if consent:
        text.append("\nConsent ", style="bold")
        agreed = ", ".join(consent.get("agencies_agreed") or []) or "no agencies"
        text.append(f"{consent.get('consent_given') or 'not recorded'} · checks agreed: {agreed}")
        if consent.get("reason"):
            text.append(" · ")
            text.append(str(consent["reason"]))
    return text


def _detail_words(details: dict[str, Any]) -> str:
    shown = []
    for key, value in details.items():
        if value in (None, "", [], {}):
            continue
        if isinstance(value, list):
            value = ", ".join(str(part) for part in value)
        shown.append(f"{key.replace('_', ' ')}: {value}")
    return "; ".join(shown)


def history_text(events: list[dict[str, Any]]) -> Text:
    text = Text()
    if not events:
        return Text("Nothing has happened to this item yet.")
    for position, event in enumerate(events):
        when = to_local(event["at"]).strftime("%d %b %H:%M")
        text.append(f"{when}  ")
        text.append(str(event["actor"]), style="bold")
        text.append(f"  {ITEM_EVENT_LABELS.get(event['kind'], event['kind'])}")
        words = _detail_words(event.get("details") or {})
        if words:
            text.append(f"  {words}")
        if position < len(events) - 1:
            text.append("\n")
    return text


def recommendation_text(view: RecommendationView | None) -> Text:
    if view is None:
        return Text("No recommendation yet: the contact is still being captured.")
    text = Text()
    text.append(f"Recommended {view.rag}\n", style="bold")
    text.append_text(reasons_text(view))
    text.append("\n")
    text.append_text(repeat_text(view))
    text.append("\n")
    text.append_text(flags_text(view.flags))
    text.append("\nPrior involvement: ")
    text.append_text(routing_text(view))
    return text


# -- the decision form -----------------------------------------------------------------------------


@dataclass(frozen=True)
class DecisionForm:
    rag: str
    outcome: str
    flags: list[str]
    reason: str


class DecisionPrompt(Dialog):
    """Confirm or change the rating, choose the outcome and its flags; a changed rating needs a reason."""

    def __init__(self, reference: str, current_rag: str, suggested_flags: list[str]) -> None:
        super().__init__()
        self.reference = reference
        self.current_rag = current_rag
        self.suggested_flags = suggested_flags

    def compose(self) -> ComposeResult:
        with VerticalScroll(classes="modal-box decision-box"):
            yield Static(Text(f"Decide {self.reference} (now {self.current_rag})"), classes="modal-title")
            with RadioSet(id="decision-rag", classes="inline-choice"):
                for value, label in RATINGS:
                    yield RadioButton(label, value=value == self.current_rag, name=value)
            yield Select([(label, value) for value, label in DECISION_OUTCOME_LABELS.items() if value in DECISION_OUTCOMES],
                         prompt="Outcome", id="decision-outcome")
            with Grid(id="decision-flags"):
                for flag in FLAGS:
                    yield Checkbox(FLAG_LABELS.get(flag, flag), value=flag in self.suggested_flags, name=flag)
            yield Input(placeholder="Reason (needed when the rating changes)", id="decision-reason")
            yield Static("", classes="modal-error")
            with Horizontal(classes="modal-buttons"):
                yield Button("Record decision", variant="primary", id="modal-submit")
                yield Button("Cancel", id="modal-cancel")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#decision-rag", RadioSet).focus()

    @on(Input.Submitted)
    @on(Button.Pressed, "#modal-submit")
    def _submit(self) -> None:
        pressed = self.query_one("#decision-rag", RadioSet).pressed_button
        outcome = self.query_one("#decision-outcome", Select).value
        reason = self.query_one("#decision-reason", Input).value.strip()
        flags = [box.name for box in self.query(Checkbox) if box.value and box.name]
        if pressed is None or not pressed.name:
            self._complain("Choose a rating: RED, AMBER or GREEN.")
            return
        if not isinstance(outcome, str):
            self._complain("Choose an outcome.")
            return
        if pressed.name != self.current_rag and not reason:
            self._complain(f"Changing the rating from {self.current_rag} to {pressed.name} needs a reason.")
            return
        self.dismiss(DecisionForm(pressed.name, outcome, flags, reason))

    @on(Button.Pressed, "#modal-cancel")
    def _cancel(self) -> None:
        self.dismiss(None)


# -- the screen ------------------------------------------------------------------------------------


class DecisionScreen(DeskScreen[None]):
    CSS_PATH = "decision.tcss"
    MESSAGE_LINE = "#decision-message"
    BINDINGS = [
        # Offered only where deciding is allowed; elsewhere `d` still answers, with why not (`key_d`).
        Binding("d", "decide", "Decide", id="decision_decide"),
        Binding("c", "claim", "Claim", id="decision_claim"),
        Binding("u", "release", "Release", id="decision_release"),
        Binding("t", "rerate", "Re-rate", id="decision_rerate"),
        Binding("s", "step_up", "Step up", id="decision_step_up"),
        Binding("f", "feedback", "Feedback", id="decision_feedback"),
        Binding("r", "reload", "Refresh", id="decision_refresh"),
        Binding("escape", "back", "Back", id="decision_back"),
    ]

    @dataclass(frozen=True)
    class Loaded:
        """What the screen shows, read in one worker."""

        item: ItemView
        recommendation: RecommendationView | None
        record: dict[str, Any] | None
        received_at: datetime | None
        history: list[dict[str, Any]]
        near_breach: NearBreachPolicy

    def __init__(self, actor: Actor, reference: str) -> None:
        super().__init__()
        self.actor = actor
        self.reference = reference
        self.item: ItemView | None = None
        self.recommendation: RecommendationView | None = None
        self._record: dict[str, Any] | None = None

    def compose(self) -> ComposeResult:
        yield StatusBar()
        with Horizontal(id="decision-head"):
            yield RagBadge("none", id="decision-badge")
            yield Static(Text(f" {self.reference} · loading…"), id="decision-headline")
        yield Static("", id="decision-feedback")
        with VerticalScroll(id="decision-body"):
            yield Static(Text("Clocks"), classes="section-title")
            yield Vertical(id="decision-clocks")
            yield Static(Text("Recommendation"), classes="section-title")
            yield Static("", id="decision-recommendation")
            yield Static(Text("Contact"), classes="section-title")
            yield Static("", id="decision-contact")
            yield Static(Text("History"), classes="section-title")
            yield Static("", id="decision-history")
        yield Static("", id="decision-message", classes="action-message")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#decision-body").focus()
        self.action_reload()

    # -- what is offered --------------------------------------------------------------------

    def _state(self) -> ItemState | None:
        if self.item is None:
            return None
        try:
            return ItemState(self.item.state)
        except ValueError:
            return None

    def _may_decide(self) -> bool:
        state = self._state()
        return may(self.actor.role, "item.decide") and state is not None and allows(state, ItemAction.DECIDE)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        state = self._state()
        held_by_me = self.item is not None and self.item.claimed_by == self.actor.username
        if action == "decide":
            return self._may_decide()
        if action == "claim":
            return may(self.actor.role, "item.claim") and state is ItemState.ESCALATED
        if action == "release":
            return may(self.actor.role, "item.release") and held_by_me
        if action == "rerate":
            return may(self.actor.role, "item.rerate") and state in HELD_STATES
        if action == "step_up":
            return may(self.actor.role, "item.step_up") and state is ItemState.EARLY_HELP
        if action == "feedback":
            return may(self.actor.role, "feedback.record") and state in OUTCOME_STATES
        return True

    # -- loading ----------------------------------------------------------------------------

    def action_reload(self) -> None:
        self._load()

    def _load(self) -> None:
        self.run_service(self._read, self._show, group="decision-load")

    def _read(self, ctx: Context) -> Loaded:
        from mash_tui.errors import UserError
        from mash_tui.services import contacts, queue

        history = queue.item_history(ctx, self.actor, self.reference)
        item = queue.item_view(ctx, self.reference)
        try:
            recommendation = queue.recommendation_for(ctx, self.actor, self.reference)
            contact = contacts.get_contact(ctx, self.actor, self.reference)
            record, received_at = contact.record, contact.received_at
        except UserError:
            # An immediate-danger item reaches the queue before its contact is submitted.
            recommendation, record, received_at = None, None, None
        return self.Loaded(item, recommendation, record, received_at, history, ctx.policy.near_breach)

    async def _show(self, message: Loaded) -> None:
        item = message.item
        self.item = item
        self.recommendation = message.recommendation
        self._record = message.record
        self.query_one("#decision-badge", RagBadge).set_rag(item.rag)
        headline = Text(f" {item.reference} · ")
        headline.append(item.children or "no child named yet")
        headline.append(f" · {_state_label(item.state)}")
        if item.outcome:
            headline.append(f" · {DECISION_OUTCOME_LABELS.get(item.outcome, item.outcome)}")
        headline.append(" · held by ")
        headline.append(item.claimed_by or "nobody")
        self.query_one("#decision-headline", Static).update(headline)

        clocks = self.query_one("#decision-clocks", Vertical)
        await clocks.remove_children()
        ordered = sorted(item.clocks, key=lambda clock: (clock.met_at is not None, clock.due_at))
        await clocks.mount_all(
            ClockCountdown(clock.label, ClockWindow.of(clock.started_at, clock.due_at, message.near_breach),
                           clock.met_at)
            for clock in ordered
        )
        if not ordered:
            await clocks.mount(Static(Text("No clocks.")))
        self.query_one("#decision-recommendation", Static).update(recommendation_text(message.recommendation))
        contact = (contact_text(message.record, message.received_at)
                   if message.record is not None and message.received_at is not None
                   else Text("The contact is still being captured."))
        self.query_one("#decision-contact", Static).update(contact)
        self.query_one("#decision-history", Static).update(history_text(message.history))
        told = feedback_line(item, self._state() in OUTCOME_STATES, message.record,
                             may_record=may(self.actor.role, "feedback.record"))
        feedback = self.query_one("#decision-feedback", Static)
        feedback.update(told or "")
        feedback.display = told is not None
        self.refresh_bindings()

    # -- actions ----------------------------------------------------------------------------

    def action_back(self) -> None:
        self.app.pop_screen()

    def action_decide(self) -> None:
        if self.item is None:
            return
        flags = list(self.recommendation.flags) if self.recommendation else []
        prompt = DecisionPrompt(self.reference, self.item.rag, flags)

        def decide(form: DecisionForm | None) -> None:
            if form is None:
                return
            self._act(
                lambda ctx, queue: queue.decide(ctx, self.actor, self.reference, rag=form.rag, outcome=form.outcome,
                                                flags=form.flags, reason=form.reason or None),
                f"Decided: {DECISION_OUTCOME_LABELS.get(form.outcome, form.outcome)} ({form.rag}).",
            )

        self.app.push_screen(prompt, decide)

    def key_d(self) -> bool:
        """`d` where deciding is not offered: say why, and audit the attempt.

        Key handlers run before the screen's bindings; where deciding is offered the key is left
        (False) to the `decide` binding.
        """
        if self._may_decide():
            return False
        self._refuse_decision()
        return True

    def _refuse_decision(self) -> None:
        state = self._state()

        def refuse(ctx: Context) -> None:
            from mash_tui.services.authz import require

            # Audits the attempt as `permission.refused` when the role may not decide.
            require(ctx, self.actor, "item.decide", subject_ref=self.reference)
            if state is not None:
                try:
                    check_allowed(state, ItemAction.DECIDE)
                except TransitionRefused as refused:
                    raise UserError(str(refused)) from refused

        self.run_service(refuse, refused=self._refused, group="decision-action")

    def action_claim(self) -> None:
        self._act(lambda ctx, queue: queue.claim(ctx, self.actor, self.reference), "You now hold this item.")

    def action_release(self) -> None:
        self._act(lambda ctx, queue: queue.release(ctx, self.actor, self.reference), "Released to the queue.")

    def action_rerate(self) -> None:
        if self.item is None:
            return
        prompt = ChoicePrompt(
            f"Re-rate {self.reference} (now {self.item.rag})",
            RATINGS,
            initial=self.item.rag if self.item.rag in dict(RATINGS) else None,
            reason_prompt="Why the rating changes (a new rating restarts its clock):",
            reason_needed_unless=self.item.rag,
            submit_label="Re-rate",
        )

        def rerate(answer: ChoiceWithReason | None) -> None:
            if answer is None:
                return
            self._act(lambda ctx, queue: queue.rerate(ctx, self.actor, self.reference, answer.choice, answer.reason),
                      f"Re-rated {answer.choice}.")

        self.app.push_screen(prompt, rerate)

    def action_step_up(self) -> None:
        prompt = ReasonPrompt(
            f"Step {self.reference} up to the MASH queue",
            "What new information suggests higher risk?",
            submit_label="Step up",
        )

        def step_up(reason: str | None) -> None:
            if reason is None:
                return
            self._act(lambda ctx, queue: queue.step_up(ctx, self.actor, self.reference, reason),
                      "Stepped up: back in the queue.")

        self.app.push_screen(prompt, step_up)

    def action_feedback(self) -> None:
        referrer = ((self._record or {}).get("referrer") or {})
        who = _joined(referrer.get("name"), referrer.get("organisation")) or None

        def record(form: FeedbackForm | None) -> None:
            if form is None:
                return

            def call(ctx: Any, _queue: Any) -> Any:
                from mash_tui.services.feedback import record_feedback

                return record_feedback(ctx, self.actor, self.reference, how=form.how, note=form.note or None)

            self._act(call, lambda view: recorded_words(view.feedback[-1]))

        self.app.push_screen(FeedbackPrompt(self.reference, who), record)

    def _act(self, call: Callable[[Context, Any], Any], done: str | Callable[[Any], str]) -> None:
        """Run `call(ctx, queue)`; `done` is the words said after, or makes them from its result."""

        def said(result: Any) -> None:
            self.say(done(result) if callable(done) else done)
            self.action_reload()

        self.run_service(lambda ctx: call(ctx, _queue_service()), said, refused=self._refused,
                         group="decision-action")

    def _refused(self, words: str) -> None:
        self.show_refusal(f"Refused: {words}")


def _queue_service() -> Any:
    """The queue's services, imported in the worker that calls them: the store is heavy to import."""
    from mash_tui.services import queue

    return queue
