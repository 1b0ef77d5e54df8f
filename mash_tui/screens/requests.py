"""The decision maker's side of information requests: asking partner agencies, and following up.

`RequestComposerScreen` chooses the agencies (ticked by default for the item's rating), a question
for each if needed, and what is shared with them. `ItemRequestsScreen` shows every request on one
item with its state and the agency's answer, and chases, withdraws, or records the MASH discussion
that closes information gathering.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import DataTable, Footer, Input, SelectionList, Static, TextArea
from textual.widgets.data_table import RowDoesNotExist
from textual.widgets.selection_list import Selection

from mash_tui.clock import to_local
from mash_tui.domain.codes import REQUEST_STATE_LABELS
from mash_tui.domain.roles import Actor, may
from mash_tui.domain.timescales import ClockWindow
from mash_tui.widgets.countdown import time_left_cell
from mash_tui.widgets.rag_badge import RagBadge
from mash_tui.widgets.status_bar import StatusBar
from mash_tui.screens.base import DeskScreen
from mash_tui.widgets.table_keys import highlighted_row_key

if TYPE_CHECKING:
    from mash_tui.domain.policy import NearBreachPolicy
    from mash_tui.services.context import Context
    from mash_tui.services.views import GatheringView, RequestDraft, RequestView

_ACTION_PERMISSIONS = {
    "compose": "request.send",
    "chase": "request.manage",
    "withdraw": "request.manage",
    "discussion": "discussion.record",
}


def local_time(instant: datetime) -> str:
    return to_local(instant).strftime("%a %d %b %H:%M")


def people_text(people: Any) -> Text:
    """The children and adults a request shares, one per line."""
    text = Text()
    for position, person in enumerate(people):
        if position:
            text.append("\n")
        text.append(f"{person.role.capitalize()}: ", style="bold")
        text.append(person.name)
        if person.description:
            text.append(f" — {person.description}")
    return text


def answer_text(view: RequestView, people_by_key: dict[str, str]) -> Text:
    """The answer in force, person by person, then the agency's own words; corrections say so."""
    answer = view.answer
    text = Text()
    if answer is None:
        return text
    corrected = " (corrected)" if answer.supersedes_id else ""
    text.append(f"Answered {local_time(answer.answered_at)} by ", style="bold")
    text.append(answer.answered_by, style="bold")
    text.append(f"{corrected}\n", style="bold")
    for finding in answer.findings:
        text.append(f"  {people_by_key.get(finding.person, finding.person)}: ")
        text.append("known" if finding.known else "not known", style="bold")
        if finding.summary:
            text.append(f" — {finding.summary}")
        if finding.current_risks:
            text.append(f"\n    current risks: {finding.current_risks}")
        if finding.agency_contact:
            text.append(f"\n    contact: {finding.agency_contact}")
        text.append("\n")
    if answer.free_text:
        text.append("  ")
        text.append(answer.free_text)
    text.rstrip()
    return text


# -- small dialogs ----------------------------------------------------------------------------------


class NotePrompt(ModalScreen[str | None]):
    """One line of text: a reason (required) or a note (optional). Enter submits, escape cancels."""

    CSS_PATH = "modals.tcss"

    BINDINGS = [Binding("escape", "cancel", "Cancel", id="request_note_cancel")]

    def __init__(self, title: str, prompt: str, *, required: bool) -> None:
        super().__init__()
        self.title_text = title
        self.prompt = prompt
        self.required = required

    def compose(self) -> ComposeResult:
        with Vertical(classes="requests-dialog"):
            yield Static(Text(self.title_text), classes="requests-dialog-title")
            yield Static(Text(self.prompt))
            yield Input(id="request-note")
            yield Static("", classes="requests-dialog-error")
        yield Footer()

    @on(Input.Submitted)
    def _submit(self) -> None:
        value = self.query_one("#request-note", Input).value.strip()
        if self.required and not value:
            self.query_one(".requests-dialog-error", Static).update(Text("A reason is needed."))
            return
        self.dismiss(value)

    def action_cancel(self) -> None:
        self.dismiss(None)


@dataclass(frozen=True)
class DiscussionRecord:
    participants: list[str]
    summary: str
    agreed_actions: str | None


