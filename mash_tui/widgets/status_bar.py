"""The top bar: who is signed in, the Europe/London time and the state of sync."""

from __future__ import annotations

from collections.abc import Iterator
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
        """The fullest form that fits: at 80 columns the sync state matters more than the date."""
        width = self.size.width or 10_000
        for text in self._forms():
            if text.cell_len <= width:
                return text
        return text

    def _forms(self) -> Iterator[Text]:
        """Fullest first, made only as far as needed: the header repaints every second."""
        local = to_local(self.now) if self.now else None
        short_stamp = local.strftime("%H:%M") if local else ""
        name_only = self.user_label.split(" (", 1)[0]
        yield self._form(" MASH Desk ", self.user_label, local.strftime("%a %d %b %H:%M:%S") if local else "")
        yield self._form(" MASH Desk ", self.user_label, short_stamp)
        yield self._form(" ", name_only, short_stamp)
        yield self._form(" ", name_only, short_stamp, overflow="ellipsis")

    def _form(self, title: str, user: str, stamp: str, overflow: str = "crop") -> Text:
        text = Text(no_wrap=True, overflow=overflow)  # type: ignore[arg-type]
        text.append(title, style="bold" if title.strip() else "")
        text.append("│ " if title.strip() else "")
        text.append(user)
        text.append(" │ ")
        text.append(stamp)
        text.append(" │ ")
        text.append(self.sync_state)
        return text
