"""The contact record: the `mash.contact/1` exchange format of DOMAIN.md section 6.

Import, export, the command line and the capture screen all validate through these models, so a
record the screen accepts is a record the importer accepts. Problems are worded for the officer
who has to fix them, not in validator terms.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StrictBool,
    StrictInt,
    ValidationError,
    ValidationInfo,
    field_serializer,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

from mash_tui.domain.codes import (
    AGENCIES,
    ASSESSMENT_ONLY_CATEGORY,
    CONCERN_CATEGORIES,
    SOURCES_OF_CONTACT,
    Agency,
    Channel,
    ConsentAnswer,
    Injury,
    Sex,
    is_professional_source,
)

SCHEMA = "mash.contact/1"
LONDON = ZoneInfo("Europe/London")
_RULE_ERROR = "contact_rule"
_CALENDAR_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
EARLIEST_BIRTH = date(1900, 1, 1)
# A clock a little fast, or a referrer in another zone, may stamp a time slightly ahead of ours.
RECEIVED_AT_MAY_LEAD_BY = timedelta(days=1)
# Free text a person writes in paragraphs may keep its line breaks and tabs; names, dates, codes
# and every other field may hold no control character at all.
_FREE_TEXT_FIELDS = frozenset({"narrative", "reason", "address"})
_LAYOUT_CONTROLS = frozenset("\n\t\r\x85")  # NEL (U+0085) is a line break too


def _refuse(*problems: tuple[str, str]) -> PydanticCustomError:
    """A rule failure; each problem is (field relative to the failing object, words)."""
    return PydanticCustomError(_RULE_ERROR, "{first}", {"first": problems[0][1], "problems": problems})


def _blank_as_none(value: Any) -> Any:
    if isinstance(value, str) and not value.strip():
        return None
    return value


def _absent_as_false(value: Any) -> Any:
    return False if _blank_as_none(value) is None else value


def _calendar_date(value: Any) -> Any:
    value = _blank_as_none(value)
    if value is None or (isinstance(value, date) and not isinstance(value, datetime)):
        return value
    if not isinstance(value, str) or not _CALENDAR_DATE.fullmatch(value):
        raise _refuse(("", "Must be a date written YYYY-MM-DD"))
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise _refuse(("", f"{value} is not a real date")) from None


def _time_with_offset(value: Any) -> Any:
    value = _blank_as_none(value)
    if value is None:
        return None
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value)
        except ValueError:
            raise _refuse(("", "Must be a date and time like 2026-11-24T09:12:00+00:00")) from None
    if not isinstance(value, datetime):
        raise _refuse(("", "Must be a date and time like 2026-11-24T09:12:00+00:00"))
    if value.utcoffset() is None:
        raise _refuse(("", "The time needs an offset from UTC, like +00:00"))
    try:
        value.astimezone(LONDON)
    except (OverflowError, ValueError):
        raise _refuse(("", "The time is out of range")) from None
    return value


def _plausible_birth(value: date | None, info: ValidationInfo) -> date | None:
    """Nobody alive in a children's hub was born before 1900, and nobody is born tomorrow."""
    if value is None or _now_from(info) is None:
        return value
    if value < EARLIEST_BIRTH:
        raise _refuse(("", f"Date of birth {value.isoformat()} is before {EARLIEST_BIRTH.year}"))
    if value > local_date(_now_from(info)):
        raise _refuse(("", f"Date of birth {value.isoformat()} is in the future"))
    return value


def _now_from(info: ValidationInfo) -> datetime | None:
    """The time a new record enters the hub, if the caller handed one in (the domain reads no clock).

    The rules for new input (characters, plausible dates) apply only then: a record stored before
    they existed is read back and re-checked without it, and must still open.
    """
    context = info.context
    return context.get("now") if isinstance(context, dict) else None


def _whole_number_between(low: int, high: int, what: str) -> AfterValidator:
    def check(value: int | None) -> int | None:
        if value is not None and not low <= value <= high:
            raise _refuse(("", f"{what} must be a whole number from {low} to {high}"))
        return value

    return AfterValidator(check)


def _absent_injury_is_none(value: Any) -> Any:
    return "none" if _blank_as_none(value) is None else value


