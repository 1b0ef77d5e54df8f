"""Driving the browser desk: Debian's chromium through its chromedriver, `mash serve`, and the processes.

The desk draws into a WebGL (or canvas) xterm.js terminal, so its text is not in the page's DOM.
A script added before the page's own reads what xterm.js holds instead: it keeps each terminal the
page creates, and `screen_text` reads that terminal's buffer through xterm.js's public API, the
characters the browser shows, row by row.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

# Debian's packages; the variables exist so a test can show what happens where they are missing.
CHROMIUM = os.environ.get("MASH_TEST_CHROMIUM", "/usr/bin/chromium")
CHROMEDRIVER = os.environ.get("MASH_TEST_CHROMEDRIVER", "/usr/bin/chromedriver")
DEMO_PASSWORD = "demo-password"
WAIT_S = 60.0
POLL_S = 0.05

KEEP_TERMINALS = """
(() => {
  window.__deskTerminals = [];
  Object.defineProperty(Object.prototype, "terminal", {
    configurable: true,
    set(value) {
      Object.defineProperty(this, "terminal", {value, writable: true, configurable: true, enumerable: true});
      window.__deskTerminals.push(value);
    },
  });
})();
"""

READ_SCREEN = """
const terminal = (window.__deskTerminals || []).find(t => t && t.buffer && t.buffer.active);
if (!terminal) { return null; }
const buffer = terminal.buffer.active;
const rows = [];
for (let y = 0; y < terminal.rows; y++) {
  const line = buffer.getLine(buffer.viewportY + y);
  rows.push(line ? line.translateToString(true) : "");
}
return rows.join("\\n");
"""


READ_CURSOR = """
const terminal = (window.__deskTerminals || []).find(t => t && t.buffer && t.buffer.active);
return terminal ? [terminal.buffer.active.cursorX, terminal.buffer.active.cursorY] : [-1, -1];
"""

READ_SIZE = """
const terminal = (window.__deskTerminals || []).find(t => t && t.buffer && t.buffer.active);
return [terminal.cols, terminal.rows];
"""


def browser_missing() -> str | None:
    """Why the end-to-end tests cannot run here, or None when they can."""
    missing = [path for path in (CHROMIUM, CHROMEDRIVER) if not os.access(path, os.X_OK)]
    if missing:
        return f"{' and '.join(missing)} not installed (apt-get install -y chromium chromium-driver)"
    try:
        import selenium  # noqa: F401
    except ImportError:
        return "selenium is not installed (pip install -e '.[test]')"
    return None


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def mash(home: Path, *arguments: str, password: str | None = None, check: bool = True) -> subprocess.CompletedProcess:
    """The real command line, as an operator runs it."""
    environment = {key: value for key, value in os.environ.items() if key != "MASH_PASSWORD"}
    if password is not None:
        environment["MASH_PASSWORD"] = password
    return subprocess.run([sys.executable, "-m", "mash_tui", "--home", str(home), *arguments],
                          capture_output=True, text=True, env=environment, check=check, timeout=120)


def build_demo_home(home: Path) -> Path:
    mash(home, "demo-data", "--persons", "200")
    return home


def copy_home(source: Path, target: Path) -> Path:
    shutil.copytree(source, target)
    return target


def children_of(pid: int) -> set[int]:
    """The live (not zombie) processes whose parent is `pid`, from /proc."""
    children = set()
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        # The command name sits in parentheses and may hold spaces: the fields follow its last ')'.
        state, parent = stat[stat.rindex(")") + 2:].split()[:2]
        if int(parent) == pid and state != "Z":
            children.add(int(entry.name))
    return children


def is_running(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat[stat.rindex(")") + 2] != "Z"


def live_group_members(pgid: int) -> set[int]:
    """The live (not zombie) processes of a process group, from /proc."""
    members = set()
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        state, _parent, group = stat[stat.rindex(")") + 2:].split()[:3]
        if int(group) == pgid and state != "Z":
            members.add(int(entry.name))
    return members


def group_exists(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    return True


def wait_until(condition: Callable[[], object], what: str, timeout: float = WAIT_S) -> object:
    """Poll `condition` until it holds; fail naming `what` when it never does."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")
        time.sleep(POLL_S)


@dataclass
class ServedDesk:
    """A running `mash serve` on a free loopback port."""

    home: Path
    port: int
    process: subprocess.Popen
    output: Path

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/"

    def sessions(self) -> set[int]:
        return children_of(self.process.pid)

    def stop(self, signum: int = signal.SIGINT, timeout: float = 30) -> int:
        if self.process.poll() is None:
            self.process.send_signal(signum)
        return self.process.wait(timeout=timeout)


def start_server(home: Path, log_dir: Path, *extra: str, environment: dict[str, str] | None = None) -> ServedDesk:
    port = free_port()
    output = log_dir / f"serve-{port}.log"
    with output.open("w") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "mash_tui", "--home", str(home), "serve", "--port", str(port), *extra],
            stdout=log, stderr=subprocess.STDOUT, env={**os.environ, **(environment or {})},
        )
    served = ServedDesk(home, port, process, output)

    def listening() -> bool:
        if process.poll() is not None:
            raise AssertionError(f"mash serve exited {process.returncode}: {output.read_text()}")
        return "MASH Desk in the browser" in output.read_text()

    wait_until(listening, "mash serve to listen")
    return served


