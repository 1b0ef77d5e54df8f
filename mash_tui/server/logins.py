"""Client logins: the PostgreSQL role a machine connects as, a hub's or a partner agency's.

A login is a member of one group role (which holds the privileges, see migration s0003) and is
recorded in `client_login`, with the agency of a partner. Roles are cluster-wide, the record is per
database: granting the same login on a second shared database records it there too.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import psycopg

HUB_GROUP = "mash_hub_client"
PARTNER_GROUP = "mash_partner_client"
GROUP_OF_KIND = {"hub": HUB_GROUP, "partner": PARTNER_GROUP}
# Lower case, so the name typed here is the name in a connection URL, without quoting.
LOGIN_NAME = re.compile(r"[a-z_][a-z0-9_]{0,62}")
# Two grants of one login at once take turns rather than race on CREATE ROLE.
GRANT_LOCK = 0x6D677274


class LoginRefused(Exception):
    """The login cannot be a client login; the message says why, naming the login."""


@dataclass(frozen=True)
class GrantedLogin:
    login: str
    kind: str
    agency: str | None
    created: bool

    def describe(self) -> str:
        what = "a hub machine" if self.kind == "hub" else f"a partner machine of {self.agency}"
        return f"login {self.login} {'created' if self.created else 'updated'}: syncs as {what}"


def login_name_problem(name: str) -> str | None:
    """Why `name` cannot be a client login's name, or None."""
    if not LOGIN_NAME.fullmatch(name):
        return f"{name!r}: use lower-case letters, digits and _ (at most 63, not starting with a digit)"
    if name in GROUP_OF_KIND.values() or name.startswith("pg_") or name == "postgres":
        return f"{name!r} is reserved"
    return None


def grant_client_login(connection: psycopg.Connection, login: str, *, kind: str, agency: str | None = None,
                       password: str | None = None) -> GrantedLogin:
    """Create `login` if missing, make it a member of the kind's group only, and record it. Idempotent."""
    import psycopg

    assert kind in GROUP_OF_KIND and (kind == "partner") == (agency is not None)
    problem = login_name_problem(login)
    if problem:
        raise LoginRefused(problem)
    try:
        return _grant(connection, login, kind, agency, password)
    except (psycopg.errors.DuplicateObject, psycopg.errors.UniqueViolation):
        # Created by a grant on another database of the cluster at the same moment (the lock is
        # per database): it exists now, and a second pass alters it instead.
        return _grant(connection, login, kind, agency, password)


def _grant(connection: psycopg.Connection, login: str, kind: str, agency: str | None,
           password: str | None) -> GrantedLogin:
    from psycopg import sql

    with connection.transaction():
        if connection.execute("SELECT to_regclass('client_login')").fetchone()[0] is None:
            raise LoginRefused("the shared database has no client logins yet: run `mash server init` first")
        connection.execute("SELECT pg_advisory_xact_lock(%s)", (GRANT_LOCK,))
        existing = connection.execute(
            "SELECT rolsuper OR rolbypassrls, "
            "       EXISTS (SELECT 1 FROM pg_tables WHERE schemaname = 'public' AND tableowner = rolname) "
            "FROM pg_roles WHERE rolname = %s",
            (login,),
        ).fetchone()
        if existing is not None and existing[0]:
            raise LoginRefused(f"{login} is a superuser or bypasses row-level security: it cannot be held to a cap")
        if existing is not None and existing[1]:
            raise LoginRefused(f"{login} owns the shared tables: row-level security does not hold their owner")
        role = sql.Identifier(login)
        secret = sql.SQL("")
        if password is not None:
            # Hashed here with the server's method, so the password itself never crosses the wire or a log.
            hashed = connection.pgconn.encrypt_password(password.encode(), login.encode())
            secret = sql.SQL(" PASSWORD {}").format(sql.Literal(hashed.decode()))
        verb = "ALTER" if existing is not None else "CREATE"
        connection.execute(sql.SQL(verb + " ROLE {} LOGIN{}").format(role, secret))
        group = GROUP_OF_KIND[kind]
        connection.execute(sql.SQL("GRANT {} TO {}").format(sql.Identifier(group), role))
        for other in GROUP_OF_KIND.values():
            if other != group and _is_direct_member(connection, login, other):
                connection.execute(sql.SQL("REVOKE {} FROM {}").format(sql.Identifier(other), role))
        _allow_connecting(connection)
        connection.execute(
            "INSERT INTO client_login (login_role, kind, agency) VALUES (%s, %s, %s) "
            "ON CONFLICT (login_role) DO UPDATE SET kind = excluded.kind, agency = excluded.agency, granted_at = now()",
            (login, kind, agency),
        )
    return GrantedLogin(login, kind, agency, created=existing is None)


def _is_direct_member(connection: psycopg.Connection, login: str, group: str) -> bool:
    return connection.execute(
        "SELECT EXISTS (SELECT 1 FROM pg_auth_members m JOIN pg_roles g ON g.oid = m.roleid "
        "JOIN pg_roles u ON u.oid = m.member WHERE g.rolname = %s AND u.rolname = %s)",
        (group, login),
    ).fetchone()[0]


def _allow_connecting(connection: psycopg.Connection) -> None:
    """A database's own privileges are not copied from its template: grant them where they are missing."""
    from psycopg import sql

    for group in GROUP_OF_KIND.values():
        allowed = connection.execute(
            "SELECT has_database_privilege(%s, current_database(), 'CONNECT') "
            "AND has_database_privilege(%s, current_database(), 'TEMPORARY')",
            (group, group),
        ).fetchone()[0]
        if not allowed:
            database = connection.execute("SELECT current_database()").fetchone()[0]
            connection.execute(sql.SQL("GRANT CONNECT, TEMPORARY ON DATABASE {} TO {}").format(
                sql.Identifier(database), sql.Identifier(group)))
