"""The top bar: who is signed in, the Europe/London time and the state of sync."""

from __future__ import annotations

from datetime import datetime

from rich.text import Text
from textual.reactive import reactive
from textual.widget import Widget

from mash_tui.clock import to_local


class StatusBar(Widget):
    DEFAULT_CSS = """
    StatusBar { height: 1; dock: top; background: $panel; color: $foreground; }
    """

    user_label: reactive[str] = reactive("not signed in")
    sync_state: reactive[str] = reactive("local store")
    now: reactive[datetime | None] = reactive(None)

    def on_mount(self) -> None:
        app = self.app
        self.user_label = app.user_label()
        self.now = app.clock.now()
        app.clock_signal.subscribe(self, self._on_tick)
        sync_signal = getattr(app, "sync_signal", None)
        if sync_signal is not None:
            self.sync_state = app.sync_text
            sync_signal.subscribe(self, self._on_sync)

    def _on_sync(self, label: str) -> None:
        self.sync_state = label

    def _on_tick(self, now: datetime) -> None:
        self.now = now

    def render(self) -> Text:
        stamp = to_local(self.now).strftime("%a %d %b %H:%M:%S") if self.now else ""
        text = Text(no_wrap=True, overflow="ellipsis")
        text.append(" MASH Desk ", style="bold")
        text.append("│ ")
        text.append(self.user_label)
        text.append(" │ ")
        text.append(stamp)
        text.append(" │ ")
        text.append(self.sync_state)
        return text
