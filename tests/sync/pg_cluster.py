"""A throw-away PostgreSQL cluster for the sync tests: our own, so killing it touches nothing else.

PostgreSQL refuses to run as root, and tests here run as root, so the cluster runs as the
`postgres` user when the tests are root.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
from pathlib import Path

PG_BIN = Path(os.environ.get("MASH_PG_BIN", "/usr/lib/postgresql/15/bin"))


class ClusterUnavailable(RuntimeError):
    pass


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _as_postgres(command: list[str]) -> list[str]:
    if os.geteuid() == 0:
        return ["runuser", "-u", "postgres", "--", *command]
    return command


class Cluster:
    """`root` must be reachable by the postgres user: pytest's tmp_path (under a 0700 root-owned
    directory) is not, so by default the cluster lives in its own directory under the system temp."""

    def __init__(self, root: Path | None = None) -> None:
        import tempfile

        self.root = root or Path(tempfile.mkdtemp(prefix="mash-pg-"))
        self.data = self.root / "data"
        self.log = self.root / "log"
        self.port = free_port()

    def url(self, database: str = "postgres") -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{database}"

    def _run(self, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        return subprocess.run(_as_postgres([str(PG_BIN / args[0]), *args[1:]]), capture_output=True, text=True,
                              check=check, timeout=60)

    def init(self) -> None:
        if not (PG_BIN / "initdb").exists():
            raise ClusterUnavailable(f"no initdb in {PG_BIN}: install the postgresql-15 package")
        self.root.mkdir(parents=True, exist_ok=True)
        if os.geteuid() == 0:
            shutil.chown(self.root, "postgres")
            os.chmod(self.root, 0o700)
        try:
            self._run("initdb", "-D", str(self.data), "-A", "trust", "-U", "postgres", "--no-sync")
        except subprocess.CalledProcessError as error:
            raise ClusterUnavailable(f"initdb failed: {error.stderr.strip()}") from error

    def start(self) -> None:
        options = (
            f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 -c fsync=off "
            "-c synchronous_commit=on -c full_page_writes=off -c max_connections=300"
        )
        try:
            self._run("pg_ctl", "-D", str(self.data), "-o", options, "-l", str(self.log), "-w", "-t", "30", "start")
        except subprocess.CalledProcessError as error:
            log = self.log.read_text() if self.log.exists() else ""
            raise ClusterUnavailable(f"pg_ctl start failed: {error.stderr.strip()} {log[-500:]}") from error
        self._wait_ready()

    def _wait_ready(self) -> None:
        import psycopg

        deadline = time.monotonic() + 30
        while True:
            try:
                psycopg.connect(self.url(), connect_timeout=2).close()
                return
            except psycopg.OperationalError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)

    def stop(self, mode: str = "fast") -> None:
        self._run("pg_ctl", "-D", str(self.data), "-m", mode, "-w", "stop", check=False)

    def crash(self) -> None:
        """The server dies as in a power cut: no checkpoint, no goodbye to clients."""
        self.stop("immediate")

    def restart_after_crash(self) -> None:
        self.start()

    def remove(self) -> None:
        self.stop("immediate")
        shutil.rmtree(self.root, ignore_errors=True)
