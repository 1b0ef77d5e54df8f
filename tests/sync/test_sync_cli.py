"""`mash --shared URL users add` and `mash sync --once` as real subprocesses."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from tests.conftest import PASSWORD


def _mash(home, *args: str, stdin: str | None = None, env: dict | None = None) -> subprocess.CompletedProcess:  # noqa: ANN001
    return subprocess.run([sys.executable, "-m", "mash_tui", "--home", str(home), *args], input=stdin,
                          capture_output=True, text=True, timeout=120,
                          env={**os.environ, "MASH_PASSWORD": PASSWORD, **(env or {})})


def test_users_added_hub_wide_then_a_new_machine_syncs_and_signs_in(shared_url, tmp_path) -> None:  # noqa: ANN001
    admin = _mash(tmp_path / "admin", "--shared", shared_url, "users", "add", "ada", "--role", "admin",
                  "--password-stdin", stdin=PASSWORD + "\n")
    assert admin.returncode == 0, admin.stderr
    added = _mash(tmp_path / "admin", "--shared", shared_url, "users", "add", "olivia", "--role", "officer",
                  "--password-stdin", "--as", "ada", stdin=PASSWORD + "\n")
    assert added.returncode == 0, added.stderr
    # A new machine knows nobody yet: `--as olivia` fetches the users first, then signs her in.
    first = _mash(tmp_path / "laptop", "sync", "--once", "--as", "olivia", "--json",
                  env={"MASH_SHARED_DB": shared_url})
    assert first.returncode == 0, first.stderr
    report = json.loads(first.stdout)
    assert report["as"] == "olivia" and report["scopes"] == ["casework", "reference", "users"]
    again = _mash(tmp_path / "laptop", "--shared", shared_url, "sync", "--once")
    assert again.returncode == 0, again.stderr
    assert again.stdout.startswith("pushed ")
    # Who works at the hub is for an administrator to list (`--as`); the laptop has both users now.
    listed = _mash(tmp_path / "laptop", "users", "list", "--json", "--as", "ada")
    assert [json.loads(line)["username"] for line in listed.stdout.splitlines()] == ["ada", "olivia"]


def test_sync_without_a_shared_database_exits_2(tmp_path) -> None:  # noqa: ANN001
    result = _mash(tmp_path / "pc", "sync", "--once", env={"MASH_SHARED_DB": ""})
    assert result.returncode == 2
    assert "MASH_SHARED_DB" in result.stderr and "Traceback" not in result.stderr


def test_sync_to_an_unreachable_database_exits_2(tmp_path) -> None:  # noqa: ANN001
    result = _mash(tmp_path / "pc", "--shared", "postgresql://nobody@127.0.0.1:1/none", "sync", "--once")
    assert result.returncode == 2
    assert "unreachable" in result.stderr and "Traceback" not in result.stderr


def test_conflicts_listed_and_resolved_from_the_command_line(shared_url, tmp_path, clock) -> None:  # noqa: ANN001
    from mash_tui.services import contacts
    from tests.sync.hub import ACTORS, amber_form, machine, seed_users, sync

    desk = machine(tmp_path, "desk", shared_url, clock)
    seed_users(desk)
    draft = contacts.start_draft(desk, ACTORS["olivia"], amber_form("Fenwick"))
    sync(desk, "olivia")
    laptop = machine(tmp_path, "laptop", shared_url, clock)
    sync(laptop, "olivia")
    contacts.save_draft(desk, ACTORS["olivia"], draft.id, amber_form("Desk [b]value[/b]"))
    contacts.save_draft(laptop, ACTORS["olivia"], draft.id, amber_form("Laptop value"))
    sync(desk, "olivia")
    sync(laptop, "olivia")
    supervisor_home = tmp_path / "sue"
    sync(machine(tmp_path, "sue", shared_url, clock), "os:tester")
    listed = _mash(supervisor_home, "--shared", shared_url, "conflicts", "--json", "--as", "sue")
    assert listed.returncode == 0, listed.stderr
    [conflict] = [json.loads(line) for line in listed.stdout.splitlines()]
    assert conflict["kind"] == "contact_draft" and conflict["author"] == "olivia" and conflict["fields"] == ["form"]
    assert conflict["server"]["form"]["children"][0]["last_name"] == "Desk [b]value[/b]"
    refused = _mash(supervisor_home, "--shared", shared_url, "conflicts", "--as", "olivia")
    assert refused.returncode == 2 and "may not" in refused.stderr
    resolved = _mash(supervisor_home, "--shared", shared_url, "conflicts", "--as", "sue", "resolve",
                     str(conflict["id"]), "--keep", "server")
    assert resolved.returncode == 0, resolved.stderr
    assert _mash(supervisor_home, "--shared", shared_url, "conflicts", "--as", "sue").stdout.strip() == \
        "no open conflicts"


def test_a_command_sends_its_change_before_it_exits_and_says_when_it_is_refused(shared_url, tmp_path,
                                                                                 clock) -> None:  # noqa: ANN001
    from mash_tui.services.users import add_user
    from tests.sync.hub import ACTORS, escalated_item, local_rows, machine, seed_users, server_rows, sync

    hub = machine(tmp_path, "hub", shared_url, clock)
    seed_users(hub)
    add_user(hub, ACTORS["adam"], username="dee", role="decision_maker", password=PASSWORD)
    reference = escalated_item(hub)
    sync(hub, "olivia")
    for name, user in (("dan-pc", "dan"), ("dee-pc", "dee")):
        sync(machine(tmp_path, name, shared_url, clock), user)

    claimed = _mash(tmp_path / "dan-pc", "--shared", shared_url, "claim", reference, "--as", "dan")
    assert claimed.returncode == 0, claimed.stderr
    # No `mash sync` ran: the command sent its claim itself.
    [item] = server_rows(shared_url, "work_item").values()
    assert item["claimed_by"] == "dan"

    # Dee's machine has not heard of Dan's claim: the shared database refuses hers, and says why.
    refused = _mash(tmp_path / "dee-pc", "--shared", shared_url, "claim", reference, "--as", "dee")
    assert refused.returncode == 2
    assert f"refused by the shared database: {reference} is already held by dan; undone here" in refused.stderr
    [local] = local_rows(machine(tmp_path, "dee-pc", shared_url, clock), "work_item").values()
    assert local["claimed_by"] == "dan"

    offline = _mash(tmp_path / "dan-pc", "--shared", "postgresql://nobody@127.0.0.1:1/none", "release",
                    reference, "--as", "dan")
    assert offline.returncode == 0, offline.stderr
    # The release and the sign-in's audit event.
    assert "2 changes saved here wait for the next sync" in offline.stderr


def test_a_new_machine_cannot_add_users_hub_wide_as_its_owner_once_the_hub_has_an_administrator(
        shared_url, tmp_path) -> None:  # noqa: ANN001
    for name, role in (("olivia", "officer"), ("ada", "admin")):
        added = _mash(tmp_path / "first", "--shared", shared_url, "users", "add", name, "--role", role,
                      "--password-stdin", stdin=PASSWORD + "\n")
        assert added.returncode == 0, added.stderr
    # A machine that has never synced fetches the users first, and so knows there is an administrator.
    refused = _mash(tmp_path / "new-pc", "--shared", shared_url, "users", "add", "mallory", "--role", "supervisor",
                    "--password-stdin", stdin=PASSWORD + "\n")
    assert refused.returncode == 2 and "--as ADMIN" in refused.stderr
    added = _mash(tmp_path / "new-pc", "--shared", shared_url, "users", "add", "sue", "--role", "supervisor",
                  "--password-stdin", "--as", "ada", stdin=PASSWORD + "\n")
    assert added.returncode == 0, added.stderr


def test_sync_once_exits_1_and_names_what_the_shared_database_refused(shared_url, tmp_path, clock) -> None:  # noqa: ANN001
    from mash_tui.services.users import add_user
    from tests.sync.hub import ACTORS, escalated_item, machine, seed_users, sync

    hub = machine(tmp_path, "hub", shared_url, clock)
    seed_users(hub)
    add_user(hub, ACTORS["adam"], username="dee", role="decision_maker", password=PASSWORD)
    reference = escalated_item(hub)
    sync(hub, "olivia")
    for name, user in (("dan-pc", "dan"), ("dee-pc", "dee")):
        sync(machine(tmp_path, name, shared_url, clock), user)
    assert _mash(tmp_path / "dan-pc", "--shared", shared_url, "claim", reference, "--as", "dan").returncode == 0
    # Dee claims while her machine cannot reach the shared database; her claim waits for the next sync.
    offline = _mash(tmp_path / "dee-pc", "--shared", "postgresql://nobody@127.0.0.1:1/none", "claim", reference,
                    "--as", "dee")
    assert offline.returncode == 0, offline.stderr

    synced = _mash(tmp_path / "dee-pc", "--shared", shared_url, "sync", "--once", "--as", "dee")
    assert synced.returncode == 1, (synced.stdout, synced.stderr)
    assert f"mash: refused by the shared database: {reference} is already held by dan" in synced.stderr
    again = _mash(tmp_path / "dee-pc", "--shared", shared_url, "sync", "--once", "--as", "dee")
    assert again.returncode == 0, again.stderr  # what was refused is undone, not refused again
