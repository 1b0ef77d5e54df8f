"""`mash serve`'s own rules, without a browser: where it listens, what it refuses, what each tab runs."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from mash_tui.commands.serve import (
    exposure_warning,
    is_loopback,
    listening_address,
    public_url_of,
    session_command,
)
from mash_tui.errors import UserError


def test_loopback_unless_host_is_given() -> None:
    assert listening_address(None) == "127.0.0.1"
    assert listening_address("192.0.2.10") == "192.0.2.10"


@pytest.mark.parametrize("host", ["", "   "])
def test_an_empty_host_is_refused_not_read_as_every_interface(host: str) -> None:
    with pytest.raises(UserError, match="--host"):
        listening_address(host)


@pytest.mark.parametrize("host", ["127.0.0.1", "127.0.0.2", "::1", "localhost"])
def test_loopback_addresses_need_no_warning(host: str) -> None:
    assert is_loopback(host)
    assert exposure_warning(host) is None


@pytest.mark.parametrize("host", ["0.0.0.0", "::", "192.0.2.10", "desk.hub.example"])
def test_any_other_address_warns_that_tls_comes_from_a_reverse_proxy(host: str) -> None:
    warning = exposure_warning(host)
    assert warning is not None and "reverse proxy with TLS" in warning and host in warning


@pytest.mark.parametrize("host", ["0.0.0.0", "::"])
def test_every_interface_needs_the_address_browsers_open(host: str) -> None:
    with pytest.raises(UserError, match="--public-url"):
        public_url_of(host, 8000, None)
    assert public_url_of(host, 8000, "https://desk.hub.example/") == "https://desk.hub.example"


def test_the_page_points_browsers_at_the_address_it_listens_on() -> None:
    assert public_url_of("127.0.0.1", 8123, None) == "http://127.0.0.1:8123"
    assert public_url_of("::1", 8123, None) == "http://[::1]:8123"


@pytest.mark.parametrize("url", ["ftp://desk.hub.example", "desk.hub.example", "https://", "https://d.example/?a=1"])
def test_a_public_url_that_is_not_an_http_address_is_refused(url: str) -> None:
    with pytest.raises(UserError, match="--public-url"):
        public_url_of("127.0.0.1", 8000, url)


def test_each_tab_runs_the_desk_from_an_argument_list() -> None:
    home = "/srv/desk; rm -rf / $(id)"
    assert session_command(home) == [sys.executable, "-m", "mash_tui.web.desk_session", str(os.getpid()),
                                     "--home", home]


@pytest.mark.parametrize("arguments, words", [
    (["--host", "0.0.0.0"], "--public-url"),
    (["--host", ""], "--host"),
    (["--port", "0"], "--port"),
    (["--port", "70000"], "--port"),
])
def test_the_command_refuses_before_it_listens_or_touches_the_store(tmp_path, arguments, words) -> None:
    home = tmp_path / "home"
    finished = subprocess.run([sys.executable, "-m", "mash_tui", "--home", str(home), "serve", *arguments],
                              capture_output=True, text=True, timeout=60)
    assert finished.returncode == 2
    assert words in finished.stderr
    assert not home.exists()


@pytest.mark.parametrize("ci, outcome", [("true", "1 error"), ("", "1 skipped")])
def test_without_a_browser_the_end_to_end_tests_fail_under_ci_and_skip_elsewhere(ci, outcome) -> None:
    environment = {**os.environ, "CI": ci, "MASH_TEST_CHROMEDRIVER": "/nonexistent/chromedriver"}
    finished = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "no:xdist",
         "tests/serve/test_browser_desk.py::test_a_killed_servers_desks_end_too"],
        capture_output=True, text=True, env=environment, timeout=300,
    )
    assert outcome in finished.stdout, finished.stdout
    if ci:
        assert finished.returncode == 1
        assert "/nonexistent/chromedriver not installed" in finished.stdout
    else:
        assert finished.returncode == 0
