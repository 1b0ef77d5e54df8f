"""A decision maker's machine in a child process: claim every given item, then sync until settled.

    python claim_worker.py HOME URL USERNAME REFERENCE...

Prints one JSON line: the claims the server refused with their reasons, and who holds each item
in the local store once everything settled.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

from mash_tui.clock import SystemClock
from mash_tui.config import Settings
from mash_tui.domain.roles import Actor
from mash_tui.services import queue
from mash_tui.services.context import open_context
from mash_tui.sync.errors import SharedDatabaseUnavailable
from mash_tui.sync.link import attach
from mash_tui.sync.round import sync_store
from mash_tui.sync.status import sync_rejections, sync_status


def main() -> int:
    home, url, username, *references = sys.argv[1:]
    actor = Actor(username, "decision_maker")
    # The environment's MASH_SYNC_DEADLINE_S sets the sync deadline, as it does for `mash`.
    ctx = attach(open_context(Settings.from_environment(home=Path(home), shared=url), clock=SystemClock()))
    for reference in references:
        try:
            queue.claim(ctx, actor, reference)
        except queue.ItemRefused:
            pass
    failures = 0
    stop_at = time.monotonic() + 90
    while True:
        try:
            sync_store(ctx, username)
            if sync_status(ctx).waiting == 0:
                break
        except SharedDatabaseUnavailable:
            failures += 1
            if time.monotonic() > stop_at:
                raise
            time.sleep(0.05)
    holders = {reference: queue.item_view(ctx, reference).claimed_by for reference in references}
    refused = [refusal.reason for refusal in sync_rejections(ctx, actor)]
    print(json.dumps({"holders": holders, "refused": refused, "failures": failures}), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
