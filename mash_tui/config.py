"""Loading the policy: the hub's local choices, read once at start-up and passed down.

The shipped defaults are `data/policy.toml`; a hub overrides any key in `$MASH_HOME/policy.toml`.
A bad file is refused with the file, the key and the reason.
"""

from __future__ import annotations

import tomllib
from pathlib import Path

from pydantic import ValidationError

from mash_tui.domain.policy import Policy
from mash_tui.paths import DATA_DIR


class PolicyError(ValueError):
    """A policy file that cannot be used; the message names the file, key and reason."""


def _merge(base: dict, override: dict) -> dict:
    merged = dict(base)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = _merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def _read_toml(path: Path) -> dict:
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except tomllib.TOMLDecodeError as error:
        raise PolicyError(f"{path}: not valid TOML: {error}") from error
    except OSError as error:
        raise PolicyError(f"{path}: cannot be read: {error.strerror}") from error


def _describe(error: ValidationError) -> str:
    first = error.errors()[0]
    key = ".".join(str(part) for part in first["loc"]) or "(top level)"
    return f"{key}: {first['msg']}"


def load_policy(home: Path | None = None, *, defaults: Path | None = None) -> Policy:
    """The shipped policy, overridden key by key by `home/policy.toml` when it exists."""
    defaults = defaults or DATA_DIR / "policy.toml"
    raw = _read_toml(defaults)
    source = defaults
    if home is not None:
        override_path = home / "policy.toml"
        if override_path.exists():
            raw = _merge(raw, _read_toml(override_path))
            source = override_path
    try:
        return Policy.model_validate(raw)
    except ValidationError as error:
        raise PolicyError(f"{source}: {_describe(error)}") from None


def default_policy() -> Policy:
    return load_policy(None)
