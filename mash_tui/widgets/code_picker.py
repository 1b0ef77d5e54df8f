"""Choosing census codes by typing: the source of contact and the concern categories.

Officers know some codes by number ("2A") and most by name ("school"); both find the code.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from rich.text import Text
from textual import events, on
from textual.containers import Vertical
from textual.widget import Widget
from textual.widgets import Input, Select, SelectionList, Static
from textual.widgets._select import SelectOverlay

from mash_tui.widgets.field import ChoiceField, FieldInput, FormField


def code_label(code: str, name: str) -> Text:
    return Text(f"{code:<4} {name}")


class CodeSelect(Select[str]):
    """A drop-down that opens and searches as soon as the officer types, not only after Enter."""

    async def _on_key(self, event: events.Key) -> None:
        if self.expanded or not event.is_printable or event.character is None:
            return
        event.stop()
        event.prevent_default()
        self.action_show_overlay()
        overlay = self.query_one(SelectOverlay)
        overlay.post_message(events.Key(event.key, event.character))


class CodeField(ChoiceField):
    """One code of a census code list, found by typing part of its code or its name."""

    def __init__(self, key: str, label: str, codes: Mapping[str, str], *, classes: str = "") -> None:
        options = [(f"{code:<4} {name}", code) for code, name in codes.items()]
        super().__init__(key, label, options, prompt="Type to search the code list", classes=classes)

    def make_control(self) -> Widget:
        return CodeSelect(self.options, allow_blank=True, prompt=self.prompt, compact=True)


class CategoryPicker(FormField):
    """Concern categories: type to narrow the list, space to tick, in the order they were ticked."""

    def __init__(self, key: str, label: str, codes: Mapping[str, str], *, classes: str = "") -> None:
        super().__init__(key, label, classes=classes)
        self.codes = dict(codes)
        self._chosen: list[str] = []
        self._control = self.make_control()

    def make_control(self) -> Widget:
        # Held directly, not looked up: the form is read once more while its screen is closing.
        self.filter_input = FieldInput(
            placeholder="type a code or words to narrow the list", compact=True, classes="category-filter"
        )
        self.selection_list = SelectionList[str](*self._options(""), compact=True, classes="category-list")
        self.summary = Static(self._summary(), classes="category-summary")
        return Vertical(self.filter_input, self.selection_list, self.summary, classes="category-picker")

    @property
    def focus_target(self) -> Widget:
        return self.filter_input

    def _matches(self, query: str) -> list[str]:
        words = query.strip().lower()
        if not words:
            return list(self.codes)
        return [
            code
            for code, name in self.codes.items()
            if code.lower().startswith(words) or words in name.lower() or words in f"{code} {name}".lower()
        ]

    def _options(self, query: str) -> list[tuple[Text, str, bool]]:
        return [(code_label(code, self.codes[code]), code, code in self._chosen) for code in self._matches(query)]

    def _summary(self) -> Text:
        if not self._chosen:
            return Text("None ticked yet", style="italic")
        return Text("Ticked: " + "; ".join(f"{code} {self.codes.get(code, '')}".strip() for code in self._chosen))

    def _take_ticks(self) -> None:
        """Bring the ticks of the codes on show into the chosen list; those filtered out stay as they were."""
        if not self.is_mounted:
            return
        on_show = {option.value for option in self.selection_list.options}  # type: ignore[attr-defined]
        ticked = self.selection_list.selected
        kept = [code for code in self._chosen if code not in on_show or code in ticked]
        self._chosen = kept + [code for code in ticked if code not in kept]

    def _refresh_summary(self) -> None:
        self.summary.update(self._summary())

    @on(Input.Changed, ".category-filter")
    def _narrow(self, event: Input.Changed) -> None:
        event.stop()
        self._take_ticks()
        self._show_matches(event.value)

    def _show_matches(self, query: str) -> None:
        selection_list = self.selection_list
        selection_list.clear_options()
        selection_list.add_options(self._options(query))
        if selection_list.option_count:
            selection_list.highlighted = 0

    @on(Input.Submitted, ".category-filter")
    def _to_list(self, event: Input.Submitted) -> None:
        event.stop()
        self.selection_list.focus()

    @on(SelectionList.SelectedChanged, ".category-list")
    def _ticked(self) -> None:
        self._take_ticks()
        self._refresh_summary()

    def read(self) -> Any:
        self._take_ticks()
        return list(self._chosen)

    def write(self, value: Any) -> None:
        chosen = [str(code) for code in value] if isinstance(value, list | tuple) else []
        self._take_ticks()
        if chosen == self._chosen:
            return
        self._chosen = chosen
        self._show_matches(self.filter_input.value)
        self._refresh_summary()
