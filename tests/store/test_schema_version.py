"""Opening a store checks its schema's version with one read, and loads Alembic only to upgrade.

Every `mash` command opens the store; loading Alembic and SQLAlchemy to learn that nothing is due
was most of a short command's time. The check must still upgrade a store that is behind.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

from mash_tui.store.db import Store, open_store
from mash_tui.store.migrate import HEAD_REVISION, current_revision, head_revision, upgrade_to

# Opens the store of argv[1] in a fresh interpreter and says which heavy libraries that loaded.
_OPEN_AND_REPORT = textwrap.dedent(
    """
    import json, sys
    from pathlib import Path
    from mash_tui.store.db import open_store

    store = open_store(Path(sys.argv[1]))
    store.dispose()
    print(json.dumps({name: name in sys.modules for name in ("alembic", "sqlalchemy", "sqlmodel")}))
    """
)


def _libraries_loaded_by_opening(home: Path) -> dict[str, bool]:
    finished = subprocess.run([sys.executable, "-c", _OPEN_AND_REPORT, str(home)],
                              capture_output=True, text=True, check=True)
    return json.loads(finished.stdout)


def test_the_head_the_open_check_compares_with_is_the_newest_migration_script() -> None:
    assert HEAD_REVISION == head_revision()


def test_opening_a_store_at_the_head_loads_neither_alembic_nor_the_orm(home: Path) -> None:
    open_store(home).dispose()

    assert _libraries_loaded_by_opening(home) == {"alembic": False, "sqlalchemy": False, "sqlmodel": False}


def test_opening_a_store_behind_the_head_upgrades_it_in_a_fresh_process(home: Path) -> None:
    older = Store(home)
    upgrade_to(older, "0005_sync")
    older.dispose()

    loaded = _libraries_loaded_by_opening(home)

    assert loaded["alembic"] is True
    reopened = Store(home)
    try:
        assert current_revision(reopened) == HEAD_REVISION
    finally:
        reopened.dispose()


def test_a_new_store_is_created_at_the_head(home: Path) -> None:
    loaded = _libraries_loaded_by_opening(home)

    assert loaded["alembic"] is True
    store = Store(home)
    try:
        assert current_revision(store) == HEAD_REVISION
    finally:
        store.dispose()
