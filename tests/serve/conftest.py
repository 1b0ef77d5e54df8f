"""Fixtures for the browser desk: Debian's chromium, a demo store, and `mash serve` on a free port."""

from __future__ import annotations

import os
import signal
from pathlib import Path

import pytest

from tests.serve.browser import (
    browser_missing,
    build_demo_home,
    copy_home,
    group_exists,
    new_browser,
    start_server,
)


@pytest.fixture(scope="session")
def browser_available() -> None:
    missing = browser_missing()
    if missing is None:
        return
    if os.environ.get("CI") == "true":
        pytest.fail(f"the browser desk's end-to-end tests need a browser and cannot run: {missing}. "
                    ".ci/run installs them with apt-get as root.", pytrace=False)
    pytest.skip(f"no browser for the end-to-end tests: {missing}")


@pytest.fixture(scope="session")
def demo_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One demo store per run; each test serves its own copy."""
    return build_demo_home(tmp_path_factory.mktemp("demo") / "home")


@pytest.fixture
def demo_home(demo_store: Path, tmp_path: Path) -> Path:
    return copy_home(demo_store, tmp_path / "home")


@pytest.fixture
def shots(tmp_path: Path) -> Path:
    folder = tmp_path / "screenshots"
    folder.mkdir()
    return folder


@pytest.fixture
def serve(tmp_path: Path):
    """Start `mash serve` for a home; whatever a test leaves running is ended at teardown."""
    started = []

    def start(home: Path, *extra: str, environment: dict[str, str] | None = None):
        served = start_server(home, tmp_path, *extra, environment=environment)
        started.append(served)
        return served

    yield start
    for served in started:
        sessions = served.sessions()
        if served.process.poll() is None:
            served.stop(signal.SIGTERM)
        for pid in sessions:
            if group_exists(pid):
                os.killpg(pid, signal.SIGKILL)


@pytest.fixture
def browser(browser_available: None):
    driver = new_browser(1280, 1400)
    yield driver
    driver.quit()
