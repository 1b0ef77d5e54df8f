"""An unknown user name is checked against a written-out hash that costs what a real one costs.

The hash is not made at import (that took one argon2 hash on every command acting as a user); it
must keep the hasher's parameters, or a wrong name would answer faster than a wrong password.
"""

from __future__ import annotations

from mash_tui.services.users import _DUMMY_HASH, _hasher


def test_the_unknown_user_hash_has_the_parameters_real_passwords_are_hashed_with() -> None:
    assert not _hasher.check_needs_rehash(_DUMMY_HASH)
    assert _hasher.verify(_DUMMY_HASH, "not-a-real-password")
