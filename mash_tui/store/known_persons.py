"""The people already known: the case system's persons and involvements, and the matching index.

Reference data arrives as CSV (DOMAIN.md section 7) and is loaded all or nothing: the rows are
checked and written inside one transaction, and the first bad row rolls everything back. An error
names the line (the header is line 1) and the column.

- **Persons** are keyed by the case system's `person_id`; re-importing a person replaces their row
  and their index keys. People missing from a later file are kept. An optional `aliases` column
  holds other and earlier names joined by `;` (a full name, or an earlier surname alone); a file
  without it loads as before, and its people have no aliases.
- **Involvements** are replaced per person: every involvement a file lists for a person replaces
  all that person's earlier involvements. Their person must already be imported.

`match_key` indexes records from two sources under 32-bit hashes of the blocking keys of
`mash_tui.domain.matching`, under each record's own name and each of its aliases (a contact's
child carries the aliases typed on the form):

| source | table | candidate id |
|---|---|---|
| `case_system` (0) | `known_person` | the case system's `person_id` |
| `contact` (1) | `contact_person` | `contact:REF:ROLE:N`, e.g. `contact:C-AB12-00042:child:0` |

where ROLE is `child` or `adult` and N counts from 0 in that contact's list of children or adults.
A hash collision only adds an unrelated candidate, which scoring then drops.
"""

from __future__ import annotations

import csv
import io
import json
import sqlite3
import zlib
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from itertools import islice
from operator import itemgetter
from pathlib import Path
from typing import Any

from mash_tui.domain.matching import (
    KnownRecord,
    PersonDetails,
    alias_names,
    blocking_key_list,
    blocking_keys_of,
    normalise_sex,
    parse_iso_date,
    query_blocking_keys,
    record_blocking_keys,
)
from mash_tui.domain.routing import SERVICES, STATUSES, Involvement
from mash_tui.errors import UserError

NAME_ONLY_KIND = "fl|"
"""The prefix of the blocking keys that pair first name and surname sounds alone."""
SOURCE_CASE_SYSTEM = "case_system"
SOURCE_CONTACT = "contact"
_SOURCE_CODES = {SOURCE_CASE_SYSTEM: 0, SOURCE_CONTACT: 1}

PERSON_COLUMNS = ("person_id", "first_name", "last_name", "dob", "sex", "address", "postcode")
OPTIONAL_PERSON_COLUMNS = ("aliases",)
"""Read when the header names them: `aliases` holds a person's other and earlier names, joined by
`;` ("Amelia Jones; Smith": a full name, or an earlier surname alone)."""
ALIAS_SEPARATOR = ";"
INVOLVEMENT_COLUMNS = (
    "person_id",
    "service",
    "status",
    "start_date",
    "end_date",
    "allocated_worker",
    "team",
    "phone",
)
CONTACT_ROLES = ("child", "adult")
DEFAULT_MAX_FIELD_CHARS = 20_000

_BATCH_ROWS = 20_000
_ProgressCallback = Callable[[int, int], None]


class ReferenceDataError(UserError):
    """A reference-data file that cannot be loaded; nothing of it was stored."""


_KEY_OFFSET = 0x8000_0000


def _key_numbers(keys: Iterable[str]) -> list[int]:
    """Blocking keys as signed 32-bit integers: four bytes each in SQLite instead of twenty."""
    crc32 = zlib.crc32
    return [crc32(key.encode()) - _KEY_OFFSET for key in keys]


# --- reading CSV ------------------------------------------------------------------------------


class _CountingStream(io.RawIOBase):
    """Counts the bytes read, for a progress bar over a file being parsed as text."""

    def __init__(self, raw: io.BufferedReader) -> None:
        self._raw = raw
        self.bytes_read = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        count = self._raw.readinto(buffer) or 0
        self.bytes_read += count
        return count


@dataclass(frozen=True, slots=True)
class _Row:
    line: int
    values: list[str]
    """In the order of the columns asked for."""


@dataclass
class _ReadPosition:
    """How far through its file a reader is, for a progress bar."""

    bytes_read: int = 0
    total: int = 0


