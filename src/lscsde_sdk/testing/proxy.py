"""An HTTPS reverse proxy in front of kube-apiserver that counts traffic and injects faults.

Clients talk HTTP/1.1 over TLS to :attr:`ApiProxy.url`; the proxy forwards each request over
TLS (verified against the control plane's CA) and streams the response back piece by piece,
so watches pass through as their events are produced. It presents a certificate signed by the
same CA, so a kubeconfig that differs from the control plane's only in the server URL works
with full verification (``ControlPlane.kubeconfig_path(identity, server_url=proxy.url)``).
Headers, ``Authorization`` included, pass unchanged except ``Host`` (set to the upstream's).
Every client connection gets its own upstream connection; both are kept alive.

Run it in the test's event loop::

    async with ApiProxy.for_control_plane(control_plane) as proxy:
        api = await control_plane.api_client("alice", server_url=proxy.url)

or in a thread with its own loop (``with ApiProxy(...) as proxy`` / :meth:`start_in_thread`,
:meth:`stop`), or as a process: ``python -m lscsde_sdk.testing.proxy --upstream URL --ca CA
--cert CERT --key KEY [--port N]`` prints its URL, serves ``GET /__proxy__/stats`` (``DELETE``
resets), and prints the final stats as JSON when stopped by SIGINT or SIGTERM.

Faults are rules matched in order against each request (:meth:`ApiProxy.add_fault`); the first
live match applies its action: :class:`Respond`, :class:`Reset`, :class:`Delay` or
:class:`Blackhole`. Rules, stats and :meth:`ApiProxy.cut_all_streams` may be used from any
thread. When the upstream cannot be reached or drops a connection, the proxy drops the
client's connection too (as a direct client would see it) and counts an upstream error.
"""

from __future__ import annotations

import argparse
import asyncio
import concurrent.futures
import contextlib
import http
import json
import re
import signal
import socket
import ssl
import struct
import sys
import threading
from collections import Counter
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any, TypeVar
from urllib.parse import urlsplit

from .binaries import ControlPlaneError

if TYPE_CHECKING:
    from .controlplane import ControlPlane

__all__ = [
    "CONTROL_PREFIX",
    "Action",
    "ApiProxy",
    "AppliedFault",
    "Blackhole",
    "Delay",
    "FaultRule",
    "ProxyStats",
    "Reset",
    "Respond",
    "main",
]

CONTROL_PREFIX = "/__proxy__/"
_HEAD_LIMIT = 1 << 20  # request/status line plus headers
_PIECE = 1 << 16
_T = TypeVar("_T")

# Body framings (RFC 9112 section 6.3).
_NO_BODY, _LENGTH, _CHUNKED, _UNTIL_CLOSE = "none", "length", "chunked", "close"

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


