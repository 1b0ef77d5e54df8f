"""`mash server grant`: a database login for a hub or partner machine, from the command line."""

from __future__ import annotations

from mash_tui.domain.codes import AGENCIES
from mash_tui.errors import UserError
from mash_tui.server.logins import GrantedLogin


def grant_shared_login(url: str, login: str, *, partner_agency: str | None = None,
                       password: str | None = None) -> GrantedLogin:
    """A hub login when `partner_agency` is None, else that agency's partner login."""
    import psycopg

    from mash_tui.server.logins import LoginRefused, grant_client_login, login_name_problem
    from mash_tui.services.sync import SharedDatabaseUnavailable, connect_shared, first_line

    problem = login_name_problem(login)
    if problem:
        raise UserError(f"--login: {problem}")
    if partner_agency is not None and partner_agency not in AGENCIES:
        raise UserError(f"--partner {partner_agency!r}: use one of {', '.join(AGENCIES)}")
    if password is not None and not password:
        raise UserError("--password-env: the variable is empty; give the login a password or leave the option out")
    connection = connect_shared(url)
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