def _read_rows(
    path: Path,
    columns: Sequence[str],
    *,
    max_field_chars: int,
    position: _ReadPosition,
    optional: Sequence[str] = (),
) -> Iterator[_Row]:
    """Rows of a CSV whose header names every one of `columns`, in any order; extra columns are
    ignored. Values are stripped of surrounding spaces. Blank lines are skipped. `optional`
    columns follow `columns` in each row's values, empty when the header does not name them."""
    label = str(path)
    try:
        raw = open(path, "rb")  # noqa: SIM115 - closed in the finally below
    except OSError as error:
        raise ReferenceDataError(f"{label}: cannot be read: {error.strerror}") from None
    try:
        position.total = path.stat().st_size
        counter = _CountingStream(raw)
        text = io.TextIOWrapper(io.BufferedReader(counter, 1 << 16), encoding="utf-8-sig", newline="")
        reader = csv.reader(text)
        next_line = 1
        try:
            header = next(reader, None)
            if header is None:
                raise ReferenceDataError(f"{label}: line 1: empty file; the header must name {', '.join(columns)}")
            names = [name.strip().lower() for name in header]
            positions: dict[str, int] = {}
            for place, name in enumerate(names):
                if name in columns or name in optional:
                    if name in positions:
                        raise ReferenceDataError(f"{label}: line 1, column {name}: named twice in the header")
                    positions[name] = place
            missing = [name for name in columns if name not in positions]
            if missing:
                raise ReferenceDataError(f"{label}: line 1: the header lacks column(s) {', '.join(missing)}")
            width = len(header)
            # A column the header lacks reads as the empty string past the end of each row.
            absent = width
            named = [*columns, *optional]
            wanted = itemgetter(*(positions.get(name, absent) for name in named))
            columns = named
            next_line = reader.line_num + 1
            for record in reader:
                line, next_line = next_line, reader.line_num + 1
                if len(record) != width:
                    if not record or (len(record) == 1 and not record[0].strip()):
                        continue
                    raise ReferenceDataError(
                        f"{label}: line {line}: {len(record)} values where the header has {width} columns"
                    )
                if len(named) > len(positions):
                    record.append("")
                values = list(map(str.strip, wanted(record)))
                if max(map(len, values)) > max_field_chars:
                    column = next(name for name, value in zip(columns, values) if len(value) > max_field_chars)
                    raise ReferenceDataError(
                        f"{label}: line {line}, column {column}: longer than {max_field_chars} characters"
                    )
                position.bytes_read = counter.bytes_read
                yield _Row(line, values)
        except UnicodeDecodeError:
            raise ReferenceDataError(f"{label}: line {next_line}: not UTF-8 text") from None
        except csv.Error as error:
            raise ReferenceDataError(f"{label}: line {reader.line_num}: {error}") from None
        position.bytes_read = position.total
    finally:
        raw.close()


def _problem(path: Path, row: _Row, column: str, problem: str) -> ReferenceDataError:
    return ReferenceDataError(f"{path}: line {row.line}, column {column}: {problem}")


def _date_or_none(path: Path, row: _Row, column: str, value: str) -> date | None:
    if not value:
        return None
    try:
        return parse_iso_date(value)
    except ValueError as error:
        raise _problem(path, row, column, str(error)) from None


# --- persons ----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PersonImport:
    rows: int
    added: int
    replaced: int


_PERSON_VALUES = "person_id, first_name, last_name, dob, sex, address, postcode, aliases"
_SEX_CODES = {"f": "F", "female": "F", "m": "M", "male": "M", "u": "U", "unknown": "U"}


def _aliases_of(text: str | None) -> list[str]:
    return [alias for alias in (part.strip() for part in (text or "").split(ALIAS_SEPARATOR)) if alias]


def _stored_aliases(text: str) -> str | None:
    """Aliases as stored: trimmed, joined by "; ", None when there are none."""
    aliases = _aliases_of(text)
    return "; ".join(aliases) if aliases else None


def _record_key_numbers(
    first_name: str | None, last_name: str | None, dob: str | None, postcode: str | None, aliases: str | None
) -> list[int]:
    """A stored row's index keys: under its own name and each alias, as numbers."""
    keys: Iterable[str] = blocking_key_list(first_name or "", last_name or "", dob or "", postcode or "")
    if aliases:
        keys = set(keys)
        for alias_first, alias_last in alias_names(_aliases_of(aliases), first_name):
            keys |= blocking_keys_of(alias_first or "", alias_last or "", dob or "", postcode or "")
    crc32 = zlib.crc32
    return [crc32(key.encode()) - _KEY_OFFSET for key in keys]


