"""Every service action, tried by every role, against the one permission table.

The actions are found in the source, not listed by hand: every public function in
`mash_tui/services/` and the sync wing `mash_tui/sync/` that calls `require` (or calls, by name,
one that does). Each has a case
below that builds what the call needs through the services themselves (a draft of the actor's
own, an item the actor holds, a request to the partner's agency), so that a role the table allows
succeeds, and a role it refuses is refused by the permission check and nothing else. A service
added without a case fails `test_every_service_action_has_a_case`.

Expected outcomes come from `mash_tui.domain.roles.PERMISSIONS` alone. A refusal must raise
`PermissionRefused`, leave a `permission.refused` audit event naming the action, and write nothing
else: no outbox mutation, no other audit event.
"""

from __future__ import annotations

import ast
import json
import sqlite3
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from mash_tui.domain.roles import ALL_ACTIONS, PERMISSIONS, SYSTEM_ROLE, Actor, Role, may
from mash_tui.errors import PermissionRefused, UserError
from tests.conftest import FROZEN_AT, OWNER, PASSWORD
from tests.unit.contact_records import minimal_record

PACKAGE = Path(__file__).resolve().parents[2] / "mash_tui"
SERVICES = PACKAGE / "services"
# The sync wing's actions are named `sync.MODULE.function`.
ACTION_SOURCES = ((SERVICES, ""), (PACKAGE / "sync", "sync."))


# -- finding the actions ----------------------------------------------------------------------------


def _called_names(function: ast.FunctionDef) -> set[str]:
    names = set()
    for node in ast.walk(function):
        if isinstance(node, ast.Call):
            if isinstance(node.func, ast.Name):
                names.add(node.func.id)
            elif isinstance(node.func, ast.Attribute):
                names.add(node.func.attr)
    return names


def service_actions() -> dict[str, set[str]]:
    """`module.function` of every public service function that checks a permission, with the
    actions its `require` calls name (empty when it checks through another action function)."""
    found: dict[str, set[str]] = {}
    for path, prefix in ((path, prefix) for folder, prefix in ACTION_SOURCES for path in sorted(folder.glob("*.py"))):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        functions = {node.name: node for node in tree.body if isinstance(node, ast.FunctionDef)}
        checking = {name for name, node in functions.items() if "require" in _called_names(node)}
        # A public function that only delegates (`queue` calls `list_items`) is an action too.
        while True:
            more = {name for name, node in functions.items()
                    if name not in checking and _called_names(node) & checking}
            if not more:
                break
            checking |= more
        for name in sorted(checking):
            if name.startswith("_"):
                continue
            actions = set()
            for node in ast.walk(functions[name]):
                if (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "require"
                        and len(node.args) >= 3 and isinstance(node.args[2], ast.Constant)):
                    actions.add(node.args[2].value)
            found[f"{prefix}{path.stem}.{name}"] = actions
    return found


ACTIONS = service_actions()


# -- the world the calls act in -------------------------------------------------------------------


ROLE_USERS = {
    Role.OFFICER: Actor("olivia", "officer", None, "Olivia Officer"),
    Role.DECISION_MAKER: Actor("dan", "decision_maker", None, "Dan Decider"),
    Role.SUPERVISOR: Actor("sue", "supervisor", None, "Sue Supervisor"),
    Role.PARTNER: Actor("pat", "partner", "police", "Pat Police"),
    Role.ADMIN: Actor("adam", "admin", None, "Adam Admin"),
    Role.POLICE_SUPPORT: Actor("paula", "police_support", None, "Paula Support"),
    Role.CP_COORDINATOR: Actor("cora", "cp_coordinator", None, "Cora Coordinator"),
}
# The operating-system user who owns the store: it loads reference data and nothing of the case.
STORE_OWNER = OWNER
ACTORS = {**{role.value: actor for role, actor in ROLE_USERS.items()}, SYSTEM_ROLE: STORE_OWNER}
OFFICER = ROLE_USERS[Role.OFFICER]
DECIDER = ROLE_USERS[Role.DECISION_MAKER]
PARTNER = ROLE_USERS[Role.PARTNER]


def _amber_record(name: str = "Fenwick") -> dict[str, Any]:
    record = minimal_record()
    record["concerns"]["categories"] = ["16A"]
    record["children"] = [{"first_name": "Ada", "last_name": name, "dob": "2019-03-02"}]
    return record


