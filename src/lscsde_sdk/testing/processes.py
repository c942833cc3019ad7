"""Child processes: free ports, spawning (own process group, death signal), pausing and
terminating the whole group, and the tails of their logs."""

from __future__ import annotations

import contextlib
import ctypes
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Sequence
from pathlib import Path

__all__ = ["pick_free_ports"]

_HOST = "127.0.0.1"
_PR_SET_PDEATHSIG = 1


def pick_free_ports(count: int, host: str = _HOST) -> list[int]:
    """Return ``count`` distinct ports that were free on ``host`` a moment ago."""
    sockets: list[socket.socket] = []
    try:
        # All sockets stay open until every port is picked, so the kernel cannot repeat one.
        for _ in range(count):
            sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            sockets.append(sock)
            sock.bind((host, 0))
        return [int(sock.getsockname()[1]) for sock in sockets]
    finally:
        for sock in sockets:
            sock.close()


def _death_signal_preexec() -> Callable[[], None] | None:
    """A preexec_fn making Linux kill the child if this process dies (even by SIGKILL).

    PR_SET_PDEATHSIG fires when the *thread* that forked exits, so it is only set when
    starting from the main thread; atexit and stop() cover the other cases.
    """
    if (
        not sys.platform.startswith("linux")
        or threading.current_thread() is not threading.main_thread()
    ):
        return None
    try:
        prctl = ctypes.CDLL(None, use_errno=True).prctl
    except (OSError, AttributeError):
        return None
    parent = os.getpid()

    def preexec() -> None:
        prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
        if os.getppid() != parent:  # the parent already died before prctl took effect
            os._exit(1)

    return preexec


def _spawn(args: Sequence[str], log_path: Path, *, append: bool = False) -> subprocess.Popen[bytes]:
    """Start ``args`` with stdout and stderr to ``log_path`` (appended to for a restart)."""
    with log_path.open("ab" if append else "wb") as log:
        if append:
            log.write(f"--- restarted at {time.strftime('%H:%M:%S')} ---\n".encode())
            log.flush()
        return subprocess.Popen(
            list(args),
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            # Own process group: a Ctrl-C aimed at pytest does not hit the children before
            # stop() can shut them down in order, and stop() can signal the whole group.
            start_new_session=True,
            preexec_fn=_death_signal_preexec(),
        )


def _signal_group(proc: subprocess.Popen[bytes], signum: signal.Signals) -> None:
    """Send ``signum`` to the process group of ``proc`` (a no-op once it has exited)."""
    if proc.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signum)


def _terminate(proc: subprocess.Popen[bytes] | None, timeout: float, *, kill: bool = False) -> None:
    """SIGTERM the group of ``proc``, SIGKILL it after ``timeout`` (at once with ``kill``)."""
    if proc is None:
        return
    if proc.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL if kill else signal.SIGTERM)
            # A paused (SIGSTOPped) group only acts on the SIGTERM once it is continued.
            os.killpg(proc.pid, signal.SIGCONT)
        try:
            proc.wait(timeout)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    else:
        # The leader exited on its own; make sure nothing it started lingers.
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(proc.pid, signal.SIGKILL)


def _tail(path: Path, lines: int) -> str:
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return ""
    return "\n".join(text.splitlines()[-lines:])
