"""What every screen of the desk shares: a typed app, one road for service calls, following sync.

A screen calls a service with `run_service(call, then)`: the call runs in a thread worker against
the open store; its answer comes back to `then` on the UI thread; a refusal (`UserError`) is said
on the screen's message line (`show_refusal`); anything else is a crash, and crashes go to the
app's one handler (`MashApp.on_worker_state_changed`). No screen catches `UserError` itself.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from inspect import isawaitable
from typing import TYPE_CHECKING, Any, ClassVar, TypeVar

from rich.text import Text
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Static
from textual.worker import Worker

from mash_tui.errors import UserError
from mash_tui.widgets.safe_text import safe_text

if TYPE_CHECKING:
    from textual import getters

    from mash_tui.app import MashApp
    from mash_tui.services.context import Context

ResultT = TypeVar("ResultT")
AnswerT = TypeVar("AnswerT")


class DeskScreen(Screen[ResultT]):
    """A screen of the desk: its workers' failures reach the app's one handler.

    Worker messages go to the worker's own node and do not bubble, so without this a screen's
    failure would vanish silently.
    """

    if TYPE_CHECKING:
        app = getters.app(MashApp)

    # The Static where this screen says what happened (`say`); None for a screen without one.
    MESSAGE_LINE: ClassVar[str | None] = None

    @dataclass
    class ServiceAnswered(Message):
        """A service call finished; `then` runs with its answer on the UI thread."""

        then: Callable[[Any], object]
        answer: Any

    @dataclass
    class ServiceRefused(Message):
        """A service refused the call (bad input, a rule, a role); `refused` says it to the user."""

        refused: Callable[[str], object]
        words: str

    def run_service(
        self,
        call: Callable[[Context], AnswerT],
        then: Callable[[AnswerT], object] | None = None,
        *,
        refused: Callable[[str], object] | None = None,
        group: str = "service",
    ) -> Worker[None]:
        """Run `call(ctx)` in a thread worker; its answer goes to `then`, a refusal to `refused`.

        `refused` defaults to `show_refusal`. One call per group runs at a time: a newer one
        cancels the older (a reload replacing a reload). A crash is the worker's error, which the
        app reports in words.
        """
        on_refusal = refused or self.show_refusal

        def in_thread() -> None:
            ctx = self.app.context_when_ready()
            try:
                answer = call(ctx)
            except UserError as refusal:
                self.post_message(self.ServiceRefused(on_refusal, str(refusal)))
                return
            if then is not None:
                self.post_message(self.ServiceAnswered(then, answer))

        return self.run_worker(in_thread, thread=True, exclusive=True, group=group, exit_on_error=False)

    async def on_desk_screen_service_answered(self, message: ServiceAnswered) -> None:
        shown = message.then(message.answer)
        if isawaitable(shown):  # `then` may mount widgets, which is awaited
            await shown

    def on_desk_screen_service_refused(self, message: ServiceRefused) -> None:
        message.refused(message.words)

    def show_refusal(self, words: str) -> None:
        """How this screen tells a refusal: on its message line, and as a warning."""
        self.say(words, refused=True)
        self.notify(Text(words), severity="warning")

    def say(self, words: str, *, refused: bool = False) -> None:
        """Put `words` on the screen's message line: as data, never markup, and nothing that acts on the terminal."""
        if self.MESSAGE_LINE is None:
            return
        line = self.query_one(self.MESSAGE_LINE, Static)
        line.set_class(refused, "refused")
        line.update(safe_text(words))

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        self.app.on_worker_state_changed(event)

    def action_reload(self) -> None:
        """Load what the screen shows again; screens that follow sync define it."""

    def follow_arrivals(self) -> None:
        """Reload (`action_reload`) whenever sync brings rows from other machines, while this screen shows.

        A partner waiting for requests, or a decision maker watching the queue, should not have to
        press a key to see what another machine has just done.
        """
        self.app.data_signal.subscribe(self, self._reload_if_shown)

    def follow_sync_rounds(self) -> None:
        """Reload after every sync round, while this screen shows: for the screens about sync itself."""
        self.app.sync_signal.subscribe(self, self._reload_if_shown)

    def _reload_if_shown(self, _news: object) -> None:
        # A screen under another (a modal, a pushed screen) catches up when it is shown again.
        if self.is_current:
            self.action_reload()