@dataclass
class World:
    """A store with one user of each role, and factories for fresh things to act on."""

    ctx: Any
    made: int = 0
    _cache: dict[str, Any] = field(default_factory=dict)

    @staticmethod
    def able(actor: Actor, action: str, fallback: Actor) -> Actor:
        """The actor, if the table lets them do `action`; else someone who may, to build the fixture."""
        return actor if may(actor.role, action) else fallback

    def draft(self, owner: Actor, form: dict[str, Any] | None = None) -> str:
        from mash_tui.services import contacts

        return contacts.start_draft(self.ctx, self.able(owner, "contact.capture", OFFICER), form).id

    def submitted(self, record: dict[str, Any] | None = None) -> str:
        from mash_tui.services import contacts

        draft = contacts.start_draft(self.ctx, OFFICER, record or _amber_record())
        return contacts.submit_draft(self.ctx, OFFICER, draft.id).reference

    def escalated(self, record: dict[str, Any] | None = None) -> str:
        from mash_tui.services import queue

        reference = self.submitted(record)
        queue.escalate(self.ctx, OFFICER, reference)
        return reference

    def awaiting_written_confirmation(self) -> str:
        """An item from a professional's phone call: its 48-hour confirmation clock is running."""
        record = _amber_record()
        record["referrer"] = {"source": "2A", "name": "Priya Shah", "phone": "01632 960123"}
        return self.escalated(record)

    def held_by(self, actor: Actor) -> str:
        from mash_tui.services import queue

        reference = self.escalated()
        queue.claim(self.ctx, self.able(actor, "item.claim", DECIDER), reference)
        return reference

    def early_help(self) -> str:
        from mash_tui.services import queue

        reference = self.held_by(DECIDER)
        queue.decide(self.ctx, DECIDER, reference, rag="GREEN", outcome="early_help", reason="wellbeing only")
        return reference

    def request_to_police(self, holder: Actor = DECIDER) -> tuple[str, str]:
        """(item reference, request reference) of an open request to the partner's agency."""
        from mash_tui.services import requests

        holder = self.able(holder, "request.send", DECIDER)
        reference = self.held_by(holder)
        sent = requests.send_requests(self.ctx, holder, reference, {"police": "Anything known?"})
        return reference, sent[0].request_ref

    def answered_request(self) -> str:
        from mash_tui.services import requests

        _, key = self.request_to_police()
        requests.answer_request(self.ctx, PARTNER, key, findings=[], free_text="Nothing known.")
        return key


# -- one case per service action --------------------------------------------------------------------


@dataclass(frozen=True)
class Case:
    """How to call one service function as `actor`, and what the table must say about it.

    `actions`: the permissions of which any one allows the call (DOMAIN.md section 2).
    `allowed_failure`: for a call that cannot succeed in this test's world even when allowed
    (it needs the shared PostgreSQL database), the words of the non-permission failure expected.
    """

    actions: tuple[str, ...]
    call: Callable[[World, Actor], Any]
    allowed_failure: str | None = None


def _services() -> Any:
    from mash_tui.services import audit, checks, chronology, clocks, contacts, feedback, queue, requests
    from mash_tui.sync import conflicts

    return audit, checks, chronology, clocks, contacts, feedback, queue, requests, conflicts