_StoredPerson = tuple[str, str | None, str | None, str | None, str | None, str | None, str | None, str | None]
"""The `known_person` columns of `_PERSON_VALUES`, as written."""


_KeyedPerson = tuple[_StoredPerson, list[int]]
"""A checked row and its index key numbers."""


def _checked_person_batches(path: Path, max_field_chars: int) -> Iterator[tuple[list[_KeyedPerson], int, int]]:
    """Checked rows and their keys, a batch at a time, with how far through the file the batch
    reaches.

    Values stay strings: a DOB is checked (and its parse cached) but stored as typed, so a
    million rows make no `PersonDetails` or `date` each.
    """
    position = _ReadPosition()
    rows = _read_rows(
        path, PERSON_COLUMNS, max_field_chars=max_field_chars, position=position, optional=OPTIONAL_PERSON_COLUMNS
    )
    first_line_of: dict[str, int] = {}
    sex_codes = _SEX_CODES
    good_dates: set[str] = set()
    batch: list[_StoredPerson] = []
    for row in rows:
        person_id, first_name, last_name, dob, sex, address, postcode, aliases = row.values
        if not person_id:
            raise _problem(path, row, "person_id", "empty; every person needs the case system's id")
        earlier = first_line_of.setdefault(person_id, row.line)
        if earlier != row.line:
            raise _problem(path, row, "person_id", f"{person_id!r} is also on line {earlier}")
        sex_code = None
        if sex:
            sex_code = sex_codes.get(sex.lower())
            if sex_code is None:
                try:
                    normalise_sex(sex)
                except ValueError as error:
                    raise _problem(path, row, "sex", str(error)) from None
        if dob and dob not in good_dates:
            _date_or_none(path, row, "dob", dob)
            good_dates.add(dob)
        stored_aliases = _stored_aliases(aliases) if aliases else None
        batch.append(
            (
                (
                    person_id,
                    first_name or None,
                    last_name or None,
                    dob or None,
                    sex_code,
                    address or None,
                    postcode or None,
                    stored_aliases,
                ),
                _record_key_numbers(first_name, last_name, dob, postcode, stored_aliases),
            )
        )
        if len(batch) == _BATCH_ROWS:
            yield batch, position.bytes_read, position.total
            batch = []
    if batch:
        yield batch, position.total, position.total


def _batches(items: Iterable[Any], size: int) -> Iterator[list[Any]]:
    iterator = iter(items)
    while batch := list(islice(iterator, size)):
        yield batch


def _person_from_row(values: Sequence[Any]) -> PersonDetails:
    first_name, last_name, dob, sex, address, postcode = values
    return PersonDetails(
        first_name=first_name,
        last_name=last_name,
        dob=date.fromisoformat(dob) if dob else None,
        sex=sex,
        address=address,
        postcode=postcode,
    )


def _known_record(record_id: str, values: Sequence[Any], aliases: str | None, **kwargs: Any) -> KnownRecord:
    person = _person_from_row(values)
    other_names = alias_names(_aliases_of(aliases), person.first_name) if aliases else ()
    return KnownRecord(record_id, person, other_names=other_names, **kwargs)


def _stage_keys(connection: sqlite3.Connection) -> None:
    connection.execute(
        "CREATE TEMP TABLE IF NOT EXISTS staged_key (key INTEGER NOT NULL, record INTEGER NOT NULL)"
    )
    connection.execute("DELETE FROM temp.staged_key")


def _index_staged_keys(connection: sqlite3.Connection, source: int) -> None:
    # Sorted first, so the index B-tree is appended to rather than split at random.
    connection.execute(
        "INSERT OR IGNORE INTO match_key (key, source, record) "
        "SELECT key, ?, record FROM temp.staged_key ORDER BY key, record",
        (source,),
    )
    connection.execute("DROP TABLE temp.staged_key")


