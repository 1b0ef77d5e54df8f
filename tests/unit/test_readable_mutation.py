"""A mutation's versioned name, as its author reads it when the shared database refuses it."""

from __future__ import annotations

import pytest

from mash_tui.sync.status import readable_mutation


@pytest.mark.parametrize(
    ("name", "words"),
    [
        ("claim_item.v1", "claim item"),
        ("decide_item.v12", "decide item"),
        ("raise_immediate_danger.v1", "raise immediate danger"),
        ("escalate.v2", "escalate"),
        ("pass_to_allocated_worker", "pass to allocated worker"),
        ("close__contact.v1", "close contact"),
        ("record.version.v3", "record.version"),
        ("", ""),
    ],
)
def test_readable_mutation(name: str, words: str) -> None:
    assert readable_mutation(name) == words
