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
:meth:`stop`), or as a process (:mod:`lscsde_sdk.testing.proxy_process`). It serves ``GET
/__proxy__/stats`` (``DELETE`` resets).

Faults are rules matched in order against each request (:meth:`ApiProxy.add_fault`); the first
live match applies its action (:mod:`lscsde_sdk.testing.faults`): :class:`Respond`,
:class:`Reset`, :class:`Delay` or :class:`Blackhole`. Rules, stats and
:meth:`ApiProxy.cut_all_streams` may be used from any thread. When the upstream cannot be
reached or drops a connection, the proxy drops the client's connection too (as a direct client
would see it) and counts an upstream error. HTTP/1.1 framing is :mod:`lscsde_sdk.testing.http1`.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import json
import ssl
import threading
from collections.abc import Callable
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, TypeVar

from ..envtest.errors import ControlPlaneError
from .faults import (
    Action,
    AppliedFault,
    Blackhole,
    Delay,
    FaultRule,
    FaultTable,
    Reset,
    Respond,
    Threshold,
)
from .http1 import (
    HEAD_LIMIT,
    Framing,
    Head,
    body_pieces,
    frame,
    read_head,
    request_framing,
    response_framing,
    wants_close,
)
from .traffic import ProxiedRequest, ProxyStats, Traffic
from .upstream import ClientConnection, Upstream, UpstreamFailed

if TYPE_CHECKING:
    from ..envtest.controlplane import ControlPlane

__all__ = ["CONTROL_PREFIX", "ApiProxy", "ProxiedRequest", "ProxyStats"]

CONTROL_PREFIX = "/__proxy__/"
_T = TypeVar("_T")


