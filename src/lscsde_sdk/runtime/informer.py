"""Informers: the objects of a kind kept current in memory by a list and a watch.

An :class:`Informer` runs a :class:`~lscsde_sdk.runtime.watcher.Watcher` in the background
and keeps a :class:`~lscsde_sdk.runtime.store.Store` (compact, indexed, validated when read).
Reading the store makes no request.

* A complete list (the first, and one after the watch's version expired) is one request,
  split into the objects' JSON texts as it arrives, without building models (see
  :mod:`lscsde_sdk.runtime.compact`), and replaces the store's contents in one step. One
  request rather than pages: kube-apiserver answers a whole list from its watch cache, but
  reads the pages after the first from etcd when the cache holds no snapshot at the list's
  version (before Kubernetes 1.34 always; from 1.34 after an etcd compaction, until the kind
  is written again; see :mod:`lscsde_sdk.core.paging`), and 200 pages of 500 of 100,000
  bindings took it three to four times as long as one list of them all.
* Handlers (:meth:`Informer.add_handler`) are told about every change after the store has
  it, including objects deleted while the watch was away (``final_state_unknown``, with
  the last state the store had).
* :meth:`Informer.health` tells, at any moment, whether the watch is up, the last failure
  and how long ago the server was last heard from (see :mod:`lscsde_sdk.runtime.health`).
"""

from __future__ import annotations

import asyncio
import inspect
import logging
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from pydantic import ValidationError

from ..core.redaction import Redaction
from ..core.streaming import chunks_of
from ..core.transport import Request
from ..core.watch_decoder import EventType, WatchEvent
from ..errors import ForbiddenError, LscsdeError, NotFoundError, UnauthorizedError
from ..indexing.fields import FieldIndex
from ..resource import CustomResource
from .compact import CompactList
from .health import InformerHealth, WatchStats
from .keys import object_key, split_key
from .relist import relist_changes, tombstone
from .store import DEFAULT_CACHE_SIZE, Store, StoreContents
from .watcher import SERVER_TIMEOUT, WATCH_BACKOFF, Watcher

if TYPE_CHECKING:
    from types import TracebackType

    from ..core.client import CustomResourceClient

__all__ = ["Informer", "InformerError"]

ResourceT = TypeVar("ResourceT", bound=CustomResource)
Handler = Callable[[WatchEvent[ResourceT], ResourceT | None], Awaitable[None] | None]

_log = logging.getLogger(__name__)
_FATAL = (UnauthorizedError, ForbiddenError, NotFoundError)


class InformerError(LscsdeError):
    """An informer could not fill its store (for example: RBAC does not allow listing)."""


