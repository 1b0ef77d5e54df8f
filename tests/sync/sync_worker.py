"""A client machine in a child process, for the crash tests: work, push, and be killed at any moment.

    python sync_worker.py HOME URL HISTORY FIRST COUNT

Does COUNT units of work numbered from FIRST (a draft whose note is `op-N`). Each is written to
HISTORY as `invoke N` before and `ok N` once its local commit returned (the moment the user is
told it is saved), each line fsynced. After each unit it tries to sync; an unreachable shared
database is retried with backoff. Finally it syncs until nothing is waiting, then prints `done`.
`MASH_SYNC_FAULT` stops the process at a named point inside the push (tests/sync/faults.py). The
environment's `MASH_SYNC_DEADLINE_S` sets the sync deadline, as it does for `mash`.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

from mash_tui.clock import SystemClock
from mash_tui.config import Settings
from mash_tui.domain.roles import Actor
from mash_tui.services import contacts
from mash_tui.services.context import open_context
from mash_tui.sync.errors import SharedDatabaseUnavailable
from mash_tui.sync.link import attach
from mash_tui.sync.round import sync_store
from mash_tui.sync.status import sync_status
from tests.sync.faults import install_from_environment

OFFICER = Actor("olivia", "officer", None, "Olivia Officer")


def record(history: Path, line: str) -> None:
    with history.open("a") as handle:
        handle.write(line + "\n")
        handle.flush()
        os.fsync(handle.fileno())


FAILURES = 0


def sync_until_quiet(ctx, deadline_s: float = 120.0) -> None:  # noqa: ANN001
    global FAILURES
    delay = 0.05
    stop_at = time.monotonic() + deadline_s
    while True:
        try:
            sync_store(ctx, OFFICER.username)
            if sync_status(ctx).waiting == 0:
                return
        except SharedDatabaseUnavailable as error:
            FAILURES += 1
            import traceback
            where = traceback.extract_tb(error.__context__.__traceback__)[-4:] if error.__context__ else []
            print(f"{time.monotonic():.2f} sync failed: {error} at "
                  + " < ".join(f"{frame.name}:{frame.lineno}" for frame in reversed(where)),
                  file=sys.stderr, flush=True)
            if time.monotonic() > stop_at:
                raise
            time.sleep(delay)
            delay = min(delay * 2, 0.5)


def main() -> int:
    global FAILURES
    home, url, history, first, count = sys.argv[1:6]
    install_from_environment()
    ctx = attach(open_context(Settings.from_environment(home=Path(home), shared=url), clock=SystemClock()))
    for number in range(int(first), int(first) + int(count)):
        record(Path(history), f"invoke {number}")
        contacts.start_draft(ctx, OFFICER, {"note": f"op-{number}"})
        record(Path(history), f"ok {number}")
        try:
            sync_store(ctx, OFFICER.username)
        except SharedDatabaseUnavailable:
            FAILURES += 1
    sync_until_quiet(ctx)
    print(f"done failures={FAILURES}", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
