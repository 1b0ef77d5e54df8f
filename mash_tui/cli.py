"""The `mash` command line: the same services as the screens, for scripting and testing.

Every command module under `mash_tui.commands` registers its sub-parsers. Bad input exits 2 with
one line naming what was wrong; nothing is written.
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import sys
from collections.abc import Sequence
from typing import Any, NoReturn

from mash_tui.errors import UserError
from mash_tui.printable import JSON_ESCAPES, PrintableStream, printable

EXIT_USAGE = 2

# Imported lazily so `mash --help` and the app's start-up do not pay for every command.
COMMAND_MODULES = (
    "app",
    "users",
    "demo",
    "due",
    "rag",
    "persons",
    "contacts",
    "clocks",
    "queue_actions",
    "audit",
    "sync",
    "requests",
    "policy",
    "serve",
)


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message}\n")


class _NotTheApp(Exception):
    pass


class _QuietParser(argparse.ArgumentParser):
    """Leaves every complaint to the full parser, which knows the commands and says it once."""

    def error(self, message: str) -> NoReturn:
        raise _NotTheApp(message)


def _global_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--home", help="directory of the local store (default: $MASH_HOME or the user data dir)")
    parser.add_argument("--shared", help="URL of the shared PostgreSQL database (or $MASH_SHARED_DB)")


def _opening_the_app(argv: Sequence[str]) -> argparse.Namespace | None:
    """`mash [--home DIR] [--shared URL] [app]`, read without building every command's parser.

    Building them all takes about 50 ms, a third of the app's start-up; an officer opening the
    desk for a call should not wait for the command line's help texts.
    """
    quick = _QuietParser(prog="mash", add_help=False)
    _global_options(quick)
    try:
        args, rest = quick.parse_known_args(argv)
    except _NotTheApp:
        return None
    if rest not in ([], ["app"]):
        return None
    from mash_tui.commands.app import _run

    args.command = "app"
    args.handler = _run
    return args


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="mash", description="MASH Desk: the front door of children's social care.")
    _global_options(parser)
    subparsers = parser.add_subparsers(dest="command", parser_class=_Parser, metavar="COMMAND")
    for name in COMMAND_MODULES:
        importlib.import_module(f"mash_tui.commands.{name}").register(subparsers)
    return parser


def fail(message: str) -> NoReturn:
    # Errors quote what was typed; a name holding an escape sequence must not act on the terminal.
    print(f"mash: error: {printable(message, multiline=True)}", file=sys.stderr)
    raise SystemExit(EXIT_USAGE)


def print_json(value: Any) -> None:
    """One line of UTF-8 JSON; text people typed goes out exactly as typed."""
    # JSON escapes C0 itself; C1, DEL, bidirectional controls and line separators go out as \u
    # escapes too: the same text once decoded, but inert on a terminal and one line to `splitlines`.
    sys.stdout.write(json.dumps(value, ensure_ascii=False, default=str).translate(JSON_ESCAPES) + "\n")


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    args = _opening_the_app(argv)
    if args is None:
        parser = build_parser()
        args = parser.parse_args(argv)
        if getattr(args, "handler", None) is None:
            args = parser.parse_args([*argv, "app"]) if args.command is None else args
    handler = args.handler
    stdout, stderr = sys.stdout, sys.stderr
    if args.command != "app":
        # Messages quote what files and people typed (a field name, a user name): stderr is
        # sanitised like stdout, so an escape sequence in a JSON key never reaches the terminal.
        sys.stdout = PrintableStream(stdout)  # type: ignore[assignment]
        sys.stderr = PrintableStream(stderr)  # type: ignore[assignment]
    try:
        if args.command != "app":
            # The app builds its settings in its start-up worker: its first frame does not wait for them.
            args.settings = _settings(args)
        result = handler(args)
    except UserError as error:
        fail(str(error))
    except KeyboardInterrupt:
        print("mash: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # `mash ... | head` closed the pipe: the reader has what it wanted.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 0
    finally:
        sys.stdout, sys.stderr = stdout, stderr
    if args.command != "app" and args.settings.shared_url:
        return _after_sending(int(result or 0))
    return int(result or 0)


def _settings(args: argparse.Namespace):  # noqa: ANN202 - mash_tui.config.Settings
    """This run's settings: `--home` and `--shared` over the environment. Built once, for every command."""
    from mash_tui.config import Settings

    return Settings.from_environment(home=args.home, shared=args.shared)


def _after_sending(status: int) -> int:
    from mash_tui.commands.common import send_what_this_run_queued

    refusals, waiting = send_what_this_run_queued()
    for reason in refusals:
        print(f"mash: refused by the shared database: {printable(reason)}; undone here", file=sys.stderr)
    if waiting:
        saved = "1 change saved here waits" if waiting == 1 else f"{waiting} changes saved here wait"
        print(f"mash: the shared database did not answer: {saved} for the next sync", file=sys.stderr)
    return EXIT_USAGE if refusals else status


if __name__ == "__main__":
    raise SystemExit(main())
