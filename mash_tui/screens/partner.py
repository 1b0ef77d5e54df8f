"""A partner agency's desk: its own information requests, most urgent first, and the answer form.

The services decide what a partner may see; these screens only show it. Opening a request marks
it seen, and the answer is structured per shared person (known or not, what the records hold,
current risks, who to contact) with the agency's own words after.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import Checkbox, DataTable, Footer, Input, Label, Static, TextArea
from textual.widgets.data_table import RowDoesNotExist

from mash_tui.domain.codes import AGENCY_LABELS, REQUEST_STATE_LABELS
from mash_tui.domain.roles import Actor
from mash_tui.domain.timescales import ClockWindow
from mash_tui.screens.requests import local_time
from mash_tui.widgets.countdown import ClockCountdown, time_left_cell
from mash_tui.widgets.rag_badge import RagBadge, rag_text
from mash_tui.widgets.status_bar import StatusBar
from mash_tui.screens.base import DeskScreen
from mash_tui.widgets.table_keys import highlighted_row_key

if TYPE_CHECKING:
    from mash_tui.domain.policy import NearBreachPolicy
    from mash_tui.services.context import Context
    from mash_tui.services.views import RequestView

RAG_WIDTH = 7
TIME_LEFT_WIDTH = 15
STATE_WIDTH = 9
DUE_WIDTH = 16


class PartnerHomeScreen(DeskScreen[None]):
    """The agency's requests: open ones by the least time left, then answered, then withdrawn."""

    CSS_PATH = "partner.tcss"

    BINDINGS = [
        Binding("o", "open_request", "Open", id="partner_open"),
        Binding("r", "reload", "Refresh", id="partner_reload"),
    ]

    @dataclass(frozen=True)
    class Loaded:
        """What the screen shows, read in one worker."""

        views: list[RequestView]
        near_breach: NearBreachPolicy
        agency_label: str

    def __init__(self, actor: Actor) -> None:
        super().__init__()
        self.actor = actor
        self.views: dict[str, RequestView] = {}
        self.near_breach: NearBreachPolicy | None = None
        self.loaded = False

    def compose(self) -> ComposeResult:
        yield StatusBar()
        yield Static(Text("Information requests from the MASH"), id="partner-title", classes="screen-title")
        yield DataTable(id="partner-requests", cursor_type="row", zebra_stripes=True)
        yield Static("", id="partner-empty", classes="requests-message")
        yield Footer()

    def on_mount(self) -> None:
        table = self.query_one("#partner-requests", DataTable)
        table.add_column("RAG", key="rag", width=RAG_WIDTH)
        table.add_column("Time left", key="time_left", width=TIME_LEFT_WIDTH)
        table.add_column("State", key="state", width=STATE_WIDTH)
        table.add_column("Due", key="due", width=DUE_WIDTH)
        table.add_column("Child", key="children", width=self._child_width())
        self.app.clock_signal.subscribe(self, self._tick)
        self.action_reload()
        self.follow_arrivals()

    def on_screen_resume(self) -> None:
        if self.loaded:
            self.action_reload()

    def action_reload(self) -> None:
        self._load()

    def _load(self) -> None:
        self.run_service(self._read, self._show, group="partner-load")

    def _read(self, ctx: Context) -> Loaded:
        from mash_tui.services import requests

        views = requests.list_my_requests(ctx, self.actor)
        label = AGENCY_LABELS.get(self.actor.agency or "", self.actor.agency or "")
        return self.Loaded(views, ctx.policy.near_breach, label)

    def _show(self, message: Loaded) -> None:
        self.loaded = True
        title = Text(f"{message.agency_label}: information requests from the MASH")
        self.query_one("#partner-title", Static).update(title)
        self.near_breach = message.near_breach
        table = self.query_one("#partner-requests", DataTable)
        keep = self._highlighted_ref()
        table.clear()
        self.views = {view.request_ref: view for view in message.views}
        now = self.app.clock.now()
        variables = self.app.get_css_variables()
        for view in message.views:
            table.add_row(
                rag_text(view.rag, variables),
                self._time_left(view, now),
                self._state(view, now),
                Text(local_time(view.due_at)),
                Text(view.children, no_wrap=True, overflow="ellipsis"),
                key=view.request_ref,
            )
        if keep in self.views:
            table.move_cursor(row=table.get_row_index(keep))
        waiting = sum(1 for view in message.views if view.is_open)
        words = (f"{waiting} waiting for an answer. Enter opens the highlighted request." if message.views
                 else "No requests for your agency yet.")
        self.query_one("#partner-empty", Static).update(Text(words))

    def show_refusal(self, words: str) -> None:
        self.query_one("#partner-empty", Static).update(Text(words))

    def _child_width(self) -> int:
        # The child's name takes what the fixed columns leave, so 80 columns need no sideways scroll.
        fixed = RAG_WIDTH + TIME_LEFT_WIDTH + STATE_WIDTH + DUE_WIDTH + 2 * 5 + 2
        return max(12, self.app.size.width - fixed)

    def _time_left(self, view: RequestView, now: datetime) -> Text:
        if self.near_breach is None or view.state == "withdrawn":
            return Text("—")
        window = ClockWindow.of(view.sent_at, view.due_at, self.near_breach)
        return time_left_cell(window, now, self.app.get_css_variables(), met_at=view.answered_at)

    def _state(self, view: RequestView, now: datetime) -> Text:
        status = view.status_at(now)
        if status == "overdue":
            colour = self.app.get_css_variables().get("breach", "")
            return Text(REQUEST_STATE_LABELS[status], style=f"bold {colour}".strip())
        return Text(REQUEST_STATE_LABELS.get(status, status))

    def _tick(self, now: datetime) -> None:
        table = self.query_one("#partner-requests", DataTable)
        for reference, view in self.views.items():
            try:
                table.update_cell(reference, "time_left", self._time_left(view, now))
                table.update_cell(reference, "state", self._state(view, now))
            except (RowDoesNotExist, KeyError):
                continue

    def _highlighted_ref(self) -> str | None:
        return highlighted_row_key(self.query_one("#partner-requests", DataTable))

    @on(DataTable.RowSelected, "#partner-requests")
    def _selected(self) -> None:
        self.action_open_request()

    def action_open_request(self) -> None:
        reference = self._highlighted_ref()
        if reference is not None:
            self.app.push_screen(PartnerRequestScreen(self.actor, reference))


