"""What the sync benchmarks share: a PostgreSQL cluster of their own and a seeded hub."""

from __future__ import annotations

import os
import platform
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from tests.sync.pg_cluster import Cluster  # noqa: E402


def machine_line() -> str:
    return f"{platform.platform()} · {os.cpu_count()} CPUs · Python {platform.python_version()}"


def start_hub() -> tuple[Cluster, str]:
    import psycopg

    from mash_tui.server.migrate import upgrade_shared

    cluster = Cluster()
    cluster.init()
    cluster.start()
    with psycopg.connect(cluster.url(), autocommit=True) as admin:
        admin.execute("CREATE DATABASE hub")
    url = cluster.url("hub")
    upgrade_shared(url)
    return cluster, url


def shared_machine(home: Path, url: str):  # noqa: ANN201 - mash_tui.services.context.Context
    """A machine's context syncing with `url`, as `mash --home HOME --shared URL` opens it."""
    from mash_tui.clock import SystemClock
    from mash_tui.config import Settings
    from mash_tui.services.context import open_context
    from mash_tui.sync.link import attach

    return attach(open_context(Settings(home=home, shared_url=url), clock=SystemClock()))


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(fraction * (len(ordered) - 1))))]
