"""The faults the proxy injects: what to do to a request (:class:`Respond`, :class:`Reset`,
:class:`Delay`, :class:`Blackhole`), which requests to do it to (:class:`FaultRule`), the
rules of one proxy in match order (:class:`FaultTable`), and what took effect
(:class:`AppliedFault`). Rules may be added, matched and removed from any thread."""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from .http1 import encode_response

__all__ = [
    "Action",
    "AppliedFault",
    "Blackhole",
    "Delay",
    "FaultRule",
    "FaultTable",
    "Reset",
    "Respond",
    "Threshold",
]

_STATUS_REASONS = {
    400: "BadRequest",
    401: "Unauthorized",
    403: "Forbidden",
    404: "NotFound",
    409: "Conflict",
    410: "Expired",
    422: "Invalid",
    429: "TooManyRequests",
    500: "InternalError",
    503: "ServiceUnavailable",
    504: "Timeout",
}


def _check_after(after_bytes: int | None, after_lines: int | None) -> None:
    if after_bytes is not None and after_lines is not None:
        raise ValueError("give at most one of after_bytes and after_lines")
    for name, value in (("after_bytes", after_bytes), ("after_lines", after_lines)):
        if value is not None and value < 0:
            raise ValueError(f"{name} must be >= 0, got {value}")


@dataclass(frozen=True)
class Respond:
    """Answer without forwarding: ``status`` with a Kubernetes ``Status`` JSON body (or
    ``body`` as given) and extra ``headers`` such as ``{"Retry-After": "1"}``; a
    ``Retry-After`` also becomes ``details.retryAfterSeconds`` as the apiserver sends it."""

    status: int
    headers: Mapping[str, str] = field(default_factory=dict)
    body: bytes | None = None
    reason: str | None = None  # Status.reason; by default derived from status
    message: str = "injected by ApiProxy"

    def __post_init__(self) -> None:
        if not 200 <= self.status <= 599:
            raise ValueError(f"status must be a final HTTP status (200-599), got {self.status}")

    def encode(self) -> bytes:
        """The whole HTTP/1.1 response."""
        headers = dict(self.headers)
        body = self.body
        if body is None:
            status: dict[str, Any] = {
                "kind": "Status",
                "apiVersion": "v1",
                "metadata": {},
                "status": "Failure",
                "message": self.message,
                "reason": self.reason or _STATUS_REASONS.get(self.status, ""),
                "code": self.status,
            }
            retry_after = {k.lower(): v for k, v in headers.items()}.get("retry-after", "")
            if retry_after.isdigit():
                status["details"] = {"retryAfterSeconds": int(retry_after)}
            body = json.dumps(status).encode()
            headers.setdefault("Content-Type", "application/json")
        return encode_response(self.status, headers, body)


@dataclass(frozen=True)
class Reset:
    """Drop the client's connection with a TCP reset. By default before any response.

    With ``after_bytes``/``after_lines``: the response headers and that many body bytes /
    complete lines (watch events) are forwarded, and the reset comes when more of the body
    (or its end) arrives, in its place. Striking then rather than at once gives the client
    the time to read what it was sent: aiohttp, for one, raises a reset connection's error
    before handing out data it had already received.
    """

    after_bytes: int | None = None
    after_lines: int | None = None

    def __post_init__(self) -> None:
        _check_after(self.after_bytes, self.after_lines)


@dataclass(frozen=True)
class Delay:
    """Hold the request for ``seconds``, then forward it."""

    seconds: float

    def __post_init__(self) -> None:
        if self.seconds < 0:
            raise ValueError(f"seconds must be >= 0, got {self.seconds}")


@dataclass(frozen=True)
class Blackhole:
    """Accept and answer nothing until the rule is removed, then carry on forwarding. By
    default the request itself is held; with ``after_bytes``/``after_lines`` the response
    stalls after that much body (as for :class:`Reset`: once more arrives), with the
    connection left open."""

    after_bytes: int | None = None
    after_lines: int | None = None

    def __post_init__(self) -> None:
        _check_after(self.after_bytes, self.after_lines)


Action = Respond | Reset | Delay | Blackhole


