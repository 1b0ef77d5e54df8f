"""MashApp: the shell every screen lives in — sign-in, role modes, the one clock tick."""

from __future__ import annotations

import threading
import time
from collections import deque
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from rich.text import Text
from textual import events, on, work
from textual.app import App
from textual.dom import DOMNode
from textual.binding import Binding
from textual.message import Message
from textual.message_pump import MessagePump
from textual.signal import Signal
from textual.worker import Worker, WorkerState

from mash_tui.clock import Clock, SystemClock
from mash_tui.domain.roles import ROLE_LABELS, Actor, Role
from mash_tui.printable import printable
from mash_tui.screens.login import LoginScreen
from mash_tui.screens.lock import INPUT_EVENTS, IdleLock
from mash_tui.screens.palette import ScreenCommands
from mash_tui.widgets.safe_text import TERMINAL_GUARD, safe_text

if TYPE_CHECKING:
    from collections.abc import Sequence

    from textual.filter import LineFilter

    from collections.abc import Callable

    from mash_tui.config import Settings
    from mash_tui.domain.policy import Policy
    from mash_tui.services.context import Context

TICK_SECONDS = 1.0
# What a locked desk still answers to: leaving, signing out and moving between its own fields.
ACTIONS_WHILE_LOCKED = frozenset({"quit", "help_quit", "sign_out", "focus_next", "focus_previous"})


# A key whose mark has not come back after this long is let go, so a bug on its route can never
# swallow the keyboard; the route's own slowness never counts, as the watch runs on the same loop.
TYPE_AHEAD_WATCH_SECONDS = 0.05
TYPE_AHEAD_GIVE_UP_SECONDS = 10.0
# Rounds a mark makes while messages the key set off are still queued on its route.
TYPE_AHEAD_ROUNDS = 4


class TypeAheadMark(Message, bubble=True):
    """Sent after a key to the widget the key went to; it bubbles up behind the key, queue by queue.

    Every widget on the way handles its messages in order, so when the mark reaches the app the
    key has been handled by every widget it went through, and a binding it fired (Tab's focus
    move) has run.
    """

    def __init__(self, origin: MessagePump, sent_at: float) -> None:
        super().__init__()
        self.origin = origin
        self.holder: MessagePump = origin
        self.sent_at = sent_at
        self.rounds = 1

    def _bubble_to(self, widget: MessagePump) -> None:
        self.holder = widget  # where it waits now: the watch lets the key go if that widget is gone
        super()._bubble_to(widget)


def _valid_markup(text: str) -> bool:
    """Markup a notification may keep: it parses, and none of it is an action (`[@click=...]`).

    A screen's own words may be bold; a name from the store inside them must never become a
    button that runs an action when clicked.
    """
    from textual.content import Content
    from textual.markup import MarkupError

    try:
        content = Content.from_markup(text)
    except MarkupError:
        return False
    return not any(str(span.style).startswith("@") for span in content.spans)