class _Dropped(Exception):
    """The client connection was reset on purpose; stop serving it."""


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
        self._upstream = Upstream(upstream, ca_file)
        self.upstream = self._upstream.url
        self._cert_file, self._key_file = cert_file, key_file
        self._host, self._port = host, port
        self._faults = FaultTable(self._notify_rules_changed)
        self._traffic = Traffic()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._loop_thread: int | None = None
        self._server: asyncio.Server | None = None
        self._connections: set[ClientConnection] = set()
        self._rules_changed: asyncio.Event | None = None
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
        self._upstream.start()
        self._loop = asyncio.get_running_loop()
        self._loop_thread = threading.get_ident()
        self._rules_changed = asyncio.Event()
        self._server = await asyncio.start_server(
            self._serve_client, self._host, self._port, ssl=server_ssl, limit=HEAD_LIMIT
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
            self._faults, action, method=method, path=path, query=query, times=times, skip=skip
        )
        self._faults.add(rule)
        return rule

    def remove_fault(self, rule: FaultRule) -> None:
        """Remove ``rule`` (a no-op if already removed) and release what it holds."""
        self._faults.remove(rule)

    def clear_faults(self) -> None:
        """Remove every rule."""
        self._faults.clear()

    @property
    def faults(self) -> list[FaultRule]:
        """The rules not removed, in match order (exhausted ones included)."""
        return self._faults.rules

    @property
    def faults_applied(self) -> list[AppliedFault]:
        """Every fault that took effect, oldest first. A mid-stream fault is recorded when it
        strikes, so a response shorter than its threshold leaves no record."""
        return self._faults.applied

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
        return self._traffic.snapshot()

    @property
    def answered(self) -> list[ProxiedRequest]:
        """Every request answered since start or the last ``reset_stats()``, in order, with
        its status (not those dropped or still held)."""
        return self._traffic.answered()

    def reset_stats(self) -> None:
        """Zero the counters (not the rules, not :attr:`faults_applied`)."""
        self._traffic.reset()

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
        self._faults.record(AppliedFault(self._loop.time(), action, rule, method, path, query))

    # -- serving ------------------------------------------------------------------

    async def _serve_client(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        conn = ClientConnection(reader, writer)
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
            while (head := await read_head(reader)) is not None:
                if not await self._handle(conn, head):
                    break
        except UpstreamFailed:
            self._traffic.upstream_error()
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

    async def _handle(self, conn: ClientConnection, head: Head) -> bool:
        """Serve one request; return whether the connection stays open for the next."""
        method, target, _version = head.start.split(" ", 2)
        path, _, query = target.partition("?")
        if path.startswith(CONTROL_PREFIX):
            return await self._control(conn, head, method, path)
        self._traffic.request(method, path)
        rule = self._faults.match(method, path, query)
        action = rule.action if rule is not None else None
        mid_stream: tuple[FaultRule, Threshold] | None = None
        if isinstance(action, Respond):
            self._record(action, rule, method, path, query)
            self._traffic.answer(method, path, query, action.status)
            conn.writer.write(action.encode())
            await conn.writer.drain()
            if "100-continue" in head.tokens("Expect"):
                return False  # the body was never sent: this connection cannot go on
            framing, length = request_framing(head)
            async for _ in body_pieces(conn.reader, framing, length):
                pass  # read so the connection stays usable for the next request
            return not wants_close(head)
        if isinstance(action, Reset | Blackhole) and rule is not None:
            threshold = Threshold(action.after_bytes, action.after_lines)
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

    async def _forward(
        self,
        conn: ClientConnection,
        head: Head,
        method: str,
        path: str,
        query: str,
        mid_stream: tuple[FaultRule, Threshold] | None,
    ) -> bool:
        up_reader, response = await self._upstream.send_request(conn, head, self._traffic)
        status = int(response.start.split(" ", 2)[1])
        self._traffic.answer(method, path, query, status)
        conn.writer.write(response.encode())
        if status == 101:
            await conn.writer.drain()
            await self._upstream.tunnel(conn, up_reader, self._traffic)
            return False
        framing, length = response_framing(method, status, response)
        if framing in (Framing.CHUNKED, Framing.UNTIL_CLOSE):
            conn.streaming = (method, path, query)
        try:
            async for piece in self._upstream.pieces(up_reader, framing, length):
                self._traffic.body_bytes(from_upstream=len(piece))
                if mid_stream is not None:
                    before, piece = mid_stream[1].split(piece)
                    if before:
                        conn.writer.write(frame(framing, before))
                        await conn.writer.drain()
                    if not piece:
                        continue
                    await self._strike(conn, mid_stream[0], method, path, query)
                    mid_stream = None
                conn.writer.write(frame(framing, piece))
                await conn.writer.drain()
            if mid_stream is not None and mid_stream[1].reached:
                await self._strike(conn, mid_stream[0], method, path, query)  # at the end
            if framing == Framing.CHUNKED:
                conn.writer.write(b"0\r\n\r\n")
            await conn.writer.drain()
        finally:
            conn.streaming = None
        if framing == Framing.UNTIL_CLOSE or "close" in response.tokens("Connection"):
            conn.close_upstream()
            return False
        if wants_close(head):
            conn.close_upstream()
            return False
        return True

    async def _strike(
        self, conn: ClientConnection, rule: FaultRule, method: str, path: str, query: str
    ) -> None:
        """Apply a mid-stream fault: reset now, or stall until the rule is removed."""
        self._record(rule.action, rule, method, path, query)
        if isinstance(rule.action, Reset):
            conn.reset()
            raise _Dropped
        await self._held_until_removed(rule)

    async def _control(self, conn: ClientConnection, head: Head, method: str, path: str) -> bool:
        """``GET /__proxy__/stats`` returns the stats as JSON; ``DELETE`` resets them."""
        framing, length = request_framing(head)
        async for _ in body_pieces(conn.reader, framing, length):
            pass
        if path != f"{CONTROL_PREFIX}stats" or method not in ("GET", "DELETE"):
            answer = Respond(404, message=f"no proxy control endpoint {method} {path}")
        else:
            stats = self.stats
            if method == "DELETE":
                self.reset_stats()
            body = json.dumps(stats.as_json()).encode()
            answer = Respond(200, {"Content-Type": "application/json"}, body)
        conn.writer.write(answer.encode())
        await conn.writer.drain()
        return not wants_close(head)