def load_persons(
    connection: sqlite3.Connection,
    path: Path,
    *,
    max_field_chars: int = DEFAULT_MAX_FIELD_CHARS,
    on_progress: _ProgressCallback | None = None,
) -> PersonImport:
    """Check and load a persons CSV on `connection`, which must be inside a write transaction.

    Raises ReferenceDataError at the first bad row; the caller rolls the transaction back.
    """
    return _write_persons(connection, _checked_person_batches(path, max_field_chars), on_progress)


def _write_persons(
    connection: sqlite3.Connection,
    batches: Iterator[tuple[list[_KeyedPerson], int, int]],
    on_progress: _ProgressCallback | None,
) -> PersonImport:
    case_system = _SOURCE_CODES[SOURCE_CASE_SYSTEM]
    store_was_empty = connection.execute("SELECT NOT EXISTS (SELECT 1 FROM known_person)").fetchone()[0]
    next_id = connection.execute("SELECT COALESCE(MAX(id), 0) + 1 FROM known_person").fetchone()[0]
    _stage_keys(connection)
    added = replaced = total = 0
    for parsed, bytes_read, file_size in batches:
        total += len(parsed)
        existing: dict[str, tuple[int, list[int]]] = {}
        if not store_was_empty:
            existing = _existing_person_keys(connection, [stored[0] for stored, _keys in parsed])
        inserts: list[tuple[Any, ...]] = []
        updates: list[tuple[Any, ...]] = []
        staged: list[tuple[int, int]] = []
        stale: list[tuple[int, int, int]] = []
        for stored, keys in parsed:
            known = existing.get(stored[0]) if existing else None
            if known is None:
                record = next_id
                next_id += 1
                inserts.append((record, *stored))
            else:
                record, old_keys = known
                stale.extend((key, case_system, record) for key in old_keys)
                updates.append((*stored[1:], record))
            staged.extend([(key, record) for key in keys])
        if stale:
            connection.executemany("DELETE FROM match_key WHERE key = ? AND source = ? AND record = ?", stale)
        if updates:
            connection.executemany(
                "UPDATE known_person SET first_name = ?, last_name = ?, dob = ?, sex = ?, address = ?, "
                "postcode = ?, aliases = ? WHERE id = ?",
                updates,
            )
        connection.executemany(f"INSERT INTO known_person (id, {_PERSON_VALUES}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", inserts)
        connection.executemany("INSERT INTO temp.staged_key (key, record) VALUES (?, ?)", staged)
        added += len(inserts)
        replaced += len(updates)
        if on_progress is not None:
            on_progress(bytes_read, file_size)
    _index_staged_keys(connection, case_system)
    return PersonImport(rows=total, added=added, replaced=replaced)


def _existing_person_keys(connection: sqlite3.Connection, person_ids: list[str]) -> dict[str, tuple[int, list[int]]]:
    found = connection.execute(
        "SELECT person_id, id, first_name, last_name, dob, postcode, aliases FROM known_person "
        "WHERE person_id IN (SELECT value FROM json_each(?))",
        (json.dumps(person_ids),),
    )
    return {
        person_id: (record, _record_key_numbers(first_name, last_name, dob, postcode, aliases))
        for person_id, record, first_name, last_name, dob, postcode, aliases in found
    }


def rebuild_match_keys(connection: sqlite3.Connection) -> None:
    """Index every stored record afresh, inside the caller's transaction: for a store whose
    records were indexed under older keys."""
    connection.execute("DELETE FROM match_key")
    for source, table in ((SOURCE_CASE_SYSTEM, "known_person"), (SOURCE_CONTACT, "contact_person")):
        _stage_keys(connection)
        rows = connection.execute(f"SELECT id, first_name, last_name, dob, postcode, aliases FROM {table}")  # noqa: S608
        for batch in _batches(rows, _BATCH_ROWS):
            connection.executemany(
                "INSERT INTO temp.staged_key (key, record) VALUES (?, ?)",
                [(key, record) for record, *values in batch for key in _record_key_numbers(*values)],
            )
        _index_staged_keys(connection, _SOURCE_CODES[source])


# --- involvements -----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class InvolvementImport:
    rows: int
    persons: int


