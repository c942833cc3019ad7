"""The fault proxy's two sides of one exchange: a client's connection, and the upstream
(kube-apiserver) reached over that client's own upstream connection, kept alive."""

from __future__ import annotations

import asyncio
import contextlib
import socket
import ssl
import struct
from collections.abc import AsyncIterator
from pathlib import Path
from urllib.parse import urlsplit

from .http1 import (
    HEAD_LIMIT,
    PIECE,
    Framing,
    Head,
    body_pieces,
    frame,
    read_head,
    request_framing,
)
from .traffic import Traffic

__all__ = ["ClientConnection", "Upstream", "UpstreamFailed", "reset_connection"]

# What a broken connection or garbled message raises while reading or writing.
_BROKEN = (OSError, ssl.SSLError, asyncio.IncompleteReadError, ValueError)


class UpstreamFailed(Exception):
    """The upstream could not be reached, or broke before the response was complete."""


def reset_connection(writer: asyncio.StreamWriter) -> None:
    """Close abruptly: SO_LINGER 0 makes the close send a TCP RST instead of a FIN."""
    sock = writer.get_extra_info("socket")
    if sock is not None:
        with contextlib.suppress(OSError):
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    writer.transport.abort()


class ClientConnection:
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
        reset_connection(self.writer)
        self.close_upstream()
        if self.task is not None and self.task is not asyncio.current_task():
            self.task.cancel()


class Upstream:
    """``https://host:port``, verified against ``ca_file`` (read by :meth:`start`)."""

    def __init__(self, url: str, ca_file: str | Path) -> None:
        parts = urlsplit(url)
        if parts.scheme != "https" or not parts.hostname or parts.port is None:
            raise ValueError(f"upstream must be https://host:port, got {url!r}")
        self.url = url.rstrip("/")
        self._host, self._port, self._netloc = parts.hostname, parts.port, parts.netloc
        self._ca_file = ca_file
        self._ssl: ssl.SSLContext | None = None

    def start(self) -> None:
        """Load the CA; HTTP/1.1 only."""
        self._ssl = ssl.create_default_context(cafile=str(self._ca_file))
        self._ssl.set_alpn_protocols(["http/1.1"])

    async def connect(self, conn: ClientConnection) -> bool:
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
                self._host,
                self._port,
                ssl=self._ssl,
                server_hostname=self._host,
                limit=HEAD_LIMIT,
            )
        except (OSError, ssl.SSLError) as exc:
            raise UpstreamFailed(str(exc)) from exc
        return False

    async def send_request(
        self, conn: ClientConnection, head: Head, traffic: Traffic
    ) -> tuple[asyncio.StreamReader, Head]:
        """Forward the request head and body; return the upstream reader and response head."""
        headers = [
            (k, self._netloc if k.lower() == "host" else v)
            for k, v in head.headers
            if k.lower() != "expect"
        ]
        framing, length = request_framing(head)
        if "100-continue" in head.tokens("Expect"):
            # Answered here so the body is not held back waiting for the upstream's 100.
            conn.writer.write(b"HTTP/1.1 100 Continue\r\n\r\n")
            await conn.writer.drain()
        for attempt in (1, 2):
            reused = await self.connect(conn)
            assert conn.up_reader is not None and conn.up_writer is not None
            up_reader, up_writer = conn.up_reader, conn.up_writer
            try:
                up_writer.write(head.encode(headers))
                async for piece in body_pieces(conn.reader, framing, length):
                    up_writer.write(frame(framing, piece))
                    await up_writer.drain()
                    traffic.body_bytes(to_upstream=len(piece))
                if framing == Framing.CHUNKED:
                    up_writer.write(b"0\r\n\r\n")
                await up_writer.drain()
                while True:
                    response = await read_head(up_reader)
                    if response is None:
                        raise ConnectionResetError("upstream closed before responding")
                    status = int(response.start.split(" ", 2)[1])
                    if status >= 200 or status == 101:
                        return up_reader, response
                    conn.writer.write(response.encode())  # interim 1xx: pass along
            except _BROKEN as exc:
                conn.close_upstream()
                # A kept-alive upstream connection may have been closed just before we used
                # it; a request without a body can safely be sent once more on a fresh one.
                if attempt == 1 and reused and framing == Framing.NONE:
                    continue
                raise UpstreamFailed(str(exc)) from exc
        raise AssertionError("unreachable")

    @staticmethod
    async def pieces(
        reader: asyncio.StreamReader, framing: Framing, length: int
    ) -> AsyncIterator[bytes]:
        """The response body as it arrives; a broken upstream is :class:`UpstreamFailed`."""
        try:
            async for piece in body_pieces(reader, framing, length):
                yield piece
        except _BROKEN as exc:
            raise UpstreamFailed(str(exc)) from exc

    @staticmethod
    async def tunnel(
        conn: ClientConnection, up_reader: asyncio.StreamReader, traffic: Traffic
    ) -> None:
        """After a 101 (e.g. a WebSocket for exec), copy bytes both ways until one side ends."""
        assert conn.up_writer is not None
        up_writer = conn.up_writer

        async def pipe(
            src: asyncio.StreamReader, dst: asyncio.StreamWriter, to_upstream: bool
        ) -> None:
            with contextlib.suppress(OSError, ssl.SSLError):
                while piece := await src.read(PIECE):
                    dst.write(piece)
                    await dst.drain()
                    if to_upstream:
                        traffic.body_bytes(to_upstream=len(piece))
                    else:
                        traffic.body_bytes(from_upstream=len(piece))

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
