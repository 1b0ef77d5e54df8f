"""Items ready for information requests, shared by the store, screen and command-line tests."""

from __future__ import annotations

from mash_tui.domain.roles import Actor
from mash_tui.services import contacts, queue
from tests.conftest import OWNER, PASSWORD
from tests.unit.contact_records import minimal_record

HEALTH = Actor("hana", "partner", "health", "Hana Health")


def add_health_partner(ctx) -> Actor:  # noqa: ANN001
    from mash_tui.services.users import add_user

    add_user(ctx, OWNER, username=HEALTH.username, role="partner", agency="health", password=PASSWORD,
             display_name=HEALTH.display_name)
    return HEALTH


def neglect_record(*, last_name: str = "Fenwick", first_name: str = "Ada") -> dict:
    """An AMBER contact (neglect, 16A) about one child and her mother."""
    record = minimal_record()
    record["concerns"]["categories"] = ["16A"]
    record["concerns"]["narrative"] = "Child often arrives hungry and in unwashed clothes."
    record["children"] = [{"first_name": first_name, "last_name": last_name, "dob": "2019-03-02", "sex": "female",
                           "address": "12 Mill Lane, Tipton", "postcode": "DY4 7AA", "school": "Oakfield Primary"}]
    record["adults"] = [{"first_name": "Rose", "last_name": last_name, "dob": "1990-07-14", "relationship": "mother",
                         "lives_with_child": True, "phone": "01632 960999"}]
    return record


def claimed_item(ctx, users, record: dict | None = None) -> str:  # noqa: ANN001
    """A contact escalated by olivia and claimed by dan; returns its reference."""
    officer, decider = users["olivia"], users["dan"]
    draft = contacts.start_draft(ctx, officer, record or neglect_record())
    reference = contacts.submit_draft(ctx, officer, draft.id).reference
    queue.escalate(ctx, officer, reference, note="School worried")
    queue.claim(ctx, decider, reference)
    return reference


def steady_prefix(ctx, prefix: str = "TEST") -> None:  # noqa: ANN001
    """References carry a random per-machine prefix; snapshots need the same one every run."""
    from mash_tui.store.unit_of_work import client_state

    with ctx.store.writing() as session:
        state = client_state(session)
        state.machine_prefix = prefix
        session.add(state)


def desk(ctx, clock):  # noqa: ANN001, ANN201 - a MashApp
    from mash_tui.app import MashApp

    return MashApp(ctx.home, clock=clock, policy=ctx.policy, ticking=False)


async def settle(pilot) -> None:  # noqa: ANN001
    # A screen's load posts a message whose handler may start another worker (a reload, a mount).
    for _ in range(3):
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()


async def show(pilot, actor: Actor, screen) -> None:  # noqa: ANN001
    """Put `screen` up for `actor` as if they had signed in, with steady cursors for snapshots."""
    from textual.widgets import Input, TextArea

    await pilot.pause()
    pilot.app.actor = actor
    await pilot.app.push_screen(screen)
    await settle(pilot)
    for field in (*pilot.app.screen.query(Input), *pilot.app.screen.query(TextArea)):
        field.cursor_blink = False
    await pilot.pause()