def _cases() -> dict[str, Case]:
    audit, checks, chronology, clocks, contacts, feedback, queue, requests, conflicts = _services()
    from mash_tui.services import lookups

    return {
        # capture: the officer's own drafts
        "contacts.start_draft": Case(("contact.capture",), lambda w, a: contacts.start_draft(w.ctx, a)),
        "contacts.save_draft": Case(("contact.capture",), lambda w, a: contacts.save_draft(
            w.ctx, a, w.draft(a), _amber_record())),
        "contacts.discard_draft": Case(("contact.capture",), lambda w, a: contacts.discard_draft(w.ctx, a, w.draft(a))),
        "contacts.open_drafts": Case(("contact.capture",), lambda w, a: contacts.open_drafts(w.ctx, a)),
        "contacts.load_draft": Case(("contact.capture",), lambda w, a: contacts.load_draft(w.ctx, a, w.draft(a))),
        "contacts.submit_draft": Case(("contact.capture",), lambda w, a: contacts.submit_draft(
            w.ctx, a, w.draft(a, _amber_record()))),
        "contacts.correct_contact": Case(("contact.capture",), lambda w, a: contacts.correct_contact(
            w.ctx, a, w.submitted(), _amber_record("Fenwick-Hale"))),
        "contacts.import_contacts": Case(("contact.import",), lambda w, a: contacts.import_contacts(
            w.ctx, a, json.dumps([_amber_record()]))),
        # reading contacts
        "contacts.get_contact": Case(("contact.view",), lambda w, a: contacts.get_contact(w.ctx, a, w.submitted())),
        "contacts.contact_versions": Case(("contact.view",), lambda w, a: contacts.contact_versions(
            w.ctx, a, w.submitted())),
        "contacts.list_contacts": Case(("contact.view",), lambda w, a: contacts.list_contacts(w.ctx, a)),
        "contacts.browse_contacts": Case(("contact.view",), lambda w, a: contacts.browse_contacts(w.ctx, a)),
        "lookups.may_look_up": Case(("check.run",), lambda w, a: lookups.may_look_up(w.ctx, a)),
        "contacts.export_contacts": Case(("contact.export",), lambda w, a: contacts.export_contacts(w.ctx, a)),
        "queue.recommendation_for": Case(("contact.view",), lambda w, a: queue.recommendation_for(
            w.ctx, a, w.submitted())),
        "queue.item_history": Case(("contact.view",), lambda w, a: queue.item_history(w.ctx, a, w.escalated())),
        # prior-involvement checks
        "checks.run_checks": Case(("check.run",), lambda w, a: checks.run_checks(w.ctx, a, w.submitted())),
        "checks.decide_match": Case(("match.decide",), lambda w, a: checks.decide_match(
            w.ctx, a, w.submitted(), "child", 0, "P-1", "confirmed", 0.9)),
        "checks.routing_for": Case(("contact.view",), lambda w, a: checks.routing_for(w.ctx, a, w.submitted())),
        "chronology.chronology": Case(("chronology.view",), lambda w, a: chronology.chronology(
            w.ctx, a, w.escalated())),
        # the officer's decisions
        "queue.raise_immediate_danger": Case(("contact.escalate",), lambda w, a: queue.raise_immediate_danger(
            w.ctx, a, w.draft(a), "Ada Fenwick")),
        "queue.escalate": Case(("contact.escalate",), lambda w, a: queue.escalate(w.ctx, a, w.submitted())),
        "queue.close_contact": Case(("contact.close",), lambda w, a: queue.close_contact(
            w.ctx, a, w.submitted(minimal_record()), "no_further_action", "No concern for the child")),
        "queue.record_written_confirmation": Case(
            ("contact.escalate",),
            lambda w, a: queue.record_written_confirmation(w.ctx, a, w.awaiting_written_confirmation())),
        "queue.pass_to_allocated_worker": Case(("contact.escalate",), lambda w, a: queue.pass_to_allocated_worker(
            w.ctx, a, w.submitted(), "Jo Allocated", "Open case with the family team")),
        # the queue
        "queue.list_items": Case(("queue.view",), lambda w, a: queue.list_items(w.ctx, a)),
        "queue.queue": Case(("queue.view",), lambda w, a: queue.queue(w.ctx, a)),
        "queue.open_items_now": Case(("queue.view",), lambda w, a: queue.open_items_now(w.ctx, a)),
        "queue.claim": Case(("item.claim",), lambda w, a: queue.claim(w.ctx, a, w.escalated())),
        "queue.claim_next": Case(("item.claim",), lambda w, a: (w.escalated(), queue.claim_next(w.ctx, a))),
        "queue.release": Case(("item.release",), lambda w, a: queue.release(w.ctx, a, w.held_by(a))),
        "queue.reassign": Case(("item.reassign",), lambda w, a: queue.reassign(w.ctx, a, w.escalated(), "dan")),
        "queue.decision_makers": Case(("item.reassign",), lambda w, a: queue.decision_makers(w.ctx, a)),
        "queue.rerate": Case(("item.rerate",), lambda w, a: queue.rerate(
            w.ctx, a, w.held_by(a), "RED", "Bruising seen by the school nurse")),
        "queue.decide": Case(("item.decide",), lambda w, a: queue.decide(
            w.ctx, a, w.held_by(a), rag="AMBER", outcome="mash_information_gathering")),
        "queue.step_up": Case(("item.step_up",), lambda w, a: queue.step_up(
            w.ctx, a, w.early_help(), "Police now report violence at home")),
        # telling the referrer the outcome
        "feedback.record_feedback": Case(("feedback.record",), lambda w, a: feedback.record_feedback(
            w.ctx, a, w.early_help(), how="phone", note="Told the school")),
        # clocks and the supervisor
        "clocks.list_breaches": Case(("clocks.view", "item.decide"), lambda w, a: clocks.list_breaches(w.ctx, a)),
        "clocks.clock_board": Case(("clocks.view",), lambda w, a: clocks.clock_board(w.ctx, a, audited=True)),
        "audit.show_audit": Case(("audit.view",), lambda w, a: audit.show_audit(w.ctx, a, subject=w.submitted())),
        # information requests: the decision maker's side
        "requests.request_draft": Case(("request.send",), lambda w, a: requests.request_draft(
            w.ctx, a, w.escalated())),
        "requests.send_requests": Case(("request.send",), lambda w, a: requests.send_requests(
            w.ctx, a, w.held_by(a), {"police": "Anything known?", "health": None})),
        "requests.chase_request": Case(("request.manage",), lambda w, a: requests.chase_request(
            w.ctx, a, w.request_to_police(a)[1], "Due soon")),
        "requests.withdraw_request": Case(("request.manage",), lambda w, a: requests.withdraw_request(
            w.ctx, a, w.request_to_police(a)[1], "No longer needed")),
        "requests.information_gathering": Case(("request.view_all",), lambda w, a: requests.information_gathering(
            w.ctx, a, w.request_to_police()[0])),
        "requests.record_mash_discussion": Case(("discussion.record",), lambda w, a: requests.record_mash_discussion(
            w.ctx, a, w.held_by(a), participants=["Dan Decider", "PC Hale"], summary="Agreed to gather more")),
        # information requests: the partner agency's side
        "requests.list_my_requests": Case(("request.view_own",), lambda w, a: requests.list_my_requests(w.ctx, a)),
        "requests.open_request": Case(("request.view_own",), lambda w, a: requests.open_request(
            w.ctx, a, w.request_to_police()[1])),
        "requests.answer_request": Case(("request.answer",), lambda w, a: requests.answer_request(
            w.ctx, a, w.request_to_police()[1], findings=[], free_text="Nothing known.")),
        "requests.correct_answer": Case(("request.answer",), lambda w, a: requests.correct_answer(
            w.ctx, a, w.answered_request(), findings=[], free_text="One caution in 2024.")),
        # conflicts live in the shared database, which this test does not start
        "sync.conflicts.list_conflicts": Case(("conflict.resolve",), lambda w, a: conflicts.list_conflicts(w.ctx, a),
                                              allowed_failure="no shared database"),
        "sync.conflicts.resolve_conflict": Case(("conflict.resolve",), lambda w, a: conflicts.resolve_conflict(
            w.ctx, a, 1, keep="server"), allowed_failure="no shared database"),
    }


