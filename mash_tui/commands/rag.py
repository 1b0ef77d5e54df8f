"""`mash rag FILE`: the RAG recommendation for each contact in a file, without storing anything.

Stateless by design (DOMAIN.md section 8): no store is opened, so there is no repeat-contact raise.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from mash_tui.cli import EXIT_USAGE, print_json
from mash_tui.errors import UserError

if TYPE_CHECKING:
    from mash_tui.domain.contact import Contact
    from mash_tui.domain.rag import Recommendation


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "rag",
        help="recommend a RAG rating for each contact in a file",
        description=(
            "Evaluate mash.contact/1 objects (a JSON array or JSON lines) against the RAG rules and "
            "print each recommendation with its reasons. Nothing is stored. The rules are "
            "$MASH_HOME/rag_rules.toml when it exists, otherwise the shipped defaults."
        ),
    )
    parser.add_argument("file", metavar="FILE", help="contacts as a JSON array or JSON lines; - reads standard input")
    parser.add_argument("--json", action="store_true", help="print one JSON line per contact")
    parser.add_argument("--rules", metavar="RULES", help="use this rules file instead")
    parser.set_defaults(handler=run_rag)


def run_rag(args: argparse.Namespace) -> int:
    # Imported here so building the parser for other commands stays cheap.
    from mash_tui.clock import SystemClock
    from mash_tui.commands.common import settings_of
    from mash_tui.config import PolicyError, load_rules
    from mash_tui.domain.contact import ContactFileError, parse_contacts
    from mash_tui.domain.limits import check_field_sizes
    from mash_tui.domain.rag import RulesError, recommend

    settings = settings_of(args)
    try:
        policy = settings.load_policy()
    except PolicyError as error:
        raise UserError(str(error)) from None
    try:
        rules = load_rules(Path(args.rules)) if args.rules else settings.load_rules()
    except RulesError as error:
        raise UserError(str(error)) from None

    text = _read_contacts(args.file, policy.limits.max_import_bytes)
    try:
        contacts = parse_contacts(text, now=SystemClock().now())
        check_field_sizes(contacts, policy.limits.max_field_chars)
    except ContactFileError as error:
        for problem in error.problems:
            print(f"mash: error: {problem}", file=sys.stderr)
        raise SystemExit(EXIT_USAGE) from None

    months = policy.rag.non_mobile_under_months
    for index, contact in enumerate(contacts):
        found = recommend(contact, rules, non_mobile_under_months=months)
        if args.json:
            print_json(
                {
                    "index": index,
                    "rag": found.rag.value,
                    "rules": list(found.rules),
                    "reasons": list(found.reasons),
                    "flags": list(found.flags),
                }
            )
        else:
            _print_summary(index, contact, found)
    return 0


def _read_contacts(name: str, max_bytes: int) -> str:
    try:
        data = sys.stdin.buffer.read(max_bytes + 1) if name == "-" else _read_file(Path(name), max_bytes)
    except OSError as error:
        raise UserError(f"{name}: cannot be read: {error.strerror}") from None
    if len(data) > max_bytes:
        raise UserError(f"{name}: larger than the import limit of {max_bytes} bytes")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        raise UserError(f"{name}: not UTF-8 text") from None


def _read_file(path: Path, max_bytes: int) -> bytes:
    if not path.exists():
        raise UserError(f"{path}: no such file")
    if path.is_dir():
        raise UserError(f"{path}: is a directory, not a file of contacts")
    with path.open("rb") as handle:
        return handle.read(max_bytes + 1)


def _print_summary(index: int, contact: Contact, found: Recommendation) -> None:
    children = ", ".join(child.display_name for child in contact.children)
    from mash_tui.domain.contact import LONDON

    received = f"{contact.received_at.astimezone(LONDON):%Y-%m-%d %H:%M %Z}"
    print(f"Contact {index} ({children}; received {received}): {found.rag.value}")
    if not found.rules:
        print("  no concern recorded and no rule fired")
    for rule_id, reason in zip(found.rules, found.reasons, strict=True):
        print(f"  {rule_id}  {reason}")
    if found.flags:
        print(f"  flags: {', '.join(found.flags)}")
