"""Informers: the objects of a kind kept current in memory by a list and a watch.

An :class:`Informer` runs a :class:`~lscsde_sdk.core.watch.Watcher` in the background and
keeps a :class:`Store`: every object by ``namespace/name``, plus the kind's field indexes
(:mod:`lscsde_sdk.core.indexes`), keyed by the field values themselves, so lookups are exact
whatever the objects' labels say. Reading the store makes no request.

* A complete list (the first, and one after the watch's version expired) replaces the
  store's contents in one step: readers see the old state or the new one, never a mix.
* Handlers (:meth:`Informer.add_handler`) are told about every change after the store has
  it, including objects deleted while the watch was away (``final_state_unknown``).
* Objects in the store are shared with every reader: read them, do not change them (copy
  with ``model_copy(deep=True)`` first). ``managedFields`` are dropped by default to save
  memory (``transform``).

:class:`InformerFactory` shares informers: one per kind, namespace and selector for all its
users. Nothing starts until an informer is first asked for, and ``stop()`` (or leaving
``async with``) stops them all.
"""

from __future__ import annotations

import asyncio
import builtins
import inspect
import logging
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from ..errors import ForbiddenError, LscsdeError, NotFoundError, UnauthorizedError
from ..resource import CustomResource
from .indexes import FieldIndex
from .transport import Transport
from .watch import WATCH_BACKOFF, EventType, Relisted, Watcher, WatchEvent, object_key

if TYPE_CHECKING:
    # Only for annotations: importing kubernetes_asyncio.client costs half a second.
    from types import TracebackType

    from kubernetes_asyncio.client import ApiClient

    from .client import CustomResourceClient

__all__ = [
    "Informer",
    "InformerError",
    "InformerFactory",
    "Store",
    "strip_managed_fields",
]

ResourceT = TypeVar("ResourceT", bound=CustomResource)
Handler = Callable[[WatchEvent[ResourceT], ResourceT | None], Awaitable[None] | None]

_log = logging.getLogger(__name__)
_FATAL = (UnauthorizedError, ForbiddenError, NotFoundError)


class InformerError(LscsdeError):
    """An informer could not fill its store (for example: RBAC does not allow listing)."""


def strip_managed_fields(resource: ResourceT) -> ResourceT:
    """Drop ``metadata.managedFields`` (server-side apply bookkeeping, often as large as the
    rest of the object) from an object kept in memory. Changes it in place and returns it."""
    metadata = resource.metadata
    if metadata.managed_fields is not None:
        metadata.__dict__["managed_fields"] = None
        metadata.__pydantic_fields_set__.discard("managed_fields")
    return resource


class Store(Generic[ResourceT]):
    """Objects by ``namespace/name``, and by the values of the given field indexes."""

    def __init__(self, indexes: Sequence[FieldIndex] = ()) -> None:
        self.field_indexes = {index.name: index for index in indexes}
        self._objects: dict[str, ResourceT] = {}
        # index name -> indexed key -> object key -> object
        self._indexed: dict[str, dict[str, dict[str, ResourceT]]] = {
            name: {} for name in self.field_indexes
        }

    def __len__(self) -> int:
        return len(self._objects)

    def get(self, namespace: str | None, name: str) -> ResourceT | None:
        """The object ``name`` in ``namespace``, or ``None``."""
        return self._objects.get(f"{namespace}/{name}" if namespace else name)

    def list(self, namespace: str | None = None) -> list[ResourceT]:
        """Every object (in ``namespace``), sorted by namespace and name."""
        items = [
            item
            for item in self._objects.values()
            if namespace is None or item.metadata.namespace == namespace
        ]
        return sorted(items, key=object_key)

    def by_index(
        self, index: str, value: str, namespace: str | None = None
    ) -> builtins.list[ResourceT]:
        """The objects whose field index ``index`` has ``value`` (compared as the index
        compares), sorted by name."""
        found = self.field_indexes.get(index)
        if found is None:
            known = ", ".join(self.field_indexes) or "none"
            raise LscsdeError(f"the store has no index {index!r} (known: {known})")
        matches = self._indexed[index].get(found.key(value), {})
        return sorted(
            (
                item
                for item in matches.values()
                if namespace is None or item.metadata.namespace == namespace
            ),
            key=object_key,
        )

    def replace(self, items: Iterable[ResourceT]) -> dict[str, ResourceT]:
        """Make ``items`` the whole content, in one step; returns the previous content."""
        objects = {object_key(item): item for item in items}
        indexed: dict[str, dict[str, dict[str, ResourceT]]] = {name: {} for name in self._indexed}
        for key, item in objects.items():
            self._index(indexed, key, item)
        previous = self._objects
        # Two assignments with no await in between: readers see one state or the other.
        self._objects, self._indexed = objects, indexed
        return previous

    def upsert(self, item: ResourceT) -> ResourceT | None:
        """Add or replace ``item``; returns the object it replaced."""
        key = object_key(item)
        previous = self._objects.get(key)
        if previous is not None:
            self._unindex(key, previous)
        self._objects[key] = item
        self._index(self._indexed, key, item)
        return previous

    def remove(self, item: ResourceT) -> ResourceT | None:
        """Remove the object with ``item``'s key; returns it (``None`` if it was not there)."""
        key = object_key(item)
        previous = self._objects.pop(key, None)
        if previous is not None:
            self._unindex(key, previous)
        return previous

    def _index(
        self, indexed: dict[str, dict[str, dict[str, ResourceT]]], key: str, item: ResourceT
    ) -> None:
        for name, index in self.field_indexes.items():
            value = index.key_of(item)
            if value is not None:
                indexed[name].setdefault(value, {})[key] = item

    def _unindex(self, key: str, item: ResourceT) -> None:
        for name, index in self.field_indexes.items():
            value = index.key_of(item)
            bucket = self._indexed[name].get(value) if value is not None else None
            if bucket is not None:
                bucket.pop(key, None)
                if not bucket:
                    del self._indexed[name][value]  # type: ignore[arg-type]