class DiscussionPrompt(ModalScreen[DiscussionRecord | None]):
    """Who took part, what was found, what was agreed. Ctrl+S records it."""

    CSS_PATH = "modals.tcss"

    BINDINGS = [
        Binding("escape", "cancel", "Cancel", id="discussion_cancel"),
        Binding("ctrl+s", "record", "Record", id="discussion_record", priority=True),
    ]

    def __init__(self, reference: str, participants: str) -> None:
        super().__init__()
        self.reference = reference
        self.participants = participants

    def compose(self) -> ComposeResult:
        with Vertical(classes="requests-dialog"):
            yield Static(Text(f"MASH discussion on {self.reference}"), classes="requests-dialog-title")
            yield Static(Text("Who took part (separate with commas)"))
            yield Input(self.participants, id="discussion-participants")
            yield Static(Text("What the discussion found"))
            yield Input(id="discussion-summary")
            yield Static(Text("Agreed actions"))
            yield Input(id="discussion-actions")
            yield Static("", classes="requests-dialog-error")
        yield Footer()

    @on(Input.Submitted)
    def _next_or_record(self, event: Input.Submitted) -> None:
        if event.input.id == "discussion-actions":
            self.action_record()
        else:
            self.focus_next()

    def action_record(self) -> None:
        participants = [name.strip() for name in self.query_one("#discussion-participants", Input).value.split(",")]
        participants = [name for name in participants if name]
        summary = self.query_one("#discussion-summary", Input).value.strip()
        actions = self.query_one("#discussion-actions", Input).value.strip()
        error = self.query_one(".requests-dialog-error", Static)
        if not participants:
            error.update(Text("Name who took part."))
            return
        if not summary:
            error.update(Text("Say what the discussion found."))
            return
        self.dismiss(DiscussionRecord(participants, summary, actions or None))

    def action_cancel(self) -> None:
        self.dismiss(None)


# -- the composer -----------------------------------------------------------------------------------


