"""Form fields bound to a place in a `mash.contact/1` record.

A field knows its key; the containers around it (`RecordPart`, `RecordList`, `RecordItem`) give
the rest of its path, so `children.1.dob` is wherever the second child's date of birth sits on
screen. Reading every field in screen order builds the record; writing puts a record back. Each
field turns what the officer typed into the record's value and back without losing anything, so
a draft reopens exactly as it was left, however wrong it still is.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Container
from textual.geometry import Size
from textual.widget import Widget
from textual.widgets import Checkbox, Input, Select, SelectionList, Static, TextArea

from mash_tui.clock import LONDON

PathPart = str | int

_WHOLE_NUMBER = re.compile(r"[+-]?\d+")
_DAY_MONTH_YEAR = re.compile(r"(\d{1,2})/(\d{1,2})/(\d{4})")
_LOCAL_TIME_FORMAT = "%Y-%m-%d %H:%M"


class RecordPart(Container):
    """An object of the record, such as `referrer`, held by the fields inside."""

    def __init__(self, *children: Widget, key: str, **kwargs: Any) -> None:
        super().__init__(*children, **kwargs)
        self.record_key = key


class RecordList(Container):
    """A list of objects of the record, such as `children`; its items are `RecordItem`s."""

    def __init__(self, *children: Widget, key: str, **kwargs: Any) -> None:
        super().__init__(*children, **kwargs)
        self.record_key = key

    @property
    def items(self) -> list[RecordItem]:
        return [child for child in self.children if isinstance(child, RecordItem)]


class RecordItem(Container):
    """One object in a `RecordList`; its place in the list is its position on screen."""

    @property
    def index(self) -> int:
        parent = self.parent
        assert isinstance(parent, RecordList)
        return parent.items.index(self)


def path_of(widget: Widget) -> list[PathPart]:
    """Where in the record the widget's value goes, from the containers around it."""
    parts: list[PathPart] = []
    node: Any = widget
    while node is not None:
        if isinstance(node, FormField):
            parts.append(node.key)
        elif isinstance(node, RecordItem):
            parts.append(node.index)
        elif isinstance(node, RecordPart | RecordList):
            parts.append(node.record_key)
        node = node.parent
    return list(reversed(parts))


def dotted(path: Iterable[PathPart]) -> str:
    return ".".join(str(part) for part in path)


def _place(record: dict[str, Any], path: list[PathPart], value: Any) -> None:
    target: Any = record
    for part, following in zip(path, path[1:], strict=False):
        empty: Any = [] if isinstance(following, int) else {}
        if isinstance(part, int):
            while len(target) <= part:
                target.append({} if not isinstance(following, int) else [])
            target = target[part]
        else:
            target = target.setdefault(part, empty)
    last = path[-1]
    if isinstance(last, int):
        while len(target) <= last:
            target.append(None)
    target[last] = value


def value_at(record: Any, path: list[PathPart]) -> Any:
    for part in path:
        if isinstance(part, int):
            if not isinstance(record, list) or part >= len(record):
                return None
        elif not isinstance(record, dict):
            return None
        else:
            record = record.get(part)
            continue
        record = record[part]
    return record


@dataclass(frozen=True)
class FormMap:
    """Where each field of a form sits in the record, worked out once for as long as the form keeps its shape.

    Autosave reads the whole form every few hundred milliseconds while the officer types, so
    the walk over the screen is done once, not on every read.
    """

    lists: list[list[PathPart]]
    fields: list[tuple[FormField, list[PathPart]]]

    @classmethod
    def of(cls, root: Widget) -> FormMap:
        return cls(
            [path_of(record_list) for record_list in root.query(RecordList)],
            [(field, path_of(field)) for field in root.query(FormField)],
        )

    def read(self) -> dict[str, Any]:
        """Every field, in screen order, as one record."""
        record: dict[str, Any] = {}
        for path in self.lists:
            _place(record, path, [])
        for field, path in self.fields:
            _place(record, path, field.read())
        return record

    def write(self, record: dict[str, Any]) -> None:
        """Put a record's values into the fields; the list items must already be there."""
        for field, path in self.fields:
            field.write(value_at(record, path))

    def by_path(self) -> dict[str, FormField]:
        return {dotted(path): field for field, path in self.fields}


def read_record(root: Widget) -> dict[str, Any]:
    return FormMap.of(root).read()


def write_record(root: Widget, record: dict[str, Any]) -> None:
    FormMap.of(root).write(record)