CASES = _cases()
ROLES = [*(role.value for role in Role), SYSTEM_ROLE]
PAIRS = [(name, role) for name in sorted(set(ACTIONS) & set(CASES)) for role in ROLES]


def expected_allowed(case: Case, role: str) -> bool:
    return any(may(role, action) for action in case.actions)


@pytest.fixture(scope="module")
def world(tmp_path_factory) -> Iterator[World]:  # noqa: ANN001
    from mash_tui.clock import FrozenClock
    from mash_tui.services.context import open_context
    from mash_tui.services.users import add_user

    with pytest.MonkeyPatch.context() as patch:
        patch.delenv("MASH_SHARED_DB", raising=False)
        ctx = open_context(tmp_path_factory.mktemp("permissions") / "home", clock=FrozenClock(FROZEN_AT))
        for actor in ROLE_USERS.values():
            add_user(ctx, STORE_OWNER, username=actor.username, role=actor.role, agency=actor.agency,
                     password=PASSWORD, display_name=actor.display_name)
        yield World(ctx)
        ctx.store.dispose()


def _trail_and_outbox(world: World) -> tuple[int, int]:
    connection = sqlite3.connect(world.ctx.store.path)
    try:
        return (connection.execute("SELECT max(seq) FROM audit_event").fetchone()[0] or 0,
                # A refusal's own audit event goes to the shared trail; no other change may be queued.
                connection.execute("SELECT count(*) FROM outbox WHERE name != 'record_audit.v1'").fetchone()[0])
    finally:
        connection.close()