@dataclass(frozen=True)
class InformerHealth:
    """How an informer is doing."""

    synced: bool
    degraded: bool
    objects: int
    resource_version: str | None
    relists: int
    expired: int
    reconnects: int
    last_error: str | None


class Informer(Generic[ResourceT]):
    """One kind's objects in one namespace (``None``: all), kept current in a :attr:`store`.

    ``transform`` is applied to each object before it is stored (default:
    :func:`strip_managed_fields`; ``None`` keeps objects as read). Use as ``async with`` (it
    returns once synced) or :meth:`start` / :meth:`wait_synced` / :meth:`stop`.
    """

    def __init__(
        self,
        client: CustomResourceClient[ResourceT, Any],
        namespace: str | None,
        *,
        label_selector: str | None = None,
        field_selector: str | None = None,
        transform: Callable[[ResourceT], ResourceT] | None = strip_managed_fields,
        server_timeout: tuple[int, int] | None = None,
    ) -> None:
        self.client = client
        self.namespace = namespace
        self.label_selector = label_selector
        self.field_selector = field_selector
        self.transform = transform
        # A name index would repeat what the store is keyed by.
        self.store: Store[ResourceT] = Store(
            [index for index in client.field_indexes if not index.of_names]
        )
        self._server_timeout = server_timeout
        self._handlers: list[Handler[ResourceT]] = []
        self._synced = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._watcher: Watcher[ResourceT] | None = None
        self._resource_version: str | None = None
        self._degraded = False
        self._last_error: LscsdeError | None = None
        self._relists = self._expired = self._reconnects = 0

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
        """Counters and state for health checks."""
        return InformerHealth(
            synced=self.synced,
            degraded=self._degraded,
            objects=len(self.store),
            resource_version=self._resource_version,
            relists=self._relists,
            expired=self._expired,
            reconnects=self._reconnects,
            last_error=str(self._last_error) if self._last_error else None,
        )

    # -- the background work ------------------------------------------------------------------

    async def _run(self) -> None:
        failures = 0
        while True:
            options = (
                {} if self._server_timeout is None else {"server_timeout": self._server_timeout}
            )
            watcher = Watcher(
                self.client,
                self.namespace,
                label_selector=self.label_selector,
                field_selector=self.field_selector,
                **options,  # type: ignore[arg-type]
            )
            self._watcher = watcher
            try:
                async for change in watcher.changes():
                    failures = 0
                    self._degraded = False
                    self._take_stats(watcher)
                    await self._apply(change)
            except (*_FATAL, ValueError) as error:  # ValueError: an object the models refuse
                self._take_stats(watcher)
                self._last_error = error if isinstance(error, LscsdeError) else None
                if not self.synced:
                    _log.error("informer %s cannot start: %s", self._what, error)
                    raise
                # Access was lost after it worked (RBAC changed, the CRD went away): keep
                # serving the last state, report it, and keep trying.
                self._degraded = True
                failures += 1
                delay = WATCH_BACKOFF.backoff(min(failures, 16))
                _log.warning(
                    "informer %s degraded (%s); trying again in %.1fs", self._what, error, delay
                )
                await asyncio.sleep(delay)

    def _take_stats(self, watcher: Watcher[ResourceT]) -> None:
        stats = watcher.stats
        self._relists, self._expired = stats.relists, stats.expired
        self._reconnects = stats.reconnects
        if stats.last_error is not None:
            self._last_error = stats.last_error

    async def _apply(self, change: WatchEvent[ResourceT] | Relisted[ResourceT]) -> None:
        if isinstance(change, Relisted):
            items = [self._transformed(item) for item in change.items]
            previous = self.store.replace(items)
            self._resource_version = change.resource_version
            self._synced.set()
            if self._handlers:
                await self._announce_relist(previous, items, change.resource_version)
            return
        self._resource_version = change.resource_version or self._resource_version
        if change.type is EventType.BOOKMARK or change.object is None:
            return
        obj = self._transformed(change.object)
        if change.type is EventType.DELETED:
            replaced = self.store.remove(obj)
        else:
            replaced = self.store.upsert(obj)
            if replaced is not None and (
                replaced.metadata.resource_version == obj.metadata.resource_version
            ):
                return  # a version the store already has
        await self._dispatch(WatchEvent(change.type, obj, change.resource_version), replaced)

    async def _announce_relist(
        self,
        previous: dict[str, ResourceT],
        items: list[ResourceT],
        version: str | None,
    ) -> None:
        current = {object_key(item): item for item in items}
        for key, gone in previous.items():
            if key not in current:
                await self._dispatch(WatchEvent(EventType.DELETED, gone, version, True), gone)
        for key, item in current.items():
            before = previous.get(key)
            if before is None:
                await self._dispatch(WatchEvent(EventType.ADDED, item, version), None)
            elif before.metadata.resource_version != item.metadata.resource_version:
                await self._dispatch(WatchEvent(EventType.MODIFIED, item, version), before)

    async def _dispatch(self, event: WatchEvent[ResourceT], previous: ResourceT | None) -> None:
        for handler in self._handlers:
            try:
                result = handler(event, previous)
                if inspect.isawaitable(result):
                    await result
            except Exception:
                _log.exception("informer %s: a handler failed on %s", self._what, event.type)

    def _transformed(self, item: ResourceT) -> ResourceT:
        return self.transform(item) if self.transform is not None else item

    @property
    def _what(self) -> str:
        return f"{self.client.info.kind} in {self.namespace or 'all namespaces'}"