class FindingForm(Vertical):
    """One shared person's finding: known or not, what the records hold, current risks, contact."""

    def __init__(self, key: str, role: str, name: str, description: str, agency: str) -> None:
        super().__init__(classes="finding-form")
        self.key = key
        self.role = role
        self.person_name = name
        self.description = description
        self.agency = agency

    def compose(self) -> ComposeResult:
        heading = Text()
        heading.append(f"{self.role.capitalize()}: ", style="bold")
        heading.append(self.person_name, style="bold")
        if self.description:
            heading.append(f" — {self.description}")
        yield Static(heading, classes="finding-person")
        yield Checkbox(Text(f"Known to {self.agency}"), compact=True, classes="finding-known")
        with Horizontal(classes="finding-row"):
            yield Label(Text("Records"), classes="finding-label")
            yield Input(placeholder="what your records hold", compact=True, classes="finding-summary")
        with Horizontal(classes="finding-row"):
            yield Label(Text("Risks"), classes="finding-label")
            yield Input(placeholder="current risks", compact=True, classes="finding-risks")
        with Horizontal(classes="finding-row"):
            yield Label(Text("Contact"), classes="finding-label")
            yield Input(placeholder="who to contact at your agency", compact=True, classes="finding-contact")

    def fill(self, known: bool, summary: str | None, risks: str | None, contact: str | None) -> None:
        self.query_one(".finding-known", Checkbox).value = known
        self.query_one(".finding-summary", Input).value = summary or ""
        self.query_one(".finding-risks", Input).value = risks or ""
        self.query_one(".finding-contact", Input).value = contact or ""

    def finding(self) -> dict[str, object]:
        return {
            "person": self.key,
            "known": self.query_one(".finding-known", Checkbox).value,
            "summary": self.query_one(".finding-summary", Input).value.strip() or None,
            "current_risks": self.query_one(".finding-risks", Input).value.strip() or None,
            "agency_contact": self.query_one(".finding-contact", Input).value.strip() or None,
        }


