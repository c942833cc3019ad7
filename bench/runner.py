"""Running a scenario: each measurement in a fresh subprocess, peers interleaved.

Round ``r`` runs every peer of the scenario once, starting at peer ``r mod n``, so slow
drifts of the machine (thermal, background work) spread over all peers instead of landing
on whichever ran last. A peer that fails is reported with its error and not run again in
that scenario; the others go on.
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from .report import format_duration
from .scenarios import CLUSTER_PEERS, Measurement, Scenario
from .seed import SeededData
from .stats import PeerSummary, Run, summarise, with_ratios

if TYPE_CHECKING:
    from .cluster import BenchCluster

__all__ = ["PeerFailed", "round_robin", "run_peer", "run_scenario"]

ROOT = Path(__file__).resolve().parent.parent
# Nothing from the bench's own environment may steer a peer's imports or cluster.
_SCRUBBED_ENV = ("PYTHONPATH", "PYTHONHOME", "PYTHONSTARTUP", "KUBECONFIG")


class PeerFailed(RuntimeError):
    """A peer subprocess failed, timed out, or returned something unusable."""


def round_robin(count: int, round_index: int) -> list[int]:
    """The order of ``count`` peers in round ``round_index``: rotated by one each round."""
    start = round_index % count if count else 0
    return [*range(start, count), *range(start)]


def _peer_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in _SCRUBBED_ENV}
    env["PYTHONUNBUFFERED"] = "1"
    return env


async def run_peer(
    python: Path, module: str, job: dict[str, Any], time_limit: float
) -> dict[str, Any]:
    """Run ``python -m module`` with ``job`` on stdin in the repository root; its JSON result."""
    process = await asyncio.create_subprocess_exec(
        str(python),
        "-m",
        module,
        cwd=ROOT,
        env=_peer_env(),
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        stdout, stderr = await asyncio.wait_for(
            process.communicate(json.dumps(job).encode()), time_limit
        )
    except TimeoutError:
        process.kill()
        await process.wait()
        raise PeerFailed(f"{module} did not finish within {time_limit:.0f}s") from None
    if process.returncode != 0:
        tail = stderr.decode(errors="replace").strip().splitlines()[-15:]
        raise PeerFailed(f"{module} exited with {process.returncode}:\n" + "\n".join(tail))
    lines = stdout.decode(errors="replace").strip().splitlines()
    try:
        result = json.loads(lines[-1])
    except (IndexError, json.JSONDecodeError):
        raise PeerFailed(f"{module} printed no JSON result: {lines[-3:]!r}") from None
    if not isinstance(result, dict):
        raise PeerFailed(f"{module} printed {type(result).__name__}, not a JSON object")
    return result


@dataclass
class _PeerState:
    measurement: Measurement
    python: Path
    runs: list[Run]
    error: str | None = None


async def _one_run(
    scenario: Scenario,
    state: _PeerState,
    data: SeededData,
    cluster: BenchCluster | None,
    inner: int,
    time_limit: float,
) -> Run:
    peer = state.measurement.peer
    job: dict[str, Any] = {**state.measurement.params, "op": state.measurement.op, "inner": inner}
    if scenario.uses_cluster:
        assert cluster is not None
        job["kubeconfig"] = cluster.kubeconfig(peer.identity)
        # For untimed set-up between calls: the audit log leaves the admin's requests out.
        job["admin_kubeconfig"] = cluster.kubeconfig("admin")
    result = await run_peer(state.python, peer.module, job, time_limit)
    timings = tuple(float(t) for t in result["timings_s"])
    if len(timings) != inner:
        raise PeerFailed(f"{peer.module} timed {len(timings)} calls, asked for {inner}")
    items = result.get("items")
    if scenario.expected_items is not None and items != scenario.expected_items(data):
        raise PeerFailed(
            f"{peer.name} returned {items} items, expected {scenario.expected_items(data)}"
        )
    requests = None
    if scenario.uses_cluster and cluster is not None:
        start, end = result["window"]
        requests = await cluster.requests(peer.identity, float(start), float(end))
    cpu = result.get("cpu_s")
    return Run(
        timings_s=timings,
        cpu_s=tuple(float(c) for c in cpu) if cpu is not None else (),
        peak_rss_kib=int(result["peak_rss_kib"]),
        items=items,
        requests=requests,
        versions=result.get("versions", {}),
    )


def _progress_line(scenario: Scenario, round_index: int, repeat: int, name: str, run: Run) -> str:
    ordered = sorted(run.timings_s)
    middle = ordered[len(ordered) // 2]
    requests = (
        f", {run.requests / len(run.timings_s):.3g} req/call" if run.requests is not None else ""
    )
    return (
        f"[{scenario.name} {round_index + 1}/{repeat}] {name}: {format_duration(middle)}"
        f"{requests}, {run.peak_rss_kib / 1024:.0f} MiB"
    )


async def run_scenario(
    scenario: Scenario,
    data: SeededData,
    cluster: BenchCluster | None,
    *,
    repeat: int,
    inner: int,
    time_limit: float = 900.0,
    stream: TextIO | None = None,
) -> list[PeerSummary]:
    """Run every peer of ``scenario`` ``repeat`` times; their summaries with ratios."""
    stream = stream or sys.stderr
    measurements = scenario.build(data)
    known = {peer.identity for peer in CLUSTER_PEERS}
    for m in measurements:
        if scenario.uses_cluster and m.peer.identity not in known:
            raise ValueError(
                f"peer {m.peer.name!r} of scenario {scenario.name!r} has no identity on the "
                "bench's control plane: add it to bench.scenarios.CLUSTER_PEERS"
            )
    states = [_PeerState(m, m.peer.env.python(stream), []) for m in measurements]
    print(
        f"bench: {scenario.name}: {scenario.describe(data)}; "
        f"{len(states)} peers x {repeat} runs x {inner} calls",
        file=stream,
        flush=True,
    )
    for round_index in range(repeat):
        for index in round_robin(len(states), round_index):
            state = states[index]
            if state.error is not None:
                continue
            try:
                run = await _one_run(scenario, state, data, cluster, inner, time_limit)
            except PeerFailed as exc:
                state.error = str(exc)
                print(
                    f"[{scenario.name}] {state.measurement.peer.name} FAILED: {exc}",
                    file=stream,
                    flush=True,
                )
                continue
            state.runs.append(run)
            print(
                _progress_line(scenario, round_index, repeat, state.measurement.peer.name, run),
                file=stream,
                flush=True,
            )
    _check_items_agree(scenario, states)
    summaries = [summarise(s.measurement.peer.name, s.runs, s.error) for s in states]
    return with_ratios(summaries, scenario.reference)


def _check_items_agree(scenario: Scenario, states: Sequence[_PeerState]) -> None:
    """Peers of one scenario must return as many items, or they did not do the same work."""
    counts = {
        s.measurement.peer.name: s.runs[0].items
        for s in states
        if s.runs and s.runs[0].items is not None
    }
    if len(set(counts.values())) > 1:
        for state in states:
            if state.error is None and state.measurement.peer.name in counts:
                state.error = f"result sizes differ between peers of {scenario.name}: {counts}"