class RequestComposerScreen(DeskScreen[int | None]):
    """Ask partner agencies about one claimed item. Dismisses with how many requests were sent."""

    CSS_PATH = "requests.tcss"

    MESSAGE_LINE = "#composer-message"
    BINDINGS = [
        Binding("ctrl+s", "send", "Send requests", id="composer_send", priority=True),
        Binding("escape", "cancel", "Cancel", id="composer_cancel"),
    ]

    def __init__(self, actor: Actor, reference: str) -> None:
        super().__init__()
        self.actor = actor
        self.reference = reference
        self.draft: RequestDraft | None = None
        self.questions: dict[str, str] = {}
        self.labels: dict[str, str] = {}
        self.asking: str | None = None
        self.sending = False

    def compose(self) -> ComposeResult:
        yield StatusBar()
        yield Static(Text(f"Ask partner agencies: {self.reference}"), id="composer-title", classes="screen-title")
        with Horizontal(id="composer-rating"):
            yield RagBadge("none", id="composer-badge")
            yield Static(Text(" Loading…"), id="composer-due")
        with Horizontal(id="composer-body"):
            # The question sits under the list, so Tab goes from an agency straight to its question.
            with Vertical(id="composer-agencies"):
                yield Static(Text("Agencies (space ticks)"), classes="requests-heading")
                yield SelectionList[str](id="composer-agency-list")
                yield Static(Text("Question (optional)"), id="composer-question-label")
                yield Input(id="composer-question", placeholder="e.g. call-outs to the address?", compact=True)
            with Vertical(id="composer-shared"):
                yield Static(Text("Shared with each agency"), classes="requests-heading")
                yield TextArea(id="composer-summary", soft_wrap=True, compact=True)
                yield VerticalScroll(Static("", id="composer-people"), id="composer-people-box")
        yield Static("", id="composer-message", classes="requests-message")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#composer-agency-list").focus()
        self._load()

    def _load(self) -> None:
        self.run_service(lambda ctx: _requests_service().request_draft(ctx, self.actor, self.reference), self._show,
                         group="composer-load")

    def _show(self, draft: RequestDraft) -> None:
        self.draft = draft
        self.labels = dict(draft.agencies)
        title = Text(f"Ask partner agencies: {draft.reference} · ")
        title.append(draft.children or "no child named")
        self.query_one("#composer-title", Static).update(title)
        self.query_one("#composer-badge", RagBadge).set_rag(draft.rag)
        due = Text(f" answers due {local_time(draft.due_at)} · ")
        due.append(draft.consent)
        self.query_one("#composer-due", Static).update(due)
        selections = self.query_one("#composer-agency-list", SelectionList)
        selections.clear_options()
        for agency, label in draft.agencies:
            if agency in draft.already_open:
                selections.add_option(Selection(Text(f"{label} (asked)"), agency, False, disabled=True))
            else:
                selections.add_option(Selection(Text(label), agency, agency in draft.defaults))
        askable = [agency for agency, _ in draft.agencies if agency not in draft.already_open]
        first = askable[0] if askable else draft.agencies[0][0]
        selections.highlighted = [agency for agency, _ in draft.agencies].index(first)
        self.query_one("#composer-summary", TextArea).load_text(draft.summary)
        self.query_one("#composer-people", Static).update(people_text(draft.people))
        self._ask(first)
        self._tell("Tick the agencies to ask, then press ctrl+s to send.")

    @on(SelectionList.SelectionHighlighted, "#composer-agency-list")
    def _highlighted(self, event: SelectionList.SelectionHighlighted) -> None:
        self._ask(event.selection.value)

    def _ask(self, agency: str) -> None:
        """Point the question box at `agency`, keeping what was typed for the one before."""
        field = self.query_one("#composer-question", Input)
        if self.asking is not None:
            self.questions[self.asking] = field.value
        self.asking = agency
        with field.prevent(Input.Changed):
            field.value = self.questions.get(agency, "")
        label = self.labels.get(agency, agency)
        self.query_one("#composer-question-label", Static).update(Text(f"Question for {label} (optional)"))

    @on(Input.Changed, "#composer-question")
    def _typed(self, event: Input.Changed) -> None:
        if self.asking is not None:
            self.questions[self.asking] = event.value

    @on(Input.Submitted, "#composer-question")
    def _back_to_list(self) -> None:
        self.query_one("#composer-agency-list").focus()

    def chosen(self) -> list[str]:
        return list(self.query_one("#composer-agency-list", SelectionList).selected)

    def action_send(self) -> None:
        if self.draft is None or self.sending:
            return
        chosen = self.chosen()
        if not chosen:
            self._tell("Tick at least one agency (space on the list).", refused=True)
            return
        if self.asking is not None:
            self.questions[self.asking] = self.query_one("#composer-question", Input).value
        questions = {agency: (self.questions.get(agency) or "").strip() or None for agency in chosen}
        summary = self.query_one("#composer-summary", TextArea).text
        self.sending = True
        self._tell("Sending…")
        self._send(questions, summary)

    def _send(self, questions: dict[str, str | None], summary: str) -> None:
        def sent(views: list[RequestView]) -> None:
            names = ", ".join(view.agency_label for view in views)
            self.app.notify(Text(f"Sent {len(views)} information requests on {self.reference}: {names}"))
            self.dismiss(len(views))

        self.run_service(
            lambda ctx: _requests_service().send_requests(ctx, self.actor, self.reference, questions, summary=summary),
            sent, group="composer-send")

    def show_refusal(self, words: str) -> None:
        self.sending = False
        self.say(words, refused=True)

    def action_cancel(self) -> None:
        self.dismiss(None)

    def _tell(self, words: str, *, refused: bool = False) -> None:
        self.say(words, refused=refused)


# -- one item's requests ----------------------------------------------------------------------------


