"""`mash persons import`, `mash involvements import` and `mash lookup` (DOMAIN.md section 7).

Imports are all or nothing: a bad row exits 2 naming its line and column, and nothing is stored.
`mash lookup --batch` answers one JSON line per query line, in file order; a value that cannot be
read (a DOB of 31/02/2010) is searched as if empty and named in that answer's `warnings`.
"""

from __future__ import annotations

import argparse
import csv
import gc
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from mash_tui.cli import print_json
from mash_tui.commands.common import add_acting_argument
from mash_tui.errors import UserError

QUERY_COLUMNS = ("query_id", "first_name", "last_name", "dob", "sex", "address", "postcode")
_DETAIL_FLAGS = (
    ("first", "first_name", "first name"),
    ("last", "last_name", "last name (surname)"),
    ("dob", "dob", "date of birth: YYYY-MM-DD or DD/MM/YYYY"),
    ("sex", "sex", "F, M, U, female, male or unknown"),
    ("postcode", "postcode", "postcode"),
    ("address", "address", "address"),
)


def register(subparsers: argparse._SubParsersAction) -> None:
    for noun, what, handler in (
        ("persons", "the case system's people", _import_persons),
        ("involvements", "people's involvements with children's services", _import_involvements),
    ):
        group = subparsers.add_parser(noun, help=f"load {what}")
        actions = group.add_subparsers(dest=f"{noun}_command", metavar="ACTION", required=True)
        loader = actions.add_parser(
            "import",
            help=f"import {what} from CSV, all or nothing (DOMAIN.md section 7)",
            description=f"Import {what} from CSV. A bad row stores nothing and names its line and column.",
        )
        loader.add_argument("file", type=Path, help="the CSV file")
        loader.add_argument("--json", action="store_true", help="print the counts as JSON")
        loader.set_defaults(handler=handler)

    finder = subparsers.add_parser(
        "lookup",
        help="find who a person may be among known people and earlier contacts",
        description="Find the people a description most likely is: score, band and reasons, best first.",
    )
    for flag, _column, help_text in _DETAIL_FLAGS:
        finder.add_argument(f"--{flag}", help=help_text)
    finder.add_argument(
        "--batch",
        type=Path,
        metavar="QUERIES.csv",
        help="answer every line of a CSV with columns " + ",".join(QUERY_COLUMNS),
    )
    finder.add_argument("--json", action="store_true", help="one JSON object per query")
    add_acting_argument(finder)
    finder.set_defaults(handler=_lookup)


# --- imports ----------------------------------------------------------------------------------


@contextmanager
def _progress_bar(label: str) -> Iterator[Callable[[int, int], None] | None]:
    """A progress bar on a terminal; nothing when standard error is a file or a pipe."""
    if not sys.stderr.isatty():
        yield None
        return
    from rich.console import Console
    from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TimeRemainingColumn

    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        DownloadColumn(),
        TimeRemainingColumn(),
        # The terminal itself, not the sanitising stream: the bar's own escape codes must act.
        console=Console(file=sys.__stderr__),
        transient=True,
    ) as progress:
        task = progress.add_task(label, total=None)

        def advance(done: int, total: int) -> None:
            progress.update(task, completed=done, total=total)

        yield advance


def _readable(path: Path, args: argparse.Namespace) -> Path:
    """The file, if it is there and within the policy's import limit (checked before the store opens)."""
    from mash_tui.commands.common import settings_of
    from mash_tui.config import PolicyError
    from mash_tui.domain.limits import file_too_large

    if not path.is_file():
        raise UserError(f"{path}: no such file")
    try:
        limit = settings_of(args).load_policy().limits.max_import_bytes
    except PolicyError as error:
        raise UserError(str(error)) from None
    size = path.stat().st_size
    if size > limit:
        raise UserError(file_too_large(path, size, limit))
    return path