def _refusals_queued_for_the_shared_trail(world: World) -> int:
    connection = sqlite3.connect(world.ctx.store.path)
    try:
        return connection.execute(
            "SELECT count(*) FROM outbox, json_each(outbox.payload, '$.audit') AS event "
            "WHERE outbox.name = 'record_audit.v1' AND json_extract(event.value, '$.action') = 'permission.refused'"
        ).fetchone()[0]
    finally:
        connection.close()


def _events_since(world: World, seq: int) -> list[tuple[str, str, dict]]:
    connection = sqlite3.connect(world.ctx.store.path)
    try:
        rows = connection.execute("SELECT actor, action, details FROM audit_event WHERE seq > ? ORDER BY seq",
                                  (seq,)).fetchall()
    finally:
        connection.close()
    return [(actor, action, json.loads(details)) for actor, action, details in rows]


class _Recorder:
    """Counts the calls the case makes to the function under test, so fixture calls are told apart."""

    def __init__(self, module: Any, name: str) -> None:
        self.module, self.name = module, name
        self.original = getattr(module, name)
        self.before: tuple[int, int] | None = None
        self.calls = 0

    def wrapper(self, world: World) -> Callable[..., Any]:
        def recorded(*args: Any, **kwargs: Any) -> Any:
            self.calls += 1
            self.before = _trail_and_outbox(world)
            return self.original(*args, **kwargs)

        return recorded


@pytest.mark.parametrize(("function", "role"), PAIRS, ids=[f"{name}-{role}" for name, role in PAIRS])
def test_role_may_or_may_not(world: World, monkeypatch: pytest.MonkeyPatch, function: str, role: str) -> None:
    import importlib

    case = CASES[function]
    actor = ACTORS[role]
    module_name, name = function.rsplit(".", 1)
    package = "mash_tui" if module_name.startswith("sync.") else "mash_tui.services"
    module = importlib.import_module(f"{package}.{module_name}")
    recorder = _Recorder(module, name)
    # Fixture factories call other services; only the call under test is measured. A delegating
    # function (`queue.queue`) calls another action inside, which must not reset the mark.
    first_call = recorder.wrapper(world)

    def once(*args: Any, **kwargs: Any) -> Any:
        if recorder.calls:
            return recorder.original(*args, **kwargs)
        return first_call(*args, **kwargs)

    monkeypatch.setattr(module, name, once)
    allowed = expected_allowed(case, role)
    if allowed:
        if case.allowed_failure:
            with pytest.raises(UserError, match=case.allowed_failure) as failure:
                case.call(world, actor)
            assert not isinstance(failure.value, PermissionRefused)
        else:
            try:
                case.call(world, actor)
            except PermissionRefused as refused:
                pytest.fail(f"{role} may {'/'.join(case.actions)} by the table, yet {function} refused: {refused}")
        assert recorder.calls == 1, f"the case for {function} did not call it"
        return
    with pytest.raises(PermissionRefused):
        case.call(world, actor)
    assert recorder.calls == 1, f"the case for {function} did not reach it: a fixture step failed first"
    assert recorder.before is not None
    audit_before, outbox_before = recorder.before
    events = _events_since(world, audit_before)
    assert [(who, action) for who, action, _ in events] == [(actor.username, "permission.refused")], (
        f"a refused {function} must leave exactly one permission.refused event, found {events}")
    assert events[0][2]["action"] in case.actions
    assert _trail_and_outbox(world)[1] == outbox_before, f"a refused {function} queued a mutation"
    assert _refusals_queued_for_the_shared_trail(world) >= 1


def test_every_service_action_has_a_case() -> None:
    missing = sorted(set(ACTIONS) - set(CASES))
    stale = sorted(set(CASES) - set(ACTIONS))
    assert not missing, f"service actions with no case in {__file__}: {missing}; add one to _cases()"
    assert not stale, f"cases for functions that no longer check a permission: {stale}"
    print(f"\n{len(CASES)} service actions x {len(ROLES)} roles = {len(PAIRS)} role x action pairs "
          f"({sum(expected_allowed(CASES[name], role) for name, role in PAIRS)} allowed)")


