"""The capture form's blocks: its sections (call, referrer, children, adults, concerns, consent, other
agencies) and the entries added to them (a child, an adult, an agency), as widgets.

The screen (`screens/contact.py`) lays them out and reads them as a record; what each block holds,
in which order, and under which jump key lives here.
"""

from __future__ import annotations

from collections.abc import Iterator

from rich.text import Text
from textual.containers import Container, Vertical
from textual.widget import Widget
from textual.widgets import Button, Static

from mash_tui.domain.codes import (
    AGENCIES,
    AGENCY_LABELS,
    CHANNEL_LABELS,
    CHANNELS,
    CONCERN_CATEGORIES,
    CONSENT_LABELS,
    INJURIES,
    INJURY_LABELS,
    SEX_LABELS,
    SEXES,
    SOURCES_OF_CONTACT,
)
from mash_tui.widgets.code_picker import CategoryPicker, CodeField
from mash_tui.widgets.field import (
    CheckField,
    ChoiceField,
    DateField,
    FormField,
    ListField,
    LocalTimeField,
    ManyField,
    NarrativeField,
    RecordItem,
    RecordList,
    RecordPart,
    TextField,
    TriStateField,
    WholeNumberField,
)

# Each section's jump key, shown in its heading; alt+1 to alt+7 jump as well. F2 is the app's key
# for the Sync screen on every screen, so the Call section has only alt+1.
SECTIONS: tuple[tuple[str, str, str], ...] = (
    ("call", "Call", "alt+1"),
    ("referrer", "Referrer", "F3"),
    ("children", "Children", "F4"),
    ("adults", "Adults and household", "F5"),
    ("concerns", "Concerns", "F6"),
    ("consent", "Consent", "F7"),
    ("other_agencies", "Other agencies", "F8"),
)

_WORDS = {**CHANNEL_LABELS, **SEX_LABELS, **INJURY_LABELS, **CONSENT_LABELS, **AGENCY_LABELS}


def _choices(values: tuple[str, ...]) -> list[tuple[str, str]]:
    return [(_WORDS.get(value, value), value) for value in values]


class FormSection(Vertical):
    """One part of the call, with its heading and the key that jumps to it."""

    def __init__(self, key: str, title: str, jump_key: str, *children: Widget) -> None:
        super().__init__(
            Static(Text.assemble((title, "bold"), (f"  {jump_key}", "dim")), classes="section-title"),
            *children,
            Static("", classes="section-error"),
            id=f"section-{key}",
            classes="form-section",
        )
        self.key = key

    problem: str | None = None

    def show_problem(self, words: str | None) -> None:
        self.problem = words
        error = self.query_one(".section-error", Static)
        error.update(Text(words or ""))
        self.set_class(words is not None, "-invalid")


class EntryBlock(RecordItem):
    """A child, an adult or an agency: numbered, and removable with alt+r."""

    noun = "Entry"

    def __init__(self) -> None:
        super().__init__(
            Static("", classes="entry-title"),
            Container(*self.fields(), classes="section-body"),
            classes="entry-block",
        )

    def fields(self) -> list[FormField]:
        raise NotImplementedError

    def renumber(self, editable: bool = True) -> None:
        title = Text(f"{self.noun} {self.index + 1}", style="bold")
        if editable:
            title.append("  alt+r removes", style="dim")
        self.query_one(".entry-title", Static).update(title)


class ChildBlock(EntryBlock):
    noun = "Child"

    def fields(self) -> list[FormField]:
        return [
            TextField("first_name", "First name"),
            TextField("last_name", "Last name"),
            ListField("aliases", "Aliases"),
            DateField("dob", "Date of birth"),
            WholeNumberField("estimated_age", "Estimated age", placeholder="whole years, if no date of birth"),
            DateField("unborn_due_date", "Unborn: due date"),
            ChoiceField("sex", "Sex", _choices(SEXES), prompt="Not recorded"),
            TriStateField("independently_mobile", "Independently mobile"),
            TextField("address", "Address", classes="wide"),
            TextField("postcode", "Postcode"),
            TextField("school", "School or nursery"),
            TextField("nhs_number", "NHS number"),
            TextField("location_now", "Where the child is", placeholder="right now, e.g. at school"),
        ]


