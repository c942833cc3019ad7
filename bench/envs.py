"""The Python environments peers run in.

Most peers run in the bench's own interpreter (the ``nox -s bench`` venv: this checkout of
lscsde-sdk, lightkube, kr8s). A peer whose import name clashes with something there — the
old ``lscsde_workspace_mgmt``, which our compat package replaces — runs in a venv of its
own, created on first use under ``${XDG_CACHE_HOME:-~/.cache}/lscsde-sdk/bench/`` and reused
while its requirements stay the same.
"""

from __future__ import annotations

import fcntl
import os
import shutil
import subprocess
import sys
import venv
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

__all__ = ["BENCH", "WORKSPACE_MGMT_0_1_14", "PythonEnv", "cache_root"]

_READY = ".bench-requirements"


def cache_root() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "lscsde-sdk" / "bench"


@dataclass(frozen=True)
class PythonEnv:
    """An interpreter for peers: the bench's own (no requirements) or a cached venv."""

    name: str
    requirements: tuple[str, ...] = ()

    @property
    def directory(self) -> Path | None:
        return cache_root() / f"venv-{self.name}" if self.requirements else None

    def python(self, stream: TextIO | None = None) -> Path:
        """The interpreter, creating (or refreshing) the venv first if needed (pip's output
        goes to ``stream``, default stderr)."""
        stream = stream or sys.stderr
        directory = self.directory
        if directory is None:
            return Path(sys.executable)
        python = directory / "bin" / "python"
        wanted = "\n".join(self.requirements) + "\n"
        marker = directory / _READY
        if marker.is_file() and marker.read_text(encoding="utf-8") == wanted and python.exists():
            return python
        directory.parent.mkdir(parents=True, exist_ok=True)
        with (directory.parent / f".{directory.name}.lock").open("a") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)  # two benches never build the same venv at once
            if marker.is_file() and marker.read_text(encoding="utf-8") == wanted:
                return python
            print(
                f"bench: creating {directory} with {' '.join(self.requirements)}",
                file=stream,
                flush=True,
            )
            shutil.rmtree(directory, ignore_errors=True)
            venv.EnvBuilder(with_pip=True).create(directory)
            subprocess.run(
                [str(python), "-m", "pip", "install", "--quiet", *self.requirements],
                check=True,
                stdout=stream,
                stderr=stream,
            )
            # Written last: a venv whose install was interrupted is rebuilt next time.
            marker.write_text(wanted, encoding="utf-8")
        return python


BENCH = PythonEnv("bench")
WORKSPACE_MGMT_0_1_14 = PythonEnv(
    "lscsde-workspace-mgmt-0.1.14", ("lscsde-workspace-mgmt==0.1.14",)
)