# ---------------------------------------------------------------------------- faults


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
    """One programmed fault; made by :meth:`ApiProxy.add_fault`, live until removed.

    A request matches when its method equals ``method`` (any if None), ``path`` (a regex)
    is found in its path and ``query`` (a regex) in its raw query string. The first
    ``skip`` matches pass untouched, the next ``times`` (all if None) get ``action``.
    """

    def __init__(
        self,
        proxy: ApiProxy,
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
        self._proxy = proxy
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
        self._proxy.remove_fault(self)

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
    clock), which rule (None for :meth:`ApiProxy.cut_all_streams`), on which request."""

    time: float
    action: Action
    rule: FaultRule | None
    method: str
    path: str
    query: str


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


# ---------------------------------------------------------------------------- HTTP/1.1


class _Dropped(Exception):
    """The client connection was reset on purpose; stop serving it."""


class _UpstreamFailed(Exception):
    """The upstream could not be reached, or broke before the response was complete."""


@dataclass
class _Head:
    """A request or status line and its headers, as received."""

    start: str
    headers: list[tuple[str, str]]

    def get(self, name: str) -> str | None:
        name = name.lower()
        values = [v for k, v in self.headers if k.lower() == name]
        return ", ".join(values) if values else None

    def tokens(self, name: str) -> set[str]:
        value = self.get(name)
        return {t.strip().lower() for t in value.split(",")} if value else set()

    def encode(self, headers: Sequence[tuple[str, str]] | None = None) -> bytes:
        lines = [self.start, *(f"{k}: {v}" for k, v in (headers or self.headers)), "", ""]
        return "\r\n".join(lines).encode("latin-1")


async def _read_head(reader: asyncio.StreamReader) -> _Head | None:
    """The next message head, or None at a clean end of stream before one starts."""
    try:
        data = await reader.readuntil(b"\r\n\r\n")
    except asyncio.IncompleteReadError as exc:
        if not exc.partial.strip():
            return None
        raise
    lines = data.decode("latin-1").split("\r\n")
    headers = []
    for line in lines[1:]:
        if line:
            name, sep, value = line.partition(":")
            if not sep:
                raise ValueError(f"malformed header line {line!r}")
            headers.append((name.strip(), value.strip()))
    return _Head(lines[0], headers)


def _request_framing(head: _Head) -> tuple[str, int]:
    if "chunked" in head.tokens("Transfer-Encoding"):
        return _CHUNKED, 0
    length = head.get("Content-Length")
    if length is not None and int(length) > 0:
        return _LENGTH, int(length)
    return _NO_BODY, 0


def _response_framing(method: str, status: int, head: _Head) -> tuple[str, int]:
    if method == "HEAD" or status < 200 or status in (204, 304):
        return _NO_BODY, 0
    if "chunked" in head.tokens("Transfer-Encoding"):
        return _CHUNKED, 0
    length = head.get("Content-Length")
    if length is not None:
        return (_LENGTH, int(length)) if int(length) > 0 else (_NO_BODY, 0)
    return _UNTIL_CLOSE, 0


async def _body_pieces(
    reader: asyncio.StreamReader, framing: str, length: int
) -> AsyncIterator[bytes]:
    """The payload of a message body piece by piece as it arrives (chunk framing removed)."""
    if framing == _LENGTH:
        while length > 0:
            piece = await reader.read(min(length, _PIECE))
            if not piece:
                raise asyncio.IncompleteReadError(b"", length)
            length -= len(piece)
            yield piece
    elif framing == _CHUNKED:
        while True:
            size = int((await reader.readuntil(b"\r\n")).split(b";")[0].strip(), 16)
            if size == 0:
                while (await reader.readuntil(b"\r\n")) != b"\r\n":
                    pass  # trailer fields: none in Kubernetes, dropped
                return
            while size > 0:
                piece = await reader.read(min(size, _PIECE))
                if not piece:
                    raise asyncio.IncompleteReadError(b"", size)
                size -= len(piece)
                yield piece
            if await reader.readexactly(2) != b"\r\n":
                raise ValueError("chunk not followed by CRLF")
    elif framing == _UNTIL_CLOSE:
        while piece := await reader.read(_PIECE):
            yield piece


def _frame(framing: str, piece: bytes) -> bytes:
    if framing == _CHUNKED:
        return b"%x\r\n%s\r\n" % (len(piece), piece) if piece else b""
    return piece


def _wants_close(head: _Head) -> bool:
    tokens = head.tokens("Connection")
    if head.start.rstrip().endswith("HTTP/1.0"):
        return "keep-alive" not in tokens
    return "close" in tokens


def _status_response(action: Respond) -> bytes:
    headers = dict(action.headers)
    body = action.body
    if body is None:
        status: dict[str, Any] = {
            "kind": "Status",
            "apiVersion": "v1",
            "metadata": {},
            "status": "Failure",
            "message": action.message,
            "reason": action.reason or _STATUS_REASONS.get(action.status, ""),
            "code": action.status,
        }
        retry_after = {k.lower(): v for k, v in headers.items()}.get("retry-after", "")
        if retry_after.isdigit():
            status["details"] = {"retryAfterSeconds": int(retry_after)}
        body = json.dumps(status).encode()
        headers.setdefault("Content-Type", "application/json")
    headers["Content-Length"] = str(len(body))
    try:
        phrase = http.HTTPStatus(action.status).phrase
    except ValueError:
        phrase = "Injected"
    head = _Head(f"HTTP/1.1 {action.status} {phrase}", list(headers.items()))
    return head.encode() + body


def _reset(writer: asyncio.StreamWriter) -> None:
    """Close abruptly: SO_LINGER 0 makes the close send a TCP RST instead of a FIN."""
    sock = writer.get_extra_info("socket")
    if sock is not None:
        with contextlib.suppress(OSError):
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    writer.transport.abort()


class _Threshold:
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


class _ClientConnection:
    """One client connection, its upstream connection, and what it is streaming now."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader, self.writer = reader, writer
        self.task = asyncio.current_task()
        self.up_reader: asyncio.StreamReader | None = None
        self.up_writer: asyncio.StreamWriter | None = None
        self.streaming: tuple[str, str, str] | None = None  # (method, path, query)

    def close_upstream(self) -> None:
        if self.up_writer is not None:
            self.up_writer.transport.abort()
        self.up_reader = self.up_writer = None

    def reset(self) -> None:
        """Drop both connections at once and stop serving this client."""
        _reset(self.writer)
        self.close_upstream()
        if self.task is not None and self.task is not asyncio.current_task():
            self.task.cancel()


