"""The audit trail for supervisors: who looked at this child's record, and who did what.

Filter by a subject reference (a contact or item reference, or a row id) and by user name. Each
read is itself recorded in the trail by the service, so looking here leaves a trace too.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.message import Message
from textual.widgets import DataTable, Footer, Input, Label, Static

from mash_tui.clock import to_local
from mash_tui.domain.roles import Actor
from mash_tui.widgets.safe_text import safe_text
from mash_tui.widgets.status_bar import StatusBar
from mash_tui.screens.base import DeskScreen

if TYPE_CHECKING:
    from mash_tui.services.views import AuditEntry

SHOWN_EVENTS = 500
COLUMNS = (
    ("When", "when", 15),
    ("Who", "who", 10),
    ("Role", "role", 14),
    ("What", "what", 20),
    ("Subject", "subject", 13),
    ("Details", "details", None),
)


def _details(details: dict[str, Any]) -> str:
    return "; ".join(f"{key} {value}" for key, value in details.items() if value not in (None, "", [], {}))


class AuditScreen(DeskScreen[None]):
    """Audit events, newest first, for one subject or user or for everyone."""

    CSS_PATH = "audit.tcss"

    AUTO_FOCUS = "#audit-subject"
    BINDINGS = [
        Binding("f5", "reload", "Refresh", id="audit_refresh"),
        Binding("f6", "clear_filters", "Clear filters", id="audit_clear_filters"),
        Binding("escape", "back", "Back", id="audit_back"),
    ]

    @dataclass
    class Loaded(Message):
        entries: list[AuditEntry]
        subject: str | None
        user: str | None

    def __init__(self, actor: Actor, subject: str | None = None, user: str | None = None) -> None:
        super().__init__()
        self.actor = actor
        self.initial_subject = subject or ""
        self.initial_user = user or ""

    def compose(self) -> ComposeResult:
        yield StatusBar()
        yield Static(Text("Audit trail: who looked at or changed a record"), classes="screen-title")
        with Horizontal(id="audit-filters"):
            yield Label("Subject")
            yield Input(self.initial_subject, id="audit-subject", placeholder="reference, e.g. C-ABCD-00012")
            yield Label("User")
            yield Input(self.initial_user, id="audit-user", placeholder="user name")
        table: DataTable[Text] = DataTable(id="audit-table", cursor_type="row", zebra_stripes=True)
        for label, key, width in COLUMNS:
            table.add_column(label, key=key, width=width)
        yield table
        yield Static(Text("Loading…"), id="audit-summary")
        yield Footer()

    def on_mount(self) -> None:
        self.action_reload()

    @on(Input.Submitted)
    def action_reload(self) -> None:
        subject = self.query_one("#audit-subject", Input).value.strip() or None
        user = self.query_one("#audit-user", Input).value.strip() or None
        self._load(subject, user)

    def action_clear_filters(self) -> None:
        for selector in ("#audit-subject", "#audit-user"):
            self.query_one(selector, Input).value = ""
        self.action_reload()

    def action_back(self) -> None:
        self.app.pop_screen()

    @work(thread=True, exclusive=True, group="audit", exit_on_error=False)
    def _load(self, subject: str | None, user: str | None) -> None:
        from mash_tui.services.audit import show_audit

        entries = show_audit(self.app.context_when_ready(), self.actor,
                             subject=subject, user=user, limit=SHOWN_EVENTS)
        self.post_message(self.Loaded(entries, subject, user))

    @on(Loaded)
    def _show(self, message: Loaded) -> None:
        table = self.query_one("#audit-table", DataTable)
        table.clear()
        table.add_rows(
            [
                (
                    Text(to_local(entry.occurred_at).strftime("%d %b %H:%M:%S")),
                    safe_text(entry.actor),
                    safe_text(entry.role),
                    safe_text(entry.action),
                    safe_text(entry.subject_ref or entry.entity_id or "—"),
                    safe_text(_details(entry.details)),
                )
                for entry in reversed(message.entries)
            ]
        )
        filters = [f"about {message.subject}" if message.subject else "", f"by {message.user}" if message.user else ""]
        scope = " ".join(part for part in filters if part) or "by anyone, about anything"
        count = len(message.entries)
        latest = f"the latest {count}" if count == SHOWN_EVENTS else str(count)
        self.query_one("#audit-summary", Static).update(
            safe_text(f"{latest} event{'s' if count != 1 else ''} {scope}, newest first")
        )
