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
from mash_tui.domain.roles import Actor
from mash_tui.services import queue
from mash_tui.services.context import open_context
from mash_tui.services.sync import SharedDatabaseUnavailable, sync_rejections, sync_status, sync_store


def main() -> int:
    home, url, username, *references = sys.argv[1:]
    actor = Actor(username, "decision_maker")
    ctx = open_context(Path(home), clock=SystemClock(), shared_url=url)
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
