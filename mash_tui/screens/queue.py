"""The decision makers' escalation queue: RED first, then the least time left.

Decision makers claim, release and take the most urgent item; a supervisor reassigns; officers
look but do not touch. The list reloads in a worker after every action and on a poll that is
armed again only once the previous load has finished, so loads never pile up.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.message import Message
from textual.timer import Timer
from textual.widgets import DataTable, Footer, Static
from textual.worker import Worker, WorkerState

from mash_tui.clock import to_local
from mash_tui.domain.roles import Actor, may
from mash_tui.screens.modals import ChooseUserPrompt
from mash_tui.widgets.item_table import ItemTable, QueueRow, queue_row
from mash_tui.widgets.status_bar import StatusBar
from mash_tui.screens.base import DeskScreen

if TYPE_CHECKING:
    from collections.abc import Callable

    from mash_tui.domain.policy import NearBreachPolicy
    from mash_tui.services.context import Context
    from mash_tui.services.views import ItemView

LOAD_GROUP = "queue-load"
CLAIM_REQUESTED = "Claim of {ref} requested: it waits for the shared database's answer."


class QueueScreen(DeskScreen[None]):
    CSS_PATH = "queue.tcss"
    POLL_SECONDS = 5.0
    MESSAGE_LINE = "#queue-message"

    BINDINGS = [
        Binding("c", "claim", "Claim", id="queue_claim"),
        Binding("u", "release", "Release", id="queue_release"),
        Binding("n", "take_next", "Take next", id="queue_take_next"),
        Binding("o", "open", "Open", id="queue_open"),
        Binding("a", "reassign", "Reassign", id="queue_reassign"),
        Binding("r", "reload", "Refresh", id="queue_refresh"),
    ]

    @dataclass
    class Loaded(Message):
        items: list[ItemView]
        near_breach: NearBreachPolicy

    def __init__(self, actor: Actor) -> None:
        super().__init__()
        self.actor = actor
        self._poll: Timer | None = None
        self._follow: str | None = None

    def compose(self) -> ComposeResult:
        yield StatusBar()
        yield Static(Text("Escalation queue"), id="queue-title", classes="screen-title")
        yield ItemTable(id="queue-table")
        yield Static("", id="queue-detail")
        yield Static("", id="queue-message", classes="action-message")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one(ItemTable).focus()
        self.follow_arrivals()

    def on_screen_resume(self) -> None:
        # Also runs when the screen is first shown, and on return from an item just decided.
        self.action_reload()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in ("claim", "release", "take_next"):
            return may(self.actor.role, "item.claim")
        if action == "reassign":
            return may(self.actor.role, "item.reassign")
        return True

    # -- loading ----------------------------------------------------------------------------

    def action_reload(self) -> None:
        self._load()

    @work(thread=True, exclusive=True, group=LOAD_GROUP, exit_on_error=False)
    def _load(self) -> None:
        from mash_tui.services import queue

        ctx = self.app.context_when_ready()
        self.post_message(self.Loaded(queue.queue(ctx, self.actor), ctx.policy.near_breach))

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        # DeskScreen reports failures; here only the poll is re-armed.
        # The poll is armed again only when a load has finished, however it finished.
        if event.worker.group == LOAD_GROUP and event.state in (
            WorkerState.SUCCESS, WorkerState.ERROR, WorkerState.CANCELLED
        ):
            if self._poll is not None:
                self._poll.stop()
            self._poll = self.set_timer(self.POLL_SECONDS, self.action_reload, name="queue-poll")

    @on(Loaded)
    def _show(self, message: Loaded) -> None:
        table = self.query_one(ItemTable)
        rows = [queue_row(item, message.near_breach) for item in message.items]
        table.show(rows, self.app.clock.now(), keep=self._follow)
        self._follow = None
        waiting = sum(1 for item in message.items if item.claimed_by is None)
        mine = sum(1 for item in message.items if item.claimed_by == self.actor.username)
        title = f"Escalation queue · {len(rows)} items · {waiting} waiting · {mine} held by you"
        if not may(self.actor.role, "item.claim"):
            title += " · read-only"
        self.query_one("#queue-title", Static).update(Text(title))
        self._describe(table.highlighted_row())
        if not rows:
            self.query_one("#queue-detail", Static).update(Text("The queue is empty."))

    @on(DataTable.RowHighlighted)
    def _highlighted(self) -> None:
        self._describe(self.query_one(ItemTable).highlighted_row())

    def _describe(self, row: QueueRow | None) -> None:
        detail = self.query_one("#queue-detail", Static)
        if row is None:
            detail.update("")
            return
        text = Text(row.reference, style="bold")
        text.append(" · ")
        text.append(row.children or "no child named yet")
        if row.window is not None:
            due = to_local(row.window.due).strftime("%a %d %b %H:%M")
            text.append(f" · {row.clock_label} due {due}")
        text.append(" · held by ")
        text.append(row.holder or "nobody")
        if row.claim_requested:
            text.append(" · claim requested: waiting for the shared database's answer; a decision waits "
                        "until it is accepted")
        detail.update(text)

    # -- actions ----------------------------------------------------------------------------

    def _selected(self) -> str | None:
        reference = self.query_one(ItemTable).highlighted_reference
        if reference is None:
            # Said like a refusal, without the reload a refused service call brings.
            super().show_refusal("Nothing selected: the queue is empty.")
        return reference

    def action_claim(self) -> None:
        reference = self._selected()
        if reference:
            self._act(lambda ctx, queue: queue.claim(ctx, self.actor, reference), "You now hold {ref}.",
                      requested=CLAIM_REQUESTED)

    def action_release(self) -> None:
        reference = self._selected()
        if reference:
            self._act(lambda ctx, queue: queue.release(ctx, self.actor, reference), "Released {ref} to the queue.")

    def action_take_next(self) -> None:
        self._act(lambda ctx, queue: queue.claim_next(ctx, self.actor), "Took {ref} ({rag}): you now hold it.",
                  requested=CLAIM_REQUESTED)

    def action_open(self) -> None:
        reference = self._selected()
        if reference:
            from mash_tui.screens.decision import DecisionScreen

            self.app.push_screen(DecisionScreen(self.actor, reference))

    @on(DataTable.RowSelected)
    def _selected_row(self) -> None:
        self.action_open()

    def action_reassign(self) -> None:
        reference = self._selected()
        if reference:
            self._find_people(reference)

    def _find_people(self, reference: str) -> None:
        self.run_service(lambda ctx: _queue_service().decision_makers(ctx, self.actor),
                         lambda people: self._choose(reference, people), group="queue-people")

    def _choose(self, reference: str, people: list[tuple[str, str]]) -> None:
        def reassign(username: str | None) -> None:
            if username:
                self._act(lambda ctx, queue: queue.reassign(ctx, self.actor, reference, username),
                          "{ref} is now held by {holder}.")

        self.app.push_screen(ChooseUserPrompt(f"Reassign {reference} to", people), reassign)

    def _act(self, call: Callable[[Context, Any], ItemView], done: str, *, requested: str | None = None) -> None:
        """Run `call`; say `done`, or `requested` where the claim it made waits for the shared database."""

        def said(view: ItemView) -> None:
            words = requested if requested and view.claim_requested else done
            self.say(words.format(ref=view.reference, rag=view.rag, holder=view.claimed_by or "nobody"))
            self._follow = view.reference
            self.action_reload()

        self.run_service(lambda ctx: call(ctx, _queue_service()), said, group="queue-action")

    def show_refusal(self, words: str) -> None:
        super().show_refusal(words)
        self._follow = None
        self.action_reload()


def _queue_service() -> Any:
    """The queue's services, imported in the worker that calls them: the store is heavy to import."""
    from mash_tui.services import queue

    return queue
