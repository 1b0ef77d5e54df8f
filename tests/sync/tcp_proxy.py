"""A TCP proxy in front of PostgreSQL whose behaviour the test sets: the network, under test control.

Modes:
  pass               bytes flow both ways
  blackhole          connections stay open but nothing gets through, either way
  reset              every connection is cut with a TCP reset; new ones are reset on arrival
  drop_after_commit  requests flow; once a client has sent COMMIT its replies vanish (the server
                     committed, the client never hears so)
"""

from __future__ import annotations

import random
import socket
import struct
import threading
import time

MODES = ("pass", "blackhole", "reset", "drop_after_commit")


def _reset(sock: socket.socket) -> None:
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    except OSError:
        pass
    try:
        # close() alone does nothing while a pump thread is blocked in recv() on this socket: the
        # kernel keeps it open until that call returns, and a silent peer (a server session idle in
        # its transaction) never makes it return. Waking the reader first lets the reset go out.
        sock.shutdown(socket.SHUT_RD)
    except OSError:
        pass
    try:
        sock.close()
    except OSError:
        pass


class _Link:
    def __init__(self, proxy: TcpProxy, client: socket.socket, server: socket.socket) -> None:
        self.proxy = proxy
        self.client = client
        self.server = server
        self.committed = False
        self.closed = False

    def start(self) -> None:
        threading.Thread(target=self._pump, args=(self.client, self.server, True), daemon=True).start()
        threading.Thread(target=self._pump, args=(self.server, self.client, False), daemon=True).start()

    def _pump(self, source: socket.socket, target: socket.socket, upstream: bool) -> None:
        try:
            while not self.closed:
                data = source.recv(65536)
                if not data:
                    break
                mode = self.proxy.mode
                if mode == "blackhole":
                    continue
                if mode == "drop_after_commit":
                    if upstream and b"COMMIT\x00" in data:
                        self.committed = True
                    if not upstream and self.committed:
                        continue
                target.sendall(data)
        except OSError:
            pass
        finally:
            self.close()

    def close(self, reset: bool = False) -> None:
        if self.closed:
            return
        self.closed = True
        for sock in (self.client, self.server):
            if reset:
                _reset(sock)
            else:
                try:
                    sock.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
                sock.close()
        self.proxy._forget(self)


class TcpProxy:
    def __init__(self, target_port: int, target_host: str = "127.0.0.1") -> None:
        self.target = (target_host, target_port)
        self.listener = socket.socket()
        self.listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(64)
        self.port = self.listener.getsockname()[1]
        self._mode = "pass"
        self._links: set[_Link] = set()
        self._lock = threading.Lock()
        self._stopped = False
        self._flapper: threading.Thread | None = None
        threading.Thread(target=self._accept, daemon=True).start()

    def url(self, database: str) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{database}"

    @property
    def mode(self) -> str:
        return self._mode

    def set_mode(self, mode: str) -> None:
        assert mode in MODES, mode
        self._mode = mode
        if mode == "reset":
            with self._lock:
                links = list(self._links)
            for link in links:
                link.close(reset=True)

    def _forget(self, link: _Link) -> None:
        with self._lock:
            self._links.discard(link)

    def _accept(self) -> None:
        while not self._stopped:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            if self._mode == "reset":
                _reset(client)
                continue
            try:
                server = socket.create_connection(self.target, timeout=5)
                server.settimeout(None)
            except OSError:
                _reset(client)
                continue
            link = _Link(self, client, server)
            with self._lock:
                self._links.add(link)
            link.start()

    def flap(self, seed: int, modes: tuple[str, ...] = ("blackhole", "reset", "drop_after_commit"),
             up_s: tuple[float, float] = (0.2, 0.6), down_s: tuple[float, float] = (0.1, 0.4)) -> None:
        """Alternate between passing and a random fault until `heal()`."""
        chance = random.Random(seed)

        def run() -> None:
            while not self._stopped and self._flapper is not None:
                self.set_mode("pass")
                time.sleep(chance.uniform(*up_s))
                if self._flapper is None:
                    break
                self.set_mode(chance.choice(modes))
                time.sleep(chance.uniform(*down_s))

        self._flapper = threading.Thread(target=run, daemon=True)
        self._flapper.start()

    def heal(self) -> None:
        flapper, self._flapper = self._flapper, None
        if flapper is not None:
            flapper.join()
        self.set_mode("pass")
        # Bytes a blackhole swallowed never arrive; end those links so their clients reconnect,
        # as a real connection would after its peer timed it out.
        with self._lock:
            links = list(self._links)
        for link in links:
            link.close(reset=True)

    def close(self) -> None:
        self._stopped = True
        self._flapper = None
        self.listener.close()
        with self._lock:
            links = list(self._links)
        for link in links:
            link.close(reset=True)
