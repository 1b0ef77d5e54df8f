"""The police notification record: the `mash.notification/1` exchange format of DOMAIN.md section 9.

Validated like `mash.contact/1` (see `mash_tui.domain.contact`): unknown keys, bad dates and a
missing `police_ref` are refused naming the record's index and the field, and one bad record
refuses the whole file.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StrictBool,
    StrictInt,
    ValidationError,
    field_serializer,
    field_validator,
    model_validator,
)

# The reading of blank text, dates and times, and of JSON arrays or lines, is the contact record's,
# so a notification file and a contact file are read by the same rules.
from mash_tui.domain.contact import (
    _RULE_ERROR,
    ContactFileError,
    _blank_as_none,
    _calendar_date,
    _raw_contacts,
    _refuse,
    _time_with_offset,
    _Unreadable,
    local_date,
)
from mash_tui.domain.codes import Sex

SCHEMA = "mash.notification/1"
DASH_QUESTIONS: tuple[str, ...] = tuple(f"q{number}" for number in range(1, 28))
Grade = Literal["standard", "medium", "high"]
GRADES: tuple[Grade, ...] = ("standard", "medium", "high")  # lowest first
DashAnswer = Literal["yes", "no", "not_known"]
IncidentType = Literal["domestic_abuse", "missing", "child_concern", "vulnerable_adult"]


def _absent_as_false(value: Any) -> Any:
    return False if _blank_as_none(value) is None else value


Text = Annotated[str | None, BeforeValidator(_blank_as_none)]
RequiredText = Annotated[str, BeforeValidator(_blank_as_none)]
FalseUnlessTrue = Annotated[StrictBool, BeforeValidator(_absent_as_false)]
CalendarDate = Annotated[date | None, BeforeValidator(_calendar_date)]
TimeWithOffset = Annotated[datetime, BeforeValidator(_time_with_offset)]


def _not_negative(value: int) -> int:
    if value < 0:
        raise _refuse(("", "Must be a whole number, 0 or more"))
    return value


class _Record(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Person(_Record):
    first_name: Text = None
    last_name: Text = None
    dob: CalendarDate = None
    sex: Annotated[Sex | None, BeforeValidator(_blank_as_none)] = None
    address: Text = None
    postcode: Text = None

    @property
    def display_name(self) -> str:
        return " ".join(name for name in (self.first_name, self.last_name) if name) or "unnamed"


class Perpetrator(Person):
    visor_subject: FalseUnlessTrue = False
    serial_offender: FalseUnlessTrue = False


class School(_Record):
    name: RequiredText
    urn: Text = None


class NotifiedChild(Person):
    present: FalseUnlessTrue = False
    school: School | None = None


class Location(_Record):
    address: Text = None
    postcode: Text = None


class Dash(_Record):
    """The 27 DASH questions, each answered; a victim who declined has no `dash` at all."""

    answers: dict[str, DashAnswer]

    @field_validator("answers", mode="before")
    @classmethod
    def _every_question_once(cls, answers: Any) -> Any:
        if not isinstance(answers, dict):
            return answers
        problems = [(key, "Not a DASH question; they are q1 to q27") for key in answers
                    if key not in DASH_QUESTIONS]
        problems += [(question, "This DASH question has no answer") for question in DASH_QUESTIONS
                     if question not in answers]
        if problems:
            raise _refuse(*problems)
        return answers

    @property
    def yes_count(self) -> int:
        return sum(answer == "yes" for answer in self.answers.values())


class Officer(_Record):
    name: Text = None
    collar_number: Text = None


class Notification(_Record):
    schema_version: Literal["mash.notification/1"] = Field(default=SCHEMA, alias="schema")
    police_ref: RequiredText
    received_at: TimeWithOffset
    incident_at: TimeWithOffset
    incident_type: IncidentType
    location: Location = Location()
    victim: Person
    perpetrator: Perpetrator | None = None
    children: tuple[NotifiedChild, ...]
    dash: Dash | None = None
    officer_grade: Grade
    previous_incidents_12m: Annotated[StrictInt, AfterValidator(_not_negative)] = 0
    narrative: RequiredText
    officer: Officer | None = None

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    @field_validator("location", mode="before")
    @classmethod
    def _no_location_is_empty(cls, value: Any) -> Any:
        return Location() if value is None else value

    @field_validator("children")
    @classmethod
    def _at_least_one_child(cls, children: tuple[NotifiedChild, ...]) -> tuple[NotifiedChild, ...]:
        if not children:
            raise _refuse(("", "A notification needs at least one child"))
        return children

    @model_validator(mode="after")
    def _times_agree(self) -> Notification:
        problems = []
        if self.incident_at > self.received_at:
            problems.append(("incident_at", "The incident is after the notification was received"))
        incident_day = local_date(self.incident_at)
        people = [("victim", self.victim), ("perpetrator", self.perpetrator)]
        people += [(f"children.{position}", child) for position, child in enumerate(self.children)]
        for where, person in people:
            if person is not None and person.dob is not None and person.dob > incident_day:
                problems.append((f"{where}.dob", "Date of birth is after the incident"))
        if problems:
            raise _refuse(*problems)
        return self

    @field_serializer("received_at", "incident_at")
    def _iso_with_offset(self, value: datetime) -> str:
        return value.isoformat()

    @property
    def dash_score(self) -> int | None:
        """The number of `yes` answers; None when the victim declined the questions."""
        return None if self.dash is None else self.dash.yes_count


def notification_to_json(notification: Notification) -> dict[str, Any]:
    return notification.model_dump(mode="json", by_alias=True)


@dataclass(frozen=True)
class NotificationProblem:
    index: int | None  # which object in the file, counting from 0; None for the file as a whole
    field: str
    problem: str

    def __str__(self) -> str:
        if self.index is None:
            return f"the file: {self.problem}"
        where = f"notification {self.index}, {self.field}" if self.field else f"notification {self.index}"
        return f"{where}: {self.problem}"


class NotificationFileError(ValueError):
    """Notifications that cannot be read; nothing from the file may be used."""

    def __init__(self, problems: list[NotificationProblem]) -> None:
        self.problems = problems
        more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
        super().__init__(f"{problems[0]}{more}")


def validate_notification(raw: Any, index: int = 0) -> Notification:
    try:
        return Notification.model_validate(raw)
    except ValidationError as error:
        raise NotificationFileError(_problems_in(index, error)) from None


def parse_notifications(text: str) -> list[Notification]:
    """Notifications from a JSON array, a single object, or JSON lines; all of them or none.

    The same `police_ref` twice in one file is refused: it is one occurrence, unique per force.
    """
    try:
        raws = _raw_contacts(text)
    except ContactFileError as error:
        raise NotificationFileError(
            [NotificationProblem(None, "", problem.problem.replace("contact", "notification"))
             for problem in error.problems]
        ) from None
    problems: list[NotificationProblem] = []
    notifications = []
    first_index_of: dict[str, int] = {}
    for index, raw in enumerate(raws):
        if isinstance(raw, _Unreadable):
            problems.append(NotificationProblem(index, "", raw.problem.replace("contact", "notification")))
            continue
        try:
            notification = Notification.model_validate(raw)
        except ValidationError as error:
            problems.extend(_problems_in(index, error))
            continue
        earlier = first_index_of.setdefault(notification.police_ref, index)
        if earlier != index:
            problems.append(NotificationProblem(
                index, "police_ref", f"{notification.police_ref} is also notification {earlier} in this file"))
        notifications.append(notification)
    if problems:
        raise NotificationFileError(problems)
    return notifications


def _problems_in(index: int, error: ValidationError) -> list[NotificationProblem]:
    problems = []
    for detail in error.errors(include_url=False):
        where = ".".join(str(part) for part in detail["loc"])
        if detail["type"] == _RULE_ERROR:
            for field, words in detail["ctx"]["problems"]:
                path = ".".join(part for part in (where, field) if part)
                problems.append(NotificationProblem(index, path, words))
        else:
            problems.append(NotificationProblem(index, where, _plain_words(detail)))
    return problems


_WORDS_FOR = {
    "extra_forbidden": f"Not a field of {SCHEMA}",
    "bool_type": "Must be true or false",
    "int_type": "Must be a whole number",
    "string_type": "Must be text",
    "string_unicode": "Must be text",
    "tuple_type": "Must be a list",
    "dict_type": "Must be an object",
    "model_type": "Must be an object",
    "model_attributes_type": "Must be an object",
}


def _plain_words(detail: Any) -> str:
    kind = detail["type"]
    if kind == "missing" or (detail.get("input", ...) is None and kind != "extra_forbidden"):
        return "This is required"
    if kind == "literal_error":
        return f"Must be {detail['ctx']['expected']}"
    return _WORDS_FOR.get(kind, detail["msg"])