def test_each_case_names_the_actions_its_function_requires() -> None:
    """The table's word is the code's word: a function must `require` what its case says."""
    for name, required in ACTIONS.items():
        if name in CASES and required:
            assert required <= set(CASES[name].actions), (
                f"{name} requires {required}, its case says {CASES[name].actions}")


def test_the_table_grants_what_domain_section_2_says() -> None:
    """Spot checks of DOMAIN.md section 2 against the table the services obey."""
    assert PERMISSIONS[Role.DECISION_MAKER] >= PERMISSIONS[Role.OFFICER]
    assert not may("officer", "item.decide") and may("decision_maker", "item.decide")
    assert may("supervisor", "audit.view") and may("supervisor", "item.reassign")
    assert not may("supervisor", "item.decide") and not may("supervisor", "contact.capture")
    assert PERMISSIONS[Role.PARTNER] <= {"request.view_own", "request.answer", "home.view",
                                         "invitation.view_own", "invitation.answer"}
    admin_case_access = PERMISSIONS[Role.ADMIN] - PERMISSIONS[Role.SUPERVISOR]
    assert admin_case_access <= {"user.manage", "policy.manage"}, "an admin sees no more case content than a supervisor"
    assert not any(may(SYSTEM_ROLE, action) for action in ("contact.view", "queue.view", "audit.view"))


CHILD_PROTECTION_ACTIONS = {action for action in ALL_ACTIONS
                            if action.split(".")[0] in ("strategy", "conference", "register", "lado")}
NOTIFICATION_ACTIONS = {action for action in ALL_ACTIONS if action.startswith("notification.")}


def test_only_the_coordinator_decision_makers_and_supervisors_act_after_the_front_door() -> None:
    """DOMAIN.md section 10 and issue 18: conferences, strategy discussions, the register and LADO."""
    assert {"strategy.record", "conference.book", "conference.attend", "conference.outcome", "register.change",
            "lado.screen", "lado.outcome"} <= CHILD_PROTECTION_ACTIONS
    for action in sorted(CHILD_PROTECTION_ACTIONS):
        acting = {role.value for role in Role if may(role.value, action)}
        assert acting == {"cp_coordinator", "decision_maker", "supervisor"}, (action, acting)
    assert not may(SYSTEM_ROLE, "conference.book")


def test_a_partner_sees_only_invitations_to_its_agency() -> None:
    assert may("partner", "invitation.view_own") and may("partner", "invitation.answer")
    assert not PERMISSIONS[Role.PARTNER] & CHILD_PROTECTION_ACTIONS
    assert not may("partner", "notification.view")


def test_police_support_triages_notifications_and_sees_no_other_contacts() -> None:
    """DOMAIN.md section 2: police staff in the hub work the notifications lane (section 9)."""
    assert {"notification.import", "notification.view", "notification.grade", "notification.task",
            "notification.share"} == NOTIFICATION_ACTIONS
    assert NOTIFICATION_ACTIONS <= PERMISSIONS[Role.POLICE_SUPPORT]
    for action in ("contact.view", "queue.view", "item.decide", "conference.view", "audit.view"):
        assert not may("police_support", action), action
    changing = NOTIFICATION_ACTIONS - {"notification.view"}
    assert {role.value for role in Role if PERMISSIONS[role] & changing} == {"police_support"}


def test_the_coordinator_reads_the_front_door_but_does_not_decide_it() -> None:
    assert may("cp_coordinator", "contact.view") and may("cp_coordinator", "chronology.view")
    for action in ("item.decide", "item.claim", "contact.capture", "request.send", "user.manage"):
        assert not may("cp_coordinator", action), action


@pytest.mark.parametrize("role", ["police_support", "cp_coordinator"])
def test_the_new_roles_can_be_given_to_users(tmp_path: Path, role: str) -> None:
    """`mash users add NAME --role police_support` and the like: the role validates and is stored."""
    from mash_tui.clock import FrozenClock
    from mash_tui.services.context import open_context
    from mash_tui.services.users import add_user, list_users

    ctx = open_context(tmp_path / "home", clock=FrozenClock(FROZEN_AT))
    try:
        add_user(ctx, STORE_OWNER, username="newcomer", role=role, agency=None, password=PASSWORD,
                 display_name="New Comer")
        assert [(user.username, user.role) for user in list_users(ctx)] == [("newcomer", role)]
    finally:
        ctx.store.dispose()
