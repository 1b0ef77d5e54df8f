"""`mash contacts import|export|list|show`: contacts in the `mash.contact/1` exchange format.

Every one of them reads or writes case data, so each acts as a signed-in user (`--as`) and is
audited like the same action in the app.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
from datetime import datetime, time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mash_tui.cli import EXIT_USAGE, print_json
from mash_tui.commands.common import add_acting_argument
from mash_tui.errors import UserError

if TYPE_CHECKING:
    from mash_tui.services.views import ContactView

EXPORT_FORMAT = (
    "JSON lines: one mash.contact/1 record per line, UTF-8, oldest received first; "
    "`mash contacts import` reads it back unchanged"
)


def register(subparsers: argparse._SubParsersAction) -> None:
    group = subparsers.add_parser("contacts", help="import, export, list and show contacts (mash.contact/1)")
    actions = group.add_subparsers(dest="contacts_command", metavar="ACTION", required=True)

    loader = actions.add_parser(
        "import",
        help="store contacts from a file, all or nothing",
        description=(
            "Store mash.contact/1 objects from a JSON array or JSON lines as submitted contacts, each "
            "with a new reference. One invalid object stores nothing: every problem is named on "
            "standard error with the object's index (from 0) and the field, and the exit code is 2."
        ),
    )
    loader.add_argument("file", metavar="FILE", help="contacts as a JSON array or JSON lines; - reads standard input")
    loader.add_argument("--json", action="store_true", help="print one JSON line per stored contact")
    add_acting_argument(loader)
    loader.set_defaults(handler=_import)

    exporter = actions.add_parser(
        "export",
        help="write contacts as mash.contact/1 JSON lines",
        description=f"Write the latest version of every contact as {EXPORT_FORMAT}.",
    )
    exporter.add_argument(
        "--since",
        metavar="ISO",
        help="only contacts received at or after this time (ISO 8601 with an offset, or a date: "
        "midnight Europe/London)",
    )
    exporter.add_argument(
        "--out", metavar="FILE", help="write to this new file instead of standard output (an existing one is refused)"
    )
    exporter.add_argument("--force", action="store_true", help="with --out, replace the file if it exists")
    add_acting_argument(exporter)
    exporter.set_defaults(handler=_export)

    listing = actions.add_parser("list", help="list contacts, newest received first")
    listing.add_argument("--json", action="store_true", help="one JSON line per contact")
    listing.add_argument("--since", metavar="ISO", help="only contacts received at or after this time")
    add_acting_argument(listing)
    listing.set_defaults(handler=_list)

    showing = actions.add_parser("show", help="show one contact: its record, recommendation and versions")
    showing.add_argument("reference", metavar="REF", help="the contact's reference, e.g. C-ABCD-00001")
    showing.add_argument("--json", action="store_true", help="print one JSON object")
    add_acting_argument(showing)
    showing.set_defaults(handler=_show)


def _signed_in(args: argparse.Namespace):  # noqa: ANN202 - (Context, Actor)
    from mash_tui.commands.common import acting_user, context_of

    ctx = context_of(args)
    return ctx, acting_user(args, ctx)


def _import(args: argparse.Namespace) -> int:
    from mash_tui.services.contacts import ContactInvalid, import_contacts

    ctx, actor = _signed_in(args)
    text = _read_text(args.file, ctx.policy.limits.max_import_bytes)
    try:
        stored = import_contacts(ctx, actor, text)
    except ContactInvalid as invalid:
        for problem in invalid.problems:
            print(f"mash: error: {problem}", file=sys.stderr)
        raise SystemExit(EXIT_USAGE) from None
    for index, view in enumerate(stored):
        if args.json:
            print_json({"index": index, "reference": view.reference, "recommended_rag": view.recommended_rag})
    if not args.json:
        print(f"stored {len(stored)} contact{'s' if len(stored) != 1 else ''}"
              + (f": {stored[0].reference} to {stored[-1].reference}" if stored else ""))
    return 0


def _export(args: argparse.Namespace) -> int:
    from mash_tui.services.contacts import export_contacts

    since = _moment(args.since) if args.since else None
    if args.out:
        _refuse_to_overwrite(Path(args.out), force=args.force)
    ctx, actor = _signed_in(args)
    lines = as_json_lines(export_contacts(ctx, actor, since=since))
    if args.out:
        _write_atomically(Path(args.out), lines, replace=args.force)
    else:
        sys.stdout.write(lines)
    return 0


# Characters that some readers take for the end of a line; inside a JSON string they may be
# escaped, so each record stays on its one line whatever a person typed.
_LINE_BREAKERS = {"\u2028": "\\u2028", "\u2029": "\\u2029", "\x85": "\\u0085"}


def as_json_lines(records: list[dict[str, Any]]) -> str:
    lines = []
    for record in records:
        line = json.dumps(record, ensure_ascii=False)
        for breaker, escaped in _LINE_BREAKERS.items():
            line = line.replace(breaker, escaped)
        lines.append(line + "\n")
    return "".join(lines)


def _list(args: argparse.Namespace) -> int:
    from mash_tui.clock import to_local
    from mash_tui.services.contacts import browse_contacts

    since = _moment(args.since) if args.since else None
    ctx, actor = _signed_in(args)
    for view in browse_contacts(ctx, actor, since=since):
        if args.json:
            print_json(_summary(view))
        else:
            received = to_local(view.received_at).strftime("%Y-%m-%d %H:%M")
            print(f"{view.reference}  v{view.version}  {received}  {view.recommended_rag:<5}  {view.children}")
    return 0


def _show(args: argparse.Namespace) -> int:
    from mash_tui.services.contacts import contact_versions, get_contact

    ctx, actor = _signed_in(args)
    current = get_contact(ctx, actor, args.reference)
    versions = contact_versions(ctx, actor, args.reference)
    answer = {
        **_summary(current),
        "rules": current.rules,
        "reasons": current.reasons,
        "flags": current.flags,
        "versions": [
            {"version": view.version, "submitted_at": view.submitted_at.isoformat(), "author": view.author,
             "superseded": view.superseded}
            for view in versions
        ],
        "record": current.record,
    }
    if args.json:
        print_json(answer)
        return 0
    print(f"{current.reference} version {current.version} of {len(versions)}: {current.children}")
    print(f"recommended {current.recommended_rag}")
    for rule, reason in zip(current.rules, current.reasons, strict=False):
        print(f"  {rule}  {reason}")
    print(json.dumps(current.record, ensure_ascii=False, indent=2))
    return 0


def _summary(view: ContactView) -> dict[str, Any]:
    return {
        "reference": view.reference,
        "version": view.version,
        "author": view.author,
        "received_at": view.received_at.isoformat(),
        "submitted_at": view.submitted_at.isoformat(),
        "children": view.children,
        "recommended_rag": view.recommended_rag,
    }


def _moment(text: str) -> datetime:
    from mash_tui.clock import LONDON

    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise UserError(f"--since {text!r}: not an ISO 8601 time such as 2026-11-24T09:00:00+00:00") from None
    if len(text) == 10:
        return datetime.combine(moment.date(), time(0), tzinfo=LONDON)
    if moment.utcoffset() is None:
        raise UserError(f"--since {text!r}: give the offset from UTC, such as +00:00")
    return moment


def _read_text(name: str, max_bytes: int) -> str:
    try:
        if name == "-":
            data = sys.stdin.buffer.read(max_bytes + 1)
        else:
            path = Path(name)
            if not path.exists():
                raise UserError(f"{path}: no such file")
            if path.is_dir():
                raise UserError(f"{path}: is a directory, not a file of contacts")
            with path.open("rb") as handle:
                data = handle.read(max_bytes + 1)
    except OSError as error:
        raise UserError(f"{name}: cannot be read: {error.strerror}") from None
    if len(data) > max_bytes:
        raise UserError(f"{name}: larger than the import limit of {max_bytes} bytes")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        raise UserError(f"{name}: not UTF-8 text") from None


def _refuse_to_overwrite(path: Path, *, force: bool) -> None:
    """Checked before anything is read, so a refused export neither reads nor audits anything."""
    if path.is_dir():
        raise UserError(f"--out {path}: is a directory")
    if path.exists() and not force:
        raise UserError(f"--out {path}: the file exists; give --force to replace it")


def _write_atomically(path: Path, text: str, *, replace: bool) -> None:
    """The whole export or none of it: a half-written file of case data helps nobody.

    Written to a temporary file beside `path`, then renamed into place; without `replace` the
    rename is a hard link, which fails rather than overwrite a file that appeared meanwhile.
    """
    directory = path.parent if str(path.parent) else Path(".")
    try:
        handle = tempfile.NamedTemporaryFile("w", encoding="utf-8", dir=directory, delete=False,
                                             prefix=f".{path.name}.", suffix=".part")
    except OSError as error:
        raise UserError(f"{path}: cannot be written: {error.strerror}") from None
    try:
        with handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(handle.name, 0o600)
        if replace:
            os.replace(handle.name, path)
        else:
            _move_without_overwriting(Path(handle.name), path)
    except FileExistsError:
        Path(handle.name).unlink(missing_ok=True)
        raise UserError(f"--out {path}: the file exists; give --force to replace it") from None
    except OSError as error:
        Path(handle.name).unlink(missing_ok=True)
        raise UserError(f"{path}: cannot be written: {error.strerror}") from None


def _move_without_overwriting(temporary: Path, path: Path) -> None:
    try:
        os.link(temporary, path)
    except FileExistsError:
        raise
    except OSError:
        # A file system without hard links: the check and the rename are then two steps.
        if path.exists():
            raise FileExistsError(path) from None
        os.replace(temporary, path)
        return
    temporary.unlink()
