"""Small dialogs the case-work screens share: a reason, a yes/no, a choice with a reason, a user.

Each returns its answer through `dismiss` (None when cancelled) and works from the keyboard
alone: enter in the text box submits, escape cancels.
"""

from __future__ import annotations

from dataclasses import dataclass

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Footer, Input, OptionList, RadioButton, RadioSet, Static
from textual.widgets.option_list import Option

CANCEL = Binding("escape", "cancel", "Cancel", id="modal_cancel")


class Dialog(ModalScreen):
    CSS_PATH = "modals.tcss"
    BINDINGS = [CANCEL]

    def action_cancel(self) -> None:
        self.dismiss(None)

    def _complain(self, words: str) -> None:
        self.query_one(".modal-error", Static).update(Text(words))


class ReasonPrompt(Dialog):
    """Ask for a reason or a note; `required` refuses a blank answer."""

    def __init__(self, title: str, prompt: str, *, required: bool = True, initial: str = "",
                 submit_label: str = "OK") -> None:
        super().__init__()
        self.title_text = title
        self.prompt = prompt
        self.required = required
        self.initial = initial
        self.submit_label = submit_label

    def compose(self) -> ComposeResult:
        with Vertical(classes="modal-box"):
            yield Static(Text(self.title_text), classes="modal-title")
            yield Static(Text(self.prompt), classes="modal-prompt")
            yield Input(self.initial, id="modal-reason")
            yield Static("", classes="modal-error")
            with Horizontal(classes="modal-buttons"):
                yield Button(self.submit_label, variant="primary", id="modal-submit")
                yield Button("Cancel", id="modal-cancel")
        yield Footer()

    @on(Input.Submitted)
    @on(Button.Pressed, "#modal-submit")
    def _submit(self) -> None:
        answer = self.query_one("#modal-reason", Input).value.strip()
        if self.required and not answer:
            self._complain("A reason is needed.")
            return
        self.dismiss(answer)

    @on(Button.Pressed, "#modal-cancel")
    def _cancel(self) -> None:
        self.dismiss(None)


class ConfirmPrompt(Dialog):
    """A yes/no question; `y` and `n` answer it too."""

    BINDINGS = [
        CANCEL,
        Binding("y", "answer(True)", "Yes", id="modal_yes"),
        Binding("n", "answer(False)", "No", id="modal_no"),
    ]

    def __init__(self, question: str) -> None:
        super().__init__()
        self.question = question

    def compose(self) -> ComposeResult:
        with Vertical(classes="modal-box"):
            yield Static(Text(self.question), classes="modal-title")
            with Horizontal(classes="modal-buttons"):
                yield Button("Yes", variant="primary", id="modal-yes")
                yield Button("No", id="modal-no")
        yield Footer()

    def action_answer(self, answer: bool) -> None:
        self.dismiss(answer)

    def action_cancel(self) -> None:
        self.dismiss(False)

    @on(Button.Pressed)
    def _pressed(self, event: Button.Pressed) -> None:
        self.dismiss(event.button.id == "modal-yes")


@dataclass(frozen=True)
class ChoiceWithReason:
    choice: str
    reason: str


class ChoicePrompt(Dialog):
    """One of a few choices, and a reason.

    `reason_needed_unless` names the choice (usually the current one) that may go without a reason;
    None means a reason is always needed.
    """

    def __init__(self, title: str, choices: list[tuple[str, str]], *, initial: str | None = None,
                 reason_prompt: str = "Reason", reason_needed_unless: str | None = None,
                 submit_label: str = "OK") -> None:
        super().__init__()
        self.title_text = title
        self.choices = choices
        self.initial = initial if initial is not None else choices[0][0]
        self.reason_prompt = reason_prompt
        self.reason_needed_unless = reason_needed_unless
        self.submit_label = submit_label

    def compose(self) -> ComposeResult:
        with Vertical(classes="modal-box"):
            yield Static(Text(self.title_text), classes="modal-title")
            with RadioSet(id="modal-choice"):
                for value, label in self.choices:
                    yield RadioButton(Text(label), value=value == self.initial, name=value)
            yield Static(Text(self.reason_prompt), classes="modal-prompt")
            yield Input(id="modal-reason")
            yield Static("", classes="modal-error")
            with Horizontal(classes="modal-buttons"):
                yield Button(self.submit_label, variant="primary", id="modal-submit")
                yield Button("Cancel", id="modal-cancel")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#modal-choice", RadioSet).focus()

    def chosen(self) -> str | None:
        pressed = self.query_one("#modal-choice", RadioSet).pressed_button
        return pressed.name if pressed is not None else None

    @on(Input.Submitted)
    @on(Button.Pressed, "#modal-submit")
    def _submit(self) -> None:
        choice = self.chosen()
        reason = self.query_one("#modal-reason", Input).value.strip()
        if choice is None:
            self._complain("Choose one first.")
            return
        if not reason and choice != self.reason_needed_unless:
            self._complain("A reason is needed.")
            return
        self.dismiss(ChoiceWithReason(choice, reason))

    @on(Button.Pressed, "#modal-cancel")
    def _cancel(self) -> None:
        self.dismiss(None)


class ChooseUserPrompt(Dialog):
    """Pick one person from a list: (username, display name) pairs."""

    def __init__(self, title: str, users: list[tuple[str, str]]) -> None:
        super().__init__()
        self.title_text = title
        self.users = users

    def compose(self) -> ComposeResult:
        with Vertical(classes="modal-box"):
            yield Static(Text(self.title_text), classes="modal-title")
            options = [Option(Text(f"{name}  {display}" if display and display != name else name), id=name)
                       for name, display in self.users]
            yield OptionList(*options, id="modal-users")
            if not self.users:
                yield Static(Text("Nobody to choose from."), classes="modal-error")
            else:
                yield Static("", classes="modal-error")
            with Horizontal(classes="modal-buttons"):
                yield Button("Cancel", id="modal-cancel")
        yield Footer()

    @on(OptionList.OptionSelected)
    def _chosen(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(event.option.id)

    @on(Button.Pressed, "#modal-cancel")
    def _cancel(self) -> None:
        self.dismiss(None)
