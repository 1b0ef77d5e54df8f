"""`python -m mash_tui ...` for the crash tests: the same command line, with a fault point armed first.

    PYTHONPATH=REPO MASH_SYNC_FAULT=POINT python mash_with_faults.py [mash arguments]

See tests/sync/faults.py. An installed `mash` has no way to arm one.
"""

from __future__ import annotations

from tests.sync.faults import install_from_environment

install_from_environment()

from mash_tui.cli import main  # noqa: E402 - after the fault point is armed

raise SystemExit(main())
