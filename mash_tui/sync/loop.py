"""The app's background sync: on each local change, each NOTIFY from the server, on reconnect, every 30 s."""

from __future__ import annotations

import threading
import time
from typing import Any

from mash_tui.services.context import Context
from mash_tui.sync.connection import connect_shared
from mash_tui.sync.errors import SharedDatabaseUnavailable, first_line
from mash_tui.sync.round import sync_store
from mash_tui.sync.status import SyncState, sync_status

POLL_S = 30.0
LOCAL_POKE_CHECK_S = 0.05
MAX_BACKOFF_S = 30.0


class SyncLoop:
    """Background sync for one signed-in user: on each local change, each NOTIFY, on reconnect, every 30 s.

    `run()` blocks until `stop()`; run it in a worker thread. `on_state` hears every change of state.
    """

    def __init__(self, ctx: Context, username: str, on_state: Any = None, *, poll_s: float = POLL_S) -> None:
        self.ctx = ctx
        self.username = username
        self.on_state = on_state or (lambda state: None)
        self.poll_s = poll_s
        self._poked = threading.Event()
        self._stopped = threading.Event()
        self.rounds = 0

    def poke(self, _store: Any = None) -> None:
        self._poked.set()

    def stop(self) -> None:
        self._stopped.set()
        self._poked.set()

    @property
    def stopped(self) -> bool:
        return self._stopped.is_set()

    def _local_change(self, store: Any) -> None:
        if store is self.ctx.store:
            self._poked.set()

    def run(self) -> None:
        from mash_tui.store.unit_of_work import mutation_listeners

        mutation_listeners.append(self._local_change)
        try:
            self._run()
        finally:
            mutation_listeners.remove(self._local_change)

    def _report(self, online: bool, error: str | None = None, arrived: int = 0) -> None:
        status = sync_status(self.ctx)
        self.on_state(SyncState(online, status.waiting, status.last_sync_at, error, status.rejected, arrived))

    def _run(self) -> None:
        from mash_tui.server.connect import NOTIFY_CHANNEL

        backoff = 0.5
        while not self.stopped:
            connection = listener = None
            try:
                connection = connect_shared(self.ctx.shared_url, self.ctx.settings)
                listener = connect_shared(self.ctx.shared_url, self.ctx.settings)
                listener.execute(f"LISTEN {NOTIFY_CHANNEL}")
                backoff = 0.5
                while not self.stopped:
                    self._poked.clear()
                    report = sync_store(self.ctx, self.username, connection=connection)
                    self.rounds += 1
                    self._report(True, arrived=report.written + report.reference_applied)
                    self._wait_for_reason(listener, time.monotonic() + self.poll_s)
            except SharedDatabaseUnavailable as error:
                self._report(False, str(error))
            except Exception as error:  # noqa: BLE001 - a dropped connection surfaces as many driver errors
                self._report(False, first_line(error))
            finally:
                for each in (connection, listener):
                    if each is not None:
                        try:
                            each.close()
                        except Exception:  # noqa: BLE001 - closing a dead connection
                            pass
            # Offline: try again with backoff, at once on a local change.
            self._poked.wait(backoff)
            self._poked.clear()
            backoff = min(backoff * 2, MAX_BACKOFF_S)

    def _wait_for_reason(self, listener: Any, until: float) -> None:
        while not self.stopped and not self._poked.is_set():
            remaining = until - time.monotonic()
            if remaining <= 0:
                return
            # A NOTIFY is a poke to pull now; a local change is a poke to push now.
            for _notice in listener.notifies(timeout=min(LOCAL_POKE_CHECK_S, remaining), stop_after=1):
                return