# ---------------------------------------------------------------------------- the proxy


class ApiProxy:
    """HTTPS reverse proxy to ``upstream`` (``https://host:port``); see the module docstring.

    ``ca_file`` verifies the upstream; ``cert_file``/``key_file`` are what the proxy presents
    (for a :class:`ControlPlane`, its serving certificate: :meth:`for_control_plane`).
    """

    def __init__(
        self,
        upstream: str,
        *,
        ca_file: str | Path,
        cert_file: str | Path,
        key_file: str | Path,
        host: str = "127.0.0.1",
        port: int = 0,
    ) -> None:
        parts = urlsplit(upstream)
        if parts.scheme != "https" or not parts.hostname or parts.port is None:
            raise ValueError(f"upstream must be https://host:port, got {upstream!r}")
        self.upstream = upstream.rstrip("/")
        self._up_host, self._up_port = parts.hostname, parts.port
        self._up_netloc = parts.netloc
        self._ca_file, self._cert_file, self._key_file = ca_file, cert_file, key_file
        self._host, self._port = host, port
        self._lock = threading.Lock()
        self._rules: list[FaultRule] = []
        self._applied: list[AppliedFault] = []
        self._reset_counters()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._loop_thread: int | None = None
        self._server: asyncio.Server | None = None
        self._connections: set[_ClientConnection] = set()
        self._rules_changed: asyncio.Event | None = None
        self._upstream_ssl: ssl.SSLContext | None = None
        self._url: str | None = None
        self._thread: threading.Thread | None = None
        self._thread_stop: asyncio.Event | None = None

    @classmethod
    def for_control_plane(
        cls, control_plane: ControlPlane, *, host: str = "127.0.0.1", port: int = 0
    ) -> ApiProxy:
        """A proxy to a started control plane, presenting its apiserver's serving certificate."""
        cert, key, ca = (
            control_plane.serving_cert_file,
            control_plane.serving_key_file,
            control_plane.ca_file,
        )
        if cert is None or key is None or ca is None:
            raise ControlPlaneError(
                "ApiProxy needs a control plane started by ControlPlane (its CA and serving "
                "certificate); an external cluster's are not available"
            )
        return cls(
            control_plane.server_url,
            ca_file=ca,
            cert_file=cert,
            key_file=key,
            host=host,
            port=port,
        )

    @property
    def url(self) -> str:
        """``https://127.0.0.1:<port>`` once started."""
        if self._url is None:
            raise ControlPlaneError("ApiProxy not started")
        return self._url

    # -- lifecycle in the caller's loop ----------------------------------------

    async def start(self) -> ApiProxy:
        """Listen (in the running loop) and return self."""
        if self._server is not None:
            return self
        server_ssl = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        server_ssl.load_cert_chain(str(self._cert_file), str(self._key_file))
        # Only HTTP/1.1: clients that would prefer h2 (client-go) fall back to it.
        server_ssl.set_alpn_protocols(["http/1.1"])
        self._upstream_ssl = ssl.create_default_context(cafile=str(self._ca_file))
        self._upstream_ssl.set_alpn_protocols(["http/1.1"])
        self._loop = asyncio.get_running_loop()
        self._loop_thread = threading.get_ident()
        self._rules_changed = asyncio.Event()
        self._server = await asyncio.start_server(
            self._serve_client, self._host, self._port, ssl=server_ssl, limit=_HEAD_LIMIT
        )
        port = self._server.sockets[0].getsockname()[1]
        self._url = f"https://{self._host}:{port}"
        return self

    async def close(self) -> None:
        """Stop listening and drop every open connection (held requests included)."""
        server, self._server = self._server, None
        if server is None:
            return
        server.close()
        tasks = [c.task for c in self._connections if c.task is not None]
        for conn in list(self._connections):
            conn.writer.transport.abort()
            conn.close_upstream()
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        await server.wait_closed()
        self._url = None

    async def __aenter__(self) -> ApiProxy:
        return await self.start()

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()

    # -- lifecycle in a thread of its own -------------------------------------

    def start_in_thread(self) -> ApiProxy:
        """Run the proxy on its own loop in a daemon thread (so it does not share, or slow,
        the loop being measured); return self once it listens."""
        if self._thread is not None or self._server is not None:
            raise ControlPlaneError("ApiProxy already started")
        started: concurrent.futures.Future[None] = concurrent.futures.Future()

        async def run() -> None:
            try:
                await self.start()
                self._thread_stop = asyncio.Event()
            except BaseException as exc:
                started.set_exception(exc)
                raise
            started.set_result(None)
            try:
                await self._thread_stop.wait()
            finally:
                await self.close()

        self._thread = threading.Thread(
            target=lambda: asyncio.run(run()), name="lscsde-api-proxy", daemon=True
        )
        self._thread.start()
        try:
            started.result()
        except BaseException:
            self._thread.join()
            self._thread = None
            raise
        return self

    def stop(self) -> None:
        """Stop a proxy started with :meth:`start_in_thread` and join its thread."""
        thread = self._thread
        if thread is None:
            if self._server is not None:
                raise ControlPlaneError("ApiProxy runs in an event loop: use `await close()`")
            return
        loop, stop = self._loop, self._thread_stop
        if loop is not None and stop is not None and not loop.is_closed():
            with contextlib.suppress(RuntimeError):  # the loop ended on its own meanwhile
                loop.call_soon_threadsafe(stop.set)
        thread.join()
        self._thread = None

    def __enter__(self) -> ApiProxy:
        return self.start_in_thread()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    # -- faults -----------------------------------------------------------------

    def add_fault(
        self,
        action: Action,
        *,
        method: str | None = None,
        path: str | None = None,
        query: str | None = None,
        times: int | None = None,
        skip: int = 0,
    ) -> FaultRule:
        """Append a rule (see :class:`FaultRule`) and return it; effective immediately."""
        rule = FaultRule(
            self, action, method=method, path=path, query=query, times=times, skip=skip
        )
        with self._lock:
            self._rules.append(rule)
        return rule

    def remove_fault(self, rule: FaultRule) -> None:
        """Remove ``rule`` (a no-op if already removed) and release what it holds."""
        with self._lock:
            rule._removed = True
            if rule in self._rules:
                self._rules.remove(rule)
        self._notify_rules_changed()

    def clear_faults(self) -> None:
        """Remove every rule."""
        with self._lock:
            rules, self._rules = self._rules, []
            for rule in rules:
                rule._removed = True
        self._notify_rules_changed()

    @property
    def faults(self) -> list[FaultRule]:
        """The rules not removed, in match order (exhausted ones included)."""
        with self._lock:
            return list(self._rules)

    @property
    def faults_applied(self) -> list[AppliedFault]:
        """Every fault that took effect, oldest first. A mid-stream fault is recorded when it
        strikes, so a response shorter than its threshold leaves no record."""
        with self._lock:
            return list(self._applied)

    def cut_all_streams(self) -> int:
        """Reset every client connection now forwarding a streamed (chunked or read-to-end)
        response, e.g. watches; return how many were cut. Callable from any thread."""
        return self._call_in_loop(self._cut_all_streams)

    def _cut_all_streams(self) -> int:
        cut = 0
        for conn in list(self._connections):
            if conn.streaming is not None:
                self._record(Reset(), None, *conn.streaming)
                conn.reset()
                cut += 1
        return cut

    # -- stats ------------------------------------------------------------------

    @property
    def stats(self) -> ProxyStats:
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

    def reset_stats(self) -> None:
        """Zero the counters (not the rules, not :attr:`faults_applied`)."""
        with self._lock:
            self._reset_counters()

    def _reset_counters(self) -> None:
        self._requests = 0
        self._by_method: Counter[str] = Counter()
        self._by_path: Counter[tuple[str, str]] = Counter()
        self._bytes_to_upstream = 0
        self._bytes_from_upstream = 0
        self._upstream_errors = 0

    def _count(self, *, to_upstream: int = 0, from_upstream: int = 0) -> None:
        with self._lock:
            self._bytes_to_upstream += to_upstream
            self._bytes_from_upstream += from_upstream

    # -- cross-thread plumbing ----------------------------------------------------

    def _call_in_loop(self, func: Callable[[], _T]) -> _T:
        loop = self._loop
        if loop is None or self._server is None:
            raise ControlPlaneError("ApiProxy not started")
        if threading.get_ident() == self._loop_thread:
            return func()
        done: concurrent.futures.Future[_T] = concurrent.futures.Future()

        def call() -> None:
            try:
                done.set_result(func())
            except BaseException as exc:
                done.set_exception(exc)

        loop.call_soon_threadsafe(call)
        return done.result()

    def _notify_rules_changed(self) -> None:
        loop = self._loop
        if loop is None or loop.is_closed():
            return
        if threading.get_ident() == self._loop_thread:
            self._pulse_rules_changed()
        else:
            with contextlib.suppress(RuntimeError):  # the loop closed meanwhile
                loop.call_soon_threadsafe(self._pulse_rules_changed)

    def _pulse_rules_changed(self) -> None:
        # Wake every waiter once; each re-checks its own rule and waits on the new event.
        if self._rules_changed is not None:
            self._rules_changed.set()
        self._rules_changed = asyncio.Event()

    async def _held_until_removed(self, rule: FaultRule) -> None:
        while True:
            changed = self._rules_changed
            if rule.removed or changed is None:
                return
            await changed.wait()

    def _record(
        self, action: Action, rule: FaultRule | None, method: str, path: str, query: str
    ) -> None:
        assert self._loop is not None
        entry = AppliedFault(self._loop.time(), action, rule, method, path, query)
        with self._lock:
            self._applied.append(entry)

    def _match(self, method: str, path: str, query: str) -> FaultRule | None:
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

    # -- serving ------------------------------------------------------------------

    async def _serve_client(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        conn = _ClientConnection(reader, writer)
        self._connections.add(conn)
        # A client that goes away mid-watch (or while held) is noticed at once, not at the
        # next event: its upstream request is dropped with it.
        gone = asyncio.ensure_future(writer.wait_closed())

        def on_gone(future: asyncio.Future[None]) -> None:
            if not future.cancelled():
                future.exception()  # retrieved: how the client left does not matter
            if conn.task is not None:
                conn.task.cancel()

        gone.add_done_callback(on_gone)
        try:
            while (head := await _read_head(reader)) is not None:
                if not await self._handle(conn, head):
                    break
        except _UpstreamFailed:
            with self._lock:
                self._upstream_errors += 1
            conn.reset()  # the client sees the connection drop, as it would without us
        except (_Dropped, asyncio.CancelledError):
            # Cancelled: cut, or the client left. Ending normally matters: Python 3.11's
            # start_server logs an error for a connection task that ends cancelled.
            pass
        except (OSError, ssl.SSLError, asyncio.IncompleteReadError, asyncio.LimitOverrunError):
            pass  # the client went away or spoke garbage: nothing to answer
        except ValueError:
            pass  # unparsable request or chunk size
        finally:
            conn.task = None  # nothing left to cancel
            gone.cancel()
            self._connections.discard(conn)
            conn.close_upstream()
            if not writer.transport.is_closing():
                writer.close()

    async def _handle(self, conn: _ClientConnection, head: _Head) -> bool:
        """Serve one request; return whether the connection stays open for the next."""
        method, target, _version = head.start.split(" ", 2)
        path, _, query = target.partition("?")
        if path.startswith(CONTROL_PREFIX):
            return await self._control(conn, head, method, path)
        with self._lock:
            self._requests += 1
            self._by_method[method] += 1
            self._by_path[(method, path)] += 1
        rule = self._match(method, path, query)
        action = rule.action if rule is not None else None
        mid_stream: tuple[FaultRule, _Threshold] | None = None
        if isinstance(action, Respond):
            self._record(action, rule, method, path, query)
            conn.writer.write(_status_response(action))
            await conn.writer.drain()
            if "100-continue" in head.tokens("Expect"):
                return False  # the body was never sent: this connection cannot go on
            framing, length = _request_framing(head)
            async for _ in _body_pieces(conn.reader, framing, length):
                pass  # read so the connection stays usable for the next request
            return not _wants_close(head)
        if isinstance(action, Reset | Blackhole) and rule is not None:
            threshold = _Threshold(action.after_bytes, action.after_lines)
            if action.after_bytes is not None or action.after_lines is not None:
                mid_stream = (rule, threshold)
            elif isinstance(action, Reset):
                self._record(action, rule, method, path, query)
                conn.reset()
                raise _Dropped
            else:
                self._record(action, rule, method, path, query)
                await self._held_until_removed(rule)
        elif isinstance(action, Delay):
            self._record(action, rule, method, path, query)
            await asyncio.sleep(action.seconds)
        return await self._forward(conn, head, method, path, query, mid_stream)

    async def _connect_upstream(self, conn: _ClientConnection) -> bool:
        """Make sure ``conn`` has a live upstream connection; return whether it was reused."""
        if (
            conn.up_reader is not None
            and conn.up_writer is not None
            and not conn.up_reader.at_eof()
            and not conn.up_writer.is_closing()
        ):
            return True
        conn.close_upstream()
        try:
            conn.up_reader, conn.up_writer = await asyncio.open_connection(
                self._up_host,
                self._up_port,
                ssl=self._upstream_ssl,
                server_hostname=self._up_host,
                limit=_HEAD_LIMIT,
            )
        except (OSError, ssl.SSLError) as exc:
            raise _UpstreamFailed(str(exc)) from exc
        return False

    async def _send_request(
        self, conn: _ClientConnection, head: _Head
    ) -> tuple[asyncio.StreamReader, _Head]:
        """Forward the request head and body; return the upstream reader and response head."""
        headers = [
            (k, self._up_netloc if k.lower() == "host" else v)
            for k, v in head.headers
            if k.lower() != "expect"
        ]
        framing, length = _request_framing(head)
        if "100-continue" in head.tokens("Expect"):
            # Answered here so the body is not held back waiting for the upstream's 100.
            conn.writer.write(b"HTTP/1.1 100 Continue\r\n\r\n")
            await conn.writer.drain()
        for attempt in (1, 2):
            reused = await self._connect_upstream(conn)
            assert conn.up_reader is not None and conn.up_writer is not None
            up_reader, up_writer = conn.up_reader, conn.up_writer
            try:
                up_writer.write(head.encode(headers))
                async for piece in _body_pieces(conn.reader, framing, length):
                    up_writer.write(_frame(framing, piece))
                    await up_writer.drain()
                    self._count(to_upstream=len(piece))
                if framing == _CHUNKED:
                    up_writer.write(b"0\r\n\r\n")
                await up_writer.drain()
                while True:
                    response = await _read_head(up_reader)
                    if response is None:
                        raise ConnectionResetError("upstream closed before responding")
                    status = int(response.start.split(" ", 2)[1])
                    if status >= 200 or status == 101:
                        return up_reader, response
                    conn.writer.write(response.encode())  # interim 1xx: pass along
            except (OSError, ssl.SSLError, asyncio.IncompleteReadError, ValueError) as exc:
                conn.close_upstream()
                # A kept-alive upstream connection may have been closed just before we used
                # it; a request without a body can safely be sent once more on a fresh one.
                if attempt == 1 and reused and framing == _NO_BODY:
                    continue
                raise _UpstreamFailed(str(exc)) from exc
        raise AssertionError("unreachable")

    async def _forward(
        self,
        conn: _ClientConnection,
        head: _Head,
        method: str,
        path: str,
        query: str,
        mid_stream: tuple[FaultRule, _Threshold] | None,
    ) -> bool:
        up_reader, response = await self._send_request(conn, head)
        status = int(response.start.split(" ", 2)[1])
        conn.writer.write(response.encode())
        if status == 101:
            await conn.writer.drain()
            await self._tunnel(conn, up_reader)
            return False
        framing, length = _response_framing(method, status, response)
        if framing in (_CHUNKED, _UNTIL_CLOSE):
            conn.streaming = (method, path, query)
        try:
            async for piece in self._upstream_pieces(up_reader, framing, length):
                self._count(from_upstream=len(piece))
                if mid_stream is not None:
                    before, piece = mid_stream[1].split(piece)
                    if before:
                        conn.writer.write(_frame(framing, before))
                        await conn.writer.drain()
                    if not piece:
                        continue
                    await self._strike(conn, mid_stream[0], method, path, query)
                    mid_stream = None
                conn.writer.write(_frame(framing, piece))
                await conn.writer.drain()
            if mid_stream is not None and mid_stream[1].reached:
                await self._strike(conn, mid_stream[0], method, path, query)  # at the end
            if framing == _CHUNKED:
                conn.writer.write(b"0\r\n\r\n")
            await conn.writer.drain()
        finally:
            conn.streaming = None
        if framing == _UNTIL_CLOSE or "close" in response.tokens("Connection"):
            conn.close_upstream()
            return False
        if _wants_close(head):
            conn.close_upstream()
            return False
        return True

    async def _upstream_pieces(
        self, reader: asyncio.StreamReader, framing: str, length: int
    ) -> AsyncIterator[bytes]:
        try:
            async for piece in _body_pieces(reader, framing, length):
                yield piece
        except (OSError, ssl.SSLError, asyncio.IncompleteReadError, ValueError) as exc:
            raise _UpstreamFailed(str(exc)) from exc

    async def _strike(
        self, conn: _ClientConnection, rule: FaultRule, method: str, path: str, query: str
    ) -> None:
        """Apply a mid-stream fault: reset now, or stall until the rule is removed."""
        self._record(rule.action, rule, method, path, query)
        if isinstance(rule.action, Reset):
            conn.reset()
            raise _Dropped
        await self._held_until_removed(rule)

    async def _tunnel(self, conn: _ClientConnection, up_reader: asyncio.StreamReader) -> None:
        """After a 101 (e.g. a WebSocket for exec), copy bytes both ways until one side ends."""
        assert conn.up_writer is not None
        up_writer = conn.up_writer

        async def pipe(
            src: asyncio.StreamReader, dst: asyncio.StreamWriter, to_upstream: bool
        ) -> None:
            with contextlib.suppress(OSError, ssl.SSLError):
                while piece := await src.read(_PIECE):
                    dst.write(piece)
                    await dst.drain()
                    if to_upstream:
                        self._count(to_upstream=len(piece))
                    else:
                        self._count(from_upstream=len(piece))

        tasks = [
            asyncio.ensure_future(pipe(conn.reader, up_writer, True)),
            asyncio.ensure_future(pipe(up_reader, conn.writer, False)),
        ]
        try:
            await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            conn.close_upstream()

    async def _control(self, conn: _ClientConnection, head: _Head, method: str, path: str) -> bool:
        """``GET /__proxy__/stats`` returns the stats as JSON; ``DELETE`` resets them."""
        framing, length = _request_framing(head)
        async for _ in _body_pieces(conn.reader, framing, length):
            pass
        if path != f"{CONTROL_PREFIX}stats" or method not in ("GET", "DELETE"):
            answer = Respond(404, message=f"no proxy control endpoint {method} {path}")
        else:
            stats = self.stats
            if method == "DELETE":
                self.reset_stats()
            body = json.dumps(stats.as_json()).encode()
            answer = Respond(200, {"Content-Type": "application/json"}, body)
        conn.writer.write(_status_response(answer))
        await conn.writer.drain()
        return not _wants_close(head)


# ---------------------------------------------------------------------------- command line


def main(argv: Sequence[str] | None = None) -> int:
    """Run a proxy until SIGINT/SIGTERM: print its URL, at the end its stats as JSON."""
    parser = argparse.ArgumentParser(
        prog="python -m lscsde_sdk.testing.proxy",
        description="Counting HTTPS reverse proxy for kube-apiserver (test tooling).",
    )
    parser.add_argument("--upstream", required=True, help="https://host:port of kube-apiserver")
    parser.add_argument("--ca", required=True, help="CA bundle that verifies the upstream")
    parser.add_argument("--cert", required=True, help="certificate the proxy presents")
    parser.add_argument("--key", required=True, help="private key of --cert")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0, help="0 (default): any free port")
    args = parser.parse_args(argv)
    proxy = ApiProxy(
        args.upstream,
        ca_file=args.ca,
        cert_file=args.cert,
        key_file=args.key,
        host=args.host,
        port=args.port,
    )

    async def run() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(signum, stop.set)
        async with proxy:
            print(proxy.url, flush=True)
            await stop.wait()

    asyncio.run(run())
    print(json.dumps(proxy.stats.as_json()), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
