"""Prior-involvement checks: who each child and adult on a contact may already be.

Each person is a header row followed by their candidates, best first. The officer confirms (y) or
rejects (x) the highlighted candidate; the pane below shows what the case system knows of it and
the earlier contacts it was on. A confirmed open case, or one closed within the policy window,
proposes routing to the allocated worker, named with their phone at the top.

The checks also run on a draft while the caller is still on the line (`draft_id`): its people as
last saved are looked up, and decisions are kept against the reference the draft already has, so
they hold when it is submitted.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import DataTable, Footer, Static

from mash_tui.clock import to_local
from mash_tui.domain.codes import MATCH_DECISION_LABELS, PERSON_ROLE_LABELS
from mash_tui.domain.roles import Actor, may
from mash_tui.domain.draft import received_at_of
from mash_tui.domain.routing import SERVICE_LABELS, routing_by_confirmed
from mash_tui.widgets.status_bar import StatusBar
from mash_tui.screens.base import DeskScreen

if TYPE_CHECKING:
    from mash_tui.services.context import Context
    from mash_tui.domain.matching import PersonDetails
    from mash_tui.domain.routing import Involvement
    from mash_tui.domain.routing import RoutingProposal
    from mash_tui.services.views import CandidateCheck, PersonCheck



def _day(value: date | None) -> str:
    return value.strftime("%d/%m/%Y") if value else "—"


def person_name(person: PersonDetails) -> str:
    name = " ".join(part for part in (person.first_name, person.last_name) if part)
    return name or "no name given"


def decision_text(decision: str | None) -> Text:
    style = {"confirmed": "bold", "rejected": "dim"}.get(decision or "", "")
    return Text(MATCH_DECISION_LABELS.get(decision, decision or "—"), style=style)


def routing_banner(proposal: RoutingProposal | None) -> Text:
    if proposal is None:
        return Text("No routing yet: no confirmed open or recently closed case.")
    text = Text("Route to ", style="bold")
    text.append(proposal.worker or "the allocated team", style="bold")
    if proposal.team:
        text.append(f" ({proposal.team})")
    text.append(f" · phone {proposal.phone or 'not recorded'}")
    text.append(f"\n{proposal.reason}")
    return text


def candidate_detail(candidate: CandidateCheck) -> Text:
    """The involvements and earlier contacts of one candidate, for the pane below the table."""
    person = candidate.person
    text = Text(f"{person_name(person)}", style="bold")
    text.append(f" · born {_day(person.dob)}")
    if person.address or person.postcode:
        text.append(" · ")
        text.append(", ".join(part for part in (person.address, person.postcode) if part))
    text.append(f" · {candidate.candidate_id}\n")
    text.append(f"Score {candidate.score:.2f} ({candidate.band or 'below possible'}): ")
    text.append("; ".join(candidate.reasons) or "no reasons given")
    text.append("\n")
    if candidate.candidate_id.startswith("contact:"):
        text.append("Not a case-system record: a person on an earlier contact.\n")
    elif not candidate.involvements:
        text.append("No involvements with children's services recorded.\n")
    for involvement in candidate.involvements:
        service = SERVICE_LABELS.get(involvement.service, involvement.service)
        text.append(f"{service}: ", style="bold")
        text.append("open" if involvement.is_open else "closed")
        text.append(f" · from {_day(involvement.start_date)}")
        if involvement.end_date:
            text.append(f" to {_day(involvement.end_date)}")
        text.append(" · worker ")
        text.append(involvement.allocated_worker or "none recorded")
        if involvement.team:
            text.append(f" ({involvement.team})")
        text.append(f" · phone {involvement.phone or 'not recorded'}\n")
    if candidate.earlier_contacts:
        text.append("Earlier contacts: ", style="bold")
        text.append(", ".join(f"{earlier.reference} received {to_local(earlier.received_at):%d/%m/%Y %H:%M}"
                              for earlier in candidate.earlier_contacts))
    text.rstrip()
    return text


def confirmed_matches(candidates: Iterable[CandidateCheck | None]) -> Iterator[tuple[str, list[Involvement]]]:
    """The candidates on screen the officer confirmed, as the routing rule reads them.

    A draft has no submitted record for the service to route by yet; the candidates on screen
    already carry their involvements.
    """
    return ((candidate.candidate_id, candidate.involvements) for candidate in candidates
            if candidate is not None and candidate.decision == "confirmed")


@dataclass(frozen=True)
class CandidateRow:
    """What a table row stands for: a person, or one of their candidates."""

    check: PersonCheck
    candidate: CandidateCheck | None = None


class ChecksScreen(DeskScreen[None]):
    CSS_PATH = "checks.tcss"
    BINDINGS = [
        Binding("y", "confirm", "Confirm match", id="checks_confirm"),
        Binding("x", "reject", "Reject match", id="checks_reject"),
        Binding("r", "rerun", "Run again", id="checks_rerun"),
        Binding("g", "recommendation", "Recommendation", id="checks_recommendation"),
        Binding("escape", "back", "Back", id="checks_back"),
    ]

    MESSAGE_LINE = "#checks-message"

    @dataclass(frozen=True)
    class Loaded:
        """What the checks found, read in one worker."""

        checks: list[PersonCheck]
        routing: RoutingProposal | None
        # When an open draft says the call came in: its routing is then worked out on screen.
        draft_received_at: datetime | None = None

    @dataclass(frozen=True)
    class Decided:
        """A match decision stored, with the routing it leads to."""

        row_key: str
        candidate: CandidateCheck
        routing: RoutingProposal | None

    def __init__(self, actor: Actor, reference: str, draft_id: str | None = None) -> None:
        super().__init__()
        self.actor = actor
        self.reference = reference
        self.draft_id = draft_id
        self.rows: dict[str, CandidateRow] = {}
        # Set while the draft is still open: routing is then worked out on screen, from this moment.
        self._draft_received_at: datetime | None = None

    def compose(self) -> ComposeResult:
        yield StatusBar()
        title = Text(f"Prior-involvement checks: {self.reference}")
        if self.draft_id is not None:
            title.append(" (draft, still being typed)")
        yield Static(title, id="checks-title", classes="screen-title")
        yield Static(Text("Checking every child and adult…"), id="checks-routing")
        table: DataTable[Text] = DataTable(id="checks-table", cursor_type="row", zebra_stripes=True)
        table.add_column(Text("Who"), key="who", width=24)
        table.add_column(Text("Score"), key="score", width=5)
        table.add_column(Text("Band"), key="band", width=8)
        table.add_column(Text("Born"), key="dob", width=10)
        table.add_column(Text("Postcode"), key="postcode", width=8)
        table.add_column(Text("Decision"), key="decision", width=9)
        table.add_column(Text("Reasons"), key="reasons")
        yield table
        yield Static("", id="checks-detail")
        yield Static("", id="checks-message", classes="action-message")
        yield Footer()

    def on_mount(self) -> None:
        self.action_rerun()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in ("confirm", "reject"):
            return may(self.actor.role, "match.decide")
        if action == "recommendation":
            # A draft has no recommendation until it is submitted.
            return self.draft_id is None
        return True

    # -- running the checks -----------------------------------------------------------------------

    def action_rerun(self) -> None:
        self._tell("Checking every child and adult…")
        self._run()

    def _run(self) -> None:
        self.run_service(self._check, self._show, group="checks-run")

    def _check(self, ctx: Context) -> Loaded:
        from mash_tui.services import checks

        found = checks.run_checks(ctx, self.actor, self.reference, draft_id=self.draft_id)
        if self.draft_id is not None:
            from mash_tui.services.contacts import load_draft

            draft = load_draft(ctx, self.actor, self.draft_id)
            if draft.status == "open":
                received_at = received_at_of(draft.form, ctx.clock.now())
                routing = routing_by_confirmed(confirmed_matches(candidate for check in found
                                                                 for candidate in check.candidates),
                                               received_at, ctx.policy.routing.closed_within_days)
                return self.Loaded(found, routing, draft_received_at=received_at)
        return self.Loaded(found, checks.routing_for(ctx, self.actor, self.reference))

    def _show(self, message: Loaded) -> None:
        table = self.query_one("#checks-table", DataTable)
        highlighted = self._highlighted_key()
        self._draft_received_at = message.draft_received_at
        table.clear()
        self.rows = {}
        for check in message.checks:
            self._add_person(table, check)
        self._show_routing(message.routing)
        people = len(message.checks)
        found = sum(len(check.candidates) for check in message.checks)
        self._tell(f"{people} {'person' if people == 1 else 'people'} checked; {found} "
                   f"{'candidate' if found == 1 else 'candidates'} to confirm or reject.")
        keys = list(self.rows)
        if highlighted in self.rows:
            table.move_cursor(row=keys.index(highlighted), animate=False)
        else:
            first = next((index for index, key in enumerate(keys) if self.rows[key].candidate), 0)
            table.move_cursor(row=first, animate=False)
        self._show_detail()
        table.focus()

    def _add_person(self, table: DataTable, check: PersonCheck) -> None:
        label = Text(f"{PERSON_ROLE_LABELS.get(check.role, check.role)} {check.index + 1}: ", style="bold")
        label.append(person_name(check.person), style="bold")
        count = len(check.candidates)
        summary = f"{count} {'candidate' if count == 1 else 'candidates'}" if count else "no match found"
        key = f"person:{check.role}:{check.index}"
        self.rows[key] = CandidateRow(check)
        table.add_row(label, Text(""), Text(""), Text(_day(check.person.dob)), Text(check.person.postcode or ""),
                      Text(""), Text(summary, style="italic"), key=key)
        for candidate in check.candidates:
            key = f"candidate:{check.role}:{check.index}:{candidate.candidate_id}"
            self.rows[key] = CandidateRow(check, candidate)
            table.add_row(*self._candidate_cells(candidate), key=key)

    @staticmethod
    def _candidate_cells(candidate: CandidateCheck) -> list[Text]:
        person = candidate.person
        who = Text("  ")
        who.append(person_name(person))
        band_style = "bold" if candidate.band == "certain" else ""
        return [
            who,
            Text(f"{candidate.score:.2f}"),
            Text(candidate.band or "—", style=band_style),
            Text(_day(person.dob)),
            Text(person.postcode or "—"),
            decision_text(candidate.decision),
            Text("; ".join(candidate.reasons)),
        ]

    def _show_routing(self, routing: RoutingProposal | None) -> None:
        banner = self.query_one("#checks-routing", Static)
        banner.set_class(routing is not None, "proposed")
        banner.update(routing_banner(routing))

    # -- the highlighted candidate ----------------------------------------------------------------

    def _highlighted_key(self) -> str | None:
        table = self.query_one("#checks-table", DataTable)
        if not table.row_count:
            return None
        try:
            return table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
        except Exception:  # noqa: BLE001 - a cursor past the rows means nothing is highlighted
            return None

    def _highlighted(self) -> CandidateRow | None:
        key = self._highlighted_key()
        return self.rows.get(key) if key else None

    @on(DataTable.RowHighlighted, "#checks-table")
    def _row_highlighted(self, _: DataTable.RowHighlighted) -> None:
        self._show_detail()

    def _show_detail(self) -> None:
        row = self._highlighted()
        pane = self.query_one("#checks-detail", Static)
        if row is None:
            pane.update(Text(""))
        elif row.candidate is None:
            person = row.check.person
            text = Text(f"{PERSON_ROLE_LABELS.get(row.check.role, row.check.role)} {row.check.index + 1}: ")
            text.append(person_name(person))
            text.append(f" · born {_day(person.dob)}")
            if person.postcode:
                text.append(f" · {person.postcode}")
            text.append("\nHighlight a candidate below to see what is known of them; y confirms, x rejects.")
            pane.update(text)
        else:
            pane.update(candidate_detail(row.candidate))

    # -- deciding ---------------------------------------------------------------------------------

    def action_confirm(self) -> None:
        self._decide("confirmed")

    def action_reject(self) -> None:
        self._decide("rejected")

    def _decide(self, decision: str) -> None:
        row = self._highlighted()
        if row is None or row.candidate is None:
            self._tell("Highlight a candidate to confirm or reject.", refused=True)
            return
        key = self._highlighted_key()
        assert key is not None
        self._store_decision(key, row, decision, routed_by_service=self._draft_received_at is None)

    def _store_decision(self, key: str, row: CandidateRow, decision: str, *, routed_by_service: bool) -> None:
        from dataclasses import replace

        candidate = row.candidate
        assert candidate is not None

        def store(ctx: Context) -> ChecksScreen.Decided:
            from mash_tui.services import checks

            checks.decide_match(ctx, self.actor, self.reference, row.check.role, row.check.index,
                                candidate.candidate_id, decision, candidate.score)
            # An open draft's routing is worked out on screen once the decision is shown.
            routing = checks.routing_for(ctx, self.actor, self.reference) if routed_by_service else None
            return self.Decided(key, replace(candidate, decision=decision), routing)

        self.run_service(store, self._decided, group="checks-decide")

    def _decided(self, message: Decided) -> None:
        table = self.query_one("#checks-table", DataTable)
        old = self.rows.get(message.row_key)
        if old is None:
            return
        self.rows[message.row_key] = CandidateRow(old.check, message.candidate)
        table.update_cell(message.row_key, "decision", decision_text(message.candidate.decision))
        routing = message.routing
        if self._draft_received_at is not None:
            routing = routing_by_confirmed(confirmed_matches(row.candidate for row in self.rows.values()),
                                           self._draft_received_at,
                                           self.app.ctx.policy.routing.closed_within_days)
        self._show_routing(routing)
        self._show_detail()
        words = "confirmed" if message.candidate.decision == "confirmed" else "rejected"
        self._tell(f"{person_name(message.candidate.person)} ({message.candidate.candidate_id}) {words}.")

    # -- moving on --------------------------------------------------------------------------------

    def action_recommendation(self) -> None:
        from mash_tui.screens.recommendation import RecommendationScreen

        stack = self.app.screen_stack
        below = stack[-2] if len(stack) > 1 else None
        # Reached from the recommendation: go back to it rather than stack another copy.
        if isinstance(below, RecommendationScreen) and below.reference == self.reference:
            self.app.pop_screen()
            below.action_reload()
            return
        self.app.push_screen(RecommendationScreen(self.actor, self.reference))

    def action_back(self) -> None:
        self.app.pop_screen()

    def _tell(self, words: str, *, refused: bool = False) -> None:
        if refused:
            self.show_refusal(words)
        else:
            self.say(words)
