"""Cold import time of a module: ``python -c 'import X'`` minus ``python -c pass``.

Each timed call starts two fresh interpreters of this venv (isolated mode, so the
environment and the working directory add nothing) and reports the difference. Both
children end by printing their peak RSS (the same few builtins, so it cancels out of the
difference); the bench records the importing child's.
"""

from __future__ import annotations

import asyncio
import sys
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from . import _harness

# Appended to both children: print VmHWM (KiB) using builtins only.
_REPORT_RSS = (
    "\nfor _line in open('/proc/self/status'):\n"
    "    if _line.startswith('VmHWM:'): print(_line.split()[1])\n"
)


async def _run(statement: str) -> tuple[float, int | None]:
    """Seconds to run ``statement`` in a fresh interpreter, and that interpreter's peak RSS."""
    began = time.perf_counter()
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-I", "-c", statement + _REPORT_RSS, stdout=asyncio.subprocess.PIPE
    )
    stdout, _ = await process.communicate()
    elapsed = time.perf_counter() - began
    if process.returncode != 0:
        raise RuntimeError(f"{sys.executable} -I -c {statement!r} exited with {process.returncode}")
    text = stdout.decode().strip()
    return elapsed, int(text) if text.isdigit() else None


@asynccontextmanager
async def import_module(job: _harness.Job) -> AsyncIterator[_harness.Call]:
    statement = f"import {job['module']}"

    async def call() -> _harness.Sample:
        baseline, _ = await _run("pass")
        seconds, rss = await _run(statement)
        return _harness.Sample(seconds=seconds - baseline, peak_rss_kib=rss)

    yield call


OPERATIONS: dict[str, _harness.Operation] = {"import": import_module}
DISTRIBUTIONS = ("lscsde-sdk", "kubernetes_asyncio", "pydantic")

if __name__ == "__main__":
    _harness.main(OPERATIONS, DISTRIBUTIONS)
