"""The state directory of ``lscsde dev``: which process owns the dev control plane, where its
kubeconfig is, and whether a process recorded there is still the one that was recorded.

Files in the directory (default ``${XDG_CACHE_HOME:-~/.cache}/lscsde-sdk/dev/``):
``state.json`` (written once the control plane is ready and seeded), ``kubeconfig.yaml``
(admin credentials: readable by the owner only), ``devserver.log`` (the detached
supervisor's output) and ``lock`` (serialises ``up`` and ``down``).

A PID alone can be reused by an unrelated process once the recorded one has exited, so a
process is recorded with its start time (Linux: ``/proc/<pid>/stat``) and only counts as
alive when both match and it is not a zombie. :func:`stop_supervisor` and
:func:`kill_leftovers` stop recorded processes.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import time
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Final, TextIO

__all__ = [
    "KUBECONFIG_FILE",
    "LOG_FILE",
    "STATE_FILE",
    "STOP_TIMEOUT",
    "SUPERVISOR_MODULE",
    "DevState",
    "ProcessRef",
    "StateLock",
    "clear_state",
    "default_state_dir",
    "kill_leftovers",
    "locked",
    "read_state",
    "stop_supervisor",
    "wait_gone",
    "write_private",
    "write_state",
]

#: The module run as the detached supervisor (``python -m``).
SUPERVISOR_MODULE: Final = "lscsde_sdk.cli.devserver"
STATE_FILE: Final = "state.json"
KUBECONFIG_FILE: Final = "kubeconfig.yaml"
LOG_FILE: Final = "devserver.log"
LOCK_FILE: Final = "lock"
#: How long :func:`stop_supervisor` waits for the supervisor to stop before killing it.
STOP_TIMEOUT: Final = 60.0
_POLL: Final = 0.2
_PROC: Final = Path("/proc")


def default_state_dir() -> Path:
    """``${XDG_CACHE_HOME:-~/.cache}/lscsde-sdk/dev``, looked up now."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "lscsde-sdk" / "dev"


def _proc_stat(pid: int) -> tuple[str, str] | None:
    """(state letter, start time in clock ticks) of ``pid`` from /proc; None if gone."""
    try:
        text = (_PROC / str(pid) / "stat").read_text()
    except OSError:
        return None
    # The command name (field 2) may hold spaces and parentheses: split after its last ")".
    fields = text[text.rindex(")") + 2 :].split()
    return fields[0], fields[19]


@dataclass(frozen=True)
class ProcessRef:
    """A process: its PID and, where the system says, when it started."""

    pid: int
    started: str | None = None

    @classmethod
    def of(cls, pid: int) -> ProcessRef:
        """The running process ``pid`` as it is now."""
        stat = _proc_stat(pid)
        return cls(pid, stat[1] if stat else None)

    def alive(self) -> bool:
        """Whether this very process still runs (a zombie does not)."""
        if _PROC.is_dir():
            stat = _proc_stat(self.pid)
            if stat is None or stat[0] in ("Z", "X"):
                return False
            return self.started is None or stat[1] == self.started
        try:
            os.kill(self.pid, 0)
        except ProcessLookupError:
            return False
        except PermissionError:
            return True
        return True


@dataclass(frozen=True)
class DevState:
    """A running dev control plane, as ``state.json`` records it."""

    supervisor: ProcessRef
    mode: str  # "detached" or "foreground"
    server: str
    namespace: str
    kubeconfig: str
    children: dict[str, ProcessRef] = field(default_factory=dict)

    def to_json(self) -> str:
        return json.dumps(asdict(self), indent=2) + "\n"

    @classmethod
    def from_data(cls, data: Mapping[str, Any]) -> DevState:
        return cls(
            supervisor=ProcessRef(**data["supervisor"]),
            mode=str(data["mode"]),
            server=str(data["server"]),
            namespace=str(data["namespace"]),
            kubeconfig=str(data["kubeconfig"]),
            children={name: ProcessRef(**ref) for name, ref in data["children"].items()},
        )


def read_state(state_dir: Path) -> DevState | None:
    """The recorded state; None when there is none (or it is unreadable)."""
    try:
        return DevState.from_data(json.loads((state_dir / STATE_FILE).read_text()))
    except (OSError, ValueError, KeyError, TypeError):
        return None


def write_private(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` atomically, readable by the owner only (credentials)."""
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        handle.write(text)
    os.replace(temporary, path)


def write_state(state_dir: Path, state: DevState) -> None:
    write_private(state_dir / STATE_FILE, state.to_json())


def clear_state(state_dir: Path, *, everything: bool = False) -> None:
    """Remove the state and the kubeconfig; with ``everything`` the log and lock too, and
    the directory when nothing else is in it."""
    names = [STATE_FILE, KUBECONFIG_FILE]
    if everything:
        names += [LOG_FILE, LOCK_FILE]
    for name in names:
        with contextlib.suppress(FileNotFoundError):
            (state_dir / name).unlink()
    if everything:
        with contextlib.suppress(OSError):
            state_dir.rmdir()


class StateLock:
    """An exclusive lock on the state directory, released once (``release`` or exit)."""

    def __init__(self, handle: TextIO) -> None:
        self._handle: TextIO | None = handle

    def release(self) -> None:
        if self._handle is not None:
            import fcntl  # POSIX only: imported where used, so the CLI imports anywhere

            fcntl.flock(self._handle, fcntl.LOCK_UN)
            self._handle.close()
            self._handle = None


@contextlib.contextmanager
def locked(state_dir: Path) -> Iterator[StateLock]:
    """Hold the state directory's lock (created, private, if missing) inside the block;
    another ``up`` or ``down`` waits for it."""
    import fcntl  # POSIX only: imported where used, so the CLI imports anywhere

    state_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    handle = (state_dir / LOCK_FILE).open("a")
    fcntl.flock(handle, fcntl.LOCK_EX)
    lock = StateLock(handle)
    try:
        yield lock
    finally:
        lock.release()


def wait_gone(processes: Sequence[ProcessRef], timeout: float) -> bool:
    """Wait until none of ``processes`` is alive (reaping those that are our children);
    whether that happened within ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while any(process.alive() for process in processes):
        for process in processes:
            with contextlib.suppress(ChildProcessError, OSError):
                os.waitpid(process.pid, os.WNOHANG)  # reap it if it is our child
        if time.monotonic() > deadline:
            return False
        time.sleep(_POLL)
    return True


def _signal(process: ProcessRef, signum: int) -> None:
    if process.alive():
        with contextlib.suppress(ProcessLookupError):
            os.kill(process.pid, signum)


def kill_leftovers(processes: Iterable[ProcessRef]) -> None:
    """SIGKILL those of ``processes`` still alive, and wait until they are gone."""
    leftovers = [process for process in processes if process.alive()]
    for process in leftovers:
        _signal(process, signal.SIGKILL)
    wait_gone(leftovers, 10.0)


def stop_supervisor(supervisor: ProcessRef) -> bool:
    """SIGTERM the supervisor and wait; SIGKILL it if it does not stop in time (its
    children then die with it). Whether it stopped by itself."""
    _signal(supervisor, signal.SIGTERM)
    if wait_gone([supervisor], STOP_TIMEOUT):
        return True
    _signal(supervisor, signal.SIGKILL)
    wait_gone([supervisor], 10.0)
    return False
