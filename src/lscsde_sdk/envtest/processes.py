"""Child processes of a control plane: each in its own process group, killed by the kernel if
this process dies, its output in a log file; stopped, paused and started again as a whole."""

from __future__ import annotations

import contextlib
import ctypes
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Sequence
from pathlib import Path

__all__ = ["ChildProcess", "log_tail"]

_PR_SET_PDEATHSIG = 1


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


def log_tail(path: Path, lines: int) -> str:
    """The last ``lines`` lines of the file at ``path`` ("" when it cannot be read)."""
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return ""
    return "\n".join(text.splitlines()[-lines:])


class ChildProcess:
    """``command`` run as a child of this process with stdout and stderr to ``log``.

    Every :meth:`start` runs the same command line (same ports, same files); the first
    truncates the log, later ones append to it after a ``--- restarted at`` line.
    """

    def __init__(self, name: str, command: Sequence[str], log: Path) -> None:
        self.name = name
        self.command = tuple(command)
        self.log = log
        self.paused = False
        self._proc: subprocess.Popen[bytes] | None = None
        self._started_before = False

    @property
    def running(self) -> bool:
        """Started and not exited (a paused process runs)."""
        return self._proc is not None and self._proc.poll() is None

    @property
    def pid(self) -> int | None:
        """The PID of the process last started, until :meth:`stop`."""
        return self._proc.pid if self._proc is not None else None

    @property
    def exit_code(self) -> int | None:
        """The exit code when the process exited by itself (not stopped), else None."""
        return self._proc.poll() if self._proc is not None else None

    def start(self) -> None:
        """Start the command (a no-op while it runs)."""
        if self.running:
            return
        with self.log.open("ab" if self._started_before else "wb") as log:
            if self._started_before:
                log.write(f"--- restarted at {time.strftime('%H:%M:%S')} ---\n".encode())
                log.flush()
            self._proc = subprocess.Popen(
                list(self.command),
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                # Own process group: a Ctrl-C aimed at pytest does not hit the children before
                # stop() can shut them down in order, and stop() can signal the whole group.
                start_new_session=True,
                preexec_fn=_death_signal_preexec(),
            )
        self._started_before = True
        self.paused = False

    def stop(self, timeout: float, *, kill: bool = False) -> None:
        """SIGTERM the process group, SIGKILL it after ``timeout`` (at once with ``kill``)."""
        proc, self._proc = self._proc, None
        self.paused = False
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

    def pause(self) -> None:
        """Freeze the process group (SIGSTOP): it keeps its sockets but answers nothing."""
        self._signal_group(signal.SIGSTOP)
        self.paused = True

    def resume(self) -> None:
        """Continue a group frozen by :meth:`pause` (SIGCONT)."""
        self._signal_group(signal.SIGCONT)
        self.paused = False

    def _signal_group(self, signum: signal.Signals) -> None:
        if self._proc is not None and self._proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self._proc.pid, signum)