class PartnerRequestScreen(DeskScreen[None]):
    """One request: what the MASH asks and shares, and the agency's answer (or its correction)."""

    CSS_PATH = "partner.tcss"

    MESSAGE_LINE = "#partner-request-message"
    BINDINGS = [
        Binding("ctrl+s", "send_answer", "Send answer", id="partner_answer_send", priority=True),
        Binding("ctrl+s", "send_correction", "Send correction", id="partner_answer_correct", priority=True),
        Binding("escape", "back", "Back", id="partner_request_back"),
    ]

    @dataclass(frozen=True)
    class Loaded:
        """What the screen shows, read in one worker."""

        view: RequestView
        near_breach: NearBreachPolicy

    def __init__(self, actor: Actor, request_ref: str) -> None:
        super().__init__()
        self.actor = actor
        self.request_ref = request_ref
        self.view: RequestView | None = None
        self.sending = False

    def compose(self) -> ComposeResult:
        yield StatusBar()
        with Horizontal(id="partner-request-head"):
            yield RagBadge("none", id="partner-request-badge")
            yield Static(Text(f" {self.request_ref}"), id="partner-request-title")
        yield Vertical(id="partner-request-clock")
        with VerticalScroll(id="partner-request-body"):
            yield Static(Text("What the MASH asks"), classes="requests-heading")
            yield Static(Text("Opening the request…"), id="partner-request-question")
            yield Static("", id="partner-request-summary")
            yield Static(Text("Your findings, person by person"), classes="requests-heading")
            yield Vertical(id="partner-findings")
            yield Static(Text("Anything else (in your own words)"), classes="requests-heading")
            yield TextArea(id="partner-free-text", soft_wrap=True, compact=True)
        yield Static("", id="partner-request-message", classes="requests-message")
        yield Footer()

    def on_mount(self) -> None:
        self._open()

    def _open(self) -> None:
        def read(ctx: Context) -> PartnerRequestScreen.Loaded:
            from mash_tui.services import requests

            return self.Loaded(requests.open_request(ctx, self.actor, self.request_ref), ctx.policy.near_breach)

        self.run_service(read, self._show, group="partner-open")

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "send_answer":
            return self.view is not None and self.view.is_open
        if action == "send_correction":
            return self.view is not None and self.view.state == "answered"
        return True

    async def _show(self, message: Loaded) -> None:
        view = message.view
        self.view = view
        agency = view.agency_label
        self.query_one("#partner-request-badge", RagBadge).set_rag(view.rag)
        title = Text(f" {view.request_ref} · {agency} · {view.state} · MASH reference {view.reference}")
        self.query_one("#partner-request-title", Static).update(title)
        holder = self.query_one("#partner-request-clock", Vertical)
        await holder.remove_children()
        if view.state != "withdrawn":
            window = ClockWindow.of(view.sent_at, view.due_at, message.near_breach)
            await holder.mount(ClockCountdown("to answer", window, met_at=view.answered_at))
        question = Text()
        question.append("Question: ", style="bold")
        question.append(view.question or "Please check your records for everyone below and say what you hold.")
        self.query_one("#partner-request-question", Static).update(question)
        summary = Text()
        summary.append("Referral summary: ", style="bold")
        summary.append(view.summary)
        self.query_one("#partner-request-summary", Static).update(summary)
        findings = self.query_one("#partner-findings", Vertical)
        await findings.remove_children()
        forms = [FindingForm(person.key, person.role, person.name, person.description, agency)
                 for person in view.people]
        await findings.mount_all(forms)
        answer = view.answer
        if answer is not None:
            given = {finding.person: finding for finding in answer.findings}
            for form in forms:
                found = given.get(form.key)
                if found is not None:
                    form.fill(found.known, found.summary, found.current_risks, found.agency_contact)
            self.query_one("#partner-free-text", TextArea).load_text(answer.free_text or "")
        if view.state == "withdrawn":
            for widget in (*self.query(Input), *self.query(Checkbox), self.query_one("#partner-free-text")):
                widget.disabled = True
            self._tell(f"Withdrawn by the MASH: {view.withdrawn_reason or 'no longer needed'}. No answer is needed.")
        elif view.state == "answered":
            self._tell(f"Answered {local_time(view.answered_at or view.sent_at)}. "
                       "Change anything and press ctrl+s to send a correction.")
        else:
            self._tell("Tick who is known to you, fill in what you hold, then press ctrl+s to send.")
        self.refresh_bindings()
        if forms and view.state != "withdrawn":
            forms[0].query_one(".finding-known", Checkbox).focus()

    def show_refusal(self, words: str) -> None:
        self.sending = False
        self.say(words, refused=True)

    def _answer(self) -> tuple[list[dict[str, object]], str]:
        findings = [form.finding() for form in self.query(FindingForm)]
        return findings, self.query_one("#partner-free-text", TextArea).text

    def action_send_answer(self) -> None:
        self._submit(corrected=False)

    def action_send_correction(self) -> None:
        self._submit(corrected=True)

    def _submit(self, *, corrected: bool) -> None:
        if self.view is None or self.sending:
            return
        findings, free_text = self._answer()
        missing = [finding["person"] for finding in findings if finding["known"] and not finding["summary"]]
        if missing:
            self._tell("For everyone ticked as known, say what your records hold.", refused=True)
            return
        self.sending = True
        self._tell("Sending…")
        self._send(findings, free_text, corrected)

    def _send(self, findings: list[dict[str, object]], free_text: str, corrected: bool) -> None:
        def send(ctx: Context) -> RequestView:
            from mash_tui.services import requests

            action = requests.correct_answer if corrected else requests.answer_request
            return action(ctx, self.actor, self.request_ref, findings=findings, free_text=free_text)

        def answered(view: RequestView) -> None:
            self.sending = False
            words = "Correction sent" if corrected else "Answer sent"
            self.app.notify(Text(f"{words}: {view.request_ref}"))
            self.app.pop_screen()

        self.run_service(send, answered, group="partner-answer")

    def action_back(self) -> None:
        self.app.pop_screen()

    def _tell(self, words: str, *, refused: bool = False) -> None:
        self.say(words, refused=refused)