class ItemRequestsScreen(DeskScreen[None]):
    """Every request on one item: its state, time left and answer; chase, withdraw, discuss."""

    CSS_PATH = "requests.tcss"

    BINDINGS = [
        Binding("n", "compose", "Ask agencies", id="item_requests_new"),
        Binding("c", "chase", "Chase", id="item_requests_chase"),
        Binding("w", "withdraw", "Withdraw", id="item_requests_withdraw"),
        Binding("m", "discussion", "MASH discussion", id="item_requests_discussion"),
        Binding("r", "reload", "Refresh", id="item_requests_refresh"),
        Binding("escape", "back", "Back", id="item_requests_back"),
    ]

    MESSAGE_LINE = "#item-requests-message"

    @dataclass(frozen=True)
    class Loaded:
        """What the screen shows, read in one worker."""

        gathering: GatheringView
        near_breach: NearBreachPolicy

    def __init__(self, actor: Actor, reference: str) -> None:
        super().__init__()
        self.actor = actor
        self.reference = reference
        self.gathering: GatheringView | None = None
        self.near_breach: NearBreachPolicy | None = None
        self.by_ref: dict[str, RequestView] = {}

    def compose(self) -> ComposeResult:
        yield StatusBar()
        with Horizontal(id="item-requests-head"):
            yield RagBadge("none", id="item-requests-badge")
            yield Static(Text(f" Information requests: {self.reference}"), id="item-requests-title")
        table: DataTable[Text] = DataTable(id="item-requests-table", cursor_type="row", zebra_stripes=True)
        yield table
        with VerticalScroll(id="item-requests-detail-box"):
            yield Static("", id="item-requests-detail")
        yield Static("", id="item-requests-discussion")
        yield Static("", id="item-requests-message", classes="requests-message")
        yield Footer()

    def on_mount(self) -> None:
        table = self.query_one("#item-requests-table", DataTable)
        table.add_column("Agency", key="agency", width=16)
        table.add_column("State", key="state", width=9)
        table.add_column("Time left", key="time_left", width=15)
        table.add_column("Due", key="due", width=16)
        table.add_column("Request", key="request", width=12)
        self.app.clock_signal.subscribe(self, self._tick)
        self.action_reload()

    def on_screen_resume(self) -> None:
        if self.gathering is not None:
            self.action_reload()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        # A supervisor reads the requests; only a decision maker acts on them.
        needed = _ACTION_PERMISSIONS.get(action)
        return needed is None or may(self.actor.role, needed)

    def action_reload(self) -> None:
        self._load()

    def _load(self) -> None:
        def read(ctx: Context) -> ItemRequestsScreen.Loaded:
            gathering = _requests_service().information_gathering(ctx, self.actor, self.reference)
            return self.Loaded(gathering, ctx.policy.near_breach)

        self.run_service(read, self._show, group="item-requests-load")

    def _show(self, message: Loaded) -> None:
        self.gathering = message.gathering
        self.near_breach = message.near_breach
        gathering = message.gathering
        self.query_one("#item-requests-badge", RagBadge).set_rag(gathering.rag)
        title = Text(f" Information requests: {gathering.reference} · ")
        title.append(gathering.children or "no child named")
        title.append(f" · {gathering.state.replace('_', ' ')}")
        self.query_one("#item-requests-title", Static).update(title)
        table = self.query_one("#item-requests-table", DataTable)
        keep = self._highlighted_ref()
        table.clear()
        self.by_ref = {view.request_ref: view for view in gathering.requests}
        now = self.app.clock.now()
        for view in gathering.requests:
            table.add_row(*self._cells(view, now), key=view.request_ref)
        if keep in self.by_ref:
            table.move_cursor(row=table.get_row_index(keep))
        self._show_detail()
        self.query_one("#item-requests-discussion", Static).update(self._discussion_text())
        if not gathering.requests:
            self._tell("No requests yet: press n to ask partner agencies.")

    def _window(self, view: RequestView) -> ClockWindow | None:
        if self.near_breach is None or view.state == "withdrawn":
            return None
        return ClockWindow.of(view.sent_at, view.due_at, self.near_breach)

    def _cells(self, view: RequestView, now: datetime) -> list[Text]:
        return [
            Text(view.agency_label),
            self._state_cell(view, now),
            self._time_left(view, now),
            Text(local_time(view.due_at)),
            Text(view.request_ref),
        ]

    def _state_cell(self, view: RequestView, now: datetime) -> Text:
        status = view.status_at(now)
        if status == "overdue":
            colour = self.app.get_css_variables().get("breach", "")
            return Text(REQUEST_STATE_LABELS[status], style=f"bold {colour}".strip())
        return Text(REQUEST_STATE_LABELS.get(status, status))

    def _time_left(self, view: RequestView, now: datetime) -> Text:
        window = self._window(view)
        if window is None:
            return Text("—")
        return time_left_cell(window, now, self.app.get_css_variables(), met_at=view.answered_at)

    def _tick(self, now: datetime) -> None:
        table = self.query_one("#item-requests-table", DataTable)
        for reference, view in self.by_ref.items():
            try:
                table.update_cell(reference, "time_left", self._time_left(view, now))
                table.update_cell(reference, "state", self._state_cell(view, now))
            except (RowDoesNotExist, KeyError):
                continue

    def _highlighted_ref(self) -> str | None:
        return highlighted_row_key(self.query_one("#item-requests-table", DataTable))

    def highlighted(self) -> RequestView | None:
        reference = self._highlighted_ref()
        return self.by_ref.get(reference) if reference else None

    @on(DataTable.RowHighlighted, "#item-requests-table")
    def _highlight_changed(self) -> None:
        self._show_detail()

    def _show_detail(self) -> None:
        view = self.highlighted()
        detail = self.query_one("#item-requests-detail", Static)
        if view is None:
            detail.update("")
            return
        text = Text()
        text.append(f"{view.agency_label} · {view.request_ref} · sent {local_time(view.sent_at)} by ", style="bold")
        text.append(view.sent_by, style="bold")
        text.append("\nQuestion: ")
        text.append(view.question or "(none: the agency checks its records for everyone shared)")
        if view.seen_at:
            text.append(f"\nOpened by the agency {local_time(view.seen_at)}")
        if view.chase_count and view.last_chased_at:
            text.append(f"\nChased {view.chase_count} time(s), last {local_time(view.last_chased_at)}")
        if view.state == "withdrawn":
            text.append(f"\nWithdrawn {local_time(view.withdrawn_at or view.sent_at)}: ")
            text.append(view.withdrawn_reason or "")
        answer = answer_text(view, {person.key: person.name for person in view.people})
        if answer.plain:
            text.append("\n")
            text.append_text(answer)
        elif view.is_open:
            text.append("\nNo answer yet.")
        detail.update(text)

    def _discussion_text(self) -> Text:
        if self.gathering is None or not self.gathering.discussions:
            return Text("No MASH discussion recorded yet (m records it and closes information gathering).")
        latest = self.gathering.discussions[-1]
        text = Text()
        text.append(f"MASH discussion {local_time(latest.recorded_at)} with ", style="bold")
        text.append(", ".join(latest.participants), style="bold")
        text.append(": ")
        text.append(latest.summary)
        if latest.agreed_actions:
            text.append(" · agreed: ")
            text.append(latest.agreed_actions)
        return text

    # -- actions ------------------------------------------------------------------------------------

    def action_back(self) -> None:
        self.app.pop_screen()

    def action_compose(self) -> None:
        def sent(count: int | None) -> None:
            if count:
                self.action_reload()

        self.app.push_screen(RequestComposerScreen(self.actor, self.reference), sent)

    def action_chase(self) -> None:
        view = self.highlighted()
        if view is None or not view.is_open:
            self._tell("Highlight an open request to chase it.", refused=True)
            return

        def chase(note: str | None) -> None:
            if note is None:
                return
            self._act("chase", view.request_ref, note or None)

        self.app.push_screen(NotePrompt(f"Chase {view.agency_label}: {view.request_ref}",
                                        "A note on how you chased (optional):", required=False), chase)

    def action_withdraw(self) -> None:
        view = self.highlighted()
        if view is None or not view.is_open:
            self._tell("Highlight an open request to withdraw it.", refused=True)
            return

        def withdraw(reason: str | None) -> None:
            if reason is None:
                return
            self._act("withdraw", view.request_ref, reason)

        self.app.push_screen(NotePrompt(f"Withdraw {view.agency_label}: {view.request_ref}",
                                        "Why is it no longer needed?", required=True), withdraw)

    def action_discussion(self) -> None:
        answered = [] if self.gathering is None else [
            view.agency_label for view in self.gathering.requests if view.state == "answered"]
        participants = ", ".join([self.actor.display_name or self.actor.username, *answered])

        def record(answer: DiscussionRecord | None) -> None:
            if answer is None:
                return
            self._act("discussion", self.reference, answer)

        self.app.push_screen(DiscussionPrompt(self.reference, participants), record)

    def _act(self, action: str, key: str, value: Any) -> None:
        def act(ctx: Context) -> str:
            requests = _requests_service()
            if action == "chase":
                view = requests.chase_request(ctx, self.actor, key, note=value)
                return f"{view.request_ref} chased ({view.chase_count} so far)."
            if action == "withdraw":
                view = requests.withdraw_request(ctx, self.actor, key, value)
                return f"{view.request_ref} withdrawn."
            requests.record_mash_discussion(ctx, self.actor, key, participants=value.participants,
                                            summary=value.summary, agreed_actions=value.agreed_actions)
            return f"MASH discussion recorded on {key}."

        def done(words: str) -> None:
            self.say(words)
            self.notify(Text(words))
            self.action_reload()

        self.run_service(act, done, group="item-requests-act")

    def show_refusal(self, words: str) -> None:
        self.say(words, refused=True)

    def _tell(self, words: str, *, refused: bool = False) -> None:
        self.say(words, refused=refused)


def _requests_service() -> Any:
    """The requests services, imported in the worker that calls them: the store is heavy to import."""
    from mash_tui.services import requests

    return requests
