"""Reading one open watch answer: its events, until the server ends it.

What a watch stream may end with, as a consumer of :class:`WatchStream` sees it:

* the server's end of the watch (its ``timeoutSeconds``): iteration stops;
* an ``ERROR`` event: its typed error (:class:`~lscsde_sdk.errors.GoneError` for 410);
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

from ..errors import ApiConnectionError
from ..resource import CustomResource
from .transport import describe_failure
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
    ) -> None:
        self.path = path
        self.silence = silence
        self._response = response
        self._decoder = decoder
        self._count_bytes = count_bytes

    def __aiter__(self) -> AsyncIterator[WatchEvent[ResourceT]]:
        return self._events()

    async def _events(self) -> AsyncIterator[WatchEvent[ResourceT]]:
        chunks = self._response.content.iter_any()
        while True:
            try:
                chunk = await anext(chunks, b"")
            except TimeoutError as error:  # aiohttp's read timeout: the stream went silent
                raise ApiConnectionError(
                    "WATCH",
                    self.path,
                    f"no event or bookmark for {self.silence:g}s: the stream stalled",
                    sent=True,
                    timed_out=True,
                ) from error
            except (aiohttp.ClientError, OSError) as error:
                raise ApiConnectionError(
                    "WATCH", self.path, f"stream broke off: {describe_failure(error)}", sent=True
                ) from error
            if not chunk:
                self._decoder.end()
                return  # the server ended the watch
            self._count_bytes(len(chunk))
            for item in self._decoder.feed(chunk):
                if isinstance(item, WatchStatus):
                    raise item.error(self.path)
                yield item
