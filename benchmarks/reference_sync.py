"""Reference data through the shared database (issue 8): a case system's persons and involvements,
loaded on one machine and applied on another.

    python benchmarks/reference_sync.py [--persons 1000000]

Uses the matching benchmark's synthetic population (generated once, then cached). Times
`load_and_share` of persons.csv then involvements.csv on machine A (the local load, compression
and upload, in one shared transaction each), and then one `sync_store` on machine B, which
applies both batches in chunks. Prints each time, the batches' stored size, and the machine.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from sync_common import REPO, machine_line, shared_machine, start_hub


def _population(persons: int) -> Path:
    sys.path.insert(0, str(REPO / "benchmarks"))
    from matching_data import default_directory

    out = default_directory(persons, 10_000, 20261124)
    if not (out / "labels.csv").exists():
        subprocess.run([sys.executable, str(REPO / "benchmarks" / "matching_data.py"), "--persons", str(persons)],
                       check=True)
    return out


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--persons", type=int, default=1_000_000)
    args = parser.parse_args()

    import psycopg

    from mash_tui.domain.roles import Actor
    from mash_tui.sync.reference_load import load_and_share
    from mash_tui.sync.round import sync_store

    data = _population(args.persons)
    owner = Actor("os:bench", "system")
    cluster, url = start_hub()
    try:
        with tempfile.TemporaryDirectory() as scratch:
            loader = shared_machine(Path(scratch) / "a", url)
            for name in ("persons", "involvements"):
                started = time.perf_counter()
                shared = load_and_share(loader, owner, name, data / f"{name}.csv")
                print(f"machine A: {name}.csv ({shared.counts.rows:,} rows) loaded and shared as batch "
                      f"{shared.seq} in {time.perf_counter() - started:.1f} s")
            with psycopg.connect(url) as connection:
                stored = connection.execute("SELECT sum(octet_length(body)) FROM reference_batch").fetchone()[0]
            print(f"stored in the shared database: {stored / 2**20:.1f} MiB compressed")
            desk = shared_machine(Path(scratch) / "b", url)
            started = time.perf_counter()
            report = sync_store(desk, owner.username)
            elapsed = time.perf_counter() - started
            print(f"machine B: {report.reference_applied} batches applied by one sync in {elapsed:.1f} s")
    finally:
        cluster.remove()
    print(f"machine: {machine_line()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
