"""The settings a run starts with: built once, from the command line and the environment, and passed down.

`Settings` says where the local store lives, which shared database it syncs with, how long sync
waits on the network, where the policy and the RAG rules come from, and the password given for
`--as` on the command line. It is the only reader of the environment in the project (a test scans
the source for it): everything below takes what it needs from the settings or the context.

The shipped policy is `mash_tui/data/policy.toml`; a hub overrides any key in `HOME/policy.toml`.
The shipped RAG rules are `mash_tui/data/rag_rules.toml`; a hub replaces them with
`HOME/rag_rules.toml`. Both are read here, once, and a bad file is refused with the file, the key
and the reason: the domain only parses the text it is given.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationError

from mash_tui.domain.policy import Policy
from mash_tui.errors import UserError
from mash_tui.paths import SHIPPED_POLICY, SHIPPED_RULES, default_home

if TYPE_CHECKING:
    from mash_tui.domain.rag import RuleSet

# What a hub keeps in its home in place of the shipped files; `mash policy publish` writes them there.
POLICY_FILE = "policy.toml"
RULES_FILE = "rag_rules.toml"

# The environment a run reads, and the setting each one gives.
HOME_ENV = "MASH_HOME"
SHARED_ENV = "MASH_SHARED_DB"
PASSWORD_ENV = "MASH_PASSWORD"
DEADLINE_ENV = "MASH_SYNC_DEADLINE_S"
_FIELD_SOURCES = {"home": f"--home or ${HOME_ENV}", "shared_url": f"--shared or ${SHARED_ENV}",
                  "sync_deadline_s": f"${DEADLINE_ENV}", "password": f"${PASSWORD_ENV}"}

# A statement the network swallowed is given up after the sync deadline. Connecting waits the same,
# but never longer than this: a database that answers at all answers a connection within seconds.
DEFAULT_SYNC_DEADLINE_S = 10.0
MAX_CONNECT_TIMEOUT_S = 5
# libpq counts whole seconds and treats anything under 2 as 2.
MIN_CONNECT_TIMEOUT_S = 2


class PolicyError(ValueError):
    """A policy file that cannot be used; the message names the file, key and reason."""


class SettingsError(UserError):
    """A setting from the command line or the environment that cannot be used; the message names it."""


class Settings(BaseModel):
    """What this run was started with. Built once at start-up; carried on the context."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    home: Path
    # The shared PostgreSQL database this store syncs with; None works from the local store alone.
    shared_url: str | None = None
    sync_deadline_s: float = Field(default=DEFAULT_SYNC_DEADLINE_S, gt=0, le=3600)
    # `--as USER` on the command line: the password, when the environment gives one.
    password: SecretStr | None = Field(default=None, repr=False)
    shipped_policy: Path = SHIPPED_POLICY
    shipped_rules: Path = SHIPPED_RULES

    @property
    def connect_timeout_s(self) -> int:
        """Seconds libpq may take to connect to the shared database."""
        return max(MIN_CONNECT_TIMEOUT_S, int(min(self.sync_deadline_s, MAX_CONNECT_TIMEOUT_S)))

    @property
    def rules_file(self) -> Path:
        """The hub's rules when its home has them, else the shipped ones."""
        override = self.home / RULES_FILE
        return override if override.exists() else self.shipped_rules

    def load_policy(self) -> Policy:
        """The policy in force in this home: the shipped one, overridden key by key by the hub's."""
        return load_policy(self.home, defaults=self.shipped_policy)

    def load_rules(self) -> RuleSet:
        """The RAG rules in force in this home."""
        return load_rules(self.rules_file)

    def password_text(self) -> str | None:
        return None if self.password is None else self.password.get_secret_value()

    @classmethod
    def from_environment(cls, *, home: str | os.PathLike[str] | None = None, shared: str | None = None,
                         environ: Mapping[str, str] | None = None) -> Settings:
        """`--home` wins, then `$MASH_HOME`, then the platform's user data directory; `--shared`
        wins over `$MASH_SHARED_DB`. An empty value counts as not given, except a password.
        """
        env = os.environ if environ is None else environ
        chosen_home = home or env.get(HOME_ENV)
        values: dict[str, object] = {
            "home": Path(chosen_home).expanduser() if chosen_home else default_home(),
            "shared_url": shared or env.get(SHARED_ENV) or None,
            "password": env.get(PASSWORD_ENV),
        }
        if env.get(DEADLINE_ENV):
            values["sync_deadline_s"] = env[DEADLINE_ENV]
        return cls.checked(**values)

    @classmethod
    def checked(cls, **values: object) -> Settings:
        """The settings, or SettingsError naming where the bad one came from."""
        try:
            return cls.model_validate(values)
        except ValidationError as error:
            first = error.errors()[0]
            name = str(first["loc"][0]) if first["loc"] else "(settings)"
            raise SettingsError(f"{_FIELD_SOURCES.get(name, name)}: {first['msg']}") from None


def environment_value(name: str, environ: Mapping[str, str] | None = None) -> str | None:
    """A variable the user named on the command line (`--password-env VAR`), read here as every other."""
    return (os.environ if environ is None else environ).get(name)


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
    defaults = defaults or SHIPPED_POLICY
    raw = _read_toml(defaults)
    source = defaults
    if home is not None:
        override_path = home / POLICY_FILE
        if override_path.exists():
            raw = _merge(raw, _read_toml(override_path))
            source = override_path
    try:
        return Policy.model_validate(raw)
    except ValidationError as error:
        raise PolicyError(f"{source}: {_describe(error)}") from None


def default_policy() -> Policy:
    return load_policy(None)


def load_rules(path: Path | None = None) -> RuleSet:
    """The rules file at `path`, or the shipped defaults; RulesError names the file and the rule."""
    from mash_tui.domain.rag import RulesError, parse_rules

    path = path or SHIPPED_RULES
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        raise RulesError(f"{path}: cannot be read: {error.strerror or error}") from None
    except UnicodeDecodeError:
        raise RulesError(f"{path}: cannot be read: not UTF-8 text") from None
    try:
        return parse_rules(text)
    except RulesError as error:
        raise RulesError(f"{path}: {error}") from None
