"""Aggregating runs: median, p95, client CPU, requests per call, peak RSS, ratios to the
reference.

Pure functions over plain data, so they are unit-tested without a server.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace

__all__ = ["PeerSummary", "Run", "median", "percentile", "ratio_of", "summarise", "with_ratios"]


def percentile(values: Sequence[float], q: float) -> float:
    """The ``q``-th percentile (0-100), linear between the closest ranks (numpy's default)."""
    if not values:
        raise ValueError("percentile of no values")
    if not 0 <= q <= 100:
        raise ValueError(f"q must be within 0..100, got {q}")
    ordered = sorted(values)
    position = (len(ordered) - 1) * q / 100
    low = math.floor(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def median(values: Sequence[float]) -> float:
    return percentile(values, 50)


@dataclass(frozen=True)
class Run:
    """What one peer subprocess reported, plus the requests the server logged for it."""

    timings_s: tuple[float, ...]
    peak_rss_kib: int
    #: The peer process's CPU time in each timed call; empty when the calls timed themselves.
    cpu_s: tuple[float, ...] = ()
    items: int | None = None
    requests: int | None = None  # during the timed calls; None when not counted
    versions: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class PeerSummary:
    """One peer in one scenario. Times are over every timed call of every run."""

    peer: str
    runs: int
    calls: int
    median_s: float | None
    p95_s: float | None
    #: Median CPU time of the peer's process per call: what the library itself costs, without
    #: the time spent waiting for the server. None when not every run measured it.
    cpu_median_s: float | None
    requests_per_call: float | None
    peak_rss_mib: float | None  # the median over runs of each run's peak
    items: int | None
    ratio: float | None = None  # median / the reference's median
    cpu_ratio: float | None = None  # cpu_median_s / the reference's cpu_median_s
    versions: Mapping[str, str] = field(default_factory=dict)
    error: str | None = None
    runs_detail: tuple[Run, ...] = ()


def summarise(peer: str, runs: Iterable[Run], error: str | None = None) -> PeerSummary:
    """Pool the timed calls of ``runs``; an error leaves whatever runs succeeded."""
    done = tuple(runs)
    timings = [t for run in done for t in run.timings_s]
    cpu = [c for run in done for c in run.cpu_s] if all(run.cpu_s for run in done) else []
    counted = [run for run in done if run.requests is not None]
    calls_counted = sum(len(run.timings_s) for run in counted)
    return PeerSummary(
        peer=peer,
        runs=len(done),
        calls=len(timings),
        median_s=median(timings) if timings else None,
        p95_s=percentile(timings, 95) if timings else None,
        cpu_median_s=median(cpu) if cpu else None,
        requests_per_call=(
            sum(run.requests or 0 for run in counted) / calls_counted
            if counted and calls_counted
            else None
        ),
        peak_rss_mib=median([run.peak_rss_kib / 1024 for run in done]) if done else None,
        items=done[0].items if done else None,
        versions=dict(done[0].versions) if done else {},
        error=error,
        runs_detail=done,
    )


def with_ratios(summaries: Sequence[PeerSummary], reference: str) -> list[PeerSummary]:
    """Each summary with ``ratio`` = its median / the reference peer's median, and
    ``cpu_ratio`` likewise for CPU per call (None where either is missing)."""
    base = next((s for s in summaries if s.peer == reference), None)
    return [
        replace(
            s,
            ratio=ratio_of(s.median_s, base.median_s if base else None),
            cpu_ratio=ratio_of(s.cpu_median_s, base.cpu_median_s if base else None),
        )
        for s in summaries
    ]


def ratio_of(value: float | None, base: float | None) -> float | None:
    """``value / base``; None when either is missing (or ``base`` is zero)."""
    return value / base if value is not None and base else None
