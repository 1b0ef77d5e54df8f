"""Users: adding them, listing them and checking who is at the keyboard."""

from __future__ import annotations

import re
import time
import tomllib
from datetime import timedelta
from functools import cache
from importlib import resources

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from mash_tui.clock import as_utc
from mash_tui.domain.codes import AGENCIES
from mash_tui.domain.roles import Actor, Role
from mash_tui.errors import PermissionRefused, UserError
from mash_tui.services.context import Context
from mash_tui.services.views import UserSummary
from mash_tui.store.audit_events import failed_sign_ins_since
from mash_tui.store.tables import AppUser
from mash_tui.store.unit_of_work import unit_of_work
from mash_tui.store.users import all_users, has_active_administrator, user_by_name

USERNAME_PATTERN = re.compile(r"^[a-z][a-z0-9._-]{1,39}$")
MIN_PASSWORD_LENGTH = 8
LOGIN_REFUSED = "User name or password not recognised (or the account is locked for a while)."

_hasher = PasswordHasher()
# Verified against when the user name is unknown, so a wrong name costs what a wrong password costs.
# Written out rather than hashed at import: hashing is the slow step argon2 is chosen for, and every
# command acting as a user imports this module. A test holds it to `_hasher`'s parameters.
_DUMMY_HASH = "$argon2id$v=19$m=65536,t=3,p=4$DHUD17WLXeTswnCxcHIXmw$nYE83RuqB/rLzPOYgRZiGUo4MMJC3qjU2/2+6bslyok"


class LoginRefused(UserError):
    """Deliberately vague: it never says whether the user name exists."""


def validate_new_user(username: str, role: str, agency: str | None, password: str) -> None:
    if not USERNAME_PATTERN.match(username):
        raise UserError(
            f"user name {username!r}: use 2-40 lower-case letters, digits, '.', '_' or '-', starting with a letter"
        )
    try:
        role_value = Role(role)
    except ValueError:
        raise UserError(f"role {role!r}: use one of {', '.join(r.value for r in Role)}") from None
    if role_value is Role.PARTNER and not agency:
        raise UserError("--agency: a partner user belongs to one agency")
    if role_value is not Role.PARTNER and agency:
        raise UserError("--agency: only partner users belong to an agency")
    if agency and agency not in AGENCIES:
        raise UserError(f"agency {agency!r}: use one of {', '.join(AGENCIES)}")
    if len(password) < MIN_PASSWORD_LENGTH:
        raise UserError(f"password: at least {MIN_PASSWORD_LENGTH} characters")
    if len(set(password)) == 1:
        raise UserError("password: one character repeated is guessed at once; choose another")
    if password.casefold() in common_passwords():
        raise UserError("password: one of the commonest passwords, tried first by anyone guessing; choose another")


@cache
def common_passwords() -> frozenset[str]:
    """The commonest passwords, shipped in the package (`mash_tui/data/common_passwords.toml`)."""
    text = resources.files("mash_tui").joinpath("data/common_passwords.toml").read_text(encoding="utf-8")
    return frozenset(word.casefold() for word in tomllib.loads(text)["passwords"])


# Each refused sign-in from this machine makes the next refusal wait longer: a quarter of a second,
# then twice as long each time, at most 4 s, until someone signs in here or the lockout window
# passes. A person mistyping hardly notices; a script guessing from this machine is slowed.
FIRST_FAILURE_DELAY_S = 0.25
LONGEST_FAILURE_DELAY_S = 4.0


def failure_delay_s(failures: int) -> float:
    """How long the `failures`-th refused sign-in in a row waits before it is answered."""
    if failures <= 0:
        return 0.0
    return min(FIRST_FAILURE_DELAY_S * 2 ** (failures - 1), LONGEST_FAILURE_DELAY_S)


