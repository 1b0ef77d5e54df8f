"""`mash serve`: the desk in a browser tab, one app process per tab, for people who never open a terminal.

Each tab runs `python -m mash_tui --home HOME` (through `mash_tui.web.desk_session`, which ends it
if the server dies): the same app, with its own sign-in, idle lock and audit. A shared database reaches the tabs through the inherited `MASH_SHARED_DB` rather than on
their command line, where every user of the machine could read its password with `ps`.
"""

from __future__ import annotations

import argparse
import ipaddress
import os
import sys
from urllib.parse import urlsplit

from mash_tui.commands.common import home_of
from mash_tui.errors import UserError

LOOPBACK = "127.0.0.1"
DEFAULT_PORT = 8000
# Listening on every interface: only with `--host` given, and with the URL browsers will open.
EVERY_INTERFACE = frozenset({"0.0.0.0", "::"})


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "serve",
        help="serve the desk to browsers (one app per tab; this machine only unless --host says otherwise)",
        description="Serve the desk to web browsers: each tab gets its own app, sign-in and idle lock. "
                    "Ctrl+C stops the server and every session it started.",
    )
    parser.add_argument("--host", default=None,
                        help=f"address to listen on (default {LOOPBACK}, this machine only); any other "
                             "address needs a reverse proxy with TLS in front")
    parser.add_argument("--port", type=int, default=DEFAULT_PORT, help=f"port to listen on (default {DEFAULT_PORT})")
    parser.add_argument("--public-url", metavar="URL",
                        help="the address people open, when it is not http://HOST:PORT "
                             "(e.g. https://desk.hub.example behind a reverse proxy)")
    parser.set_defaults(handler=_run)


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def listening_address(host: str | None) -> str:
    """The address to bind: loopback unless `--host` names another, which is then checked."""
    if host is None:
        return LOOPBACK
    host = host.strip()
    if not host:
        # aiohttp would read an empty host as every interface.
        raise UserError("--host: give an address (127.0.0.1 for this machine only)")
    return host


def public_url_of(host: str, port: int, public_url: str | None) -> str:
    if public_url is not None:
        parts = urlsplit(public_url)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise UserError(f"--public-url: not an http(s) address: {public_url}")
        if parts.query or parts.fragment:
            raise UserError(f"--public-url: no query or fragment, just the address: {public_url}")
        return public_url.rstrip("/")
    if host in EVERY_INTERFACE:
        raise UserError(f"--host {host} listens on every interface: give --public-url, the address browsers "
                        "open (the reverse proxy's https:// address)")
    shown = f"[{host}]" if ":" in host else host
    return f"http://{shown}:{port}"


def exposure_warning(host: str) -> str | None:
    """What an operator must hear before the desk listens beyond this machine."""
    if is_loopback(host):
        return None
    return (f"mash serve: listening on {host}, not only on this machine. This server speaks plain http: "
            "passwords and case data cross the network unencrypted unless a reverse proxy with TLS "
            "(https) stands in front of it and is the only way in. See the README, 'The desk in a browser'.")


def session_command(home: str) -> list[str]:
    """What each tab runs: this Python, the desk on this home, ended if this server dies. A list, never a shell line."""
    return [sys.executable, "-m", "mash_tui.web.desk_session", str(os.getpid()), "--home", home]


def _run(args: argparse.Namespace) -> int:
    host = listening_address(args.host)
    if not 1 <= args.port <= 65535:
        raise UserError(f"--port: must be 1 to 65535, not {args.port}")
    public_url = public_url_of(host, args.port, args.public_url)
    home = home_of(args)
    _migrate_once(home)
    warning = exposure_warning(host)
    if warning:
        print(warning, file=sys.stderr)

    from mash_tui.web.server import DeskServer

    def announce(url: str) -> None:
        print(f"MASH Desk in the browser: {url} (store {home}); Ctrl+C stops it and every session.", flush=True)

    server = DeskServer(session_command(str(home)), host=host, port=args.port, public_url=public_url,
                        announce=announce)
    server.serve_until_stopped()
    return 0


def _migrate_once(home) -> None:  # noqa: ANN001 - Path
    """Bring the store up to date before any tab opens, so two tabs starting together never both migrate it."""
    from mash_tui.config import PolicyError
    from mash_tui.services.context import open_context

    try:
        ctx = open_context(home)
    except PolicyError as error:
        raise UserError(str(error)) from None
    ctx.store.dispose()