class FaultRule:
    """One programmed fault of ``table``, made by ``ApiProxy.add_fault``; live until removed.

    A request matches when its method equals ``method`` (any if None), ``path`` (a regex)
    is found in its path and ``query`` (a regex) in its raw query string. The first
    ``skip`` matches pass untouched, the next ``times`` (all if None) get ``action``.
    """

    def __init__(
        self,
        table: FaultTable,
        action: Action,
        *,
        method: str | None,
        path: str | None,
        query: str | None,
        times: int | None,
        skip: int,
    ) -> None:
        if times is not None and times < 1:
            raise ValueError(f"times must be >= 1 or None, got {times}")
        if skip < 0:
            raise ValueError(f"skip must be >= 0, got {skip}")
        self.action = action
        self.method = method.upper() if method else None
        self.path = re.compile(path) if path is not None else None
        self.query = re.compile(query) if query is not None else None
        self.times = times
        self.skip = skip
        self.matched = 0  # requests that matched, skipped ones included
        self.applied = 0  # requests the action was applied to
        self._table = table
        self._removed = False

    @property
    def exhausted(self) -> bool:
        """True once the action was applied ``times`` times (it matches nothing more)."""
        return self.times is not None and self.applied >= self.times

    @property
    def removed(self) -> bool:
        return self._removed

    def remove(self) -> None:
        """Stop matching and release anything it holds (see :class:`Blackhole`)."""
        self._table.remove(self)

    def _matches(self, method: str, path: str, query: str) -> bool:
        return (
            (self.method is None or self.method == method)
            and (self.path is None or self.path.search(path) is not None)
            and (self.query is None or self.query.search(query) is not None)
        )

    def __repr__(self) -> str:
        where = " ".join(
            f"{k}={v!r}"
            for k, v in (
                ("method", self.method),
                ("path", self.path.pattern if self.path else None),
                ("query", self.query.pattern if self.query else None),
                ("times", self.times),
            )
            if v is not None
        )
        return f"<FaultRule {self.action!r} {where} applied={self.applied}>"


@dataclass(frozen=True)
class AppliedFault:
    """A fault that took effect: when (the proxy loop's ``loop.time()``, i.e. the monotonic
    clock), which rule (None for ``ApiProxy.cut_all_streams``), on which request."""

    time: float
    action: Action
    rule: FaultRule | None
    method: str
    path: str
    query: str


class FaultTable:
    """The rules of one proxy in match order, and the faults that took effect.

    ``on_change`` is called (outside the lock) whenever a rule is removed, so that requests
    a :class:`Blackhole` holds can look again.
    """

    def __init__(self, on_change: Callable[[], None]) -> None:
        self._lock = threading.Lock()
        self._rules: list[FaultRule] = []
        self._applied: list[AppliedFault] = []
        self._on_change = on_change

    def add(self, rule: FaultRule) -> None:
        """Append ``rule`` (made for this table); effective immediately."""
        with self._lock:
            self._rules.append(rule)

    def remove(self, rule: FaultRule) -> None:
        """Remove ``rule`` (a no-op if already removed)."""
        with self._lock:
            rule._removed = True
            if rule in self._rules:
                self._rules.remove(rule)
        self._on_change()

    def clear(self) -> None:
        """Remove every rule."""
        with self._lock:
            rules, self._rules = self._rules, []
            for rule in rules:
                rule._removed = True
        self._on_change()

    @property
    def rules(self) -> list[FaultRule]:
        """The rules not removed, in match order (exhausted ones included)."""
        with self._lock:
            return list(self._rules)

    @property
    def applied(self) -> list[AppliedFault]:
        """Every fault that took effect, oldest first."""
        with self._lock:
            return list(self._applied)

    def match(self, method: str, path: str, query: str) -> FaultRule | None:
        """The first live rule for this request, counted as applied to it; None if none."""
        with self._lock:
            for rule in self._rules:
                if rule.exhausted or not rule._matches(method, path, query):
                    continue
                rule.matched += 1
                if rule.matched <= rule.skip:
                    continue
                rule.applied += 1
                return rule
        return None

    def record(self, fault: AppliedFault) -> None:
        """Note that ``fault`` took effect."""
        with self._lock:
            self._applied.append(fault)


class Threshold:
    """Where a mid-stream fault strikes: after N payload bytes, or after N complete lines."""

    def __init__(self, after_bytes: int | None, after_lines: int | None) -> None:
        self.bytes_left = after_bytes
        self.lines_left = after_lines

    @property
    def reached(self) -> bool:
        return self.bytes_left == 0 or self.lines_left == 0

    def split(self, piece: bytes) -> tuple[bytes, bytes]:
        """``piece`` cut where the threshold is reached: (up to there, the rest)."""
        if self.reached:
            return b"", piece
        if self.bytes_left is not None:
            n = min(len(piece), self.bytes_left)
            self.bytes_left -= n
            return piece[:n], piece[n:]
        assert self.lines_left is not None
        start = 0
        while self.lines_left and (newline := piece.find(b"\n", start)) != -1:
            self.lines_left -= 1
            start = newline + 1
        return (piece[:start], piece[start:]) if self.lines_left == 0 else (piece, b"")
