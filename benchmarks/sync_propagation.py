"""Sync propagation (issue 8): a change committed on client A appears in client B's local store.

    python benchmarks/sync_propagation.py [--changes 200]

A and B each run the app's background sync loop (`SyncLoop`: pushes on every local change, pulls
on every LISTEN/NOTIFY poke) against a shared database on a cluster the benchmark starts itself.
A commits a unit of work (a draft); the time runs from the return of that local commit to the
moment the draft's row is readable in B's local SQLite store. Changes are a fresh one every
50 ms after the previous one arrived. Prints p50 and p95 and the machine. Goal: p95 at most 1 s.
"""

from __future__ import annotations

import argparse
import sqlite3
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

from sync_common import machine_line, percentile, shared_machine, start_hub

GOAL_S = 1.0


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--changes", type=int, default=200)
    args = parser.parse_args()

    from mash_tui.domain.roles import Actor
    from mash_tui.services import contacts
    from mash_tui.services.users import add_user
    from mash_tui.sync.loop import SyncLoop
    from mash_tui.sync.round import sync_store

    cluster, url = start_hub()
    owner = Actor("os:bench", "system")
    officer = Actor("olivia", "officer")
    delays = []
    try:
        with tempfile.TemporaryDirectory() as scratch:
            a = shared_machine(Path(scratch) / "a", url)
            b = shared_machine(Path(scratch) / "b", url)
            add_user(a, owner, username="olivia", role="officer", password="benchmark-password")
            sync_store(b, "olivia")
            loops = [SyncLoop(a, "olivia"), SyncLoop(b, "olivia")]
            threads = [threading.Thread(target=loop.run, daemon=True) for loop in loops]
            for thread in threads:
                thread.start()
            while min(loop.rounds for loop in loops) == 0:
                time.sleep(0.01)
            reader = sqlite3.connect(b.store.path)
            for number in range(args.changes):
                draft = contacts.start_draft(a, officer, {"note": f"change {number}"})
                committed = time.perf_counter()
                while reader.execute("SELECT 1 FROM contact_draft WHERE id = ?", (draft.id,)).fetchone() is None:
                    if time.perf_counter() - committed > 30:
                        raise SystemExit(f"change {number} never reached B")
                    time.sleep(0.002)
                delays.append(time.perf_counter() - committed)
                time.sleep(0.05)
            reader.close()
            for loop in loops:
                loop.stop()
            for thread in threads:
                thread.join(timeout=10)
    finally:
        cluster.remove()
    p50, p95 = statistics.median(delays), percentile(delays, 0.95)
    print(f"propagation A → B over {len(delays)} changes: p50 {p50 * 1000:.0f} ms, p95 {p95 * 1000:.0f} ms, "
          f"max {max(delays) * 1000:.0f} ms (goal p95 ≤ {GOAL_S * 1000:.0f} ms)")
    print(f"machine: {machine_line()}")
    return 0 if p95 <= GOAL_S else 1


if __name__ == "__main__":
    sys.exit(main())
