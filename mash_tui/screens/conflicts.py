"""Sync conflicts, for a supervisor to see and resolve.

Two machines that edited the same field offline from the same version both reach the shared
database: it keeps the first value in force and sets the other aside as a conflict, never
overwriting it silently. Here a supervisor sees each open conflict, both values side by side,
and keeps one: `s` the shared database's, `c` the other machine's (which then becomes a new
version every machine receives). Conflicts live only in the shared database, so without one this
screen says so; every read and write runs in a worker.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.message import Message
from textual.widgets import DataTable, Footer, Static

from mash_tui.clock import to_local
from mash_tui.domain.roles import Actor
from mash_tui.printable import printable
from mash_tui.screens.base import DeskScreen
from mash_tui.screens.modals import ConfirmPrompt
from mash_tui.widgets.conflict_detail import author_words, conflict_detail, field_differences, what_text
from mash_tui.widgets.safe_text import safe_text
from mash_tui.widgets.status_bar import StatusBar

if TYPE_CHECKING:
    from mash_tui.services.context import Context
    from mash_tui.services.views import ConflictView

LOAD_GROUP = "conflicts-load"
ID_WIDTH = 3
WHAT_WIDTH = 26
AUTHOR_WIDTH = 10
RAISED_WIDTH = 12
# Each column's cell padding, and the scrollbar: the rest of the terminal goes to the field names.
TABLE_FRAME = 12
MIN_FIELDS_WIDTH = 14

NO_SHARED_DATABASE = (
    "No shared database is set up on this machine (MASH_SHARED_DB or --shared). Conflicts are "
    "raised and kept there, when two machines edit the same field offline: there are none to show here."
)


def conflict_row(view: ConflictView) -> tuple[Text, ...]:
    """One table row: what, whose edit was set aside, when (London), and which fields differ."""
    fields = Text("resolved · ", style="italic") if view.resolution is not None else Text()
    fields.append_text(safe_text(", ".join(difference.label for difference in field_differences(view))))
    row = (
        Text(str(view.id)),
        what_text(view),
        safe_text(view.author or "—"),
        Text(to_local(view.raised_at).strftime("%d %b %H:%M")),
        fields,
    )
    if view.resolution is not None:
        for cell in row:
            cell.stylize("dim")
    return row


class ConflictsScreen(DeskScreen[None]):
    CSS_PATH = "conflicts.tcss"
    MESSAGE_LINE = "#conflicts-message"
    BINDINGS = [
        Binding("s", "keep('server')", "Keep shared", id="conflicts_keep_server"),
        Binding("c", "keep('client')", "Keep other", id="conflicts_keep_client"),
        Binding("a", "toggle_resolved", "Resolved too", id="conflicts_toggle_resolved"),
        Binding("r", "reload", "Refresh", id="conflicts_refresh"),
        Binding("escape", "back", "Back", id="conflicts_back"),
    ]

    @dataclass
    class Loaded(Message):
        generation: int
        # None: no shared database is configured, so there is nothing to list.
        conflicts: list[ConflictView] | None
        # Why the shared database could not be read, when it could not.
        trouble: str | None = None

    def __init__(self, actor: Actor) -> None:
        super().__init__()
        self.actor = actor
        self.conflicts: list[ConflictView] = []
        self.include_resolved = False
        # Loads can overlap (a refresh while the sync loop's reload is still connecting): only the newest shows.
        self._generation = 0
        self._shown_generation = 0

    def compose(self) -> ComposeResult:
        yield StatusBar()
        yield Static(Text("Sync conflicts"), id="conflicts-title", classes="screen-title")
        yield Static(Text("Loading…"), id="conflicts-state")
        table: DataTable[Text] = DataTable(id="conflicts-table", cursor_type="row", zebra_stripes=True)
        fixed = ID_WIDTH + WHAT_WIDTH + AUTHOR_WIDTH + RAISED_WIDTH + TABLE_FRAME
        table.add_column("#", key="id", width=ID_WIDTH)
        table.add_column("What", key="what", width=WHAT_WIDTH)
        table.add_column("Edit by", key="author", width=AUTHOR_WIDTH)
        table.add_column("Raised", key="raised", width=RAISED_WIDTH)
        table.add_column("Fields", key="fields", width=max(MIN_FIELDS_WIDTH, self.app.size.width - fixed))
        yield table
        with VerticalScroll(id="conflicts-detail-box"):
            yield Static("", id="conflicts-detail")
        yield Static("", id="conflicts-message", classes="action-message")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#conflicts-table", DataTable).display = False
        self.query_one("#conflicts-detail-box").display = False
        # A sync round may have brought the other machine's edit, or another supervisor's resolution.
        self.follow_sync_rounds()
        self.action_reload()

    # -- loading ----------------------------------------------------------------------------

    def action_reload(self) -> None:
        self._generation += 1
        self._load(self._generation, self.include_resolved)

    def action_toggle_resolved(self) -> None:
        self.include_resolved = not self.include_resolved
        self.action_reload()

    def action_back(self) -> None:
        self.app.pop_screen()

    @work(thread=True, exclusive=True, group=LOAD_GROUP, exit_on_error=False)
    def _load(self, generation: int, include_resolved: bool) -> None:
        from mash_tui.sync.conflicts import list_conflicts
        from mash_tui.sync.errors import SharedDatabaseUnavailable

        ctx = self.app.context_when_ready()
        if not ctx.shared_url:
            self.post_message(self.Loaded(generation, None))
            return
        try:
            conflicts = list_conflicts(ctx, self.actor, include_resolved=include_resolved)
        except SharedDatabaseUnavailable as error:
            # Not a fault of this screen: said in its place, and `r` tries again.
            self.post_message(self.Loaded(generation, [], trouble=str(error)))
            return
        self.post_message(self.Loaded(generation, conflicts))

    @on(Loaded)
    def _loaded(self, message: Loaded) -> None:
        if message.generation < self._shown_generation:
            return
        self._shown_generation = message.generation
        self.show_conflicts(message.conflicts or [])
        if message.conflicts is None:
            self._show_state(Text(NO_SHARED_DATABASE), title="Sync conflicts")
        elif message.trouble is not None:
            words = safe_text(message.trouble)
            words.append(". Conflicts are kept there: r tries again.")
            self._show_state(words, title="Sync conflicts")

    def show_conflicts(self, conflicts: list[ConflictView]) -> None:
        """Fill the table and the detail from `conflicts`, keeping the highlighted conflict where it is."""
        table = self.query_one("#conflicts-table", DataTable)
        highlighted = self._highlighted()
        self.conflicts = conflicts
        table.clear()
        table.add_rows(conflict_row(view) for view in conflicts)
        keep_at = next((index for index, view in enumerate(conflicts)
                        if highlighted is not None and view.id == highlighted.id), 0)
        if conflicts:
            table.move_cursor(row=keep_at, animate=False)
        open_count = sum(1 for view in conflicts if view.resolution is None)
        title = f"Sync conflicts · {open_count} open"
        if self.include_resolved:
            title += f" · {len(conflicts) - open_count} resolved (a hides them)"
        if conflicts:
            self._show_state(None, title=title)
        else:
            self._show_state(Text("No conflicts: no two offline edits of the same field are waiting for a "
                                  "supervisor." if not self.include_resolved else "No conflicts, open or resolved."),
                             title=title)
        self._describe()

    def _show_state(self, words: Text | None, *, title: str | None = None) -> None:
        """A sentence in place of the table (no database, none reachable, none to show), or the table."""
        state = self.query_one("#conflicts-state", Static)
        state.display = words is not None
        state.update(words or "")
        has_rows = words is None
        table = self.query_one("#conflicts-table", DataTable)
        table.display = has_rows
        self.query_one("#conflicts-detail-box").display = has_rows
        if has_rows and self.focused is None:
            # A hidden table cannot keep the focus; the arrow keys need it back once there are rows.
            table.focus()
        if title is not None:
            self.query_one("#conflicts-title", Static).update(Text(title))

    def _highlighted(self) -> ConflictView | None:
        row = self.query_one("#conflicts-table", DataTable).cursor_row
        return self.conflicts[row] if 0 <= row < len(self.conflicts) else None

    @on(DataTable.RowHighlighted, "#conflicts-table")
    def _describe(self) -> None:
        self.query_one("#conflicts-detail", Static).update(conflict_detail(self._highlighted()))
        self.refresh_bindings()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "keep":
            chosen = self._highlighted()
            # Shown but greyed when there is nothing open to resolve.
            return True if chosen is not None and chosen.resolution is None else None
        return True

    # -- resolving --------------------------------------------------------------------------

    def action_keep(self, side: str) -> None:
        chosen = self._highlighted()
        if chosen is None or chosen.resolution is not None:
            return
        what = f"#{chosen.id} ({what_text(chosen).plain})"
        edit = f"{author_words(chosen)} edit from the other machine"
        if side == "server":
            question = (f"Keep the shared database's value for {what}? {edit.capitalize()} is set aside "
                        "and the conflict is closed.")
            done = f"Conflict #{chosen.id} resolved: the shared database's value stays."
        else:
            question = (f"Put {edit} in place of the shared database's value for {what}? "
                        "Every machine receives it, and the conflict is closed.")
            done = f"Conflict #{chosen.id} resolved: {edit} is now in force on every machine."
        conflict_id = chosen.id

        def resolve(confirmed: bool | None) -> None:
            if confirmed:
                self._resolve(conflict_id, side, done)

        self.app.push_screen(ConfirmPrompt(printable(question)), resolve)

    def _resolve(self, conflict_id: int, side: str, done: str) -> None:
        def resolve(ctx: Context) -> None:
            from mash_tui.sync.conflicts import resolve_conflict

            resolve_conflict(ctx, self.actor, conflict_id, keep=side)

        def resolved(_: None) -> None:
            self.say(done)
            self.action_reload()

        self.run_service(resolve, resolved, group="conflicts-action")

    def show_refusal(self, words: str) -> None:
        # Resolved meanwhile by another supervisor, or the shared database is out of reach.
        super().show_refusal(words)
        self.action_reload()
