"""HTTP/1.1 framing for the fault proxy: message heads, body framings (RFC 9112 section 6.3)
read piece by piece as they arrive, and responses written whole."""

from __future__ import annotations

import asyncio
import http
from collections.abc import AsyncIterator, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum

__all__ = [
    "HEAD_LIMIT",
    "PIECE",
    "Framing",
    "Head",
    "body_pieces",
    "encode_response",
    "frame",
    "read_head",
    "request_framing",
    "response_framing",
    "wants_close",
]

#: The longest request/status line plus headers read.
HEAD_LIMIT = 1 << 20
#: The most body bytes read at once.
PIECE = 1 << 16


class Framing(StrEnum):
    """How a message body is delimited."""

    NONE = "none"
    LENGTH = "length"  # Content-Length
    CHUNKED = "chunked"  # Transfer-Encoding: chunked
    UNTIL_CLOSE = "close"  # a response read until the connection closes


@dataclass
class Head:
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


async def read_head(reader: asyncio.StreamReader) -> Head | None:
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
    return Head(lines[0], headers)


def request_framing(head: Head) -> tuple[Framing, int]:
    """How the body of the request ``head`` is delimited, and its length if given."""
    if "chunked" in head.tokens("Transfer-Encoding"):
        return Framing.CHUNKED, 0
    length = head.get("Content-Length")
    if length is not None and int(length) > 0:
        return Framing.LENGTH, int(length)
    return Framing.NONE, 0


def response_framing(method: str, status: int, head: Head) -> tuple[Framing, int]:
    """How the body of the response ``head`` to ``method`` is delimited, and its length."""
    if method == "HEAD" or status < 200 or status in (204, 304):
        return Framing.NONE, 0
    if "chunked" in head.tokens("Transfer-Encoding"):
        return Framing.CHUNKED, 0
    length = head.get("Content-Length")
    if length is not None:
        return (Framing.LENGTH, int(length)) if int(length) > 0 else (Framing.NONE, 0)
    return Framing.UNTIL_CLOSE, 0


async def body_pieces(
    reader: asyncio.StreamReader, framing: Framing, length: int
) -> AsyncIterator[bytes]:
    """The payload of a message body piece by piece as it arrives (chunk framing removed)."""
    if framing == Framing.LENGTH:
        while length > 0:
            piece = await reader.read(min(length, PIECE))
            if not piece:
                raise asyncio.IncompleteReadError(b"", length)
            length -= len(piece)
            yield piece
    elif framing == Framing.CHUNKED:
        while True:
            size = int((await reader.readuntil(b"\r\n")).split(b";")[0].strip(), 16)
            if size == 0:
                while (await reader.readuntil(b"\r\n")) != b"\r\n":
                    pass  # trailer fields: none in Kubernetes, dropped
                return
            while size > 0:
                piece = await reader.read(min(size, PIECE))
                if not piece:
                    raise asyncio.IncompleteReadError(b"", size)
                size -= len(piece)
                yield piece
            if await reader.readexactly(2) != b"\r\n":
                raise ValueError("chunk not followed by CRLF")
    elif framing == Framing.UNTIL_CLOSE:
        while piece := await reader.read(PIECE):
            yield piece


def frame(framing: Framing, piece: bytes) -> bytes:
    """``piece`` of a body as sent in ``framing`` (a chunk, or as is)."""
    if framing == Framing.CHUNKED:
        return b"%x\r\n%s\r\n" % (len(piece), piece) if piece else b""
    return piece


def wants_close(head: Head) -> bool:
    """Whether the connection ends after this message (HTTP/1.0 unless keep-alive)."""
    tokens = head.tokens("Connection")
    if head.start.rstrip().endswith("HTTP/1.0"):
        return "keep-alive" not in tokens
    return "close" in tokens


def encode_response(status: int, headers: Mapping[str, str], body: bytes) -> bytes:
    """A whole HTTP/1.1 response with ``body`` (its Content-Length set)."""
    try:
        phrase = http.HTTPStatus(status).phrase
    except ValueError:
        phrase = "Injected"
    fields = {**headers, "Content-Length": str(len(body))}
    return Head(f"HTTP/1.1 {status} {phrase}", list(fields.items())).encode() + body
