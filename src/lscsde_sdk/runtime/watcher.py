"""Watching a kind without end: one-shot watches resumed across everything that ends them.

A :class:`Watcher` lists (unless told where to start), then watches with the client's
one-shot :meth:`~lscsde_sdk.core.watching.Watching.open_watch`, and keeps going:

* a watch the server ends (its ``timeoutSeconds``, drawn from 240-295 s so that many
  watchers do not reconnect at once) is resumed at once from the last resourceVersion seen
  (of an event, or of a bookmark, which it asks for);
* a dropped connection, a stream silent for longer than the read timeout (75 s by default:
  the server sends a bookmark every minute, so the stream has stalled), a malformed line or
  list, or a retryable server error is resumed from that version (or listed again) after a
  backoff (0.8 s doubling to 30 s, with jitter); so is a watch the server ends within a
  second with nothing sent;
* when that version is too old (410 Gone, as an HTTP status or an ERROR event) it lists
  again, and the list's consumer is told what changed meanwhile (see
  :mod:`lscsde_sdk.runtime.relist`).

:meth:`Watcher.events` therefore reports every object's latest state, each version at most
once: what changed while the watch was away is reported as it is now, intermediate
versions are not. 401, 403 and 404 end the watch with the typed error. :attr:`Watcher.stats`
says, at any moment, whether a stream is open, the last failure, and when the server last
spoke (:mod:`lscsde_sdk.runtime.health`).
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import TYPE_CHECKING, Any, Generic, Protocol, TypeVar

from ..core.retry import RetryPolicy
from ..core.watch_decoder import EventType, MalformedWatchEventError, WatchEvent
from ..errors import (
    ApiConnectionError,
    ApiError,
    ForbiddenError,
    GoneError,
    NotFoundError,
    RetriesExhaustedError,
    UnauthorizedError,
)
from ..resource import CustomResource
from .compact import MalformedListError
from .health import WatchStats
from .keys import object_key
from .relist import Relisted, relist_changes, tombstone

if TYPE_CHECKING:
    from ..core.client import CustomResourceClient

__all__ = ["SERVER_TIMEOUT", "WATCH_BACKOFF", "Listing", "Watcher"]

ResourceT = TypeVar("ResourceT", bound=CustomResource)
ListingT = TypeVar("ListingT", bound="Listing")

_log = logging.getLogger(__name__)

#: How the watcher waits after a failure (its ``attempts`` do not apply: it never gives up).
WATCH_BACKOFF = RetryPolicy(initial_delay=0.8, multiplier=2.0, max_delay=30.0, jitter=1.0)
#: The range each watch request's ``timeoutSeconds`` is drawn from (as client-go does).
SERVER_TIMEOUT = (240, 295)
_FATAL = (UnauthorizedError, ForbiddenError, NotFoundError)
_RESUMABLE = (
    ApiConnectionError,
    ApiError,
    RetriesExhaustedError,
    MalformedWatchEventError,
    MalformedListError,
)
# A watch the server ends sooner than this having sent nothing is retried after a backoff,
# not at once, so that a server (or proxy) that ends every watch is not hammered.
_SHORTEST_WATCH = 1.0


class Listing(Protocol):
    """A complete list, in whatever form its consumer keeps it."""

    @property
    def resource_version(self) -> str | None: ...


class Watcher(Generic[ResourceT]):
    """List-then-watch of one kind, in one namespace (``None``: all) and selection.

    ``resource_version``: start watching after that version instead of listing first (the
    first events are then changes after it). ``timeout``: stop after that many seconds (by
    default it runs until the consumer stops iterating). ``server_timeout``: the range the
    ``timeoutSeconds`` of each watch request is drawn from. ``stats``: where to keep the
    counters (an informer passes its own, so that they outlive one watcher).
    """

    def __init__(
        self,
        client: CustomResourceClient[ResourceT, Any],
        namespace: str | None,
        *,
        label_selector: str | None = None,
        field_selector: str | None = None,
        resource_version: str | None = None,
        timeout: float | None = None,
        server_timeout: tuple[int, int] = SERVER_TIMEOUT,
        backoff: RetryPolicy = WATCH_BACKOFF,
        page_size: int = 500,
        stats: WatchStats | None = None,
    ) -> None:
        self.client = client
        self.namespace = namespace
        self.label_selector = label_selector
        self.field_selector = field_selector
        self.resource_version = resource_version
        self.timeout = timeout
        self.server_timeout = server_timeout
        self.backoff = backoff
        self.page_size = page_size
        self.stats = stats if stats is not None else WatchStats()

    async def events(self) -> AsyncIterator[WatchEvent[ResourceT]]:
        """The changes as :class:`~lscsde_sdk.core.watch_decoder.WatchEvent` s. Each list (the
        first one, and one after the version expired) is reported as its differences from
        what was reported before; an object that vanished meanwhile comes as ``DELETED``
        with only its name and ``final_state_unknown``."""
        kind = self.client.resource_type
        seen: dict[str, str | None] = {}  # object key -> resourceVersion last reported
        async for change in self.changes(self.list_models):
            if isinstance(change, Relisted):
                current = {object_key(item): item for item in change.items}
                versions = {key: item.metadata.resource_version for key, item in current.items()}
                for type_, key in relist_changes(seen, versions):
                    if type_ is EventType.DELETED:
                        yield WatchEvent(type_, tombstone(kind, key), change.resource_version, True)
                    else:
                        yield WatchEvent(type_, current[key], versions[key])
                seen = versions
                continue
            obj = change.object
            if obj is not None:
                key = object_key(obj)
                if change.type is EventType.DELETED:
                    seen.pop(key, None)
                elif seen.get(key) == change.resource_version:
                    continue  # this version was already reported
                else:
                    seen[key] = change.resource_version
            yield change

    async def list_models(self) -> Relisted[ResourceT]:
        """Every matching object, as models, from one paged list (whole, as the watch's
        events carry them: ``metadata.managedFields`` included)."""
        items: list[ResourceT] = []
        version: str | None = None
        async for page in self.client.pages(
            self.namespace,
            label_selector=self.label_selector,
            field_selector=self.field_selector,
            page_size=self.page_size,
            keep_managed_fields=True,
        ):
            # Every page of one list is read at the first page's version.
            version = version or page.resource_version
            items.extend(page.items)
        return Relisted(items, version)

    async def changes(
        self, relist: Callable[[], Awaitable[ListingT]]
    ) -> AsyncIterator[ListingT | WatchEvent[ResourceT]]:
        """The low-level stream: what ``relist()`` returns for each complete list (the first,
        unless a version to start from was given, and one after each expiry), then events
        as the server sends them, bookmarks included."""
        loop = asyncio.get_running_loop()
        deadline = None if self.timeout is None else loop.time() + self.timeout
        stats = self.stats
        version = self.resource_version
        must_list = version is None
        while deadline is None or loop.time() < deadline:
            try:
                if must_list:
                    listing = await relist()
                    version, must_list = listing.resource_version, False
                    stats.listed(version)
                    yield listing
                started, heard = loop.time(), False
                async with self.client.open_watch(
                    self.namespace,
                    label_selector=self.label_selector,
                    field_selector=self.field_selector,
                    resource_version=version,
                    timeout_seconds=self._server_timeout(deadline),
                ) as stream:
                    stats.connected()
                    try:
                        async for event in stream:
                            heard = True
                            version = event.resource_version or version
                            stats.received(version)
                            yield event
                            if deadline is not None and loop.time() >= deadline:
                                return
                    finally:
                        stats.disconnected()
                stats.ended()
                if not heard and loop.time() - started < _SHORTEST_WATCH:
                    await self._sleep(self.backoff.backoff(stats.failures + 1), deadline)
            except GoneError:
                stats.expired += 1
                _log.info("%s watch: version %s expired; listing again", self._what, version)
                must_list = True
            except _FATAL:
                raise
            except _RESUMABLE as error:
                if isinstance(error, ApiError) and not error.retryable:
                    raise
                stats.failed(error)
                delay = self.backoff.backoff(min(stats.failures, 16))
                _log.warning(
                    "%s watch interrupted (%s); resuming in %.1fs", self._what, error, delay
                )
                await self._sleep(delay, deadline)

    def _server_timeout(self, deadline: float | None) -> int:
        seconds = random.randint(*self.server_timeout)
        if deadline is not None:
            remaining = deadline - asyncio.get_running_loop().time()
            seconds = max(1, min(seconds, int(remaining) + 1))
        return seconds

    @staticmethod
    async def _sleep(delay: float, deadline: float | None) -> None:
        if deadline is not None:
            delay = min(delay, max(0.0, deadline - asyncio.get_running_loop().time()))
        await asyncio.sleep(delay)

    @property
    def _what(self) -> str:
        return f"{self.client.info.kind} in {self.namespace or 'all namespaces'}"
