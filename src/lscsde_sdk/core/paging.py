"""Every page of a list, the next one requested while the current one is parsed.

The API server prepares and sends a page while this process validates the previous one, so
a long list costs little more than the server's time to send it. Used by
:meth:`lscsde_sdk.core.client.CustomResourceClient.pages` and by the compat layer's lists,
which parse the same bytes into other models.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import TypeVar

from .transport import Request

__all__ = ["prefetching_pages"]

PageT = TypeVar("PageT")

_LIST_METADATA = b',"metadata":'
# Loop turns a prefetch needs to send its request on a kept-alive connection (measured: with
# one turn the request usually went out only after the parse; with a handful, before).
_TURNS_TO_SEND = 10


async def prefetching_pages(
    send: Callable[[Request], Awaitable[bytes]],
    request: Callable[[str | None], Request],
    parse: Callable[[bytes], PageT],
    continue_token: Callable[[PageT], str | None],
) -> AsyncIterator[PageT]:
    """Each page ``parse`` makes of the answers to ``request(token)``, from the first
    (``token`` ``None``) until a page's ``continue_token`` is empty.

    The next page's request is sent before the current page is parsed, with the token read
    from the end of the raw answer (the server writes a list's metadata last); when the
    parsed page says otherwise, that request is cancelled and the right one sent.
    """
    body = await send(request(None))
    prefetch: asyncio.Task[bytes] | None = None
    try:
        while True:
            guess = _continue_token_of(body)
            prefetch = asyncio.create_task(_sent(send, request(guess))) if guess else None
            if prefetch is not None:
                # Parsing blocks the loop: first let the prefetch get its request onto the
                # wire (a few loop turns: take a pooled connection, write the request).
                for _ in range(_TURNS_TO_SEND):
                    await asyncio.sleep(0)
            page = parse(body)
            token = continue_token(page)
            if token != guess:  # the peek was wrong (or found nothing): ask for the right page
                if prefetch is not None:
                    prefetch.cancel()
                prefetch = asyncio.create_task(_sent(send, request(token))) if token else None
            yield page
            if prefetch is None:
                return
            body = await prefetch
            prefetch = None
    finally:
        if prefetch is not None:
            prefetch.cancel()


async def _sent(send: Callable[[Request], Awaitable[bytes]], request: Request) -> bytes:
    return await send(request)


def _continue_token_of(body: bytes) -> str | None:
    """A cheap look at a list's continue token without parsing its items: the API server
    writes the list's ``metadata`` last. ``None`` when it cannot be read that way (the
    caller then waits for the parsed page, which is authoritative)."""
    start = body.rfind(_LIST_METADATA, max(0, len(body) - 4096))
    if start < 0:
        return None
    tail = body[start + len(_LIST_METADATA) :].rstrip()
    try:
        metadata = json.loads(tail[:-1]) if tail.endswith(b"}") else None
    except ValueError:
        return None
    token = metadata.get("continue") if isinstance(metadata, dict) else None
    return token if isinstance(token, str) and token else None
