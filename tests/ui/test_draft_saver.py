"""The capture screen's draft saver: one trip at a time, danger raised once, wishes kept until saved."""

from __future__ import annotations

from mash_tui.screens.draft_saver import Danger, DraftSaver, OnceSaved, Trip


def test_a_change_during_a_trip_follows_it_once() -> None:
    saver = DraftSaver()
    assert not saver.saving
    assert saver.set_off() == (False, False)
    assert saver.trip is Trip.SAVING
    saver.again_after_this_trip()
    saver.again_after_this_trip()
    assert saver.landed() is True
    assert saver.trip is Trip.IDLE
    saver.set_off()
    assert saver.landed() is False


def test_a_submit_asked_for_goes_with_the_next_trip_only() -> None:
    saver = DraftSaver()
    saver.ask(OnceSaved.SUBMIT)
    saver.ask(OnceSaved.CLOSE)
    assert saver.set_off() == (False, True)
    assert not saver.wants(OnceSaved.SUBMIT)
    assert saver.wants(OnceSaved.CLOSE)  # closing still waits for the store
    saver.landed()
    assert saver.set_off() == (False, False)


def test_danger_is_raised_once_however_often_the_box_is_ticked() -> None:
    saver = DraftSaver()
    assert saver.danger_ticked() is True
    assert saver.danger is Danger.WANTED
    assert saver.set_off() == (True, False)
    saver.danger_raised()
    saver.landed()
    assert saver.danger_ticked() is False
    assert saver.danger is Danger.RAISED
    assert saver.set_off() == (False, False)