def _involvement_rows(rows: Iterable[_Row], path: Path) -> Iterator[tuple[_Row, Involvement]]:
    for row in rows:
        person_id, service, status, start_date, end_date, worker, team, phone = row.values
        if not person_id:
            raise _problem(path, row, "person_id", "empty; every involvement needs the person's id")
        if service.lower() not in SERVICES:
            raise _problem(path, row, "service", f"{service!r} is not one of {', '.join(SERVICES)}")
        if status.lower() not in STATUSES:
            raise _problem(path, row, "status", f"{status!r} is not one of {', '.join(STATUSES)}")
        start = _date_or_none(path, row, "start_date", start_date)
        end = _date_or_none(path, row, "end_date", end_date)
        if start and end and end < start:
            raise _problem(path, row, "end_date", f"{end.isoformat()} is before start_date {start.isoformat()}")
        yield row, Involvement(
            person_id=person_id,
            service=service.lower(),
            status=status.lower(),
            start_date=start,
            end_date=end,
            allocated_worker=worker or None,
            team=team or None,
            phone=phone or None,
        )


def load_involvements(
    connection: sqlite3.Connection,
    path: Path,
    *,
    max_field_chars: int = DEFAULT_MAX_FIELD_CHARS,
    on_progress: _ProgressCallback | None = None,
) -> InvolvementImport:
    """Check and load an involvements CSV on `connection`, inside a write transaction.

    Each person's involvements in the file replace all of theirs already stored. Raises
    ReferenceDataError at the first bad row, or at a row whose person is not imported.
    """
    position = _ReadPosition()
    rows = _involvement_rows(
        _read_rows(path, INVOLVEMENT_COLUMNS, max_field_chars=max_field_chars, position=position), path
    )
    seen: set[str] = set()
    total = 0
    for batch in _batches(rows, _BATCH_ROWS):
        total += len(batch)
        new_people = list(dict.fromkeys(item.person_id for _row, item in batch if item.person_id not in seen))
        known = {
            person_id
            for (person_id,) in connection.execute(
                "SELECT person_id FROM known_person WHERE person_id IN (SELECT value FROM json_each(?))",
                (json.dumps(new_people),),
            )
        }
        for row, item in batch:
            if item.person_id not in seen and item.person_id not in known:
                raise _problem(path, row, "person_id", f"no person {item.person_id!r}; import persons first")
        connection.executemany("DELETE FROM involvement WHERE person_id = ?", [(pid,) for pid in new_people])
        seen.update(new_people)
        connection.executemany(
            "INSERT INTO involvement (person_id, service, status, start_date, end_date, allocated_worker, "
            "team, phone) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            [
                (
                    item.person_id,
                    item.service,
                    item.status,
                    item.start_date.isoformat() if item.start_date else None,
                    item.end_date.isoformat() if item.end_date else None,
                    item.allocated_worker,
                    item.team,
                    item.phone,
                )
                for _row, item in batch
            ],
        )
        if on_progress is not None:
            on_progress(position.bytes_read, position.total)
    return InvolvementImport(rows=total, persons=len(seen))


def involvements_of(connection: sqlite3.Connection, person_ids: Iterable[str]) -> dict[str, list[Involvement]]:
    """Each person's involvements, open first, then the most recent start first."""
    wanted = list(dict.fromkeys(person_ids))
    found: dict[str, list[Involvement]] = {person_id: [] for person_id in wanted}
    rows = connection.execute(
        "SELECT person_id, service, status, start_date, end_date, allocated_worker, team, phone "
        "FROM involvement WHERE person_id IN (SELECT value FROM json_each(?)) "
        "ORDER BY person_id, status = 'closed', start_date DESC, id",
        (json.dumps(wanted),),
    )
    for person_id, service, status, start, end, worker, team, phone in rows:
        found[person_id].append(
            Involvement(
                person_id=person_id,
                service=service,
                status=status,
                start_date=date.fromisoformat(start) if start else None,
                end_date=date.fromisoformat(end) if end else None,
                allocated_worker=worker,
                team=team,
                phone=phone,
            )
        )
    return found


# --- people on earlier contacts ---------------------------------------------------------------


def contact_record_id(contact_ref: str, role: str, position: int) -> str:
    return f"contact:{contact_ref}:{role}:{position}"


