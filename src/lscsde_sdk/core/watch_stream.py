"""Reading one open watch answer: its events, until the server ends it.

What a watch stream may end with, as a consumer of :class:`WatchStream` sees it:

* the server's end of the watch (its ``timeoutSeconds``): iteration stops;
* an ``ERROR`` event: its typed error (:class:`~lscsde_sdk.errors.GoneError` for 410),
  with ``redaction`` applied;
* a broken connection, or ``silence`` seconds with neither an event nor a bookmark (the API
  server sends a watch that asks for bookmarks one every minute, so a longer silence means
  the connection stalled): :class:`~lscsde_sdk.errors.ApiConnectionError`;
* a line that is not a watch event:
  :class:`~lscsde_sdk.core.watch_decoder.MalformedWatchEventError`.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from typing import Generic, TypeVar

import aiohttp

from ..resource import CustomResource
from .redaction import Redaction
from .streaming import chunks_of
from .watch_decoder import WatchDecoder, WatchEvent, WatchStatus

__all__ = ["WatchStream"]

ResourceT = TypeVar("ResourceT", bound=CustomResource)


class WatchStream(Generic[ResourceT]):
    """The events of one open watch answer (iterate once)."""

    def __init__(
        self,
        response: aiohttp.ClientResponse,
        decoder: WatchDecoder[ResourceT],
        *,
        path: str,
        silence: float,
        count_bytes: Callable[[int], None],
        redaction: Redaction | None = None,
    ) -> None:
        self.path = path
        self.silence = silence
        self.redaction = redaction
        self._response = response
        self._decoder = decoder
        self._count_bytes = count_bytes

    def __aiter__(self) -> AsyncIterator[WatchEvent[ResourceT]]:
        return self._events()

    async def _events(self) -> AsyncIterator[WatchEvent[ResourceT]]:
        chunks = chunks_of(
            self._response,
            method="WATCH",
            path=self.path,
            silence=self.silence,
            count_bytes=self._count_bytes,
        )
        async for chunk in chunks:
            for item in self._decoder.feed(chunk):
                if isinstance(item, WatchStatus):
                    raise item.error(self.path, self.redaction)
                yield item
        self._decoder.end()  # the server ended the watch
