"""Queries on this machine's users."""

from __future__ import annotations

from sqlmodel import Session, select

from mash_tui.store.tables import AppUser


def user_by_name(session: Session, username: str) -> AppUser | None:
    return session.exec(select(AppUser).where(AppUser.username == username)).first()


def has_active_administrator(session: Session) -> bool:
    return session.exec(
        select(AppUser.id).where(AppUser.role == "admin", AppUser.active == True)  # noqa: E712 - SQL
    ).first() is not None


def all_users(session: Session) -> list[AppUser]:
    """Every user, active or not, by user name."""
    return list(session.exec(select(AppUser).order_by(AppUser.username)).all())