def _dbapi_connection(connection_or_session: Any) -> sqlite3.Connection:
    """The sqlite3 connection under a SQLModel session, so its transaction is the session's."""
    if isinstance(connection_or_session, sqlite3.Connection):
        return connection_or_session
    return connection_or_session.connection().connection.dbapi_connection


def _contact_person(person: Mapping[str, Any]) -> PersonDetails:
    dob = person.get("dob")
    if isinstance(dob, str):
        dob = parse_iso_date(dob) if dob.strip() else None
    sex = person.get("sex")
    return PersonDetails(
        first_name=person.get("first_name") or None,
        last_name=person.get("last_name") or None,
        dob=dob,
        sex=normalise_sex(sex) if isinstance(sex, str) else None,
        address=person.get("address") or None,
        postcode=person.get("postcode") or None,
    )


def index_contact_people(
    connection_or_session: sqlite3.Connection | Any,
    contact_ref: str,
    people: list[dict[str, Any]],
) -> list[str]:
    """Make a contact's children and adults findable by later lookups; returns their candidate ids.

    `people` holds one dict per person with `role` (`child` or `adult`) and any of `first_name`,
    `last_name`, `dob` (a date or `YYYY-MM-DD`), `sex` (F/M/U/female/male/unknown), `address`,
    `postcode` and `aliases` (a list of other names, each as `alias_names` reads it; a child's
    aliases on a contact form); `position` is optional and defaults to the person's place among that contact's
    people of the same role, counting from 0. Indexing a contact again replaces what was indexed
    for it. Runs in the caller's transaction: pass the unit of work's session, or a sqlite3
    connection inside a transaction.
    """
    connection = _dbapi_connection(connection_or_session)
    source = _SOURCE_CODES[SOURCE_CONTACT]
    previous = connection.execute(
        "SELECT id, first_name, last_name, dob, postcode, aliases FROM contact_person WHERE contact_ref = ?",
        (contact_ref,),
    ).fetchall()
    stale = [(key, source, record) for record, *values in previous for key in _record_key_numbers(*values)]
    connection.executemany("DELETE FROM match_key WHERE key = ? AND source = ? AND record = ?", stale)
    connection.execute("DELETE FROM contact_person WHERE contact_ref = ?", (contact_ref,))

    counters = dict.fromkeys(CONTACT_ROLES, 0)
    record_ids = []
    for entry in people:
        role = entry.get("role")
        if role not in CONTACT_ROLES:
            raise ValueError(f"role must be one of {', '.join(CONTACT_ROLES)}, not {role!r}")
        position = entry.get("position", counters[role])
        counters[role] = max(counters[role], position) + 1
        person = _contact_person(entry)
        aliases = entry.get("aliases") or ()
        if isinstance(aliases, str):
            aliases = _aliases_of(aliases)
        stored_aliases = "; ".join(alias.strip() for alias in aliases if alias and alias.strip()) or None
        cursor = connection.execute(
            "INSERT INTO contact_person (contact_ref, role, position, first_name, last_name, dob, sex, "
            "address, postcode, aliases) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                contact_ref,
                role,
                position,
                person.first_name,
                person.last_name,
                person.dob.isoformat() if person.dob else None,
                person.sex,
                person.address,
                person.postcode,
                stored_aliases,
            ),
        )
        record = cursor.lastrowid
        other_names = alias_names(_aliases_of(stored_aliases), person.first_name)
        connection.executemany(
            "INSERT OR IGNORE INTO match_key (key, source, record) VALUES (?, ?, ?)",
            [(key, source, record) for key in _key_numbers(record_blocking_keys(person, other_names))],
        )
        record_ids.append(contact_record_id(contact_ref, role, position))
    return record_ids


# --- finding candidates -----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class StoredRecord:
    """A candidate as stored: which source, and the contact it came from for contact people."""

    source: str
    record: KnownRecord
    contact_ref: str | None = None


NAME_ONLY_DEPTH = 50
"""How many case-system records a lookup reads from its name-only blocks (first name and surname
sounds) beyond those its other keys find. A common name's block holds hundreds of people at a
million; those read first spell the names as the query does and were born nearest its DOB, so
the ones left unread are namesakes that agree on the names alone and would rank below them."""