def _load(args: argparse.Namespace, kind: str):  # noqa: ANN202 - (PersonImport | InvolvementImport, batch)
    """Load the file here; with a shared database, here and on every case worker's machine."""
    from mash_tui.commands.common import context_of, store_owner
    from mash_tui.services import prior_involvement
    from mash_tui.sync.reference_load import load_and_share

    path = _readable(args.file, args)
    ctx = context_of(args)
    with _progress_bar(f"Importing {path.name}") as on_progress:
        if ctx.shared_url:
            shared = load_and_share(ctx, store_owner(), kind, path, on_progress=on_progress)
            return shared.counts, {"batch": shared.seq}
        load = prior_involvement.import_persons if kind == "persons" else prior_involvement.import_involvements
        counts = load(ctx.store, path, store_owner(), ctx.clock,
                      max_field_chars=ctx.policy.limits.max_field_chars, on_progress=on_progress)
        return counts, {}


def _shared_words(shared: dict[str, int]) -> str:
    if not shared:
        return ""
    return f"; shared as batch {shared['batch']}, every machine applies it on its next sync"


def _import_persons(args: argparse.Namespace) -> int:
    counts, shared = _load(args, "persons")
    path = args.file
    if args.json:
        print_json({"file": str(path), "rows": counts.rows, "added": counts.added, "replaced": counts.replaced,
                    **shared})
    else:
        print(f"imported {counts.rows} persons from {path}: {counts.added} new, {counts.replaced} replaced"
              + _shared_words(shared))
    return 0


def _import_involvements(args: argparse.Namespace) -> int:
    counts, shared = _load(args, "involvements")
    if args.json:
        print_json({"file": str(args.file), "rows": counts.rows, "persons": counts.persons, **shared})
    else:
        print(f"imported {counts.rows} involvements of {counts.persons} persons from {args.file}"
              + _shared_words(shared))
    return 0


# --- lookup -----------------------------------------------------------------------------------


@dataclass
class _Query:
    query_id: str | None
    values: dict[str, str]
    warnings: list[str] = field(default_factory=list)


def _details(query: _Query, *, strict: bool):  # noqa: ANN202 - PersonDetails, imported lazily
    """The query's details; an unreadable DOB or sex is an error when `strict`, else a warning."""
    from mash_tui.domain.contact import EARLIEST_BIRTH
    from mash_tui.domain.matching import PersonDetails, normalise_sex, parse_typed_date

    values = query.values
    dob = sex = None
    if values.get("dob"):
        try:
            dob = parse_typed_date(values["dob"])
        except ValueError:
            problem = f"dob {values['dob']!r} is not a date (YYYY-MM-DD or DD/MM/YYYY)"
            if strict:
                raise UserError(f"--{problem}") from None
            query.warnings.append(f"{problem}; ignored")
        if dob is not None and dob < EARLIEST_BIRTH:
            # Nobody in the case system was born then, and the matcher's date arithmetic assumes it.
            query.warnings.append(f"dob {values['dob']!r} is before {EARLIEST_BIRTH.year}; ignored")
            dob = None
    if values.get("sex"):
        try:
            sex = normalise_sex(values["sex"])
        except ValueError:
            problem = f"sex {values['sex']!r} is not F, M, U, female, male or unknown"
            if strict:
                raise UserError(f"--{problem}") from None
            query.warnings.append(f"{problem}; ignored")
    details = PersonDetails(
        first_name=values.get("first_name") or None,
        last_name=values.get("last_name") or None,
        dob=dob,
        sex=sex,
        address=values.get("address") or None,
        postcode=values.get("postcode") or None,
    )
    if not details.has_any():
        query.warnings.append("no name, DOB, address or postcode to search on")
    return details


def _read_queries(path: Path) -> list[_Query]:
    """Every query line, checked before anything is searched: a bad file prints nothing."""
    try:
        with path.open(encoding="utf-8-sig", newline="") as handle:
            return _queries_from(csv.reader(handle), path)
    except OSError as error:
        raise UserError(f"{path}: cannot be read: {error.strerror}") from None
    except UnicodeDecodeError:
        raise UserError(f"{path}: not UTF-8 text") from None
    except csv.Error as error:
        raise UserError(f"{path}: not valid CSV: {error}") from None


