"""Where the project's shipped data and a user's home live."""

from __future__ import annotations

import os
from pathlib import Path

DATA_DIR = Path(__file__).resolve().parent.parent / "data"


def default_home() -> Path:
    from platformdirs import user_data_dir

    return Path(user_data_dir("mash-desk", appauthor=False))


def resolve_home(explicit: str | os.PathLike[str] | None) -> Path:
    """`--home` wins, then `$MASH_HOME`, then the platform's user data directory."""
    if explicit:
        return Path(explicit).expanduser()
    env = os.environ.get("MASH_HOME")
    if env:
        return Path(env).expanduser()
    return default_home()


def ensure_private_dir(path: Path) -> Path:
    """Create the home with mode 0700: it holds children's records."""
    path.mkdir(parents=True, exist_ok=True)
    os.chmod(path, 0o700)
    return path
