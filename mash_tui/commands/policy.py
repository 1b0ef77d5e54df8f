"""`mash policy publish` and `mash policy publish-rules`: the hub's policy and RAG rules, to every machine."""

from __future__ import annotations

import argparse
from pathlib import Path

from mash_tui.cli import print_json
from mash_tui.commands.common import add_acting_argument
from mash_tui.errors import UserError


def register(subparsers: argparse._SubParsersAction) -> None:
    policy = subparsers.add_parser("policy", help="the hub's policy and RAG rules")
    actions = policy.add_subparsers(dest="policy_command", metavar="ACTION", required=True)
    for name, kind, what in (("publish", "policy", "policy.toml (timescales, calendar, limits)"),
                             ("publish-rules", "rag_rules", "rag_rules.toml (the RAG rules)")):
        publish = actions.add_parser(
            name, help=f"check a {what} and send it to every machine through the shared database",
            description=f"Check {what} and publish it hub-wide. Every machine writes it to its home on its "
                        "next sync and uses it from its next start. A bad file is refused naming the key.",
        )
        publish.add_argument("file", type=Path, help="the TOML file")
        add_acting_argument(publish)
        publish.add_argument("--json", action="store_true")
        publish.set_defaults(handler=_publish, kind=kind)


def _publish(args: argparse.Namespace) -> int:
    from mash_tui.commands.common import acting_user, context_of
    from mash_tui.services.authz import require
    from mash_tui.sync.reference_load import load_and_share

    path: Path = args.file
    if not path.is_file():
        raise UserError(f"{path}: no such file")
    if path.stat().st_size > 1_000_000:
        raise UserError(f"{path}: larger than 1000000 bytes; a policy file is a few kilobytes")
    ctx = context_of(args)
    actor = acting_user(args, ctx)
    require(ctx, actor, "policy.manage")
    shared = load_and_share(ctx, actor, args.kind, path)
    if args.json:
        print_json({"file": str(path), "kind": args.kind, "batch": shared.seq})
    else:
        print(f"published {path.name} as batch {shared.seq}; every machine uses it from its next start")
    return 0
