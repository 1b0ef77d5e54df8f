"""`mash server init` and `mash server grant`: the shared database set up from the command line.

The schema and the logins themselves are the shared database's own code (`mash_tui.server`);
this is the client's side: reaching it, and saying what went wrong in one line.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from mash_tui.domain.codes import AGENCIES
from mash_tui.errors import UserError
from mash_tui.sync.connection import connect_shared
from mash_tui.sync.errors import SharedDatabaseUnavailable, first_line

if TYPE_CHECKING:
    from mash_tui.config import Settings
    from mash_tui.server.logins import GrantedLogin


def init_shared_database(url: str) -> tuple[str | None, str]:
    """Create or migrate the shared schema; the revisions before and after."""
    import psycopg

    from mash_tui.server.migrate import upgrade_shared

    try:
        return upgrade_shared(url)
    except psycopg.OperationalError as error:
        raise SharedDatabaseUnavailable(f"shared database unreachable: {first_line(error)}") from None
    except Exception as error:  # noqa: BLE001 - SQLAlchemy wraps the driver's error
        if isinstance(getattr(error, "orig", None), psycopg.OperationalError):
            raise SharedDatabaseUnavailable(f"shared database unreachable: {first_line(error.orig)}") from None
        raise


def grant_shared_login(url: str, settings: Settings, login: str, *, partner_agency: str | None = None,
                       password: str | None = None) -> GrantedLogin:
    """A hub login when `partner_agency` is None, else that agency's partner login."""
    import psycopg

    from mash_tui.server.logins import LoginRefused, grant_client_login, login_name_problem

    problem = login_name_problem(login)
    if problem:
        raise UserError(f"--login: {problem}")
    if partner_agency is not None and partner_agency not in AGENCIES:
        raise UserError(f"--partner {partner_agency!r}: use one of {', '.join(AGENCIES)}")
    if password is not None and not password:
        raise UserError("--password-env: the variable is empty; give the login a password or leave the option out")
    connection = connect_shared(url, settings)
    try:
        return grant_client_login(connection, login, kind="hub" if partner_agency is None else "partner",
                                  agency=partner_agency, password=password)
    except LoginRefused as refused:
        raise UserError(f"--login: {refused}") from None
    except psycopg.errors.InsufficientPrivilege as error:
        raise UserError(f"--url: this database user may not create or grant logins ({first_line(error)}); "
                        "connect as the shared database's owner with CREATEROLE, or as a superuser") from None
    except psycopg.OperationalError as error:
        raise SharedDatabaseUnavailable(f"shared database unreachable: {first_line(error)}") from None
    finally:
        connection.close()
