"""What every screen of the desk shares."""

from __future__ import annotations

from typing import TypeVar

from textual.screen import Screen
from textual.worker import Worker

ResultT = TypeVar("ResultT")


class DeskScreen(Screen[ResultT]):
    """A screen whose failed workers reach the app's one handler.

    Worker messages go to the worker's own node and do not bubble, so without this a screen's
    failure would vanish silently.
    """

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        self.app.on_worker_state_changed(event)  # type: ignore[attr-defined]

    def follow_arrivals(self) -> None:
        """Reload (`action_reload`) whenever sync brings rows from other machines, while this screen shows.

        A partner waiting for requests, or a decision maker watching the queue, should not have to
        press a key to see what another machine has just done.
        """
        self._reload_on("data_signal")

    def follow_sync_rounds(self) -> None:
        """Reload after every sync round, while this screen shows: for the screens about sync itself."""
        self._reload_on("sync_signal")

    def _reload_on(self, signal_name: str) -> None:
        signal = getattr(self.app, signal_name, None)
        if signal is not None:
            signal.subscribe(self, self._reload_if_shown)

    def _reload_if_shown(self, _news: object) -> None:
        # A screen under another (a modal, a pushed screen) catches up when it is shown again.
        if self.is_current:
            self.action_reload()  # type: ignore[attr-defined]
