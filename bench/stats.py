"""Aggregating runs: median, p95, requests per call, peak RSS, ratio to the reference.

Pure functions over plain data, so they are unit-tested without a server.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace

__all__ = ["PeerSummary", "Run", "median", "percentile", "summarise", "with_ratios"]


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
    requests_per_call: float | None
    peak_rss_mib: float | None  # the median over runs of each run's peak
    items: int | None
    ratio: float | None = None  # median / the reference's median
    versions: Mapping[str, str] = field(default_factory=dict)
    error: str | None = None
    runs_detail: tuple[Run, ...] = ()


def summarise(peer: str, runs: Iterable[Run], error: str | None = None) -> PeerSummary:
    """Pool the timed calls of ``runs``; an error leaves whatever runs succeeded."""
    done = tuple(runs)
    timings = [t for run in done for t in run.timings_s]
    counted = [run for run in done if run.requests is not None]
    calls_counted = sum(len(run.timings_s) for run in counted)
    return PeerSummary(
        peer=peer,
        runs=len(done),
        calls=len(timings),
        median_s=median(timings) if timings else None,
        p95_s=percentile(timings, 95) if timings else None,
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
    """Each summary with ``ratio`` = its median / the reference peer's median (None if
    either is missing)."""
    base = next((s.median_s for s in summaries if s.peer == reference), None)
    return [
        replace(s, ratio=s.median_s / base if base and s.median_s is not None else None)
        for s in summaries
    ]
