"""Every top-level screen, for the command palette and role homes.

Screens are imported only when opened, so start-up does not pay for them. Each screen class takes
the signed-in `Actor` as its first argument.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass

from textual.screen import Screen

from mash_tui.domain.roles import Actor, may


@dataclass(frozen=True)
class ScreenEntry:
    id: str
    title: str
    help: str
    permission: str
    target: str  # "module:Class"

    def build(self, actor: Actor, **kwargs: object) -> Screen:
        module_name, class_name = self.target.split(":")
        screen_class = getattr(importlib.import_module(module_name), class_name)
        return screen_class(actor, **kwargs)


SCREENS: tuple[ScreenEntry, ...] = (
    ScreenEntry("my_work", "My work", "Your drafts and recent contacts", "contact.capture",
                "mash_tui.screens.home:HomeScreen"),
    ScreenEntry("new_contact", "New contact", "Capture a contact while the caller is on the line",
                "contact.capture", "mash_tui.screens.contact:ContactScreen"),
    ScreenEntry("queue", "Escalation queue", "Claim, take next, open and decide escalated items",
                "queue.view", "mash_tui.screens.queue:QueueScreen"),
    ScreenEntry("supervisor", "Clocks and breaches", "Every open item's clock, near-breaches and breaches",
                "clocks.view", "mash_tui.screens.supervisor:SupervisorScreen"),
    ScreenEntry("partner_requests", "My agency's requests", "Information requests to your agency, most urgent first",
                "request.view_own", "mash_tui.screens.partner:PartnerHomeScreen"),
    ScreenEntry("audit", "Audit trail", "Who looked at or changed a child's record, and when",
                "audit.view", "mash_tui.screens.audit:AuditScreen"),
    # Every signed-in role holds home.view: everyone may see how their own work stands with the server.
    ScreenEntry("sync", "Sync", "Online or offline, changes waiting, and what the shared database refused (F2)",
                "home.view", "mash_tui.screens.sync:SyncScreen"),
    ScreenEntry("conflicts", "Sync conflicts", "Two offline edits of one field, kept side by side: keep one",
                "conflict.resolve", "mash_tui.screens.conflicts:ConflictsScreen"),
)

_BY_ID = {entry.id: entry for entry in SCREENS}


def entry(screen_id: str) -> ScreenEntry:
    return _BY_ID[screen_id]


def screens_for(actor: Actor) -> list[ScreenEntry]:
    return [entry for entry in SCREENS if may(actor.role, entry.permission)]
