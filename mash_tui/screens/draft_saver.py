"""Where the capture screen's draft stands with the store, in named states.

The screen sends the form to the store (autosave after a pause, ctrl+s, leaving, raising
immediate danger, submitting) one trip at a time. What it may do next depends on three things,
each a small state of its own: whether a trip is on its way (and whether another must follow
it), whether immediate danger has been raised, and what the user asked to happen once the store
holds what is on screen.
"""

from __future__ import annotations

from enum import Enum


class Trip(Enum):
    """A trip to the store with the draft."""

    IDLE = "idle"  # nothing on its way
    SAVING = "saving"  # one trip on its way
    SAVING_THEN_AGAIN = "saving, then again"  # on its way, and what changed meanwhile goes right after


class Danger(Enum):
    """Immediate danger, as the queue knows it."""

    NOT_RAISED = "not raised"
    WANTED = "wanted"  # ticked: to be raised with the next trip
    RAISED = "raised"  # the item is at the top of the queue as RED


class OnceSaved(Enum):
    """What the user asked for that waits until the store holds what is on screen."""

    SUBMIT = "submit"
    CLOSE = "close"
    OPEN_CHECKS = "open checks"


class DraftSaver:
    """The draft's standing with the store; the screen asks it, and tells it what happened."""

    def __init__(self) -> None:
        self.trip = Trip.IDLE
        self.danger = Danger.NOT_RAISED
        self.once_saved: set[OnceSaved] = set()
        self.error: str | None = None  # why the last trip did not store the draft

    @property
    def saving(self) -> bool:
        return self.trip is not Trip.IDLE

    def wants(self, intent: OnceSaved) -> bool:
        return intent in self.once_saved

    def ask(self, intent: OnceSaved) -> None:
        self.once_saved.add(intent)

    def drop(self, intent: OnceSaved) -> None:
        self.once_saved.discard(intent)

    def again_after_this_trip(self) -> None:
        """A change came while a trip was on its way: send it once that trip lands."""
        self.trip = Trip.SAVING_THEN_AGAIN

    def set_off(self) -> tuple[bool, bool]:
        """A trip starts: whether it raises danger, and whether it submits (which it then takes on)."""
        submit = self.wants(OnceSaved.SUBMIT)
        self.drop(OnceSaved.SUBMIT)
        self.trip = Trip.SAVING
        return self.danger is Danger.WANTED, submit

    def landed(self) -> bool:
        """The trip is over; whether something changed meanwhile that must follow it."""
        changed_meanwhile = self.trip is Trip.SAVING_THEN_AGAIN
        self.trip = Trip.IDLE
        return changed_meanwhile

    def danger_ticked(self) -> bool:
        """The danger box was ticked: whether that is news (not raised yet), to raise now."""
        if self.danger is Danger.RAISED:
            return False
        self.danger = Danger.WANTED
        return True

    def danger_raised(self) -> None:
        self.danger = Danger.RAISED