class MashApp(App[None]):
    # The shell's styles; each screen brings its own (CSS_PATH on the screen class).
    CSS_PATH = "app.tcss"
    TITLE = "MASH Desk"
    ENABLE_COMMAND_PALETTE = True
    COMMANDS = App.COMMANDS | {ScreenCommands}
    BINDINGS = [
        Binding("ctrl+q", "quit", "Quit", id="quit", priority=True),
        Binding("f1", "home", "Home", id="home"),
        Binding("ctrl+l", "sign_out", "Sign out", id="sign_out"),
        # No letter is free on every role's home ("s" filters the supervisor's pane), so a function
        # key beside F1. Not in the footer, which is full at 80 columns: the palette's Sync entry names it.
        Binding("f2", "sync_screen", "Sync", id="sync_screen", show=False),
    ]

    def __init__(
        self,
        home: Path | None = None,
        *,
        settings: Settings | Callable[[], Settings] | None = None,
        clock: Clock | None = None,
        policy: Policy | None = None,
        ticking: bool = True,
    ) -> None:
        super().__init__()
        if home is None and settings is None:
            raise TypeError("MashApp needs a home or the settings to open")
        self.home_dir = home
        # A bare home opens with the default settings: the local store alone, nothing from the environment.
        # `mash` gives a function that reads them, so the first frame does not wait for pydantic.
        self._settings = settings
        self.clock = clock or SystemClock()
        self._policy = policy
        self._desk: Context | None = None
        self._store_error: BaseException | None = None
        self._store_ready = threading.Event()
        self._ticking = ticking
        self.actor: Actor | None = None
        self.clock_signal: Signal[datetime] = Signal(self, "clock")
        self.idle_lock = IdleLock(self)
        # The header's sync slot: every StatusBar shows `sync_text` and hears `sync_signal`.
        self.sync_text = "local store"
        self.sync_signal: Signal[str] = Signal(self, "sync")
        # Rows sync wrote from other machines; screens with lists reload on it (DeskScreen.follow_arrivals).
        self.data_signal: Signal[int] = Signal(self, "data")
        # What the sync loop last reported (sync.status.SyncState), for the Sync screen.
        self.last_sync_state = None
        self._sync_loop = None
        # Type-ahead: keys (and pastes) from the terminal wait here while an earlier key is still on its way.
        self._typed_ahead: deque[events.Event] = deque()
        self._key_in_flight: TypeAheadMark | None = None

    def get_theme_variable_defaults(self) -> dict[str, str]:
        return {
            "rag-red": "#d7263d",
            "rag-amber": "#f4a259",
            "rag-green": "#3bb273",
            "rag-none": "#808080",
            "near-breach": "#f4a259",
            "breach": "#d7263d",
        }

    def on_mount(self) -> None:
        self.push_screen(LoginScreen())
        # Opened once the sign-in screen is painted: importing the store competes for the GIL.
        self.call_after_refresh(self._open_context)
        self.clock_signal.subscribe(self, self.idle_lock.check)
        self.tick()
        if self._ticking:
            self.set_interval(TICK_SECONDS, self.tick)
        self.set_interval(TYPE_AHEAD_WATCH_SECONDS, self._watch_key_in_flight)

    def tick(self) -> None:
        """The one clock tick: every countdown and the header derive from this instant."""
        self.clock_signal.publish(self.clock.now())

    @work(thread=True, exclusive=True, group="open-store", exit_on_error=False)
    def _open_context(self) -> None:
        from mash_tui.config import PolicyError, Settings, SettingsError
        from mash_tui.domain.rag import RulesError
        from mash_tui.services.context import open_context
        from mash_tui.sync.link import attach

        try:
            settings = self._settings() if callable(self._settings) else self._settings
            self._desk = attach(open_context(settings or Settings(home=self.home_dir), clock=self.clock,
                                             policy=self._policy))
        except (PolicyError, RulesError, SettingsError) as error:
            self._store_error = error
            self.call_from_thread(self.exit, return_code=2, message=f"mash: error: {error}")
        except BaseException as error:
            self._store_error = error
            raise
        finally:
            self._store_ready.set()

    def context_when_ready(self) -> Context:
        """For workers: the open store, waiting for start-up to finish opening it."""
        self._store_ready.wait()
        if self._desk is None:
            raise RuntimeError(f"the local store could not be opened: {self._store_error}")
        return self._desk

    def get_line_filters(self) -> Sequence[LineFilter]:
        # Behind every screen's own care: no control character in any text reaches the terminal.
        return [*super().get_line_filters(), TERMINAL_GUARD]

    def policy_in_force(self) -> Policy | None:
        return self._desk.policy if self._desk is not None else self._policy

    async def on_event(self, event: events.Event) -> None:
        if isinstance(event, INPUT_EVENTS):
            self.idle_lock.note_input()
        if isinstance(event, events.Key | events.Paste) and not event.is_forwarded:
            # Textual sends a key to whatever has focus the moment the key is read, while the key
            # before it (a Tab) may still be climbing the widgets to the binding that moves the
            # focus. So one key at a time: the next waits until the last was handled everywhere.
            self._typed_ahead.append(event)
            await self._send_typed_ahead()
            return
        await super().on_event(event)

    async def _send_typed_ahead(self) -> None:
        while self._key_in_flight is None and self._typed_ahead:
            event = self._typed_ahead.popleft()
            # Priority bindings run here; any other key goes to the focused widget, or the screen.
            await super().on_event(event)
            try:
                route: MessagePump = self.focused or self.screen
            except Exception:  # noqa: BLE001 - no screen (closing): nothing is left to wait for
                continue
            mark = TypeAheadMark(route, time.monotonic())
            if route.post_message(mark):
                self._key_in_flight = mark

    async def on_type_ahead_mark(self, mark: TypeAheadMark) -> None:
        mark.stop()
        if mark is not self._key_in_flight:
            return
        # The key may have set off messages of its own on the same route (Enter's Input.Submitted,
        # which moves the focus on): one more round, behind them.
        origin = mark.origin
        if mark.rounds < TYPE_AHEAD_ROUNDS and isinstance(origin, DOMNode) and origin.is_attached:
            # Textual keeps each widget's queue private; the pinned version's name for it.
            pending = any(not node._message_queue.empty() for node in origin.ancestors_with_self if node is not self)
            if pending:
                mark.rounds += 1
                mark.holder = origin
                mark._stop_propagation = False
                if origin.post_message(mark):
                    return
        self._key_in_flight = None
        await self._send_typed_ahead()

    async def _watch_key_in_flight(self) -> None:
        """Let a key go whose mark can no longer come back: the widget holding it was removed."""
        mark = self._key_in_flight
        if mark is None:
            return
        holder = mark.holder
        gone = holder is not self and (not holder.is_running or not holder.is_attached or not holder.is_parent_active)
        if gone or time.monotonic() - mark.sent_at > TYPE_AHEAD_GIVE_UP_SECONDS:
            self._key_in_flight = None
            await self._send_typed_ahead()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if self.idle_lock.locked and action not in ACTIONS_WHILE_LOCKED:
            return False
        return True

    def notify(self, message, *, title="", severity="information", timeout=None, markup=True) -> None:  # noqa: ANN001
        """Every notification, from every screen: no terminal control characters, and none on a locked desk.

        A `Text` message (the house rule for text people typed) is shown literally: Textual's toast
        would otherwise feed it to its markup parser and fail.
        """
        if isinstance(message, Text):
            message, markup = safe_text(message, multiline=True).plain, False
        else:
            message = printable(message, multiline=True)
            markup = markup and _valid_markup(message)
        title = printable(title)

        def show() -> None:
            super(MashApp, self).notify(message, title=title, severity=severity, timeout=timeout, markup=markup)

        if self.idle_lock.locked:
            self.idle_lock.hold(show)
        else:
            show()

    @property
    def ctx(self) -> Context:
        if self._desk is None:
            raise RuntimeError("the local store is not open yet")
        return self._desk

    @on(LoginScreen.Succeeded)
    def _signed_in(self, message: LoginScreen.Succeeded) -> None:
        self.actor = message.actor
        self.switch_screen(self.home_screen())
        self._run_sync(message.actor)

    @work(thread=True, exclusive=True, group="sync", exit_on_error=False)
    def _run_sync(self, actor: Actor) -> None:
        """Background sync while someone is signed in, when a shared database is configured."""
        from mash_tui.sync.loop import SyncLoop
        from mash_tui.sync.status import RefusalWatch

        ctx = self.context_when_ready()
        if not ctx.shared_url:
            return
        self._stop_sync()
        watch = RefusalWatch(ctx, actor)
        loop = SyncLoop(ctx, actor.username, on_state=lambda state: self._sync_state_from_thread(state, watch))
        self._sync_loop = loop
        loop.run()

    def _sync_state_from_thread(self, state, watch) -> None:  # noqa: ANN001 - SyncState, RefusalWatch
        """In the sync thread: the header's words, and a refusal of this user's work found here, not in the UI."""
        from mash_tui.sync.status import sync_label

        try:
            notice = watch.news(state)
        except Exception:  # noqa: BLE001 - a failed read must not stop sync; the Sync screen lists refusals
            notice = None
        try:
            self.call_from_thread(self.show_sync_state, state, sync_label(state), notice)
        except RuntimeError:
            # The app is closing; the loop is being stopped.
            pass

    def show_sync_state(self, state, label: str, refusal: str | None = None) -> None:  # noqa: ANN001 - SyncState
        """The header follows the sync loop; a refusal of the user's own change is told once, as a warning."""
        self.last_sync_state = state
        self.sync_text = label
        self.sync_signal.publish(label)
        if getattr(state, "arrived", 0):
            self.data_signal.publish(state.arrived)
        if refusal is not None:
            self.notify(Text(refusal), severity="warning", timeout=15)

    def _stop_sync(self) -> None:
        loop, self._sync_loop = self._sync_loop, None
        if loop is not None:
            loop.stop()

    def on_unmount(self) -> None:
        self._stop_sync()

    def home_screen(self):  # noqa: ANN201 - a Screen for the actor's role
        from mash_tui.screens.home import home_screen_for

        assert self.actor is not None
        return home_screen_for(self.actor)

    def user_label(self) -> str:
        if self.actor is None:
            return "not signed in"
        role = ROLE_LABELS.get(Role(self.actor.role), self.actor.role)
        agency = f", {self.actor.agency}" if self.actor.agency else ""
        return printable(f"{self.actor.display_name or self.actor.username} ({role}{agency})")

    def open_screen(self, screen_id: str, **kwargs: object) -> None:
        """Open a top-level screen by its registry id, if the user's role may."""
        from mash_tui.domain.roles import may
        from mash_tui.screens.registry import entry

        if self.actor is None or self.idle_lock.locked:
            return
        target = entry(screen_id)
        if not may(self.actor.role, target.permission):
            self.notify("Your role may not open that screen.", severity="warning")
            return
        self.push_screen(target.build(self.actor, **kwargs))

    def action_sync_screen(self) -> None:
        from mash_tui.screens.sync import SyncScreen

        if not isinstance(self.screen, SyncScreen):  # F2 on the Sync screen itself stays put
            self.open_screen("sync")

    def action_home(self) -> None:
        if self.actor is not None:
            self.switch_screen(self.home_screen())

    def action_sign_out(self) -> None:
        self.actor = None
        self._stop_sync()
        self.last_sync_state = None
        self.idle_lock.forget()
        # Every screen of the last user goes, not just the top one: the next person could go back to them.
        while len(self.screen_stack) > 2:
            self.pop_screen()
        self.switch_screen(LoginScreen())

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """One place where a failed worker is reported: in words, never as a traceback."""
        if event.state is WorkerState.ERROR and event.worker.error is not None:
            from rich.text import Text

            self.notify(Text(f"Something went wrong: {event.worker.error}"), severity="error", timeout=10)
