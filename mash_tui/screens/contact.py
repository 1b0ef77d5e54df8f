"""Capturing a contact while the caller is on the line, and reading one once it is submitted.

The form is the `mash.contact/1` record laid out in the order a call goes. Everything typed is on
disk within a second as a draft, so a crash loses at most the last second. A submitted contact is
shown read-only with its versions; a correction becomes the next version.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from rich.text import Text
from textual import events, on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.message import Message
from textual.timer import Timer
from textual.widget import Widget
from textual.widgets import Button, Checkbox, Footer, Input, Select, SelectionList, Static, TextArea
from textual.worker import Worker, WorkerState

from mash_tui.clock import to_local
from mash_tui.domain.contact import SCHEMA
from mash_tui.domain.draft import draft_problems
from mash_tui.domain.roles import Actor, may
from mash_tui.screens.draft_saver import Danger, DraftSaver, OnceSaved
from mash_tui.screens.contact_form import ENTRY_BLOCKS, SECTIONS, ChildBlock, EntryBlock, FormSection, form_sections
from mash_tui.widgets.field import (
    CheckField,
    FormField,
    FormMap,
    RecordList,
    TextField,
)
from mash_tui.widgets.status_bar import StatusBar
from mash_tui.screens.base import DeskScreen
from mash_tui.screens.modals import ConfirmPrompt

# The form's blocks live in contact_form; the screen is where callers (and tests) find the form's parts.
__all__ = ["AUTOSAVE_SECONDS", "SECTIONS", "ChildBlock", "ContactScreen"]

if TYPE_CHECKING:
    from mash_tui.services.context import Context
    from mash_tui.services.views import ContactView, DraftView, ItemView

# Well inside the promise that every change is on disk within a second, with room for the
# save in flight when the change was made.
AUTOSAVE_SECONDS = 0.4
PERSIST_GROUP = "contact-persist"

@dataclass(frozen=True)
class PersistJob:
    """One trip to the store: start or save the draft, then perhaps raise danger or submit."""

    draft_id: str | None
    form: dict[str, Any] | None  # None when the store already holds what is on screen
    raise_danger: bool = False
    submit: bool = False
    seen: dict[str, Any] = field(default_factory=dict)  # the form on screen, whether or not it is saved


class ContactScreen(DeskScreen[None]):
    """A new contact, an unsent draft (`draft_id`), or a submitted contact read-only (`reference`)."""

    CSS_PATH = "contact.tcss"

    AUTO_FOCUS = None
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (110, "-wide")]
    BINDINGS = [
        Binding("ctrl+s", "save", "Save", id="contact_save", priority=True),
        Binding("f9", "submit", "Submit", id="contact_submit", priority=True),
        # Not ctrl+k, which the text fields keep for deleting to the end of the line.
        Binding("ctrl+r", "checks", "Checks", id="contact_checks", priority=True),
        Binding("ctrl+n", "next_section", "Next section", id="contact_next_section", priority=True),
        Binding("alt+c", "add_entry('children')", "Add child", id="contact_add_child", priority=True),
        Binding("alt+a", "add_entry('adults')", "Add adult", id="contact_add_adult", priority=True),
        Binding("alt+g", "add_entry('other_agencies')", "Add agency", id="contact_add_agency", priority=True),
        Binding("alt+r", "remove_entry", "Remove entry", id="contact_remove_entry", priority=True),
        Binding("e", "correct", "Correct", id="contact_correct"),
        Binding("left_square_bracket", "show_version(-1)", "Older version", id="contact_older_version"),
        Binding("right_square_bracket", "show_version(1)", "Newer version", id="contact_newer_version"),
        *[
            Binding(",".join(dict.fromkeys([jump.lower(), f"alt+{number}"])), f"section('{key}')", title,
                    id=f"contact_section_{key}", priority=True)
            for number, (key, title, jump) in enumerate(SECTIONS, start=1)
        ],
        Binding("escape", "back", "Back", id="contact_back"),
    ]

    @dataclass
    class Persisted:
        """How a trip to the store went: what it stored before any refusal, and the refusal."""

        job: PersistJob
        draft: DraftView | None = None
        item: ItemView | None = None
        contact: ContactView | None = None
        error: str | None = None
        problems: list[Any] = field(default_factory=list)

    @dataclass(frozen=True)
    class Corrected:
        """A correction stored (`contact`), or why not."""

        contact: ContactView | None
        error: str | None = None
        problems: list[Any] = field(default_factory=list)

    def __init__(self, actor: Actor, draft_id: str | None = None, reference: str | None = None) -> None:
        super().__init__()
        self.actor = actor
        self.mode = "loading" if draft_id or reference else "draft"
        self._draft_id = draft_id
        self._reference = reference
        self._saved: dict[str, Any] | None = None
        self._baseline: dict[str, Any] = {}
        self._saved_at: str | None = None
        self._timer: Timer | None = None
        self._saver = DraftSaver()
        self._versions: list[ContactView] = []
        self._shown_version = -1
        self._current_section = 0
        self._lines_shown: dict[str, str] = {}
        self._form_map: FormMap | None = None
        self._holders: list[Widget] | None = None
        # Set by the thread that saves, read by the one that makes the last save on leaving.
        self._store_lock = threading.Lock()
        self._stored_draft_id = draft_id
        self._submitted = False
        self._persisting: ContactScreen.Persisted | None = None

    @property
    def _saving(self) -> bool:
        """A trip to the store is on its way (read by the capture tests, which wait on it)."""
        return self._saver.saving

    @property
    def _danger_raised(self) -> bool:
        """The queue holds this contact as RED (read by the capture tests)."""
        return self._saver.danger is Danger.RAISED

    # Layout

    def compose(self) -> ComposeResult:
        yield StatusBar()
        yield Static("", id="contact-title", classes="screen-title")
        yield Static("", id="contact-state")
        yield Static("", id="danger-banner")
        yield Static("", id="form-problems")
        with VerticalScroll(id="contact-form", can_focus=False):
            yield from form_sections()
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#danger-banner").display = False
        self.query_one("#form-problems").display = False
        if self.mode == "draft":
            self.call_after_refresh(self._start_new)
        elif self._reference is not None:
            self._show_title()
            self._load_contact(self._reference)
        else:
            self._show_title()
            self._load_draft(self._draft_id)

    async def _start_new(self) -> None:
        await self._set_entries("children", 1)
        record = {"received_at": self.app.clock.now().replace(microsecond=0).isoformat(), "channel": "phone"}
        self.form_map.write(record)
        self._baseline = self._read()
        self._show_title()
        self._focus_first_field()

    @property
    def form(self) -> VerticalScroll:
        return self.query_one("#contact-form", VerticalScroll)

    @property
    def form_map(self) -> FormMap:
        if self._form_map is None:
            self._form_map = FormMap.of(self.form)
        return self._form_map

    def _reshaped(self) -> None:
        """Children, adults or agencies came or went: the fields' places in the record moved."""
        self._form_map = None
        self._holders = None

    @property
    def holders(self) -> list[Widget]:
        """Every field and section that can show a problem, then the form's banner, in screen order.

        Walked once for as long as the form keeps its shape: leaving a field checks the form, and a
        walk over the screen's few hundred widgets on every Tab kept the next key waiting.
        """
        if self._holders is None:
            self._holders = [*self.query("FormField, FormSection"), self.query_one("#form-problems", Static)]
        return self._holders

    @property
    def sections(self) -> list[FormSection]:
        return [holder for holder in self.holders if isinstance(holder, FormSection)]

    def _read(self) -> dict[str, Any]:
        return {"schema": SCHEMA, **self.form_map.read()}

    async def _set_entries(self, key: str, count: int) -> None:
        entries = self.query_one(f"#{key}-list", RecordList)
        items = entries.items
        if len(items) < count:
            await entries.mount_all([ENTRY_BLOCKS[key]() for _ in range(count - len(items))])
        for extra in items[count:]:
            await extra.remove()
        self._reshaped()
        self._renumber(entries)

    def _renumber(self, entries: RecordList) -> None:
        editable = self.mode in ("draft", "correcting")
        for item in entries.items:
            if isinstance(item, EntryBlock):
                item.renumber(editable)

    async def _show_record(self, record: dict[str, Any]) -> None:
        for key in ENTRY_BLOCKS:
            entries = record.get(key)
            await self._set_entries(key, len(entries) if isinstance(entries, list) else 0)
        self.form_map.write(record)
        self._show_danger()

    def _focus_first_field(self) -> None:
        first = self.query(FormField).first()
        first.focus_target.focus()

    # Titles and state lines

    def _set_line(self, selector: str, text: Text) -> None:
        """Rewrite a line of the header; re-arranging the screen only if its length changed."""
        before = self._lines_shown.get(selector)
        if before == text.plain:
            return
        self._lines_shown[selector] = text.plain
        self.query_one(selector, Static).update(text, layout=before is None or len(before) != len(text.plain))

    def _show_title(self) -> None:
        reference = self._reference
        if self.mode == "read_only" and self._versions:
            shown = self._versions[self._shown_version]
            words = f"Contact {shown.reference}: version {shown.version} of {len(self._versions)}, read-only"
        elif self.mode == "correcting":
            words = f"Correcting {reference}: submitting makes version {len(self._versions) + 1}"
        elif self.mode == "loading":
            words = f"Contact {reference or ''}: opening…"
        elif reference:
            words = f"Contact {reference} (draft)"
        else:
            words = "New contact"
        self._set_line("#contact-title", Text(words))
        self._show_state()

    def _show_state(self) -> None:
        if self.mode == "read_only" and self._versions:
            state = self._version_line()
        elif self.mode == "correcting":
            state = Text("F9 submits the correction; Escape leaves it unchanged. The old version is kept.")
        elif self._saver.error:
            state = Text(f"Not saved: {self._saver.error}", style="bold")
        elif self._saved_at:
            state = Text(f"Saved {self._saved_at}; it saves by itself as you type")
        else:
            state = Text("Not saved yet; it saves by itself as you type")
        self._set_line("#contact-state", state)

    def _version_line(self) -> Text:
        shown = self._versions[self._shown_version]
        submitted = to_local(shown.submitted_at).strftime("%d %b %Y %H:%M")
        line = Text()
        if shown.superseded:
            line.append(f"Superseded by version {shown.version + 1}. ", style="bold")
        line.append(f"Submitted {submitted} by {shown.author}; recommended {shown.recommended_rag}")
        if shown.rules:
            line.append(f" ({', '.join(shown.rules)})")
        line.append(". ")
        if len(self._versions) > 1:
            line.append("[ and ] show other versions. ")
        if not shown.superseded:
            line.append("e corrects it.")
        return line

    def _show_danger(self) -> None:
        banner = self.query_one("#danger-banner", Static)
        ticked = self._immediate_danger_ticked()
        raised = self._saver.danger is Danger.RAISED
        banner.display = ticked or raised
        if not banner.display:
            return
        words = Text("IMMEDIATE DANGER: tell the caller to ring 999 now. ", style="bold")
        if raised:
            words.append("This contact is at the top of the decision makers' queue as RED.")
        elif self.mode in ("draft", "loading"):
            words.append("Putting it at the top of the decision makers' queue as RED…")
        banner.update(words)

    def _immediate_danger_ticked(self) -> bool:
        danger = self.form_map.by_path().get("concerns.immediate_danger")
        return bool(danger is not None and danger.read())

    # Loading

    def _load_draft(self, draft_id: str | None) -> None:
        assert draft_id is not None

        def read(ctx: Context) -> DraftView:
            from mash_tui.services.contacts import load_draft

            return load_draft(ctx, self.actor, draft_id)

        self.run_service(read, self._draft_loaded, group="contact-load")

    async def _draft_loaded(self, draft: DraftView) -> None:
        self._reference = draft.reference
        if draft.status != "open":
            self._load_contact(draft.reference)
            return
        await self._show_record(draft.form)
        self._saved = self._read()
        self._saved_at = to_local(draft.updated_at).strftime("%H:%M:%S")
        self._saver.danger = Danger.NOT_RAISED
        self.mode = "draft"
        self._show_title()
        self._show_danger()
        self._focus_first_field()
        self.refresh_bindings()

    def _load_contact(self, reference: str) -> None:
        def read(ctx: Context) -> list[ContactView]:
            from mash_tui.services.contacts import contact_versions, get_contact

            get_contact(ctx, self.actor, reference)  # the audited read of the record
            return contact_versions(ctx, self.actor, reference)

        self.run_service(read, self._contact_loaded, group="contact-load")

    async def _contact_loaded(self, versions: list[ContactView]) -> None:
        self._versions = versions
        self._shown_version = len(versions) - 1
        self._reference = versions[-1].reference
        self.mode = "read_only"
        await self._show_record(self._versions[self._shown_version].record)
        self._set_editable(False)
        self._show_title()
        self.refresh_bindings()

    def _set_editable(self, editable: bool) -> None:
        for widget in self.query(FormField):
            widget.disabled = not editable
        for text_field in self.query(TextField):
            text_field.input.placeholder = text_field.placeholder if editable else ""
        for entries in self.query(RecordList):
            self._renumber(entries)
        for button in self.query(".add-entry"):
            button.disabled = not editable
        self.set_class(not editable, "-read-only")
        form = self.form
        form.can_focus = not editable
        if not editable:
            form.focus()

    # Bindings

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        editing = self.mode in ("draft", "correcting")
        if action in ("save",):
            return self.mode == "draft"
        if action == "checks":
            return self.mode == "draft" and may(self.actor.role, "check.run")
        if action in ("submit", "add_entry", "remove_entry"):
            return editing
        if action == "correct":
            return self.mode == "read_only" and bool(self._versions) and not self._versions[self._shown_version].superseded
        if action == "show_version":
            if self.mode != "read_only" or len(self._versions) < 2:
                return False
            step = parameters[0] if parameters else 0
            target = self._shown_version + int(step)  # type: ignore[call-overload]
            return 0 <= target < len(self._versions) or None
        return True

    def action_section(self, key: str) -> None:
        keys = [section[0] for section in SECTIONS]
        self._current_section = keys.index(key)
        section = self.query_one(f"#section-{key}", FormSection)
        if self.mode in ("draft", "correcting"):
            target = self._first_focusable(section)
            if target is not None:
                target.focus(scroll_visible=False)
        self.form.scroll_to_widget(section, top=True, animate=False, immediate=True)

    def _first_focusable(self, section: Widget) -> Widget | None:
        for candidate in section.query(FormField):
            return candidate.focus_target
        for button in section.query(Button):
            return button
        return None

    def action_next_section(self) -> None:
        following = SECTIONS[(self._current_section + 1) % len(SECTIONS)][0]
        self.action_section(following)

    @on(events.DescendantFocus)
    def _track_section(self, event: events.DescendantFocus) -> None:
        for ancestor in event.widget.ancestors_with_self:
            if isinstance(ancestor, FormSection):
                keys = [section[0] for section in SECTIONS]
                self._current_section = keys.index(ancestor.key)
                return

    async def action_add_entry(self, key: str) -> None:
        entries = self.query_one(f"#{key}-list", RecordList)
        block = ENTRY_BLOCKS[key]()
        await entries.mount(block)
        self._reshaped()
        self._renumber(entries)
        block.query(FormField).first().focus_target.focus()
        self._changed()

    @on(Input.Submitted)
    def _next_field(self, event: Input.Submitted) -> None:
        self.focus_next()

    @on(Button.Pressed, ".add-entry")
    async def _add_pressed(self, event: Button.Pressed) -> None:
        assert event.button.id is not None
        await self.action_add_entry(event.button.id.removeprefix("add-"))

    async def action_remove_entry(self) -> None:
        focused = self.focused
        block = None
        if focused is not None:
            block = next((node for node in focused.ancestors_with_self if isinstance(node, EntryBlock)), None)
        if block is None:
            self.notify("Move into the child, adult or agency you want to remove, then press alt+r.")
            return
        name = f"{block.noun} {block.index + 1}"
        if any(field.read() not in (None, "", [], {}, False) for field in block.query(FormField)):
            # Mid-call, one slip of alt+r would lose what the caller said about a child.
            def answered(remove: bool | None) -> None:
                if remove:
                    self.run_worker(self._remove_entry(block, name), group="remove-entry")

            self.app.push_screen(ConfirmPrompt(f"Remove {name} and what is typed in it?"), answered)
            return
        await self._remove_entry(block, name)

    async def _remove_entry(self, block: EntryBlock, name: str) -> None:
        entries = block.parent
        assert isinstance(entries, RecordList)
        position = block.index
        await block.remove()
        self._reshaped()
        self._renumber(entries)
        remaining = entries.items
        if remaining:
            remaining[min(position, len(remaining) - 1)].query(FormField).first().focus_target.focus()
        else:
            self.query_one(f"#add-{entries.record_key}", Button).focus()
        self.notify(Text(f"Removed {name}."))
        self._changed()

    async def action_back(self) -> None:
        if self.mode == "correcting":
            self.mode = "read_only"
            await self._show_record(self._versions[self._shown_version].record)
            self._set_editable(False)
            self._show_title()
            self.refresh_bindings()
            return
        if self.mode == "draft" and self._has_unsaved_work():
            self._saver.ask(OnceSaved.CLOSE)
            self._flush()
            return
        self.dismiss()

    def _has_unsaved_work(self) -> bool:
        if self._saver.saving or self._timer is not None:
            return True
        reference = self._saved if self._draft_id else self._baseline
        return self._read() != reference

    # Read-only contacts, versions and corrections

    async def action_show_version(self, step: int) -> None:
        target = self._shown_version + step
        if not 0 <= target < len(self._versions):
            return
        self._shown_version = target
        await self._show_record(self._versions[target].record)
        self._set_editable(False)
        self._show_title()
        self.refresh_bindings()

    def action_correct(self) -> None:
        if self.mode != "read_only":
            return
        self.mode = "correcting"
        self._set_editable(True)
        self._show_title()
        self.refresh_bindings()
        self._focus_first_field()

    def _correct(self, reference: str, record: dict[str, Any]) -> None:
        def correct(ctx: Context) -> ContactScreen.Corrected:
            from mash_tui.services.contacts import ContactInvalid, correct_contact

            try:
                return self.Corrected(correct_contact(ctx, self.actor, reference, record))
            except ContactInvalid as invalid:  # an answer, not a refusal: each problem goes to its field
                return self.Corrected(None, str(invalid), list(invalid.problems))

        self.run_service(correct, self._corrected, refused=lambda words: self._corrected(self.Corrected(None, words)),
                         group="contact-correct")

    def _corrected(self, message: Corrected) -> None:
        if message.contact is None:
            self._show_problems(message.problems, message.error)
            return
        self.notify(Text(f"{message.contact.reference} corrected: version {message.contact.version} is now current."))
        self._load_contact(message.contact.reference)

    # Changes and autosave

    @on(Input.Changed)
    @on(Checkbox.Changed)
    @on(Select.Changed)
    @on(TextArea.Changed)
    @on(SelectionList.SelectedChanged)
    def _on_change(self, event: Message) -> None:
        if isinstance(event, Checkbox.Changed) and self._is_danger_box(event.checkbox):
            self._danger_changed(event.value)
        self._changed()

    def _is_danger_box(self, widget: Widget) -> bool:
        holder = widget.parent
        return isinstance(holder, CheckField) and holder.key == "immediate_danger"

    def _changed(self) -> None:
        if self.mode != "draft" or self._timer is not None:
            return
        self._timer = self.set_timer(AUTOSAVE_SECONDS, self._flush)

    def _danger_changed(self, ticked: bool) -> None:
        if self.mode != "draft":
            return
        if ticked and self._saver.danger_ticked():
            self.app.bell()
            self._flush()
        self._show_danger()

    def action_save(self) -> None:
        self._flush(explicit=True)

    def _flush(self, explicit: bool = False) -> None:
        """Send the form to the store now, unless a save is on its way (then right after it)."""
        if self._timer is not None:
            self._timer.stop()
            self._timer = None
        if self.mode != "draft":
            return
        if self._saver.saving:
            self._saver.again_after_this_trip()
            return
        form = self._read()
        unchanged = form == (self._saved if self._draft_id else self._baseline)
        danger = self._saver.danger is Danger.WANTED
        submit = self._saver.wants(OnceSaved.SUBMIT)
        if unchanged and not danger and not submit and not (explicit and self._draft_id is None):
            if self._saver.wants(OnceSaved.CLOSE):
                self.dismiss()
            else:
                self._open_checks_if_saved()
            return
        danger, submit = self._saver.set_off()
        self._persist(PersistJob(self._draft_id, None if unchanged and self._draft_id else form, danger, submit, form))

    def _persist(self, job: PersistJob) -> None:
        # Filled in as the trip goes: a refusal half way (a submit refused) still reports what was stored.
        progress = self.Persisted(job)

        def persist(ctx: Context) -> ContactScreen.Persisted:
            from mash_tui.services import contacts

            try:
                with self._store_lock:
                    if job.draft_id is None:
                        progress.draft = contacts.start_draft(ctx, self.actor, job.form)
                        self._stored_draft_id = progress.draft.id
                    elif job.form is not None:
                        progress.draft = contacts.save_draft(ctx, self.actor, job.draft_id, job.form)
                    draft_id = progress.draft.id if progress.draft is not None else job.draft_id
                    assert draft_id is not None
                    if job.raise_danger:
                        from mash_tui.services.queue import raise_immediate_danger
                        from mash_tui.services.work import draft_children

                        children = draft_children(job.seen) or "child not named yet"
                        progress.item = raise_immediate_danger(ctx, self.actor, draft_id, children)
                    if job.submit:
                        progress.contact = contacts.submit_draft(ctx, self.actor, draft_id)
                        self._submitted = True
            except contacts.ContactInvalid as invalid:  # an answer, not a refusal: each problem goes to its field
                progress.error, progress.problems = str(invalid), list(invalid.problems)
            return progress

        def refused(words: str) -> None:
            progress.error = words
            self._persisted(progress)

        self._persisting = progress
        self.run_service(persist, self._persisted, refused=refused, group=PERSIST_GROUP)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        # The crash itself is reported once, by the app (DeskScreen); here the form learns it is not saved.
        if event.worker.group == PERSIST_GROUP and event.state is WorkerState.ERROR and self._persisting is not None:
            failed, self._persisting = self._persisting, None
            failed.error = "the store could not save it"
            self._persisted(failed, crashed=True)

    def on_unmount(self) -> None:
        """Leaving by any road (Home, sign-out, quit) still keeps what was typed since the last save."""
        if self.mode != "draft" or self._submitted or self._form_map is None or self._desk_unavailable():
            return
        if self._timer is not None:
            self._timer.stop()
            self._timer = None
        form = self._read()
        if not self._saver.saving and form == (self._saved if self._draft_id else self._baseline):
            return
        # Not a worker of this screen, which is going; not a daemon, so even quitting waits for it.
        threading.Thread(target=self._last_save, args=(self.app.ctx, form), name="contact-last-save").start()

    def _desk_unavailable(self) -> bool:
        try:
            self.app.ctx  # noqa: B018 - raises while the store is still opening
        except RuntimeError:
            return True
        return False

    def _last_save(self, ctx: Any, form: dict[str, Any]) -> None:
        from mash_tui.errors import UserError
        from mash_tui.services import contacts

        with self._store_lock:
            if self._submitted:
                return
            try:
                if self._stored_draft_id is None:
                    contacts.start_draft(ctx, self.actor, form)
                else:
                    contacts.save_draft(ctx, self.actor, self._stored_draft_id, form)
            except UserError:
                pass  # the draft was submitted or discarded meanwhile: nothing of it is left to keep
            except Exception:  # noqa: BLE001 - the app is closing: no screen is left to tell
                pass

    def _persisted(self, message: Persisted, *, crashed: bool = False) -> None:
        changed_meanwhile = self._saver.landed()
        self._persisting = None
        if message.draft is not None:
            self._draft_id = message.draft.id
            self._reference = message.draft.reference
            self._saved = message.job.form
            self._saved_at = to_local(message.draft.updated_at).strftime("%H:%M:%S")
        if message.item is not None:
            self._saver.danger_raised()
            self.notify(Text(f"{message.item.reference} is at the top of the queue as RED."), severity="warning")
        self._saver.error = message.error if message.contact is None and not message.problems else None
        if message.problems:
            self._show_problems(message.problems, message.error)
        self._show_title()
        self._show_danger()
        if message.contact is not None:
            self._saver.drop(OnceSaved.OPEN_CHECKS)  # submitting opens the checks anyway
            contact = message.contact
            self.notify(Text(f"{contact.reference} submitted: recommended {contact.recommended_rag}."))
            self.app.switch_screen(ContactScreen(self.actor, reference=contact.reference))
            # Before anything else happens to a contact, the officer checks who its people are.
            from mash_tui.screens.checks import ChecksScreen

            self.app.push_screen(ChecksScreen(self.actor, contact.reference))
            return
        if message.error is not None:
            self._saver.drop(OnceSaved.CLOSE)
            if self._saver.wants(OnceSaved.OPEN_CHECKS):
                self._saver.drop(OnceSaved.OPEN_CHECKS)
                if not crashed:  # a crash has been told already
                    self.notify(Text(f"Not checked: the draft could not be saved ({message.error})."),
                                severity="warning")
            return
        if changed_meanwhile or self._saver.danger is Danger.WANTED:
            self._flush()
        elif self._saver.wants(OnceSaved.CLOSE) and self._timer is None:
            self._flush()
        self._open_checks_if_saved()

    # Prior-involvement checks on the draft

    def action_checks(self) -> None:
        """Whether the people typed so far are known, while the caller is still on the line.

        The draft is saved first, so the checks see what is on screen and decisions have the
        draft's reference to be kept against.
        """
        if self.mode != "draft":
            return
        # Not `_has_unsaved_work`: the fields filled in on opening start an autosave that saves nothing.
        if self._draft_id is None and not self._saver.saving and self._read() == self._baseline:
            self.notify("Nothing typed to check yet: type a child or adult first.")
            return
        self._saver.ask(OnceSaved.OPEN_CHECKS)
        self._flush(explicit=True)  # opens the checks once the store holds what is on screen

    def _open_checks_if_saved(self) -> None:
        if (not self._saver.wants(OnceSaved.OPEN_CHECKS) or self._saver.saving or self._timer is not None
                or self._draft_id is None):
            return  # a save is on its way: this runs again when it lands
        self._saver.drop(OnceSaved.OPEN_CHECKS)
        if self._saver.wants(OnceSaved.CLOSE) or not self.is_current or self._reference is None:
            return
        from mash_tui.screens.checks import ChecksScreen

        self.app.push_screen(ChecksScreen(self.actor, self._reference, draft_id=self._draft_id))

    # Checking

    def _problems_by_holder(self, record: dict[str, Any]) -> dict[Widget, list[str]]:
        """What is wrong, attached to the field (or section) that can put it right, in screen order."""
        holders: dict[Widget, list[str]] = {}
        fields = self.form_map.by_path()
        for form_field in fields.values():
            words = form_field.own_problem()
            if words:
                holders.setdefault(form_field, []).append(words)
        for problem in draft_problems(record):
            holder = self._holder_for(problem.field, fields)
            if isinstance(holder, FormField) and holder.own_problem():
                continue  # its own words say it better than the record's
            holders.setdefault(holder, []).append(_in_words(holder, problem.problem))
        order = {widget: position for position, widget in enumerate(self.holders)}
        return dict(sorted(holders.items(), key=lambda pair: order.get(pair[0], -1)))

    def _holder_for(self, path: str, fields: dict[str, FormField]) -> Widget:
        best: Widget | None = None
        best_length = -1
        for field_path, form_field in fields.items():
            if (path == field_path or path.startswith(field_path + ".")) and len(field_path) > best_length:
                best, best_length = form_field, len(field_path)
        if best is not None:
            return best
        sections = self.sections
        for section in sections:
            if path == section.key or path.startswith(section.key + "."):
                return section
        head = path.split(".", 1)[0]
        if head in ("received_at", "channel"):
            return next(section for section in sections if section.key == "call")
        return self.holders[-1]

    def _show_problems(self, problems: list[Any], summary: str | None) -> None:
        """Problems reported by the store: attach each to its field as a check here would."""
        fields = self.form_map.by_path()
        holders: dict[Widget, list[str]] = {}
        for problem in problems:
            holder = self._holder_for(problem.field, fields)
            holders.setdefault(holder, []).append(_in_words(holder, problem.problem))
        self._display_problems(holders, summary)

    def _display_problems(self, holders: dict[Widget, list[str]], summary: str | None = None) -> None:
        for holder in self.holders[:-1]:
            words = holders.get(holder)
            holder.show_problem("; ".join(words) if words else None)
        banner = self.query_one("#form-problems", Static)
        loose = holders.get(banner, [])
        count = sum(len(words) for words in holders.values())
        banner.display = count > 0
        if count:
            text = Text(f"{count} thing{'s' if count != 1 else ''} to put right before this can be submitted.",
                        style="bold")
            for words in loose:
                text.append(f" {words}")
            banner.update(text)
        elif summary:
            banner.display = True
            banner.update(Text(summary))

    @on(events.DescendantBlur)
    def _left_field(self, event: events.DescendantBlur) -> None:
        if self.mode not in ("draft", "correcting"):
            return
        left = next((node for node in event.widget.ancestors_with_self if isinstance(node, FormField)), None)
        if left is None or not left.is_attached:
            return
        now_focused = self.focused
        if now_focused is not None and left in now_focused.ancestors_with_self:
            return
        holders = self._problems_by_holder(self._read())
        for form_field, _ in self.form_map.fields:
            if form_field is left or form_field.problem is not None:
                words = holders.get(form_field)
                form_field.show_problem("; ".join(words) if words else None)
        for section in self.sections:
            if section.problem is not None and section not in holders:
                section.show_problem(None)

    def action_submit(self) -> None:
        if self.mode not in ("draft", "correcting"):
            return
        record = self._read()
        holders = self._problems_by_holder(record)
        self._display_problems(holders)
        if holders:
            first = next(iter(holders))
            target: Widget | None = first.focus_target if isinstance(first, FormField) else None
            if isinstance(first, FormSection):
                target = self._first_focusable(first)
            if target is not None:
                target.focus()
            return
        if self.mode == "correcting":
            assert self._reference is not None
            self._correct(self._reference, record)
            return
        self._saver.ask(OnceSaved.SUBMIT)
        self._flush()


def _in_words(holder: Widget, words: str) -> str:
    """The record's "This is required" says which field beside the field too."""
    if words == "This is required" and isinstance(holder, FormField):
        return f"{holder.label} is required"
    return words
