"""Where the package's shipped data lives, and how a home directory is made private.

Which home is in force (`--home`, `$MASH_HOME`, the platform's user data directory) is decided by
`mash_tui.config.Settings`, the one place that reads the environment.
"""

from __future__ import annotations

import os
from pathlib import Path

# Inside the package, so an installed wheel carries it (pyproject.toml's package data).
DATA_DIR = Path(__file__).resolve().parent / "data"
SHIPPED_POLICY = DATA_DIR / "policy.toml"
SHIPPED_RULES = DATA_DIR / "rag_rules.toml"


def default_home() -> Path:
    from platformdirs import user_data_dir

    return Path(user_data_dir("mash-desk", appauthor=False))


def ensure_private_dir(path: Path) -> Path:
    """Create the home with mode 0700: it holds children's records."""
    path.mkdir(parents=True, exist_ok=True)
    os.chmod(path, 0o700)
    return path
