"""Where a home keeps its store: for commands that look before they open anything."""

from __future__ import annotations

from pathlib import Path


def store_file(home: Path) -> Path:
    """The store's file in `home`, whether or not it exists yet."""
    from mash_tui.store.db import STORE_FILENAME

    return home / STORE_FILENAME


def has_store(home: Path) -> bool:
    return store_file(home).exists()