def add_user(
    ctx: Context,
    loader: Actor,
    *,
    username: str,
    role: str,
    password: str,
    display_name: str | None = None,
    agency: str | None = None,
) -> UserSummary:
    validate_new_user(username, role, agency, password)
    display_name = display_name or username
    with unit_of_work(ctx.store, loader, ctx.clock) as uow:
        existing = user_by_name(uow.session, username)
        if existing is not None:
            raise UserError(f"user name {username!r} is already taken")
        user = AppUser(
            username=username,
            display_name=display_name,
            role=role,
            agency=agency,
            password_hash=_hasher.hash(password),
            created_at=uow.now,
        )
        uow.add(user)
        uow.audit("user.add", "app_user", user.id, details={"username": username, "role": role, "agency": agency})
        uow.mutate(
            "add_user.v1",
            {
                "id": user.id,
                "username": username,
                "display_name": display_name,
                "role": role,
                "agency": agency,
                "password_hash": user.password_hash,
            },
        )
    if ctx.shared is not None:
        # Hub-wide at once where the shared database answers; otherwise with the next sync.
        ctx.shared.send_now(ctx, loader)
    return UserSummary(username, display_name, role, agency, True)


def has_administrator(ctx: Context) -> bool:
    with ctx.store.reading() as session:
        return has_active_administrator(session)


# Who works at the hub, their roles and agencies, is for those who manage the hub.
_MAY_LIST_USERS = frozenset({Role.ADMIN.value, Role.SUPERVISOR.value})


def list_users_as(ctx: Context, actor: Actor) -> list[UserSummary]:
    """The hub's users for an administrator or a supervisor; refused and audited for anyone else."""
    with unit_of_work(ctx.store, actor, ctx.clock) as uow:
        if actor.role not in _MAY_LIST_USERS:
            uow.audit("permission.refused", "action", "user.list", details={"action": "user.list"})
            refused = True
        else:
            uow.audit("user.list", "app_user", None)
            refused = False
    if refused:
        raise PermissionRefused(f"a user with the role {actor.role} may not list the hub's users")
    return list_users(ctx)


def list_users(ctx: Context) -> list[UserSummary]:
    with ctx.store.reading() as session:
        users = all_users(session)
        return [UserSummary(u.username, u.display_name, u.role, u.agency, u.active) for u in users]


def authenticate(ctx: Context, username: str, password: str) -> Actor:
    """The actor for a right password; `LoginRefused` (audited) for anything else."""
    security = ctx.policy.security
    with unit_of_work(ctx.store, Actor(username or "(blank)", "anonymous"), ctx.clock) as uow:
        user = user_by_name(uow.session, username)
        now = uow.now
        locked = user is not None and user.locked_until is not None and as_utc(user.locked_until) > now
        password_ok = _verify(user.password_hash if user else _DUMMY_HASH, password)
        if user is None or not user.active or locked or not password_ok:
            details: dict[str, object] = {"username": username, "known_user": user is not None, "locked": locked}
            if user is not None and not locked:
                user.failed_attempts += 1
                if user.failed_attempts >= security.lockout_attempts:
                    user.locked_until = now + timedelta(minutes=security.lockout_minutes)
                    user.failed_attempts = 0
                    details["locked_now"] = True
                uow.add(user)
            uow.audit("login.failed", "app_user", user.id if user else None, details=details)
            uow.session.flush()
            window = now - timedelta(minutes=security.lockout_minutes)
            delay_s = failure_delay_s(failed_sign_ins_since(uow.session, window))
            failed = True
        else:
            user.failed_attempts = 0
            user.locked_until = None
            uow.add(user)
            uow.actor = Actor(user.username, user.role, user.agency, user.display_name)
            uow.audit("login.succeeded", "app_user", user.id)
            failed = False
    if failed:
        # Outside the transaction: the wait holds no lock on the store.
        time.sleep(delay_s)
        raise LoginRefused(LOGIN_REFUSED)
    return Actor(user.username, user.role, user.agency, user.display_name)


def _verify(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False
