"""Running the ``lscsde`` console script as a separate process: its output piped, or on a
terminal (a pseudo-terminal of a chosen width), as a user at a shell would see it."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import pytest


def lscsde_script() -> str:
    """The ``lscsde`` console script installed next to this interpreter."""
    found = shutil.which("lscsde", path=str(Path(sys.executable).parent))
    if found is None:
        pytest.fail("the lscsde console script is not installed in this environment")
    return found


def ctrl_c_reaches_it() -> None:
    """``preexec_fn`` of a process a test interrupts with SIGINT: Ctrl-C reaches it as it
    reaches a command started at a terminal. A background job of a non-interactive shell
    (``nox -s tests &`` in a script) starts with SIGINT ignored, its children inherit that,
    and a program that inherits SIGINT ignored rightly keeps ignoring it."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def script_env(kubeconfig: Path) -> dict[str, str]:
    """The environment of a run: the kubeconfig, and no ``$COLUMNS`` or ``$LINES`` (the
    terminal's own size must count)."""
    env = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "LINES", "KUBECONFIG")}
    env["KUBECONFIG"] = str(kubeconfig)
    return env


@dataclass(frozen=True)
class Run:
    code: int
    out: str
    err: str


def run_piped(argv: Sequence[str], kubeconfig: Path) -> Run:
    """``lscsde <argv>`` with stdout and stderr piped."""
    result = subprocess.run(
        [lscsde_script(), *argv],
        capture_output=True,
        text=True,
        env=script_env(kubeconfig),
        timeout=120,
        check=False,
    )
    return Run(result.returncode, result.stdout, result.stderr)


def _read_all(fd: int, into: list[bytes]) -> None:
    while True:
        try:
            chunk = os.read(fd, 65536)
        except OSError:  # EIO: every writer of the terminal has exited
            return
        if not chunk:
            return
        into.append(chunk)


def run_in_terminal(
    argv: Sequence[str],
    kubeconfig: Path,
    *,
    columns: int = 80,
    stdout: bool = True,
    stderr: bool = True,
) -> Run:
    """``lscsde <argv>`` with stdout and/or stderr on a terminal ``columns`` wide (what is
    not on the terminal is piped). Terminal output is returned with ``\\n`` line ends."""
    import termios  # POSIX only, as pseudo-terminals are

    master, slave = os.openpty()
    termios.tcsetwinsize(slave, (24, columns))
    received: list[bytes] = []
    reader = threading.Thread(target=_read_all, args=(master, received), daemon=True)
    try:
        process = subprocess.Popen(
            [lscsde_script(), *argv],
            stdin=subprocess.DEVNULL,
            stdout=slave if stdout else subprocess.PIPE,
            stderr=slave if stderr else subprocess.PIPE,
            env=script_env(kubeconfig),
        )
        os.close(slave)
        slave = -1
        reader.start()
        piped_out, piped_err = process.communicate(timeout=120)
        reader.join(timeout=30)
    finally:
        if slave >= 0:
            os.close(slave)
        os.close(master)
    shown = b"".join(received).decode("utf-8", "replace").replace("\r\n", "\n")
    return Run(
        process.returncode,
        shown if stdout else piped_out.decode(),
        shown if stderr and not stdout else (piped_err or b"").decode(),
    )