def _queries_from(reader, path: Path) -> list[_Query]:  # noqa: ANN001 - a csv reader
    header_row = next(reader, None)
    if header_row is None:
        raise UserError(f"{path}: line 1: empty file; the header must name {', '.join(QUERY_COLUMNS)}")
    header = [name.strip().lower() for name in header_row]
    missing = [name for name in QUERY_COLUMNS if name not in header]
    if missing:
        raise UserError(f"{path}: line 1: the header lacks column(s) {', '.join(missing)}")
    positions = {name: header.index(name) for name in QUERY_COLUMNS}
    queries = []
    next_line = reader.line_num + 1
    for row in reader:
        line, next_line = next_line, reader.line_num + 1
        if not row or (len(row) == 1 and not row[0].strip()):
            continue
        if len(row) != len(header):
            raise UserError(f"{path}: line {line}: {len(row)} values where the header has {len(header)} columns")
        values = {name: row[position].strip() for name, position in positions.items()}
        if not values.pop("query_id"):
            raise UserError(f"{path}: line {line}, column query_id: empty; every query needs an id")
        # The id goes back exactly as the file has it, spaces and all.
        queries.append(_Query(row[positions["query_id"]], values))
    return queries


def _describe(candidate) -> str:  # noqa: ANN001 - Candidate, imported lazily
    person = candidate.person
    name = " ".join(part for part in (person.first_name, person.last_name) if part) or "(no name)"
    dob = person.dob.isoformat() if person.dob else "no DOB"
    return (
        f"{candidate.person_id:<24} {candidate.score:.3f} {candidate.band:<8} {name}, {dob}"
        f"{', ' + person.postcode if person.postcode else ''}\n"
        f"{'':<24} {'; '.join(candidate.reasons)}"
    )


def _answer(query: _Query, timed, *, as_json: bool) -> None:  # noqa: ANN001 - TimedLookup
    if as_json:
        answer: dict[str, object] = {}
        if query.query_id is not None:
            answer["query_id"] = query.query_id
        answer["elapsed_ms"] = round(timed.elapsed_ms, 3)
        answer["candidates"] = [candidate.as_json() for candidate in timed.candidates]
        answer["warnings"] = query.warnings
        print_json(answer)
        return
    heading = f"{query.query_id}: " if query.query_id is not None else ""
    print(f"{heading}{len(timed.candidates)} candidate(s) in {timed.elapsed_ms:.1f} ms")
    for warning in query.warnings:
        print(f"  warning: {warning}")
    for candidate in timed.candidates:
        print("  " + _describe(candidate).replace("\n", "\n  "))


def _lookup(args: argparse.Namespace) -> int:
    from mash_tui.commands.common import acting_user, context_of
    from mash_tui.services.lookups import may_look_up
    from mash_tui.services.prior_involvement import lookup_many

    given = {column: value for flag, column, _help in _DETAIL_FLAGS if (value := getattr(args, flag)) is not None}
    if args.batch is not None:
        if given:
            raise UserError("--batch reads every detail from the file; give no --first, --last, --dob ... with it")
        queries = _read_queries(args.batch)
        details = [_details(query, strict=False) for query in queries]
    else:
        if not any(value.strip() for value in given.values()):
            raise UserError("give at least one of --first, --last, --dob, --sex, --postcode, --address, or --batch")
        queries = [_Query(None, {column: value.strip() for column, value in given.items()})]
        details = [_details(queries[0], strict=True)]

    ctx = context_of(args)
    actor = acting_user(args, ctx)
    may_look_up(ctx, actor)
    answered = 0
    # A full garbage collection walks every cached name comparison and lands, tens of milliseconds
    # long, inside whichever lookup triggered it. A lookup makes no reference cycles worth
    # collecting, and the process ends with the batch.
    gc.disable()
    try:
        for query, timed in zip(queries, lookup_many(ctx.store, details, ctx.policy), strict=True):
            _answer(query, timed, as_json=args.json)
            answered += len(timed.candidates)
    finally:
        gc.enable()
    _audit_lookup(ctx, actor, len(queries), answered, args.batch)
    return 0


def _audit_lookup(ctx, actor, queries: int, candidates: int, batch: Path | None) -> None:  # noqa: ANN001
    """One event per run, under the user who looked, so reading known people leaves a trace."""
    from mash_tui.services.lookups import audit_lookup_run

    audit_lookup_run(ctx, actor, queries=queries, candidates=candidates, batch=batch.name if batch else None)