def _absent_consent_is_default(value: Any) -> Any:
    return Consent() if value is None else value


def _known_source(code: str) -> str:
    if code not in SOURCES_OF_CONTACT:
        raise _refuse(("", f"{code!r} is not a source-of-contact code"))
    return code


Text = Annotated[str | None, BeforeValidator(_blank_as_none)]
RequiredText = Annotated[str, BeforeValidator(_blank_as_none)]
FalseUnlessTrue = Annotated[StrictBool, BeforeValidator(_absent_as_false)]
UnknownUnlessGiven = Annotated[StrictBool | None, BeforeValidator(_blank_as_none)]
CalendarDate = Annotated[date | None, BeforeValidator(_calendar_date)]
DateOfBirth = Annotated[date | None, BeforeValidator(_calendar_date), AfterValidator(_plausible_birth)]
TimeWithOffset = Annotated[datetime, BeforeValidator(_time_with_offset)]
SourceCode = Annotated[str, BeforeValidator(_blank_as_none), AfterValidator(_known_source)]


class _Record(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Referrer(_Record):
    name: Text = None
    role: Text = None
    organisation: Text = None
    source: SourceCode
    phone: Text = None
    email: Text = None
    relationship_to_child: Text = None
    anonymous: FalseUnlessTrue = False
    wants_feedback: FalseUnlessTrue = False

    @model_validator(mode="after")
    def _professional_can_be_reached(self) -> Referrer:
        if not is_professional_source(self.source):
            return self
        problems = []
        if self.name is None:
            problems.append(("name", "A professional referrer must give their name"))
        if self.phone is None and self.email is None:
            words = "A professional referrer must give a phone number or an email address"
            problems.append(("phone", words))
        if problems:
            raise _refuse(*problems)
        return self


class Child(_Record):
    first_name: Text = None
    last_name: Text = None
    aliases: tuple[str, ...] = ()
    dob: DateOfBirth = None
    estimated_age: Annotated[
        StrictInt | None, BeforeValidator(_blank_as_none), _whole_number_between(0, 17, "Estimated age")
    ] = None
    unborn_due_date: CalendarDate = None
    sex: Annotated[Sex | None, BeforeValidator(_blank_as_none)] = None
    # Tri-state like child_present_at_incident: reading an omission as "not mobile" would make
    # every injured child whose mobility nobody mentioned a non-mobile child (rule R2).
    independently_mobile: UnknownUnlessGiven = None
    address: Text = None
    postcode: Text = None
    school: Text = None
    nhs_number: Text = None
    location_now: Text = None

    @field_validator("aliases", mode="before")
    @classmethod
    def _blank_aliases_are_nothing(cls, value: Any) -> Any:
        if value is None:
            return ()
        if isinstance(value, list | tuple):
            return tuple(alias for alias in value if _blank_as_none(alias) is not None)
        return value

    @model_validator(mode="after")
    def _identifiable(self) -> Child:
        problems = []
        if self.last_name is None and not self.aliases:
            problems.append(("last_name", "A child needs a last name or an alias"))
        if self.dob is None and self.estimated_age is None and self.unborn_due_date is None:
            problems.append(("dob", "A child needs a date of birth, an estimated age or an unborn due date"))
        if problems:
            raise _refuse(*problems)
        return self

    @property
    def display_name(self) -> str:
        names = [name for name in (self.first_name, self.last_name) if name]
        return " ".join(names) or (self.aliases[0] if self.aliases else "unnamed child")


class Adult(_Record):
    first_name: Text = None
    last_name: Text = None
    dob: DateOfBirth = None
    relationship: Text = None
    lives_with_child: FalseUnlessTrue = False
    parental_responsibility: FalseUnlessTrue = False
    alleged_perpetrator: FalseUnlessTrue = False
    address: Text = None
    postcode: Text = None
    phone: Text = None


class Concerns(_Record):
    categories: tuple[str, ...]
    narrative: RequiredText
    injury: Annotated[Injury, BeforeValidator(_absent_injury_is_none)] = "none"
    disclosure: FalseUnlessTrue = False
    immediate_danger: FalseUnlessTrue = False
    child_present_at_incident: UnknownUnlessGiven = None
    dash_score: Annotated[
        StrictInt | None, BeforeValidator(_blank_as_none), _whole_number_between(0, 27, "The DASH score")
    ] = None
    police_reference: Text = None
    allegation_against_professional: FalseUnlessTrue = False

    @field_validator("categories")
    @classmethod
    def _census_codes_once_each(cls, codes: tuple[str, ...]) -> tuple[str, ...]:
        problems = []
        for position, code in enumerate(codes):
            if code == ASSESSMENT_ONLY_CATEGORY:
                words = "21 (no factors) is only for the end of an assessment, not a contact"
                problems.append((str(position), words))
            elif code not in CONCERN_CATEGORIES:
                problems.append((str(position), f"{code!r} is not a concern category code"))
            elif code in codes[:position]:
                problems.append((str(position), f"{code} is listed twice"))
        if problems:
            raise _refuse(*problems)
        return codes


class Consent(_Record):
    parents_aware: FalseUnlessTrue = False
    consent_given: Annotated[ConsentAnswer | None, BeforeValidator(_blank_as_none)] = None
    reason: Text = None
    agencies_agreed: tuple[Agency, ...] = ()

    @field_validator("agencies_agreed", mode="before")
    @classmethod
    def _no_list_is_empty(cls, value: Any) -> Any:
        return () if value is None else value

    @field_validator("agencies_agreed")
    @classmethod
    def _each_agency_once(cls, agencies: tuple[str, ...]) -> tuple[str, ...]:
        problems = [
            (str(position), f"{agency} is listed twice")
            for position, agency in enumerate(agencies)
            if agency in agencies[:position]
        ]
        if problems:
            raise _refuse(*problems)
        return agencies

    @model_validator(mode="after")
    def _refusal_explained(self) -> Consent:
        if self.consent_given in ("no", "not_sought") and self.reason is None:
            raise _refuse(("reason", "A reason is needed when consent is refused or not sought"))
        return self

    def agencies_covered(self) -> tuple[str, ...]:
        """Whose checks the parents agreed to: consent given with no list covers every agency."""
        if self.consent_given == "yes" and not self.agencies_agreed:
            return AGENCIES
        return self.agencies_agreed if self.consent_given == "yes" else ()


class OtherAgency(_Record):
    agency: Text = None
    contact: Text = None


class Contact(_Record):
    schema_version: Literal["mash.contact/1"] = Field(alias="schema")
    received_at: TimeWithOffset
    channel: Channel
    referrer: Referrer
    children: tuple[Child, ...]
    adults: tuple[Adult, ...] = ()
    concerns: Concerns
    consent: Annotated[Consent, BeforeValidator(_absent_consent_is_default)] = Consent()
    other_agencies: tuple[OtherAgency, ...] = ()

    @model_validator(mode="before")
    @classmethod
    def _only_printable_characters(cls, raw: Any, info: ValidationInfo) -> Any:
        if _now_from(info) is None:
            return raw
        problems = list(_character_problems(raw, ()))
        if problems:
            raise _refuse(*problems)
        return raw

    @field_validator("adults", "other_agencies", mode="before")
    @classmethod
    def _no_list_is_empty(cls, value: Any) -> Any:
        return () if value is None else value

    @field_validator("received_at")
    @classmethod
    def _not_days_ahead(cls, value: datetime, info: ValidationInfo) -> datetime:
        now = _now_from(info)
        if now is not None and value - now > RECEIVED_AT_MAY_LEAD_BY:
            raise _refuse(("", f"{value.isoformat()} is more than a day in the future"))
        return value

    @field_validator("children")
    @classmethod
    def _at_least_one_child(cls, children: tuple[Child, ...]) -> tuple[Child, ...]:
        if not children:
            raise _refuse(("", "A contact needs at least one child"))
        return children

    @model_validator(mode="after")
    def _dates_agree_with_received_at(self) -> Contact:
        received_on = local_date(self.received_at)
        problems = []
        for position, child in enumerate(self.children):
            if child.dob is not None and child.dob > received_on:
                words = "Date of birth is after the time the contact was received"
                problems.append((f"children.{position}.dob", words))
            if child.unborn_due_date is not None and child.unborn_due_date < received_on:
                words = "Unborn due date is before the time the contact was received"
                problems.append((f"children.{position}.unborn_due_date", words))
        if problems:
            raise _refuse(*problems)
        return self

    @field_serializer("received_at")
    def _iso_with_offset(self, value: datetime) -> str:
        # Pydantic would write UTC as "Z"; the exchange format writes the offset as given.
        return value.isoformat()


def _character_problems(value: Any, path: tuple[str, ...]) -> Iterator[tuple[str, str]]:
    """Every text in a raw record (field names too) holding what no record may hold.

    A lone surrogate ("\\ud800" in JSON) is no character at all: it cannot be stored or printed as
    UTF-8. A control character (NUL, ESC ...) in a name, date or code hides or forges what a
    reader sees; free text may keep its line breaks and tabs.
    """
    if isinstance(value, dict):
        for key, item in value.items():
            if isinstance(key, str) and (words := _bad_characters(key, free_text=False)):
                yield ".".join((*path, _shown(key))), f"The field name {words}"
            else:
                yield from _character_problems(item, (*path, str(key)))
    elif isinstance(value, list | tuple):
        for position, item in enumerate(value):
            yield from _character_problems(item, (*path, str(position)))
    elif isinstance(value, str) and value.strip():  # a blank text reads as no value at all
        free_text = any(part in _FREE_TEXT_FIELDS for part in path[-1:])
        if words := _bad_characters(value, free_text=free_text):
            yield ".".join(path), f"The text {words}"


def _bad_characters(text: str, *, free_text: bool) -> str | None:
    for character in text:
        kind = unicodedata.category(character)
        if kind == "Cs":
            return f"holds a lone surrogate (U+{ord(character):04X}), which is not a character"
        if kind == "Cc" and not (free_text and character in _LAYOUT_CONTROLS):
            where = "free text may hold only line breaks and tabs" if free_text else "it is not free text"
            return f"holds the control character U+{ord(character):04X}; {where}"
    return None


def _shown(text: str) -> str:
    """A field name fit to name in a message: lone surrogates become U+FFFD, so it can be printed."""
    return "".join("\ufffd" if unicodedata.category(c) == "Cs" else c for c in text)


def local_date(moment: datetime) -> date:
    return moment.astimezone(LONDON).date()


@dataclass(frozen=True)
class ChildAge:
    """Whole calendar months and years on the day a contact was received."""

    months: int
    years: int
    unborn: bool


def child_age(child: Child, received_at: datetime) -> ChildAge:
    """A date of birth wins over an estimated age, which wins over an unborn due date.

    An estimated age counts as that many whole years; an unborn child counts as 0 months old.
    """
    if child.dob is not None:
        on = local_date(received_at)
        months = (on.year - child.dob.year) * 12 + on.month - child.dob.month - (on.day < child.dob.day)
        return ChildAge(months=months, years=months // 12, unborn=False)
    if child.estimated_age is not None:
        return ChildAge(months=child.estimated_age * 12, years=child.estimated_age, unborn=False)
    return ChildAge(months=0, years=0, unborn=True)


def contact_to_json(contact: Contact) -> dict[str, Any]:
    """The canonical record: every key, nulls included, so `parse_contacts` gives it back exactly."""
    return contact.model_dump(mode="json", by_alias=True)


@dataclass(frozen=True)
class ContactProblem:
    index: int | None  # which object in the file, counting from 0; None for the file as a whole
    field: str  # dotted path such as children.0.dob; empty for the object as a whole
    problem: str

    def __str__(self) -> str:
        if self.index is None:
            return f"the file: {self.problem}"
        where = f"contact {self.index}, {self.field}" if self.field else f"contact {self.index}"
        return f"{where}: {self.problem}"


class ContactFileError(ValueError):
    """Contacts that cannot be read; nothing from the file may be used."""

    def __init__(self, problems: list[ContactProblem]) -> None:
        self.problems = problems
        more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
        super().__init__(f"{problems[0]}{more}")


def validate_contact(raw: Any, index: int = 0, *, now: datetime | None = None) -> Contact:
    """One record, as a form holds it, checked against the same rules as a file.

    With `now` (a record entering the hub at that time) the rules for new input apply too: no
    control character but line breaks and tabs in free text, no lone surrogate anywhere, a date of
    birth from 1900 to `now`, and a receipt time at most a day after `now`.
    """
    try:
        return Contact.model_validate(raw, context={"now": now})
    except ValidationError as error:
        raise ContactFileError(_problems_in(index, error)) from None


def parse_contacts(text: str, *, now: datetime | None = None) -> list[Contact]:
    """Contacts from a JSON array, a single object, or JSON lines; all of them or none.

    With `now` (a record entering the hub at that time) the rules for new input apply too: no
    control character but line breaks and tabs in free text, no lone surrogate anywhere, a date of
    birth from 1900 to `now`, and a receipt time at most a day after `now`.
    """
    problems: list[ContactProblem] = []
    contacts = []
    for index, raw in enumerate(_raw_contacts(text)):
        if isinstance(raw, _Unreadable):
            problems.append(ContactProblem(index, "", raw.problem))
            continue
        try:
            contacts.append(Contact.model_validate(raw, context={"now": now}))
        except ValidationError as error:
            problems.extend(_problems_in(index, error))
    if problems:
        raise ContactFileError(problems)
    return contacts


@dataclass(frozen=True)
class _Unreadable:
    problem: str


def _raw_contacts(text: str) -> list[dict[str, Any] | _Unreadable]:
    text = text.removeprefix("\ufeff")
    if not text.strip():
        return []
    try:
        whole = json.loads(text)
    except json.JSONDecodeError as error:
        if text.lstrip().startswith("["):
            words = f"Not valid JSON: {_json_error(error)}"
            raise ContactFileError([ContactProblem(None, "", words)]) from None
        return _json_lines(text)
    except RecursionError:
        raise ContactFileError([ContactProblem(None, "", "The JSON is nested too deeply")]) from None
    items = whole if isinstance(whole, list) else [whole]
    not_an_object = _Unreadable("Each contact must be a JSON object")
    return [item if isinstance(item, dict) else not_an_object for item in items]


def _json_lines(text: str) -> list[dict[str, Any] | _Unreadable]:
    items: list[dict[str, Any] | _Unreadable] = []
    # JSON lines are split on newlines only: U+2028 and friends may stand inside a JSON string.
    for line_number, line in enumerate(text.split("\n"), start=1):
        if not line.strip():
            continue
        try:
            item = json.loads(line)
        except json.JSONDecodeError as error:
            items.append(_Unreadable(f"Line {line_number} is not valid JSON: {_json_error(error)}"))
        except RecursionError:
            items.append(_Unreadable(f"Line {line_number} is nested too deeply"))
        else:
            not_an_object = _Unreadable(f"Line {line_number} is not a JSON object")
            items.append(item if isinstance(item, dict) else not_an_object)
    return items


def _json_error(error: json.JSONDecodeError) -> str:
    return f"{error.msg.lower()} at line {error.lineno}, column {error.colno}"


def _problems_in(index: int, error: ValidationError) -> list[ContactProblem]:
    problems = []
    for detail in error.errors(include_url=False):
        where = ".".join(str(part) for part in detail["loc"])
        if detail["type"] == _RULE_ERROR:
            for field, words in detail["ctx"]["problems"]:
                path = ".".join(part for part in (where, field) if part)
                problems.append(ContactProblem(index, path, words))
        else:
            problems.append(ContactProblem(index, where, _plain_words(detail)))
    return problems


_WORDS_FOR = {
    "extra_forbidden": f"Not a field of {SCHEMA}",
    "bool_type": "Must be true or false",
    "int_type": "Must be a whole number",
    "string_type": "Must be text",
    "string_unicode": "Must be text",
    "tuple_type": "Must be a list",
    "model_type": "Must be an object",
    "model_attributes_type": "Must be an object",
    "date_type": "Must be a date written YYYY-MM-DD",
    "datetime_type": "Must be a date and time like 2026-11-24T09:12:00+00:00",
}


def _plain_words(detail: Any) -> str:
    kind = detail["type"]
    if kind == "missing" or (detail.get("input", ...) is None and kind != "extra_forbidden"):
        return "This is required"
    if kind == "literal_error":
        return f"Must be {detail['ctx']['expected']}"
    return _WORDS_FOR.get(kind, detail["msg"])
