"""What every peer process does: read a job, set up, warm up, time the calls, print JSON.

Runs inside the peer's own interpreter (possibly another venv), so it uses the standard
library only. A peer module maps operation names to *operations*: async context managers
that take the job, set the library up (client, connection, caches) and yield the call to
time. The harness makes one warm-up call, then ``job["inner"]`` timed calls, and prints::

    {"timings_s": [...], "cpu_s": [...], "items": 2000, "window": [start, end],
     "peak_rss_kib": 81234, "versions": {"lscsde-sdk": "0.1.1.0", ...}}

``items`` is the length of the warm-up call's result when it is a list (the bench checks
that peers of one scenario agree on it); ``window`` is the wall-clock span of the timed
calls, used to attribute the server's audit entries to them. ``cpu_s`` is the CPU time this
process (all its threads) spent in each timed call: the library's own work, without the time
it waited for the server; ``null`` when a call reports its own duration. A call may return a
:class:`Sample` to report its own duration and item count (e.g. a call that times child
interpreters, or a throughput measurement that excludes its own set-up).
"""

from __future__ import annotations

import asyncio
import json
import resource
import sys
import time
from collections.abc import Awaitable, Callable, Mapping
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from typing import Any

Job = Mapping[str, Any]
Call = Callable[[], Awaitable[Any]]
Operation = Callable[[Job], AbstractAsyncContextManager[Call]]


@dataclass(frozen=True)
class Sample:
    """A call's own measurement, used instead of the harness's timing of the call."""

    seconds: float
    items: int | None = None
    peak_rss_kib: int | None = None  # of the process that did the work, if not this one


def _items(result: Any) -> int | None:
    if isinstance(result, Sample):
        return result.items
    # Lists only: a single object (a dict for the floor, a model for the SDK) has no count.
    return len(result) if isinstance(result, (list, tuple)) else None


async def measure(operation: Operation, job: Job) -> dict[str, Any]:
    """Warm up once, then time ``job["inner"]`` calls of what ``operation`` yields."""
    inner = int(job["inner"])
    timings: list[float] = []
    cpu: list[float] | None = []
    samples_rss: list[int] = []
    async with operation(job) as call:
        items = _items(await call())  # warm-up: connections, caches, lazy imports
        start = time.time()
        for _ in range(inner):
            began, began_cpu = time.perf_counter(), time.process_time()
            result = await call()
            elapsed, elapsed_cpu = time.perf_counter() - began, time.process_time() - began_cpu
            if isinstance(result, Sample):
                timings.append(result.seconds)
                cpu = None  # the call timed part of itself, or work in another process
                if result.peak_rss_kib is not None:
                    samples_rss.append(result.peak_rss_kib)
            else:
                timings.append(elapsed)
                if cpu is not None:
                    cpu.append(elapsed_cpu)
        end = time.time()
    # Read before anything else is imported, so the figure is the measurement's alone.
    rss = max(samples_rss) if samples_rss else peak_rss_kib()
    return {
        "timings_s": timings,
        "cpu_s": cpu,
        "items": items,
        "window": [start, end],
        "peak_rss_kib": rss,
    }


def peak_rss_kib() -> int:
    """Peak resident set size of this process image, in KiB.

    Linux's VmHWM, not ``ru_maxrss``: a child started by ``subprocess`` (vfork + exec)
    inherits its parent's peak in ``ru_maxrss``, so every peer would report at least the
    bench's own size.
    """
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def versions(distributions: tuple[str, ...]) -> dict[str, str]:
    from importlib import metadata  # only after the measurement

    found = {}
    for name in distributions:
        try:
            found[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            found[name] = "not installed"
    return found


def main(operations: Mapping[str, Operation], distributions: tuple[str, ...]) -> None:
    """Entry point of a peer module: the job is a JSON object on stdin, the result on stdout."""
    job = json.load(sys.stdin)
    operation = operations.get(job["op"])
    if operation is None:
        raise SystemExit(f"unknown operation {job['op']!r}; this peer has {sorted(operations)}")
    result = asyncio.run(measure(operation, job))
    result["versions"] = versions(distributions)
    json.dump(result, sys.stdout)
    sys.stdout.write("\n")
