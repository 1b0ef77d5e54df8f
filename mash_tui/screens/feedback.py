"""Telling the referrer the outcome: the dialog that records how, and the line that says when.

DOMAIN.md step 9: referrers should not have to chase for the outcome, so the decision screen says
whether they have been told, and `f` records each telling (by phone, then by letter, say).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Footer, Input, RadioButton, RadioSet, Static

from mash_tui.clock import to_local
from mash_tui.domain.codes import FEEDBACK_METHOD_LABELS, FEEDBACK_METHODS, feedback_words
from mash_tui.screens.modals import Dialog

if TYPE_CHECKING:
    from mash_tui.services.views import FeedbackView, ItemView


@dataclass(frozen=True)
class FeedbackForm:
    how: str
    note: str


class FeedbackPrompt(Dialog):
    """How the referrer was told, and an optional note; enter in the note records it."""

    def __init__(self, reference: str, referrer: str | None) -> None:
        super().__init__()
        self.reference = reference
        self.referrer = referrer

    def compose(self) -> ComposeResult:
        with Vertical(classes="modal-box"):
            title = Text(f"Referrer told the outcome of {self.reference}")
            if self.referrer:
                title.append(": ")
                title.append(self.referrer)
            yield Static(title, classes="modal-title")
            with RadioSet(id="feedback-how"):
                for method in FEEDBACK_METHODS:
                    yield RadioButton(FEEDBACK_METHOD_LABELS[method], value=method == FEEDBACK_METHODS[0],
                                      name=method)
            yield Static(Text("Note (optional): what was said, who took it"), classes="modal-prompt")
            yield Input(id="feedback-note")
            yield Static("", classes="modal-error")
            with Horizontal(classes="modal-buttons"):
                yield Button("Record feedback", variant="primary", id="modal-submit")
                yield Button("Cancel", id="modal-cancel")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#feedback-how", RadioSet).focus()

    @on(Input.Submitted)
    @on(Button.Pressed, "#modal-submit")
    def _submit(self) -> None:
        pressed = self.query_one("#feedback-how", RadioSet).pressed_button
        if pressed is None or not pressed.name:
            self._complain("Choose how the referrer was told.")
            return
        self.dismiss(FeedbackForm(pressed.name, self.query_one("#feedback-note", Input).value.strip()))

    @on(Button.Pressed, "#modal-cancel")
    def _cancel(self) -> None:
        self.dismiss(None)


def _when(given: FeedbackView) -> str:
    return to_local(given.at).strftime("%a %d %b %H:%M")


def recorded_words(given: FeedbackView) -> str:
    """The screen's message once recorded: "Feedback recorded: by phone, 10:32"."""
    return f"Feedback recorded: {feedback_words(given.how)}, {to_local(given.at).strftime('%H:%M')}"


def feedback_line(item: ItemView, has_outcome: bool, record: dict[str, Any] | None, *,
                  may_record: bool) -> Text | None:
    """Whether the referrer has been told the outcome; None where there is nothing to say yet."""
    if item.feedback:
        latest = item.feedback[-1]
        text = Text("Referrer told: ", style="bold")
        text.append(f"{feedback_words(latest.how)} {_when(latest)} by ")
        text.append(latest.by)
        if len(item.feedback) > 1:
            text.append(f" ({len(item.feedback)} times)")
        return text
    if not has_outcome:
        return None
    referrer = (record or {}).get("referrer") or {}
    text = Text("Referrer not yet told the outcome", style="bold")
    if referrer.get("wants_feedback") is True:
        text.append(" · they asked to be told")
    if may_record:
        text.append(" · f records it")
    return text