def _hits(connection: sqlite3.Connection, keys: list[int]) -> dict[int, set[int]]:
    by_source: dict[int, set[int]] = {}
    if keys:
        hits = connection.execute(
            "SELECT DISTINCT source, record FROM match_key WHERE key IN (SELECT value FROM json_each(?))",
            (json.dumps(keys),),
        )
        for source, record in hits:
            by_source.setdefault(source, set()).add(record)
    return by_source


def _nearest_namesakes(connection: sqlite3.Connection, records: set[int], query: PersonDetails) -> list[int]:
    """The NAME_ONLY_DEPTH of `records` that spell the query's names and are born nearest it."""
    return [
        record
        for (record,) in connection.execute(
            "SELECT id FROM known_person WHERE id IN (SELECT value FROM json_each(?1)) "
            "ORDER BY lower(coalesce(first_name, '')) <> lower(?2), lower(coalesce(last_name, '')) <> lower(?3), "
            "CASE WHEN ?4 IS NULL THEN 0 ELSE abs(coalesce(julianday(dob), 0) - julianday(?4)) END, id LIMIT ?5",
            (
                json.dumps(sorted(records)),
                (query.first_name or "").strip(),
                (query.last_name or "").strip(),
                query.dob.isoformat() if query.dob else None,
                NAME_ONLY_DEPTH,
            ),
        )
    ]


def candidate_records(connection: sqlite3.Connection, query: PersonDetails) -> list[StoredRecord]:
    """Every record sharing a blocking key with the query, read through the index; of those found
    by first name and surname sounds alone, the NAME_ONLY_DEPTH nearest case-system records."""
    keys = query_blocking_keys(query)
    if not keys:
        return []
    by_source = _hits(connection, _key_numbers(key for key in keys if not key.startswith(NAME_ONLY_KIND)))
    for source, records in _hits(
        connection, _key_numbers(key for key in keys if key.startswith(NAME_ONLY_KIND))
    ).items():
        known = by_source.setdefault(source, set())
        namesakes = records - known
        if source == _SOURCE_CODES[SOURCE_CASE_SYSTEM] and len(namesakes) > NAME_ONLY_DEPTH:
            namesakes = set(_nearest_namesakes(connection, namesakes, query))
        known |= namesakes
    found: list[StoredRecord] = []
    case_records = by_source.get(_SOURCE_CODES[SOURCE_CASE_SYSTEM])
    if case_records:
        rows = connection.execute(
            "SELECT person_id, first_name, last_name, dob, sex, address, postcode, aliases FROM known_person "
            "WHERE id IN (SELECT value FROM json_each(?))",
            (json.dumps(sorted(case_records)),),
        )
        found.extend(
            StoredRecord(SOURCE_CASE_SYSTEM, _known_record(person_id, values, aliases))
            for person_id, *values, aliases in rows
        )
    contact_records = by_source.get(_SOURCE_CODES[SOURCE_CONTACT])
    if contact_records:
        rows = connection.execute(
            "SELECT contact_ref, role, position, first_name, last_name, dob, sex, address, postcode, aliases "
            "FROM contact_person WHERE id IN (SELECT value FROM json_each(?))",
            (json.dumps(sorted(contact_records)),),
        )
        found.extend(
            StoredRecord(
                SOURCE_CONTACT,
                _known_record(
                    contact_record_id(contact_ref, role, position), values, aliases, one_record_per_person=False
                ),
                contact_ref=contact_ref,
            )
            for contact_ref, role, position, *values, aliases in rows
        )
    return found


def known_person(connection: sqlite3.Connection, person_id: str) -> PersonDetails | None:
    row = connection.execute(
        "SELECT first_name, last_name, dob, sex, address, postcode FROM known_person WHERE person_id = ?",
        (person_id,),
    ).fetchone()
    return _person_from_row(row) if row else None


@dataclass(frozen=True, slots=True)
class KnownCounts:
    persons: int
    involvements: int
    contact_people: int


def known_counts(connection: sqlite3.Connection) -> KnownCounts:
    persons, involvements, contact_people = connection.execute(
        "SELECT (SELECT COUNT(*) FROM known_person), (SELECT COUNT(*) FROM involvement), "
        "(SELECT COUNT(*) FROM contact_person)"
    ).fetchone()
    return KnownCounts(persons, involvements, contact_people)
