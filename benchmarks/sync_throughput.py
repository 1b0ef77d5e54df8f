"""Sync throughput (issue 8): 10,000 queued mutations pushed from one client. Goal: at most 10 s.

    python benchmarks/sync_throughput.py [--mutations 10000] [--runs 3] [--hub-login]

The mutations are real units of work (`start_draft` through the services, each with its audit
event and outbox row) made offline first; then the timer runs from the start of the push to the
moment every outbox row is marked applied. Each run uses a fresh shared database on a cluster
the benchmark starts itself, and prints the median and p95 of the runs and the machine.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

from sync_common import machine_line, percentile, shared_machine, start_hub

GOAL_S = 10.0


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--mutations", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--hub-login", action="store_true",
                        help="push as a hub machine's own login (row-level security on), not the owner")
    args = parser.parse_args()

    import psycopg

    from mash_tui.clock import SystemClock
    from mash_tui.domain.roles import Actor
    from mash_tui.services import contacts
    from mash_tui.services.context import open_context
    from mash_tui.sync.round import sync_store
    from mash_tui.sync.status import sync_status

    cluster, template_url = start_hub()
    officer = Actor("olivia", "officer")
    timings = []
    try:
        with tempfile.TemporaryDirectory() as scratch:
            home = Path(scratch) / "offline"
            ctx = open_context(home, clock=SystemClock())
            made = time.perf_counter()
            for number in range(args.mutations):
                contacts.start_draft(ctx, officer, {"note": f"queued {number}"})
            print(f"queued {args.mutations} units of work offline in {time.perf_counter() - made:.1f} s")
            ctx.store.dispose()
            for run in range(args.runs):
                with psycopg.connect(cluster.url(), autocommit=True) as admin:
                    admin.execute(f"CREATE DATABASE run{run} TEMPLATE hub")
                copy = Path(scratch) / f"run{run}"
                copy.mkdir()
                for suffix in ("", "-wal", "-shm"):
                    source = home / f"mash.db{suffix}"
                    if source.exists():
                        (copy / source.name).write_bytes(source.read_bytes())
                run_url = cluster.url(f"run{run}")
                if args.hub_login:
                    from mash_tui.config import Settings
                    from mash_tui.sync.admin import grant_shared_login

                    grant_shared_login(run_url, Settings(home=copy), "bench_hub")
                    run_url = run_url.replace("postgres@", "bench_hub@", 1)
                run_ctx = shared_machine(copy, run_url)
                started = time.perf_counter()
                report = sync_store(run_ctx, "olivia", push_only=True)
                elapsed = time.perf_counter() - started
                assert report.applied == args.mutations, report
                assert sync_status(run_ctx).waiting == 0
                timings.append(elapsed)
                print(f"run {run + 1}: {args.mutations} mutations pushed in {elapsed:.2f} s "
                      f"({args.mutations / elapsed:,.0f}/s)")
                run_ctx.store.dispose()
    finally:
        cluster.remove()
    median, p95 = statistics.median(timings), percentile(timings, 0.95)
    who = "a hub login" if args.hub_login else "the owner"
    print(f"push of {args.mutations} mutations as {who}: median {median:.2f} s, p95 {p95:.2f} s (goal ≤ {GOAL_S:.0f} s)")
    print(f"machine: {machine_line()}")
    return 0 if p95 <= GOAL_S else 1


if __name__ == "__main__":
    sys.exit(main())
