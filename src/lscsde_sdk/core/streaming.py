"""Reading a streamed answer (a watch, a long list) chunk by chunk, its failures typed.

As for every other request (see :mod:`lscsde_sdk.core.transport`), a failure's
:class:`~lscsde_sdk.errors.ApiConnectionError` copies what aiohttp said instead of chaining
its error, whose ``repr`` shows the request's headers, ``Authorization`` among them."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable

import aiohttp

from .errors import ApiConnectionError
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
        failure: ApiConnectionError | None = None
        try:
            chunk = await anext(chunks, b"")
        except TimeoutError as error:  # aiohttp's read timeout
            failure = _failure(
                response,
                method,
                path,
                f"nothing received for {silence:g}s: the stream stalled",
                error,
                timed_out=True,
            )
        except (aiohttp.ClientError, OSError) as error:
            failure = _failure(
                response, method, path, f"stream broke off: {describe_failure(error)}", error
            )
        if failure is not None:
            raise failure  # outside the except block: aiohttp's error is not its context
        if not chunk:
            return
        count_bytes(len(chunk))
        yield chunk


def _failure(
    response: aiohttp.ClientResponse,
    method: str,
    path: str,
    reason: str,
    error: BaseException,
    *,
    timed_out: bool = False,
) -> ApiConnectionError:
    status = getattr(error, "status", None)
    return ApiConnectionError(
        method,
        path,
        reason,
        sent=True,
        timed_out=timed_out,
        cause=type(error).__name__,
        cause_status=status if isinstance(status, int) else None,
        url=str(response.url),
    )