def new_browser(width: int = 1280, height: int = 800):  # noqa: ANN201 - selenium WebDriver
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for argument in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage",
                     f"--window-size={width},{height}", "--enable-unsafe-swiftshader"):
        options.add_argument(argument)
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    keep_terminals(driver)
    return driver


def keep_terminals(driver) -> None:  # noqa: ANN001 - WebDriver
    driver.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument", {"source": KEEP_TERMINALS})


@dataclass
class DeskTab:
    """One browser tab (window) on the served desk."""

    driver: object
    handle: str
    shots: Path
    steps: list[str] = field(default_factory=list)

    def focus(self) -> None:
        self.driver.switch_to.window(self.handle)

    def screen_text(self) -> str:
        self.focus()
        return self.driver.execute_script(READ_SCREEN) or ""

    def wait_for(self, *texts: str, timeout: float = WAIT_S) -> str:
        """The screen once it shows every one of `texts`."""
        found: list[str] = []

        def showing() -> bool:
            found[:] = [self.screen_text()]
            return all(text in found[0] for text in texts)

        try:
            wait_until(showing, f"{texts!r} on screen", timeout)
        except AssertionError as error:
            raise AssertionError(f"{error}; the screen shows:\n{found[0] if found else ''}") from None
        return found[0]

    def wait_without(self, text: str, timeout: float = WAIT_S) -> str:
        screen: list[str] = [""]

        def gone() -> bool:
            screen[0] = self.screen_text()
            return text not in screen[0]

        wait_until(gone, f"{text!r} to leave the screen", timeout)
        return screen[0]

    def type(self, *keys: str) -> None:
        """Keys into the terminal, as a person types them (selenium `Keys` for the special ones)."""
        from selenium.webdriver.common.action_chains import ActionChains

        self.focus()
        self.driver.execute_script("document.querySelector('.xterm-helper-textarea').focus()")
        ActionChains(self.driver).send_keys(*keys).perform()

    def chord(self, modifier: str, key: str) -> None:
        from selenium.webdriver.common.action_chains import ActionChains

        self.focus()
        self.driver.execute_script("document.querySelector('.xterm-helper-textarea').focus()")
        ActionChains(self.driver).key_down(modifier).send_keys(key).key_up(modifier).perform()

    def cursor(self) -> tuple[int, int]:
        """The terminal's cursor (column, row): Textual keeps it on the focused field's caret."""
        self.focus()
        return tuple(self.driver.execute_script(READ_CURSOR))

    def wait_for_cursor_row(self, row: int, timeout: float = WAIT_S) -> None:
        wait_until(lambda: self.cursor()[1] == row, f"the caret on row {row}", timeout)

    def wait_for_cursor_to_leave(self, row: int, timeout: float = WAIT_S) -> None:
        wait_until(lambda: self.cursor()[1] != row, f"the caret to leave row {row}", timeout)

    def find(self, text: str) -> tuple[int, int]:
        """(column, row) of `text` on screen."""
        for row, line in enumerate(self.screen_text().splitlines()):
            if text in line:
                return line.index(text), row
        raise AssertionError(f"{text!r} is not on screen:\n{self.screen_text()}")

    def click_cell(self, column: int, row: int) -> None:
        """A mouse click on one character cell of the terminal, as a person clicks a field."""
        from selenium.webdriver.common.action_chains import ActionChains
        from selenium.webdriver.common.by import By

        self.focus()
        screen = self.driver.find_element(By.CSS_SELECTOR, ".xterm-screen")
        columns, rows = self.driver.execute_script(READ_SIZE)
        cell_width = screen.size["width"] / columns
        cell_height = screen.size["height"] / rows
        # Offsets count from the element's centre.
        x = (column + 0.5) * cell_width - screen.size["width"] / 2
        y = (row + 0.5) * cell_height - screen.size["height"] / 2
        ActionChains(self.driver).move_to_element_with_offset(screen, int(x), int(y)).click().perform()

    def screenshot(self, step: str) -> Path:
        self.focus()
        path = self.shots / f"{len(self.steps) + 1:02d}-{re.sub(r'[^a-z0-9]+', '-', step.lower())}.png"
        self.driver.save_screenshot(str(path))
        self.steps.append(step)
        return path

    def close(self) -> None:
        self.focus()
        self.driver.close()


def open_tab(driver, url: str, shots: Path, *, new_window: bool) -> DeskTab:  # noqa: ANN001 - WebDriver
    if new_window:
        driver.switch_to.new_window("window")
        # Each window is its own page target: it needs the script that keeps its terminal too.
        keep_terminals(driver)
    driver.get(url)
    tab = DeskTab(driver, driver.current_window_handle, shots)
    tab.wait_for("Sign in to MASH Desk")
    return tab


def sign_in(tab: DeskTab, username: str, password: str = DEMO_PASSWORD) -> None:
    from selenium.webdriver.common.keys import Keys

    tab.type(username)
    tab.wait_for(username)
    _, username_row = tab.find(username)
    tab.wait_for_cursor_row(username_row)
    tab.type(Keys.ENTER)
    # Enter moves the caret down to the password field once the app has handled it; keys sent
    # before then would still land in the user name.
    wait_until(lambda: tab.cursor()[1] > username_row, "the caret in the password field")
    tab.type(password, Keys.ENTER)
