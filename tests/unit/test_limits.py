"""Limits and secrets: oversize input is refused whole, passwords stay secret, the store stays private.

- Importers and the CLI refuse a file over `limits.max_import_bytes` and a field over
  `limits.max_field_chars` with one clear line naming the limit, and write nothing: not the good
  records before the bad one, not an audit event.
- A password (and the password in a shared database's URL) never appears in the store's bytes,
  the audit trail, standard output or error, whether the login fails or succeeds.
- The home directory is 0700 and every store file 0600, whatever the umask.

Each test sets small limits in `$MASH_HOME/policy.toml`, as a hub would, so the files stay small.
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import PASSWORD
from tests.unit.contact_records import minimal_record

REPO = Path(__file__).resolve().parents[2]
MAX_FIELD = 300
MAX_BYTES = 6000
PERSONS_HEADER = "person_id,first_name,last_name,dob,sex,address,postcode\n"


def _mash(home: Path, *args: str, stdin: str | None = None, password: str = PASSWORD,
          umask: int | None = None, extra_env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "MASH_PASSWORD": password, "MASH_HOME": "", **(extra_env or {})}
    env.pop("MASH_SHARED_DB", None) if "MASH_SHARED_DB" not in (extra_env or {}) else None
    return subprocess.run(
        [sys.executable, "-m", "mash_tui", "--home", str(home), *args], input=stdin, capture_output=True,
        text=True, timeout=180, cwd=REPO, env=env,
        preexec_fn=(lambda: os.umask(umask)) if umask is not None else None,
    )


@pytest.fixture(scope="module")
def limited_template(tmp_path_factory) -> Path:  # noqa: ANN001
    """A home with small limits and one officer, made once: each test works on its own copy."""
    home = tmp_path_factory.mktemp("limits") / "home"
    home.mkdir(mode=0o700)
    (home / "policy.toml").write_text(f"[limits]\nmax_field_chars = {MAX_FIELD}\nmax_import_bytes = {MAX_BYTES}\n")
    added = _mash(home, "users", "add", "olivia", "--role", "officer", "--password-stdin", stdin=f"{PASSWORD}\n")
    assert added.returncode == 0, added.stderr
    return home


@pytest.fixture
def limited_home(limited_template: Path, tmp_path: Path) -> Path:
    home = tmp_path / "home"
    shutil.copytree(limited_template, home)
    return home


@pytest.fixture
def limits_only_home(tmp_path: Path) -> Path:
    """Small limits and no store: for the stateless `mash rag`."""
    home = tmp_path / "home"
    home.mkdir(mode=0o700)
    (home / "policy.toml").write_text(f"[limits]\nmax_field_chars = {MAX_FIELD}\nmax_import_bytes = {MAX_BYTES}\n")
    return home


def _counts(home: Path) -> dict[str, int]:
    """Rows of every table that an import could write to, and the audit trail's length."""
    connection = sqlite3.connect(home / "mash.db")
    try:
        tables = [name for (name,) in connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
        counts = {table: connection.execute(f'SELECT count(*) FROM "{table}"').fetchone()[0]
                  for table in tables if not table.startswith(("sqlite_", "alembic"))}
        # The sign-in's audit event is queued for the shared trail like any other; nothing else may be.
        counts["outbox"] = connection.execute(
            "SELECT count(*) FROM outbox WHERE name != 'record_audit.v1'").fetchone()[0]
        return counts
    finally:
        connection.close()


def _audit_actions(home: Path) -> list[str]:
    connection = sqlite3.connect(home / "mash.db")
    try:
        return [action for (action,) in connection.execute("SELECT action FROM audit_event ORDER BY seq")]
    finally:
        connection.close()


def _nothing_imported(home: Path, before: dict[str, int], actions_before: list[str]) -> None:
    """No row anywhere but the sign-in of the `--as` user, which happens before the file is read."""
    after = _counts(home)
    # The audit trail (its events and their keyed MACs) records the sign-in; the rest must not move.
    audit_trail = ("audit_event", "audit_mac")
    assert {table: count for table, count in after.items() if table not in audit_trail} == \
        {table: count for table, count in before.items() if table not in audit_trail}
    added = _audit_actions(home)[len(actions_before):]
    assert set(added) <= {"login.succeeded"}, added


def _one_clear_line(result: subprocess.CompletedProcess[str], *words: str) -> str:
    assert result.returncode == 2, (result.stdout, result.stderr)
    assert "Traceback" not in result.stderr
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert lines and all(line.startswith("mash: error:") for line in lines), result.stderr
    for word in words:
        assert word in result.stderr, f"{word!r} not in {result.stderr!r}"
    return result.stderr


def _contact(narrative: str = "Synthetic narrative.") -> dict:
    record = minimal_record()
    record["concerns"]["narrative"] = narrative
    return record


# -- contacts: `mash contacts import` and `mash rag` ------------------------------------------------


def _contacts_command_exists(home: Path) -> bool:
    return _mash(home, "contacts", "--help").returncode == 0


def test_contacts_import_refuses_an_oversize_file_and_writes_nothing(limited_home: Path, tmp_path: Path) -> None:
    home = limited_home
    if not _contacts_command_exists(home):
        pytest.skip("mash contacts import is not there yet")
    big = tmp_path / "big.json"
    records = [_contact() for _ in range(40)]
    big.write_text(json.dumps(records))
    assert big.stat().st_size > MAX_BYTES
    before, actions = _counts(home), _audit_actions(home)
    _one_clear_line(_mash(home, "contacts", "import", str(big), "--as", "olivia"), str(MAX_BYTES), "limit")
    _nothing_imported(home, before, actions)


def test_contacts_import_refuses_an_oversize_field_and_writes_none_of_the_file(limited_home: Path,
                                                                               tmp_path: Path) -> None:
    home = limited_home
    if not _contacts_command_exists(home):
        pytest.skip("mash contacts import is not there yet")
    path = tmp_path / "contacts.json"
    # Two good contacts first: all or nothing means they are not stored either.
    path.write_text(json.dumps([_contact(), _contact(), _contact("x" * (MAX_FIELD + 1))]))
    before, actions = _counts(home), _audit_actions(home)
    stderr = _one_clear_line(_mash(home, "contacts", "import", str(path), "--as", "olivia"), str(MAX_FIELD))
    assert "contact 2" in stderr and "narrative" in stderr and "limits.max_field_chars" in stderr
    _nothing_imported(home, before, actions)
    exactly = tmp_path / "exactly.json"
    exactly.write_text(json.dumps([_contact("x" * MAX_FIELD)]))
    assert _mash(home, "contacts", "import", str(exactly), "--as", "olivia").returncode == 0


@pytest.mark.parametrize("where", ["name", "alias", "other_agencies"])
def test_every_text_field_counts_not_only_the_narrative(limits_only_home: Path, tmp_path: Path, where: str) -> None:
    home = limits_only_home
    record = _contact()
    long_text = "y" * (MAX_FIELD + 1)
    if where == "name":
        record["children"][0]["last_name"] = long_text
    elif where == "alias":
        record["children"][0]["aliases"] = ["Ok", long_text]
    else:
        record["other_agencies"] = [{"agency": "GP", "contact": long_text}]
    path = tmp_path / "one.json"
    path.write_text(json.dumps([record]))
    result = _mash(home, "rag", str(path), "--json")
    _one_clear_line(result, str(MAX_FIELD))
    assert result.stdout == ""


def test_rag_refuses_an_oversize_file(limits_only_home: Path, tmp_path: Path) -> None:
    home = limits_only_home
    big = tmp_path / "big.json"
    big.write_text(json.dumps([_contact() for _ in range(40)]))
    result = _mash(home, "rag", str(big), "--json")
    _one_clear_line(result, str(MAX_BYTES), "limit")
    assert result.stdout == ""
    piped = _mash(home, "rag", "-", "--json", stdin=big.read_text())
    _one_clear_line(piped, str(MAX_BYTES))
    assert not (home / "mash.db").exists(), "mash rag is stateless: it opens no store"


def test_a_draft_too_long_is_kept_but_cannot_be_submitted(ctx, users) -> None:  # noqa: ANN001
    """Autosave never loses typing; submitting names the field and the limit."""
    from mash_tui.services import contacts
    from mash_tui.services.contacts import ContactInvalid

    limit = ctx.policy.limits.max_field_chars
    record = _contact("z" * (limit + 1))
    draft = contacts.start_draft(ctx, users["olivia"], record)
    assert contacts.load_draft(ctx, users["olivia"], draft.id).form["concerns"]["narrative"] == "z" * (limit + 1)
    with pytest.raises(ContactInvalid, match=str(limit)) as refused:
        contacts.submit_draft(ctx, users["olivia"], draft.id)
    assert "concerns.narrative" in str(refused.value)
    assert contacts.list_contacts(ctx, users["olivia"]) == []


# -- persons: `mash persons import` -----------------------------------------------------------------


def test_persons_import_refuses_an_oversize_field_and_writes_nothing(limited_home: Path, tmp_path: Path) -> None:
    home = limited_home
    path = tmp_path / "persons.csv"
    rows = [f"P{number},Ann,Lee,2015-01-0{number},F,1 Road,DY4 7AA\n" for number in range(1, 5)]
    rows.append(f"P9,Ann,{'L' * (MAX_FIELD + 1)},2015-01-09,F,1 Road,DY4 7AA\n")
    path.write_text(PERSONS_HEADER + "".join(rows))
    before = _counts(home)
    stderr = _one_clear_line(_mash(home, "persons", "import", str(path)), str(MAX_FIELD))
    assert "line 6" in stderr and "last_name" in stderr
    assert _counts(home) == before


def test_persons_import_refuses_an_oversize_file_and_writes_nothing(limited_home: Path, tmp_path: Path) -> None:
    home = limited_home
    path = tmp_path / "persons.csv"
    rows = [f"P{number},Ann,Lee,2015-01-01,F,{number} Long Road Name,DY4 7AA\n" for number in range(400)]
    path.write_text(PERSONS_HEADER + "".join(rows))
    assert path.stat().st_size > MAX_BYTES
    before = _counts(home)
    _one_clear_line(_mash(home, "persons", "import", str(path)), str(MAX_BYTES), "limits.max_import_bytes")
    assert _counts(home) == before


def test_involvements_import_refuses_an_oversize_file(limited_home: Path, tmp_path: Path) -> None:
    home = limited_home
    path = tmp_path / "involvements.csv"
    header = "person_id,service,status,start_date,end_date,allocated_worker,team,phone\n"
    path.write_text(header + "P1,social_care,open,2024-01-01,,Jo Worker,Team A,01632 960000\n" * 200)
    before = _counts(home)
    _one_clear_line(_mash(home, "involvements", "import", str(path)), str(MAX_BYTES))
    assert _counts(home) == before


# -- passwords ---------------------------------------------------------------------------------------


def _everything_stored(home: Path) -> bytes:
    return b"".join(path.read_bytes() for path in sorted(home.iterdir()) if path.name.startswith("mash.db"))


def _audit_text(home: Path) -> str:
    connection = sqlite3.connect(home / "mash.db")
    try:
        rows = connection.execute("SELECT actor, action, entity_id, subject_ref, details FROM audit_event").fetchall()
        outbox = connection.execute("SELECT payload, result, last_error FROM outbox").fetchall()
    finally:
        connection.close()
    return json.dumps([rows, outbox], ensure_ascii=False)


def test_passwords_never_reach_the_store_the_trail_or_the_output(tmp_path: Path) -> None:
    secret = "Pa55-w0rd-that-must-stay-secret"
    wrong = "Wr0ng-guess-also-secret"
    home = tmp_path / "home"
    outputs = []
    added = _mash(home, "users", "add", "sue", "--role", "supervisor", "--password-stdin", stdin=f"{secret}\n")
    outputs.append(added)
    assert added.returncode == 0
    outputs.append(_mash(home, "audit", "show", "--as", "sue", "--json", password=wrong))
    outputs.append(_mash(home, "audit", "show", "--as", "nobody", "--json", password=wrong))
    signed_in = _mash(home, "audit", "show", "--as", "sue", "--json", password=secret)
    outputs.append(signed_in)
    assert signed_in.returncode == 0, signed_in.stderr
    actions = [json.loads(line)["action"] for line in signed_in.stdout.splitlines()]
    assert actions.count("login.failed") == 2 and "login.succeeded" in actions and "user.add" in actions
    short = _mash(home, "users", "add", "sam", "--role", "officer", "--password-stdin", stdin="short\n")
    outputs.append(short)
    assert short.returncode == 2
    for needle in (secret, wrong, "short"):
        assert needle.encode() not in _everything_stored(home), f"{needle!r} is in the store's bytes"
        assert needle not in _audit_text(home)
    for result in outputs:
        for needle in (secret, wrong):
            assert needle not in result.stdout and needle not in result.stderr


def test_a_failed_login_is_audited_without_the_password(ctx, users) -> None:  # noqa: ANN001
    from mash_tui.services.audit import show_audit
    from mash_tui.services.users import LoginRefused, authenticate

    guess = "a-guess-nobody-should-read"
    with pytest.raises(LoginRefused) as refused:
        authenticate(ctx, "olivia", guess)
    assert guess not in str(refused.value)
    authenticate(ctx, "olivia", PASSWORD)
    trail = json.dumps([entry.as_json() for entry in show_audit(ctx, users["sue"])], ensure_ascii=False)
    assert "login.failed" in trail and "login.succeeded" in trail
    assert guess not in trail and PASSWORD not in trail
    assert guess.encode() not in _everything_stored(ctx.home) and PASSWORD.encode() not in _everything_stored(ctx.home)


SHARED_URLS = (
    "postgresql://mash:Sh4red-S3cret@127.0.0.1:1/mash",
    "postgresql://mash:Sh4red-S3cret@127.0.0.1:1/mash?sslmode=nonsense",
    "host=127.0.0.1 port=1 user=mash password=Sh4red-S3cret dbname=mash",
    "postgresql://mash:Sh4red-S3cret@[bad",
)


def test_a_shared_database_password_stays_out_of_errors(tmp_path: Path) -> None:
    home = tmp_path / "home"
    _mash(home, "users", "add", "sue", "--role", "supervisor", "--password-stdin", stdin=f"{PASSWORD}\n")
    if _mash(home, "sync", "--help").returncode != 0:
        pytest.skip("mash sync is not there yet")
    for url in SHARED_URLS:
        for args in (("--shared", url, "sync", "--once"), ("sync", "--once")):
            result = _mash(home, *args, extra_env={"MASH_SHARED_DB": url})
            assert result.returncode != 0, (url, result.stdout)
            assert "Traceback" not in result.stderr, result.stderr
            assert "Sh4red-S3cret" not in result.stdout + result.stderr, result.stderr
    assert b"Sh4red-S3cret" not in _everything_stored(home)


# -- file modes ----------------------------------------------------------------------------------


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.mark.parametrize("umask", [0o022, 0o000])
def test_the_store_is_private_whatever_the_umask(tmp_path: Path, umask: int) -> None:
    home = tmp_path / "home"
    added = _mash(home, "users", "add", "sue", "--role", "supervisor", "--password-stdin",
                  stdin=f"{PASSWORD}\n", umask=umask)
    assert added.returncode == 0, added.stderr
    assert _mash(home, "audit", "show", "--as", "sue", umask=umask).returncode == 0
    assert _mode(home) == 0o700
    files = [path for path in home.iterdir() if path.name.startswith("mash.db")]
    assert any(path.name == "mash.db" for path in files)
    for path in files:
        assert _mode(path) == 0o600, f"{path.name} is {oct(_mode(path))}"


def test_an_existing_home_is_made_private(tmp_path: Path) -> None:
    home = tmp_path / "home"
    home.mkdir(mode=0o755)
    os.chmod(home, 0o755)
    assert _mash(home, "users", "add", "sue", "--role", "supervisor", "--password-stdin",
                 stdin=f"{PASSWORD}\n").returncode == 0
    assert _mode(home) == 0o700
    assert _mode(home / "mash.db") == 0o600


def test_verify_reads_without_loosening_anything(tmp_path: Path) -> None:
    home = tmp_path / "home"
    _mash(home, "users", "add", "sue", "--role", "supervisor", "--password-stdin", stdin=f"{PASSWORD}\n")
    assert _mash(home, "audit", "verify").returncode == 0
    for path in home.iterdir():
        if path.name.startswith("mash.db"):
            assert _mode(path) == 0o600
