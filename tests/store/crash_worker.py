"""A child process for the crash tests: units of work, each step reported on a pipe, until killed.

    python crash_worker.py HOME MODE FD

Bytes written to FD: R once the store is open; then for each unit B before it begins, U, A and O
once its user row, audit event and outbox row have reached SQLite inside the transaction, and C
once the commit has returned.

MODE `stop-after-user`, `stop-after-audit` or `stop-after-outbox`: one unit that stops inside its
transaction after that step and waits to be killed. `stop-after-commit`: one unit, then wait.
`loop`: units one after another until killed.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

from mash_tui.clock import SystemClock
from mash_tui.domain.roles import Actor
from mash_tui.store.db import Store, open_store
from mash_tui.store.tables import AppUser
from mash_tui.store.unit_of_work import unit_of_work

CRASH_ACTOR = Actor("os:crash-worker", "system")
STEPS = {"stop-after-user": b"U", "stop-after-audit": b"A", "stop-after-outbox": b"O"}
FOREVER = 600


def one_unit(store: Store, number: int, report, stop_at: bytes | None = None) -> None:  # noqa: ANN001
    def step(marker: bytes) -> None:
        report(marker)
        if marker == stop_at:
            time.sleep(FOREVER)

    report(b"B")
    with unit_of_work(store, CRASH_ACTOR, SystemClock()) as uow:
        user = AppUser(
            username=f"crash-{os.getpid()}-{number}",
            display_name="Crash Test",
            role="officer",
            password_hash="not-a-real-hash",
            created_at=uow.now,
        )
        uow.add(user)
        uow.session.flush()
        step(b"U")
        uow.audit("user.add", "app_user", user.id, details={"username": user.username})
        step(b"A")
        uow.mutate("add_user.v1", {"id": user.id, "username": user.username})
        step(b"O")
    report(b"C")


def main() -> None:
    home, mode, fd = Path(sys.argv[1]), sys.argv[2], int(sys.argv[3])

    def report(marker: bytes) -> None:
        os.write(fd, marker)

    store = open_store(home, migrate=False)
    report(b"R")
    if mode in STEPS:
        one_unit(store, 0, report, stop_at=STEPS[mode])
    elif mode == "stop-after-commit":
        one_unit(store, 0, report)
        time.sleep(FOREVER)
    elif mode == "loop":
        number = 0
        while True:
            one_unit(store, number, report)
            number += 1
    else:
        raise SystemExit(f"unknown mode {mode!r}")


if __name__ == "__main__":
    main()
