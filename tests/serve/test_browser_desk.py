"""The desk in a real headless Chromium through `mash serve`: the same app, sign-in, lockout and audit.

Every check of what was stored goes through the command line, as an operator would look.
"""

from __future__ import annotations

import json
import signal
from pathlib import Path

import pytest

try:
    from selenium.webdriver.common.keys import Keys
except ImportError:  # the `browser` fixture says why, and fails under CI=true
    Keys = None

from mash_tui.services.users import LOGIN_REFUSED

# The refusal wraps in the sign-in box; its first words fit on one line.
REFUSED_WORDS = " ".join(LOGIN_REFUSED.split()[:5])
from tests.serve.browser import (
    DEMO_PASSWORD,
    copy_home,
    group_exists,
    is_running,
    live_group_members,
    mash,
    open_tab,
    sign_in,
    wait_until,
)

# The browser is checked first, before a demo store is built for nothing.
pytestmark = [pytest.mark.slow, pytest.mark.usefixtures("browser_available")]

MARKUP_LIKE_ANSWER = "[b]x[/b]"


def _json_lines(text: str) -> list[dict]:
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def _open_police_request(home: Path) -> str:
    """A decision maker asks the police about an item dana holds: one request waiting for an answer."""
    items = _json_lines(mash(home, "queue", "--json", "--as", "dana", password=DEMO_PASSWORD).stdout)
    held = next(item["reference"] for item in items if item["claimed_by"] == "dana" and item["state"] == "claimed")
    sent = mash(home, "request", "send", held, "--agency", "police", "--question",
                "Any police contact with the household?", "--json", "--as", "dana", password=DEMO_PASSWORD)
    return _json_lines(sent.stdout)[0]["request_ref"]


def _new_session(served, before: set[int]) -> int:
    """The one desk process that appeared since `before`."""
    new = wait_until(lambda: served.sessions() - before, "a new desk process")
    assert len(new) == 1, new
    return next(iter(new))


def test_partner_answers_in_the_browser_and_an_officer_opens_the_contact_form(demo_home, serve, browser, shots):
    request_ref = _open_police_request(demo_home)
    served = serve(demo_home)

    partner = open_tab(browser, served.url, shots, new_window=False)
    partner_pid = _new_session(served, set())
    partner.screenshot("partner sign-in screen")
    sign_in(partner, "pc.police")
    partner.wait_for("Police: information requests from the MASH", "1 waiting for an answer")
    partner.screenshot("partner requests")

    partner.type(Keys.ENTER)  # the open request comes first: least time left
    partner.wait_for(request_ref, "Tick who is known to you")
    # The free-text answer sits under its heading; a click there puts the caret in it.
    column, heading_row = partner.find("Anything else (in your own words)")
    partner.click_cell(column + 2, heading_row + 1)
    partner.wait_for_cursor_row(heading_row + 1)
    partner.type(MARKUP_LIKE_ANSWER)
    partner.wait_for(MARKUP_LIKE_ANSWER)
    partner.screenshot("partner answer typed")
    partner.chord(Keys.CONTROL, "s")
    partner.wait_for("Police: information requests from the MASH", "0 waiting for an answer")
    partner.screenshot("partner answer sent")

    stored = _json_lines(mash(demo_home, "request", "list", "--json", "--as", "pc.police", password=DEMO_PASSWORD).stdout)
    answered = next(request for request in stored if request["request_ref"] == request_ref)
    assert answered["state"] == "answered"
    assert answered["answer"]["free_text"] == MARKUP_LIKE_ANSWER
    assert answered["answer"]["answered_by"] == "pc.police"

    officer = open_tab(browser, served.url, shots, new_window=True)
    officer_pid = _new_session(served, {partner_pid})
    sign_in(officer, "olivia")
    officer_home = officer.wait_for("Olivia")
    officer.screenshot("officer home")
    officer.type("n")
    contact_form = officer.wait_for("Referrer", "Children", "Concerns")
    officer.screenshot("officer new contact form")

    # Two people at once, each in their own process, each seeing only their own desk.
    assert served.sessions() == {partner_pid, officer_pid}
    partner_screen = partner.screen_text()
    assert "Police desk" in partner_screen and "Olivia" not in partner_screen
    assert "information requests from the MASH" not in officer_home + contact_form
    assert "Police desk" not in officer_home + contact_form
    assert len(list(shots.glob("*.png"))) == 6


