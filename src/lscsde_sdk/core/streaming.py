"""Reading a streamed answer (a watch, a long list) chunk by chunk, its failures typed."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable

import aiohttp

from ..errors import ApiConnectionError
from .transport import describe_failure

__all__ = ["chunks_of"]


async def chunks_of(
    response: aiohttp.ClientResponse,
    *,
    method: str,
    path: str,
    silence: float,
    count_bytes: Callable[[int], None],
) -> AsyncIterator[bytes]:
    """The body of ``response`` as it arrives, until the server ends it. A broken
    connection, or ``silence`` seconds without a byte, is an
    :class:`~lscsde_sdk.errors.ApiConnectionError`; ``count_bytes`` is told each chunk's size."""
    chunks = response.content.iter_any()
    while True:
        try:
            chunk = await anext(chunks, b"")
        except TimeoutError as error:  # aiohttp's read timeout
            raise ApiConnectionError(
                method,
                path,
                f"nothing received for {silence:g}s: the stream stalled",
                sent=True,
                timed_out=True,
            ) from error
        except (aiohttp.ClientError, OSError) as error:
            raise ApiConnectionError(
                method, path, f"stream broke off: {describe_failure(error)}", sent=True
            ) from error
        if not chunk:
            return
        count_bytes(len(chunk))
        yield chunk
