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