class Informer(Generic[ResourceT]):
    """One kind's objects in one namespace (``None``: all), kept current in a :attr:`store`.

    ``keep_managed_fields`` and ``cache_size`` configure the store; ``server_timeout`` is
    the range of each watch's ``timeoutSeconds``. Use as ``async with`` (it returns once
    synced) or :meth:`start` / :meth:`wait_synced` / :meth:`stop`.
    """

    def __init__(
        self,
        client: CustomResourceClient[ResourceT, Any],
        namespace: str | None,
        *,
        label_selector: str | None = None,
        field_selector: str | None = None,
        keep_managed_fields: bool = False,
        cache_size: int = DEFAULT_CACHE_SIZE,
        server_timeout: tuple[int, int] = SERVER_TIMEOUT,
    ) -> None:
        self.client = client
        self.namespace = namespace
        self.label_selector = label_selector
        self.field_selector = field_selector
        self.server_timeout = server_timeout
        # A name index would repeat what the store is keyed by.
        self.store: Store[ResourceT] = Store(
            client.resource_type,  # type: ignore[arg-type]
            [index for index in _field_indexes(client) if not index.of_names],
            keep_managed_fields=keep_managed_fields,
            cache_size=cache_size,
        )
        self._handlers: list[Handler[ResourceT]] = []
        self._synced = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._stats = WatchStats()  # shared by every watcher this informer runs
        self._lost: Exception | None = None  # why access was lost after the first sync

    # -- lifecycle ------------------------------------------------------------------------------

    def start(self) -> None:
        """Start listing and watching in the background (no-op when running)."""
        if self._task is None or self._task.done():
            self._task = asyncio.create_task(self._run(), name=f"informer {self._what}")

    @property
    def running(self) -> bool:
        return self._task is not None and not self._task.done()

    @property
    def synced(self) -> bool:
        """Whether the store holds a complete list (it stays true across relists)."""
        return self._synced.is_set()

    async def wait_synced(self, timeout: float | None = None) -> None:  # noqa: ASYNC109
        """Return once the store holds a complete list; :class:`InformerError` when the
        informer failed before that (for example RBAC refused the list), ``TimeoutError``
        after ``timeout`` seconds."""
        if self._task is None:
            raise InformerError(f"informer {self._what} is not started")
        waiter = asyncio.ensure_future(self._synced.wait())
        try:
            done, _ = await asyncio.wait(
                {waiter, self._task}, timeout=timeout, return_when=asyncio.FIRST_COMPLETED
            )
        finally:
            waiter.cancel()
        if self._synced.is_set():
            return
        if self._task in done:
            error = self._task.exception() if not self._task.cancelled() else None
            raise InformerError(
                f"informer {self._what} stopped before it synced: {error}"
            ) from error
        raise TimeoutError(f"informer {self._what} not synced after {timeout}s")

    async def stop(self) -> None:
        """Stop the background work and wait for it to end."""
        task, self._task = self._task, None
        if task is not None and not task.done():
            task.cancel()
            try:
                await task
            except asyncio.CancelledError:
                pass
            except Exception:  # already reported by _run
                pass

    async def __aenter__(self) -> Informer[ResourceT]:
        self.start()
        await self.wait_synced()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.stop()

    def add_handler(self, handler: Handler[ResourceT]) -> None:
        """Call ``handler(event, previous object)`` after each change reaches the store
        (for ``ADDED`` the previous object is ``None``). A handler may be a coroutine
        function; it runs in the informer's task, so it should be quick. Its exceptions are
        logged and do not stop the informer."""
        self._handlers.append(handler)

    def health(self) -> InformerHealth:
        """The informer's state now (see :class:`~lscsde_sdk.runtime.health.InformerHealth`)."""
        stats = self._stats
        error = stats.last_error or self._lost
        return InformerHealth(
            running=self.running,
            synced=self.synced,
            watching=stats.watching,
            degraded=error is not None,
            seconds_since_heard=stats.seconds_since_heard(),
            objects=len(self.store),
            resource_version=stats.resource_version,
            relists=stats.relists,
            expired=stats.expired,
            reconnects=stats.reconnects,
            last_error=str(error) if error is not None else None,
        )

    # -- the background work ------------------------------------------------------------------

    async def _run(self) -> None:
        failures = 0
        while True:
            watcher = Watcher(
                self.client,
                self.namespace,
                label_selector=self.label_selector,
                field_selector=self.field_selector,
                server_timeout=self.server_timeout,
                stats=self._stats,
            )
            try:
                async for change in watcher.changes(self._list):
                    failures = 0
                    self._lost = None
                    await self._apply(change)
            except (*_FATAL, ValueError) as error:  # ValueError: an object the models refuse
                self._lost = error
                if not self.synced:
                    _log.error("informer %s cannot start: %s", self._what, error)
                    raise
                # Access was lost after it worked (RBAC changed, the CRD went away): keep
                # serving the last state, report it, and keep trying.
                failures += 1
                delay = WATCH_BACKOFF.backoff(min(failures, 16))
                _log.warning(
                    "informer %s degraded (%s); trying again in %.1fs", self._what, error, delay
                )
                await asyncio.sleep(delay)

    async def _list(self) -> CompactList:
        client = self.client
        query = [
            (name, value)
            for name, value in (
                ("labelSelector", self.label_selector),
                ("fieldSelector", self.field_selector),
            )
            if value
        ]
        path = client.info.collection_path(self.namespace)
        # Streamed: only silence is bounded, not the time a long list takes to arrive.
        request = Request(
            "GET",
            path,
            query=query,
            stream=True,
            retry=client.retry,
            timeouts=client.timeouts,
            redaction=Redaction(client.secret_paths) if client.secret_paths else None,
        )
        transport = client.transport
        splitter = self.store.splitter()
        async with transport.open(request) as response:
            async for chunk in chunks_of(
                response,
                method="GET",
                path=path,
                silence=(client.timeouts or transport.timeouts).read,
                count_bytes=transport.count_bytes,
            ):
                splitter.feed(chunk)
        return splitter.finish()

    async def _apply(self, change: CompactList | WatchEvent[ResourceT]) -> None:
        if isinstance(change, CompactList):
            replaced = self.store.replace(change)
            self._synced.set()
            if self._handlers:
                await self._announce_relist(replaced, change.resource_version)
            return
        obj = change.object
        if change.type is EventType.BOOKMARK or obj is None:
            return
        key = object_key(obj)
        store = self.store
        if change.type is not EventType.DELETED and key in store.contents.versions:
            if store.resource_version(key) == obj.metadata.resource_version:
                return  # a version the store already has
        previous = self._previous(store.contents, key) if self._handlers else None
        if change.type is EventType.DELETED:
            store.remove(key)
        else:
            store.upsert(obj)
        if self._handlers:
            await self._dispatch(change, previous)

    async def _announce_relist(self, previous: StoreContents, version: str | None) -> None:
        current = self.store.contents
        for type_, key in relist_changes(previous.versions, current.versions):
            before = self._previous(previous, key) if type_ is not EventType.ADDED else None
            if type_ is EventType.DELETED:
                gone = before if before is not None else tombstone(self.client.resource_type, key)
                await self._dispatch(WatchEvent(type_, gone, version, True), before)
                continue
            item = self.store.get(*split_key(key))
            if item is not None:
                event = WatchEvent(type_, item, item.metadata.resource_version)
                await self._dispatch(event, before)

    def _previous(self, contents: StoreContents, key: str) -> ResourceT | None:
        """The object ``key`` as ``contents`` hold it, for a handler (``None`` if absent, or
        if the models refuse it: that was reported when it was read)."""
        text = contents.texts.get(key)
        if text is None:
            return None
        try:
            return self.store.decode(text)
        except ValidationError as error:
            _log.warning("informer %s: %s cannot be read: %s", self._what, key, error)
            return None

    async def _dispatch(self, event: WatchEvent[ResourceT], previous: ResourceT | None) -> None:
        for handler in self._handlers:
            try:
                result = handler(event, previous)
                if inspect.isawaitable(result):
                    await result
            except Exception:
                _log.exception("informer %s: a handler failed on %s", self._what, event.type)

    @property
    def _what(self) -> str:
        return f"{self.client.info.kind} in {self.namespace or 'all namespaces'}"


def _field_indexes(client: CustomResourceClient[Any, Any]) -> tuple[FieldIndex, ...]:
    """The field indexes of ``client``'s kind: an indexed client's (see
    :mod:`lscsde_sdk.indexing.client`), none for a kind that has none. Read as an attribute,
    so that the runtime does not load the clients."""
    indexes: tuple[FieldIndex, ...] = getattr(client, "field_indexes", ())
    return indexes
