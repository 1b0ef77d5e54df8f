"""One web server, one desk process per browser tab, and none left behind when it stops.

textual-serve starts each tab's app with `create_subprocess_shell(command)`; here the app is started
from an argument list instead, so nothing a person or an operator typed ever reaches a shell. Each
session process leads its own process group, so the server (and only the server) decides when it
ends: when its tab closes, and for every open tab when the server is stopped with SIGINT or SIGTERM.
"""

from __future__ import annotations

import asyncio
import logging
import os
import signal
from collections.abc import Callable, Sequence
from pathlib import Path

from aiohttp import web
from aiohttp.web_runner import GracefulExit
from textual_serve.app_service import AppService
from textual_serve.server import Server, to_int

log = logging.getLogger("mash.serve")

TEMPLATES = Path(__file__).parent / "templates"

# Variables a session does not get: the operator's own password for scripted commands is not the
# browser user's. Everything else (MASH_SHARED_DB above all) is inherited, so a tab syncs as a desk does.
WITHHELD_FROM_SESSIONS = ("MASH_PASSWORD",)

# A desk asked to quit saves its drafts and leaves within a second or two; past these it is ended.
QUIT_GRACE_S = 5.0
TERMINATE_GRACE_S = 2.0
# Every session is ended before the server's own shutdown begins to wait on its handlers.
SHUTDOWN_TIMEOUT_S = QUIT_GRACE_S + TERMINATE_GRACE_S + 1.0


class DeskSession(AppService):
    """One browser tab's desk: its own process (and process group), sign-in and idle lock."""

    def __init__(self, argv: Sequence[str], **kwargs: object) -> None:
        super().__init__(" ".join(argv), **kwargs)  # type: ignore[arg-type]
        self.argv = tuple(argv)

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process is not None else None

    def _build_environment(self, width: int = 80, height: int = 24) -> dict[str, str]:
        environment = super()._build_environment(width=width, height=height)
        for name in WITHHELD_FROM_SESSIONS:
            environment.pop(name, None)
        return environment

    async def _open_app_process(self, width: int = 80, height: int = 24) -> asyncio.subprocess.Process:
        self._process = process = await asyncio.create_subprocess_exec(
            *self.argv,
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
            env=self._build_environment(width=width, height=height),
            # Its own group: a Ctrl+C at the server's terminal reaches the server alone, which then
            # ends each desk in order, and anything a desk started goes with it.
            start_new_session=True,
        )
        assert process.stdin is not None
        self._stdin = process.stdin
        return process

    async def stop(self) -> None:
        """Ask the desk to quit; end its process group if it has not gone within the grace periods."""
        process = self._process
        if process is not None and process.returncode is None:
            await self.send_meta({"type": "quit"})
            if not await _exits_within(process, QUIT_GRACE_S):
                _signal_group(process.pid, signal.SIGTERM)
                if not await _exits_within(process, TERMINATE_GRACE_S):
                    _signal_group(process.pid, signal.SIGKILL)
                    await process.wait()
        if self._task is not None:
            task, self._task = self._task, None
            await self._download_manager.cancel_app_downloads(app_service_id=self.app_service_id)
            await task


async def _exits_within(process: asyncio.subprocess.Process, seconds: float) -> bool:
    try:
        await asyncio.wait_for(process.wait(), seconds)
    except TimeoutError:
        return False
    return True


def _signal_group(pid: int, signum: int) -> None:
    try:
        os.killpg(pid, signum)
    except ProcessLookupError:
        pass


class DeskServer(Server):
    """textual-serve's server with desks started from an argument list and ended on shutdown."""

    def __init__(
        self,
        session_argv: Sequence[str],
        *,
        host: str,
        port: int,
        public_url: str,
        announce: Callable[[str], None],
    ) -> None:
        super().__init__(
            " ".join(session_argv),
            host=host,
            port=port,
            title="MASH Desk",
            public_url=public_url,
            templates_path=TEMPLATES,
        )
        self.session_argv = tuple(session_argv)
        self.announce = announce
        self.sessions: dict[DeskSession, web.WebSocketResponse] = {}

    async def on_startup(self, app: web.Application) -> None:
        # textual-serve prints its logo here, before the port is open; `serve` says when it is.
        pass

    async def on_shutdown(self, app: web.Application) -> None:
        # aiohttp runs this before it waits on open handlers, so every desk is ended here, at once.
        sessions = list(self.sessions.items())
        await asyncio.gather(*(session.stop() for session, _ in sessions), return_exceptions=True)
        await asyncio.gather(*(websocket.close() for _, websocket in sessions), return_exceptions=True)

    async def handle_websocket(self, request: web.Request) -> web.WebSocketResponse:
        websocket = web.WebSocketResponse(heartbeat=15)
        width = to_int(request.query.get("width", "80"), 80)
        height = to_int(request.query.get("height", "24"), 24)
        session: DeskSession | None = None
        try:
            await websocket.prepare(request)
            session = DeskSession(
                self.session_argv,
                write_bytes=websocket.send_bytes,
                write_str=websocket.send_str,
                close=websocket.close,
                download_manager=self.download_manager,
                debug=self.debug,
            )
            self.sessions[session] = websocket
            await session.start(width, height)
            log.info("desk session started: pid %s", session.pid)
            await self._process_messages(websocket, session)
        except asyncio.CancelledError:
            await websocket.close()
        except Exception as error:  # one tab's failure is logged; the server and other tabs go on
            log.exception(error)
        finally:
            if session is not None:
                await session.stop()
                self.sessions.pop(session, None)
                log.info("desk session ended: pid %s", session.pid)
        return websocket

    def serve_until_stopped(self) -> None:
        """Serve until SIGINT or SIGTERM; every desk this server started has ended when it returns."""
        self.initialize_logging()
        loop = asyncio.new_event_loop()
        asyncio.set_event_loop(loop)
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(signum, self.request_exit)
        try:
            web.run_app(
                self._make_app(),
                host=self.host,
                port=self.port,
                handle_signals=False,
                loop=loop,
                shutdown_timeout=SHUTDOWN_TIMEOUT_S,
                access_log=None,
                print=lambda _: self.announce(self.public_url),
            )
        except GracefulExit:
            pass
