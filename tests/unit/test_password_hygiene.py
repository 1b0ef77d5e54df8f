"""Passwords anyone would guess first are refused, and each refused sign-in from a machine waits longer."""

from __future__ import annotations

from datetime import timedelta

import pytest

from mash_tui.errors import UserError
from mash_tui.services.demo_data import DEMO_PASSWORD
from mash_tui.services.users import (
    LOGIN_REFUSED,
    LoginRefused,
    add_user,
    authenticate,
    common_passwords,
    failure_delay_s,
    validate_new_user,
)
from mash_tui.store.audit_events import failed_sign_ins_since
from tests.conftest import OWNER, PASSWORD


@pytest.mark.parametrize("password", ["password123", "Password123", "QWERTYUIOP", "iloveyou1", "1q2w3e4r5t"])
def test_the_commonest_passwords_are_refused_whatever_their_case(password: str) -> None:
    with pytest.raises(UserError, match="one of the commonest passwords"):
        validate_new_user("newcomer", "officer", None, password)


@pytest.mark.parametrize("password", ["aaaaaaaa", "11111111111", "        ", "ZZZZZZZZZZZZZZ"])
def test_one_character_repeated_is_refused(password: str) -> None:
    with pytest.raises(UserError, match="one character repeated"):
        validate_new_user("newcomer", "officer", None, password)


def test_the_shipped_list_is_a_short_list_without_the_demo_or_test_passwords() -> None:
    listed = common_passwords()
    assert 150 <= len(listed) <= 300
    assert DEMO_PASSWORD.casefold() not in listed and PASSWORD.casefold() not in listed
    validate_new_user("demo", "officer", None, DEMO_PASSWORD)


def test_adding_a_user_with_a_common_password_writes_nothing(ctx) -> None:  # noqa: ANN001
    with pytest.raises(UserError):
        add_user(ctx, OWNER, username="olivia", role="officer", password="welcome123")
    from mash_tui.services.users import list_users

    assert list_users(ctx) == []


def test_the_wait_doubles_with_each_refusal_up_to_four_seconds() -> None:
    assert [failure_delay_s(n) for n in range(8)] == [0.0, 0.25, 0.5, 1.0, 2.0, 4.0, 4.0, 4.0]


def test_refusals_in_a_row_are_counted_across_user_names_until_someone_signs_in(ctx, clock) -> None:  # noqa: ANN001
    add_user(ctx, OWNER, username="olivia", role="officer", password=PASSWORD)
    for name in ("olivia", "nobody", "olivia"):
        with pytest.raises(LoginRefused, match=LOGIN_REFUSED.split(" (")[0]):
            authenticate(ctx, name, "not the password")
    window = clock.now() - timedelta(minutes=ctx.policy.security.lockout_minutes)
    with ctx.store.reading() as session:
        assert failed_sign_ins_since(session, window) == 3
        assert failed_sign_ins_since(session, clock.now() + timedelta(seconds=1)) == 0
    authenticate(ctx, "olivia", PASSWORD)
    with ctx.store.reading() as session:
        assert failed_sign_ins_since(session, window) == 0