class AdultBlock(EntryBlock):
    noun = "Adult"

    def fields(self) -> list[FormField]:
        return [
            TextField("first_name", "First name"),
            TextField("last_name", "Last name"),
            DateField("dob", "Date of birth"),
            TextField("relationship", "Relationship", placeholder="to the child, e.g. mother"),
            CheckField("parental_responsibility", "Has parental responsibility"),
            CheckField("lives_with_child", "Lives with the child"),
            CheckField("alleged_perpetrator", "Alleged perpetrator"),
            TextField("address", "Address", classes="wide"),
            TextField("postcode", "Postcode"),
            TextField("phone", "Phone"),
        ]


class AgencyBlock(EntryBlock):
    noun = "Agency"

    def fields(self) -> list[FormField]:
        return [
            TextField("agency", "Agency", placeholder="e.g. GP, school, probation"),
            TextField("contact", "Contact", placeholder="who and how to reach them"),
        ]


ENTRY_BLOCKS: dict[str, type[EntryBlock]] = {
    "children": ChildBlock,
    "adults": AdultBlock,
    "other_agencies": AgencyBlock,
}


def entry_section(key: str, add_words: str) -> FormSection:
    """A section of entries (children, adults, agencies), with its button to add one."""
    _, title, jump = next(section for section in SECTIONS if section[0] == key)
    return FormSection(
        key, title, jump,
        RecordList(key=key, id=f"{key}-list"),
        Button(add_words, id=f"add-{key}", compact=True, classes="add-entry"),
    )


def call_section() -> FormSection:
    return FormSection(
        "call", "Call", "alt+1",
        Container(
            LocalTimeField("received_at", "Received"),
            ChoiceField("channel", "Channel", _choices(CHANNELS), allow_blank=False),
            classes="section-body",
        ),
    )


def referrer_section() -> FormSection:
    return FormSection(
        "referrer", "Referrer", "F3",
        RecordPart(
            CodeField("source", "Source of contact", SOURCES_OF_CONTACT),
            TextField("name", "Name"),
            TextField("role", "Role"),
            TextField("organisation", "Organisation"),
            TextField("phone", "Phone"),
            TextField("email", "Email"),
            TextField("relationship_to_child", "Relationship", placeholder="to the child, e.g. teacher"),
            CheckField("anonymous", "Wishes to stay anonymous"),
            CheckField("wants_feedback", "Wants to hear the outcome"),
            key="referrer",
            classes="section-body",
        ),
    )


def concerns_section() -> FormSection:
    return FormSection(
        "concerns", "Concerns", "F6",
        RecordPart(
            CategoryPicker("categories", "Categories", CONCERN_CATEGORIES, classes="wide"),
            NarrativeField("narrative", "What happened", classes="wide"),
            ChoiceField("injury", "Injury", _choices(INJURIES), allow_blank=False),
            WholeNumberField("dash_score", "DASH score", placeholder="0-27, from the police"),
            CheckField("immediate_danger", "Child in immediate danger now"),
            CheckField("disclosure", "Child has disclosed"),
            TriStateField("child_present_at_incident", "Child was present"),
            TextField("police_reference", "Police reference"),
            CheckField("allegation_against_professional", "Allegation against someone who works with children",
                       classes="wide"),
            key="concerns",
            classes="section-body",
        ),
    )


def consent_section() -> FormSection:
    return FormSection(
        "consent", "Consent", "F7",
        RecordPart(
            CheckField("parents_aware", "Parents know of this contact"),
            ChoiceField("consent_given", "Consent to checks", _choices(("yes", "no", "not_sought")),
                        prompt="Not recorded"),
            TextField("reason", "Reason", placeholder="needed when no or not sought", classes="wide"),
            ManyField("agencies_agreed", "Checks agreed", _choices(AGENCIES), classes="wide"),
            key="consent",
            classes="section-body",
        ),
    )


def form_sections() -> Iterator[FormSection]:
    """Every section of the form, in the order of the call."""
    yield call_section()
    yield referrer_section()
    yield entry_section("children", "Add a child (alt+c)")
    yield entry_section("adults", "Add an adult (alt+a)")
    yield concerns_section()
    yield consent_section()
    yield entry_section("other_agencies", "Add an agency (alt+g)")