def test_a_wrong_password_in_the_browser_counts_towards_the_lockout(demo_home, serve, browser, shots):
    from mash_tui.config import load_policy

    attempts = load_policy(demo_home).security.lockout_attempts
    served = serve(demo_home)
    tab = open_tab(browser, served.url, shots, new_window=False)

    sign_in(tab, "omar", "not-the-password")
    tab.wait_for(REFUSED_WORDS)
    tab.screenshot("wrong password refused")
    assert len(_failed_logins(demo_home, "omar")) == 1
    # The terminal's way in, the command line, fails all but one of the rest...
    for _ in range(attempts - 2):
        refused = mash(demo_home, "queue", "--json", "--as", "omar", password="still-wrong", check=False)
        assert refused.returncode == 2
    # ...so the browser's first failure and one more lock the account.
    sign_in_again(tab, "not-the-password-either")
    wait_until(lambda: len(_failed_logins(demo_home, "omar")) == attempts, "the browser's second failure in the audit")
    tab.wait_for(REFUSED_WORDS)
    # Locked: the right password is refused, in the terminal's way in as in the browser.
    refused = mash(demo_home, "queue", "--json", "--as", "omar", password=DEMO_PASSWORD, check=False)
    assert refused.returncode == 2, refused.stdout
    failures = _failed_logins(demo_home, "omar")
    assert len(failures) == attempts + 1
    assert sum(1 for event in failures if event["details"].get("locked_now")) == 1
    assert sum(1 for event in failures if event["details"]["locked"]) == 1  # the right password, after


def _failed_logins(home: Path, username: str) -> list[dict]:
    audit = mash(home, "audit", "show", "--user", username, "--json", "--as", "ada", password=DEMO_PASSWORD)
    return [event for event in _json_lines(audit.stdout) if event["action"] == "login.failed"]


def sign_in_again(tab, password: str) -> None:  # noqa: ANN001 - DeskTab
    """After a refusal the caret is back in the (emptied) password field."""
    tab.type(password, Keys.ENTER)


def test_closing_a_tab_ends_its_desk_and_the_other_goes_on(demo_store, tmp_path, serve, browser, shots):
    # A home whose name would do harm in a shell: each desk is started from an argument list.
    home = copy_home(demo_store, tmp_path / "home; touch PWNED $(touch PWNED2)")
    unreachable = "postgresql://desk@127.0.0.1:1/mash"
    served = serve(home, environment={"MASH_SHARED_DB": unreachable, "MASH_PASSWORD": "operator-secret"})

    first = open_tab(browser, served.url, shots, new_window=False)
    first_pid = _new_session(served, set())
    second = open_tab(browser, served.url, shots, new_window=True)
    second_pid = _new_session(served, {first_pid})

    environment = dict(entry.split("=", 1) for entry in
                       Path(f"/proc/{first_pid}/environ").read_text().split("\0") if "=" in entry)
    assert environment["MASH_SHARED_DB"] == unreachable  # syncs as the desk does
    assert "MASH_PASSWORD" not in environment  # the operator's password stays with the operator

    first.close()
    wait_until(lambda: not is_running(first_pid), "the closed tab's desk to end")
    # Once the server has reaped it, nothing of its process group is left either.
    wait_until(lambda: not group_exists(first_pid), "the closed tab's process group to go")
    assert served.sessions() == {second_pid}
    second.wait_for("Sign in to MASH Desk")
    second.screenshot("the other tab goes on")
    # Leaving the page ends its desk too: Back must not bring a signed-in session out of the cache.
    browser.get("about:blank")
    wait_until(lambda: not is_running(second_pid), "the left page's desk to end")
    wait_until(lambda: not served.sessions(), "no desk left")
    assert not list(tmp_path.glob("PWNED*")) and not list(Path.cwd().glob("PWNED*"))


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM], ids=["ctrl-c", "sigterm"])
def test_stopping_the_server_ends_every_desk_it_started(demo_home, serve, browser, shots, signum):
    served = serve(demo_home)
    first = open_tab(browser, served.url, shots, new_window=False)
    first_pid = _new_session(served, set())
    sign_in(first, "sam")
    first.wait_without("Sign in to MASH Desk")
    open_tab(browser, served.url, shots, new_window=True)
    second_pid = _new_session(served, {first_pid})

    assert served.stop(signum) == 0
    for pid in (first_pid, second_pid):
        assert not is_running(pid), f"desk {pid} outlived the server"
        assert not group_exists(pid), f"desk {pid}'s process group outlived the server"
    assert "Traceback" not in served.output.read_text()


def test_a_killed_servers_desks_end_too(demo_home, serve, browser, shots):
    served = serve(demo_home)
    open_tab(browser, served.url, shots, new_window=False)
    desk = _new_session(served, set())

    served.process.kill()  # no shutdown of its own: the kernel tells the desk its server is gone
    served.process.wait(timeout=30)
    wait_until(lambda: not is_running(desk), "the orphaned desk to end")
    # Whoever adopts it reaps it in its own time; what matters is that nothing of it still runs.
    wait_until(lambda: not live_group_members(desk), "the orphaned desk's process group to end")