class InformerFactory:
    """Shared informers: one per client type, namespace and selector, created on first use.

    ``api`` is what their clients send requests through. Informers start when first asked
    for through :meth:`synced` (or explicitly); :meth:`stop` stops them all.
    """

    def __init__(
        self,
        api: ApiClient | Transport,
        *,
        transform: Callable[[Any], Any] | None = strip_managed_fields,
        sync_timeout: float = 60.0,
    ) -> None:
        self.transport = api if isinstance(api, Transport) else Transport(api)
        self.transform = transform
        self.sync_timeout = sync_timeout
        self._informers: dict[tuple[type[Any], str | None, str | None], Informer[Any]] = {}
        self._starting: dict[tuple[type[Any], str | None, str | None], asyncio.Lock] = {}

    def informer(
        self,
        client_type: type[CustomResourceClient[ResourceT, Any]],
        namespace: str | None,
        *,
        label_selector: str | None = None,
    ) -> Informer[ResourceT]:
        """The informer of ``client_type``'s kind in ``namespace`` (created, not started)."""
        key = (client_type, namespace, label_selector)
        informer = self._informers.get(key)
        if informer is None:
            informer = Informer(
                client_type(self.transport),
                namespace,
                label_selector=label_selector,
                transform=self.transform,
            )
            self._informers[key] = informer
        return informer

    async def synced(
        self,
        client_type: type[CustomResourceClient[ResourceT, Any]],
        namespace: str | None,
        *,
        label_selector: str | None = None,
    ) -> Informer[ResourceT]:
        """:meth:`informer`, started if it is not running, once it is synced. Concurrent
        callers share one start."""
        informer = self.informer(client_type, namespace, label_selector=label_selector)
        if informer.synced and informer.running:
            return informer
        key = (client_type, namespace, label_selector)
        lock = self._starting.setdefault(key, asyncio.Lock())
        async with lock:
            if not informer.running:
                informer.start()
            await informer.wait_synced(self.sync_timeout)
        return informer

    @property
    def informers(self) -> list[Informer[Any]]:
        return list(self._informers.values())

    async def stop(self) -> None:
        """Stop every informer."""
        await asyncio.gather(*(informer.stop() for informer in self._informers.values()))

    async def __aenter__(self) -> InformerFactory:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.stop()
