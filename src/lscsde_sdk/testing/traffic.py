"""What the fault proxy counts: requests, body bytes each way, and upstream failures."""

from __future__ import annotations

import threading
from collections import Counter
from dataclasses import dataclass
from typing import Any

__all__ = ["ProxiedRequest", "ProxyStats", "Traffic"]


@dataclass(frozen=True)
class ProxiedRequest:
    """One request the proxy answered (faulted or forwarded) and the status of its answer."""

    method: str
    path: str
    query: str
    status: int


@dataclass(frozen=True)
class ProxyStats:
    """A snapshot of the proxy's counters since start or the last ``reset_stats()``.

    ``requests`` counts every request received (faulted ones too, control requests not);
    the byte counts are message bodies as on the wire after any content-encoding, without
    HTTP framing: ``bytes_to_upstream`` of requests, ``bytes_from_upstream`` of responses.
    ``upstream_errors`` counts connections to the upstream that failed or broke mid-way.
    """

    requests: int
    by_method: dict[str, int]
    by_path: dict[tuple[str, str], int]  # (method, path without query) -> count
    bytes_to_upstream: int
    bytes_from_upstream: int
    upstream_errors: int

    def as_json(self) -> dict[str, Any]:
        """A JSON-ready dict; ``by_path`` keys become ``"METHOD /path"``."""
        return {
            "requests": self.requests,
            "by_method": dict(self.by_method),
            "by_path": {f"{m} {p}": n for (m, p), n in self.by_path.items()},
            "bytes_to_upstream": self.bytes_to_upstream,
            "bytes_from_upstream": self.bytes_from_upstream,
            "upstream_errors": self.upstream_errors,
        }


class Traffic:
    """The counters behind :class:`ProxyStats`; safe to use from any thread."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._zero()

    def _zero(self) -> None:
        self._requests = 0
        self._by_method: Counter[str] = Counter()
        self._by_path: Counter[tuple[str, str]] = Counter()
        self._bytes_to_upstream = 0
        self._bytes_from_upstream = 0
        self._upstream_errors = 0
        self._answered: list[ProxiedRequest] = []

    def request(self, method: str, path: str) -> None:
        """Count a request received (``path`` without its query)."""
        with self._lock:
            self._requests += 1
            self._by_method[method] += 1
            self._by_path[(method, path)] += 1

    def answer(self, method: str, path: str, query: str, status: int) -> None:
        """Record the status a request was answered with."""
        with self._lock:
            self._answered.append(ProxiedRequest(method, path, query, status))

    def answered(self) -> list[ProxiedRequest]:
        """Every request answered since the last reset, in order, with its status."""
        with self._lock:
            return list(self._answered)

    def body_bytes(self, *, to_upstream: int = 0, from_upstream: int = 0) -> None:
        """Count body bytes forwarded each way."""
        with self._lock:
            self._bytes_to_upstream += to_upstream
            self._bytes_from_upstream += from_upstream

    def upstream_error(self) -> None:
        """Count a connection to the upstream that failed or broke."""
        with self._lock:
            self._upstream_errors += 1

    def snapshot(self) -> ProxyStats:
        """A consistent snapshot of the counters."""
        with self._lock:
            return ProxyStats(
                requests=self._requests,
                by_method=dict(self._by_method),
                by_path=dict(self._by_path),
                bytes_to_upstream=self._bytes_to_upstream,
                bytes_from_upstream=self._bytes_from_upstream,
                upstream_errors=self._upstream_errors,
            )

    def reset(self) -> None:
        """Zero every counter."""
        with self._lock:
            self._zero()