class FormField(Widget):
    """A label, a control and, under them, what is wrong with the value in words."""

    can_focus = False

    def __init__(self, key: str, label: str, *, classes: str = "", id: str | None = None) -> None:
        super().__init__(classes=f"form-field {classes}".strip(), id=id)
        self.key = key
        self.label = label
        self.problem: str | None = None
        self._control: Widget | None = None

    def compose(self) -> ComposeResult:
        yield Static(Text(self.label), classes="field-label")
        yield self.control

    def make_control(self) -> Widget:
        raise NotImplementedError

    @property
    def control(self) -> Widget:
        if self._control is None:
            self._control = self.make_control()
        return self._control

    @property
    def focus_target(self) -> Widget:
        return self.control

    def read(self) -> Any:
        raise NotImplementedError

    def write(self, value: Any) -> None:
        raise NotImplementedError

    def own_problem(self) -> str | None:
        """What this field can say about its own text before the record is checked as a whole."""
        return None

    def show_problem(self, words: str | None) -> None:
        if words == self.problem:
            return
        self.problem = words
        self.set_class(words is not None, "-invalid")
        # Made on first need: a form of seventy fields would otherwise carry seventy empty lines.
        errors = self.query(".field-error")
        if errors:
            errors.first(Static).update(Text(words or ""))
        elif words is not None:
            self.mount(Static(Text(words), classes="field-error"))


def _blank(text: str) -> bool:
    return not text.strip()


class FieldInput(Input):
    """A one-line input whose box never changes size with its text.

    Textual's Input treats each change of its scrollable width as a change of layout, which
    re-arranges the whole screen on every key; in a form of seventy fields that is most of the
    time a key takes. The width that scrolling needs is kept up to date without it.
    """

    def _watch_value(self, value: str) -> None:
        self.set_reactive(Widget.virtual_size, Size(self.content_width, 1))
        super()._watch_value(value)


class TextField(FormField):
    """Free text; empty is null, and anything else is kept exactly as typed."""

    def __init__(self, key: str, label: str, *, placeholder: str = "", classes: str = "") -> None:
        super().__init__(key, label, classes=classes)
        self.placeholder = placeholder

    def make_control(self) -> Widget:
        return FieldInput(placeholder=self.placeholder, compact=True, select_on_focus=False)

    @property
    def input(self) -> Input:
        control = self.control
        assert isinstance(control, Input)
        return control

    def read(self) -> Any:
        return self.from_text(self.input.value)

    def write(self, value: Any) -> None:
        self.input.value = self.to_text(value)

    def from_text(self, text: str) -> Any:
        return None if _blank(text) else text

    def to_text(self, value: Any) -> str:
        return "" if value is None else str(value)


class WholeNumberField(TextField):
    """A whole number; text that is not one is kept so the check can say so."""

    def from_text(self, text: str) -> Any:
        if _blank(text):
            return None
        stripped = text.strip()
        return int(stripped) if _WHOLE_NUMBER.fullmatch(stripped) else text


class DateField(TextField):
    """A date as the record writes it (YYYY-MM-DD); DD/MM/YYYY, as people say it here, also works."""

    def __init__(self, key: str, label: str, *, classes: str = "") -> None:
        super().__init__(key, label, placeholder="YYYY-MM-DD or DD/MM/YYYY", classes=classes)

    def from_text(self, text: str) -> Any:
        if _blank(text):
            return None
        found = _DAY_MONTH_YEAR.fullmatch(text.strip())
        if found:
            day, month, year = found.groups()
            return f"{year}-{int(month):02d}-{int(day):02d}"
        return text


class ListField(TextField):
    """A list of names, written with commas between them."""

    def __init__(self, key: str, label: str, *, classes: str = "") -> None:
        super().__init__(key, label, placeholder="separate with commas", classes=classes)

    def from_text(self, text: str) -> Any:
        return [part.strip() for part in text.split(",") if part.strip()]

    def to_text(self, value: Any) -> str:
        if isinstance(value, list | tuple):
            return ", ".join(str(part) for part in value)
        return "" if value is None else str(value)


class LocalTimeField(TextField):
    """A moment shown and typed in Europe/London time; the record keeps it with its UTC offset.

    A record's own wording of the moment is kept while the text still shows that moment, so a
    record read in and written back out is unchanged, whatever offset it was written with.
    """

    def __init__(self, key: str, label: str, *, classes: str = "") -> None:
        super().__init__(key, label, placeholder="YYYY-MM-DD HH:MM", classes=classes)
        self._given: tuple[str, str] | None = None

    def to_text(self, value: Any) -> str:
        self._given = None
        if value is None:
            return ""
        if isinstance(value, str):
            moment = _parse_moment(value)
            if moment is None:
                return value
            shown = moment.astimezone(LONDON).strftime(_LOCAL_TIME_FORMAT)
            self._given = (shown, value)
            return shown
        return str(value)

    def from_text(self, text: str) -> Any:
        if _blank(text):
            return None
        if self._given is not None and text == self._given[0]:
            return self._given[1]
        moment = _parse_moment(text.strip())
        return text if moment is None else moment.isoformat()

    def own_problem(self) -> str | None:
        text = self.input.value
        if _blank(text) or _parse_moment(text.strip()) is not None:
            return None
        return "Write the date and time as YYYY-MM-DD HH:MM"


