"""What each browser tab runs: the desk itself, ended with the server that started it.

`python -m mash_tui.web.desk_session SERVER_PID [mash arguments...]` asks the kernel to send this
process SIGTERM when its parent dies, then runs `mash` with the arguments. A server that is stopped
ends its desks itself; this covers one that is killed outright (SIGKILL, a crash), which would
otherwise leave signed-in desks running with no tab to show them and no one to end them.
"""

from __future__ import annotations

import ctypes
import os
import signal
import sys

PR_SET_PDEATHSIG = 1  # <linux/prctl.h>


def end_with(server_pid: int) -> None:
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM)
    except (OSError, AttributeError):
        return  # not Linux: the server's own shutdown still ends its desks
    # The server may have died before the request above was made; then nothing would ever come.
    if os.getppid() != server_pid:
        raise SystemExit(0)


def main(argv: list[str]) -> int:
    server_pid, *arguments = argv
    end_with(int(server_pid))
    from mash_tui.cli import main as mash

    return mash(arguments)


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