def local_time_text(moment: datetime) -> str:
    return moment.astimezone(LONDON).strftime(_LOCAL_TIME_FORMAT)


def _parse_moment(text: str) -> datetime | None:
    """A moment with an offset, or a Europe/London wall-clock time without one."""
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=LONDON)
    return moment


class TickBox(Checkbox):
    """A checkbox whose box is empty until ticked, so "no" never looks like a faint "yes"."""

    @property
    def BUTTON_INNER(self) -> str:  # type: ignore[override]  # noqa: N802 - Textual's name
        return "X" if self.value else " "


class CheckField(FormField):
    """A yes/no that is no unless ticked; the words sit on the checkbox itself."""

    def make_control(self) -> Widget:
        return TickBox(Text(self.label), compact=True)

    def compose(self) -> ComposeResult:
        yield Static("", classes="field-label")
        yield self.control

    @property
    def checkbox(self) -> Checkbox:
        control = self.control
        assert isinstance(control, Checkbox)
        return control

    def read(self) -> Any:
        return self.checkbox.value

    def write(self, value: Any) -> None:
        self.checkbox.value = value is True


class ChoiceField(FormField):
    """One of a closed list; blank is null unless a choice is required."""

    def __init__(
        self,
        key: str,
        label: str,
        options: Iterable[tuple[str, Any]],
        *,
        allow_blank: bool = True,
        prompt: str = "Choose",
        classes: str = "",
    ) -> None:
        super().__init__(key, label, classes=classes)
        self.options = [(Text(words), value) for words, value in options]
        self.allow_blank = allow_blank
        self.prompt = prompt

    def make_control(self) -> Widget:
        return Select(self.options, allow_blank=self.allow_blank, prompt=self.prompt, compact=True)

    @property
    def select(self) -> Select:
        control = self.control
        assert isinstance(control, Select)
        return control

    def read(self) -> Any:
        value = self.select.value
        return None if value is Select.NULL else value

    def write(self, value: Any) -> None:
        known = [option for _, option in self.options]
        if value in known and not isinstance(value, bool):
            self.select.value = value
        elif self.allow_blank:
            self.select.clear()
        else:
            self.select.value = known[0]


_UNKNOWN, _YES, _NO = "unknown", "yes", "no"


class TriStateField(ChoiceField):
    """Yes, no or not known: for facts where silence must not read as "no"."""

    def __init__(self, key: str, label: str, *, classes: str = "") -> None:
        super().__init__(
            key, label, [("Not known", _UNKNOWN), ("Yes", _YES), ("No", _NO)], allow_blank=False, classes=classes
        )

    def read(self) -> Any:
        return {_YES: True, _NO: False}.get(self.select.value)

    def write(self, value: Any) -> None:
        self.select.value = _YES if value is True else _NO if value is False else _UNKNOWN


class NarrativeField(FormField):
    """Several lines of what the caller said."""

    def make_control(self) -> Widget:
        return TextArea(soft_wrap=True, tab_behavior="focus", compact=True, show_line_numbers=False)

    @property
    def text_area(self) -> TextArea:
        control = self.control
        assert isinstance(control, TextArea)
        return control

    def read(self) -> Any:
        text = self.text_area.text
        return None if _blank(text) else text

    def write(self, value: Any) -> None:
        text = "" if value is None else str(value)
        if self.text_area.text != text:
            self.text_area.load_text(text)


class ManyField(FormField):
    """Several of a short closed list, kept in the order they were chosen."""

    def __init__(self, key: str, label: str, options: Iterable[tuple[str, str]], *, classes: str = "") -> None:
        super().__init__(key, label, classes=classes)
        self.options = list(options)

    def make_control(self) -> Widget:
        return SelectionList[str](*[(Text(words), value) for words, value in self.options], compact=True)

    @property
    def selection_list(self) -> SelectionList[str]:
        control = self.control
        assert isinstance(control, SelectionList)
        return control

    def read(self) -> Any:
        return list(self.selection_list.selected)

    def write(self, value: Any) -> None:
        chosen = list(value) if isinstance(value, list | tuple) else []
        if chosen == self.selection_list.selected:
            return
        self.selection_list.deselect_all()
        known = {option for _, option in self.options}
        for option in chosen:
            if option in known:
                self.selection_list.select(option)
