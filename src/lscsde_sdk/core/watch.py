"""Watching a kind: typed change events that survive dropped connections and expired versions.

A :class:`Watcher` lists (unless told where to start) and then watches, and keeps going:

* a watch the server ends (its ``timeoutSeconds``) is resumed at once from the last
  resourceVersion seen (from an event or a bookmark, which it asks for);
* a dropped connection, a read timeout or a retryable server error is resumed from that
  version after a backoff (0.8 s doubling to 30 s, with jitter);
* when that version is too old (410 Gone, as an HTTP status or an ERROR event) it lists again
  and reports the difference: objects added or changed meanwhile, and objects deleted meanwhile
  as ``DELETED`` with ``final_state_unknown``.

A consumer of :meth:`Watcher.events` therefore sees every object version at most once and
misses none. 401, 403 and 404 end the watch with the typed error. Objects are validated
straight from the stream's bytes.
"""

from __future__ import annotations

import asyncio
import json
import logging
import random
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING, Annotated, Any, Generic, Literal, TypeVar

import aiohttp
from pydantic import BaseModel, ConfigDict, Field, TypeAdapter

from ..errors import (
    ApiConnectionError,
    ApiError,
    ForbiddenError,
    GoneError,
    LscsdeError,
    NotFoundError,
    RetriesExhaustedError,
    UnauthorizedError,
    api_error_from_response,
)
from ..resource import CustomResource
from .retry import NO_RETRY, RetryPolicy, Timeouts
from .transport import Request, describe_failure

if TYPE_CHECKING:
    from .client import CustomResourceClient

__all__ = ["EventType", "Relisted", "WatchEvent", "Watcher", "object_key", "tombstone"]

ResourceT = TypeVar("ResourceT", bound=CustomResource)

_log = logging.getLogger(__name__)

#: How the watcher waits after a failure (its ``attempts`` do not apply: it never gives up).
WATCH_BACKOFF = RetryPolicy(initial_delay=0.8, multiplier=2.0, max_delay=30.0, jitter=1.0)
# The server ends each watch after a random time in this range (as client-go does), so that
# many watchers do not reconnect at once.
_SERVER_TIMEOUT = (240, 295)
_FATAL = (UnauthorizedError, ForbiddenError, NotFoundError)


class EventType(StrEnum):
    ADDED = "ADDED"
    MODIFIED = "MODIFIED"
    DELETED = "DELETED"
    BOOKMARK = "BOOKMARK"


@dataclass(frozen=True)
class WatchEvent(Generic[ResourceT]):
    """One change. ``object`` is the object after it (for ``DELETED``, its last state; for
    ``BOOKMARK``, ``None``). ``final_state_unknown``: a ``DELETED`` found by listing again,
    whose object is the last state seen (or only its name) rather than its final one."""

    type: EventType
    object: ResourceT | None
    resource_version: str | None
    final_state_unknown: bool = False


@dataclass(frozen=True)
class Relisted(Generic[ResourceT]):
    """A complete list of the watched objects as of ``resource_version`` (the first list, and
    each list after the watch's version expired)."""

    items: list[ResourceT]
    resource_version: str | None


def object_key(resource: CustomResource) -> str:
    """``namespace/name`` (``name`` for cluster-scoped objects)."""
    metadata = resource.metadata
    return f"{metadata.namespace}/{metadata.name}" if metadata.namespace else str(metadata.name)


# -- the wire format of watch events -----------------------------------------------------------


class _BookmarkMeta(BaseModel):
    model_config = ConfigDict(validate_by_alias=True)
    resource_version: Annotated[str | None, Field(alias="resourceVersion")] = None


class _BookmarkObject(BaseModel):
    metadata: _BookmarkMeta = Field(default_factory=_BookmarkMeta)


class _BookmarkLine(BaseModel):
    type: Literal["BOOKMARK"]
    object: _BookmarkObject


class _ErrorLine(BaseModel):
    type: Literal["ERROR"]
    object: dict[str, Any]


class _ObjectLine(BaseModel, Generic[ResourceT]):
    type: Literal["ADDED", "MODIFIED", "DELETED"]
    object: ResourceT


_ADAPTERS: dict[type[CustomResource], TypeAdapter[Any]] = {}


def _line_adapter(kind: type[CustomResource]) -> TypeAdapter[Any]:
    adapter = _ADAPTERS.get(kind)
    if adapter is None:
        line = Annotated[
            _ObjectLine[kind] | _BookmarkLine | _ErrorLine,  # type: ignore[valid-type]
            Field(discriminator="type"),
        ]
        adapter = _ADAPTERS[kind] = TypeAdapter(line)
    return adapter


# -- the watcher ---------------------------------------------------------------------------------


@dataclass
class WatchStats:
    """What a watcher has been through, for health reporting."""

    relists: int = 0
    expired: int = 0
    reconnects: int = 0
    events: int = 0
    last_error: LscsdeError | None = None
    failures: int = field(default=0, repr=False)


class Watcher(Generic[ResourceT]):
    """List-then-watch of one kind, in one namespace (``None``: all) and selection.

    ``resource_version``: start watching after that version instead of listing first (the
    first events are then changes after it). ``timeout``: stop after that many seconds (by
    default it runs until the consumer stops iterating). ``server_timeout``: the range the
    ``timeoutSeconds`` of each watch request is drawn from.
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
        server_timeout: tuple[int, int] = _SERVER_TIMEOUT,
        backoff: RetryPolicy = WATCH_BACKOFF,
        page_size: int = 500,
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
        self.stats = WatchStats()
        self._adapter = _line_adapter(client.resource_type)

    async def events(self) -> AsyncIterator[WatchEvent[ResourceT]]:
        """The changes as :class:`WatchEvent` s; each list (the first one, and one after the
        version expired) is reported as the differences from what was seen before."""
        seen: dict[str, str | None] = {}  # object key -> resourceVersion last reported
        async for change in self.changes():
            if isinstance(change, Relisted):
                for event in _differences(change, seen, self.client.resource_type):
                    yield event
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

    async def changes(self) -> AsyncIterator[WatchEvent[ResourceT] | Relisted[ResourceT]]:
        """The low-level stream: :class:`Relisted` for each complete list, then events as the
        server sends them (see :class:`lscsde_sdk.core.informer.Informer`)."""
        loop = asyncio.get_running_loop()
        deadline = None if self.timeout is None else loop.time() + self.timeout
        version = self.resource_version
        must_list = version is None
        while deadline is None or loop.time() < deadline:
            try:
                if must_list:
                    relisted = await self._list()
                    self.stats.relists += 1
                    version, must_list = relisted.resource_version, False
                    self._succeeded()
                    yield relisted
                async for event in self._watch_once(version, deadline):
                    version = event.resource_version or version
                    self._succeeded()
                    yield event
            except GoneError:
                self.stats.expired += 1
                _log.info("%s watch: version %s expired; listing again", self._what, version)
                must_list = True
            except _FATAL:
                raise
            except (ApiConnectionError, ApiError, RetriesExhaustedError) as error:
                if isinstance(error, ApiError) and not error.retryable:
                    raise
                await self._wait_after(error, deadline)

    async def _list(self) -> Relisted[ResourceT]:
        items: list[ResourceT] = []
        version: str | None = None
        async for page in self.client.pages(
            self.namespace,
            label_selector=self.label_selector,
            field_selector=self.field_selector,
            page_size=self.page_size,
        ):
            # Every page of one list is read at the first page's version.
            version = version or page.resource_version
            items.extend(page.items)
        return Relisted(items, version)

    async def _watch_once(
        self, version: str | None, deadline: float | None
    ) -> AsyncIterator[WatchEvent[ResourceT]]:
        loop = asyncio.get_running_loop()
        seconds = random.randint(*self.server_timeout)
        if deadline is not None:
            seconds = max(1, min(seconds, int(deadline - loop.time()) + 1))
        query = [
            ("watch", "true"),
            ("allowWatchBookmarks", "true"),
            ("timeoutSeconds", str(seconds)),
        ]
        if version:
            query.append(("resourceVersion", version))
        if self.label_selector:
            query.append(("labelSelector", self.label_selector))
        if self.field_selector:
            query.append(("fieldSelector", self.field_selector))
        transport = self.client.transport
        base = self.client.timeouts or transport.timeouts
        request = Request(
            "GET",
            self.client.info.collection_path(self.namespace),
            query=query,
            stream=True,
            # A silent stream is dead once the server's own end of it has passed.
            timeouts=Timeouts(connect=base.connect, total=base.total, read=seconds + 30.0),
            retry=NO_RETRY,  # this loop does the retrying, from the right version
        )
        async with transport.open(request) as response:
            buffer = b""
            chunks = response.content.iter_any()
            while True:
                try:
                    chunk = await anext(chunks, b"")
                except (aiohttp.ClientError, TimeoutError, OSError) as error:
                    raise ApiConnectionError(
                        "WATCH",
                        request.path,
                        f"stream broke off: {describe_failure(error)}",
                        sent=True,
                    ) from error
                if not chunk:
                    return  # the server ended the watch (its timeoutSeconds)
                transport.count_bytes(len(chunk))
                buffer += chunk
                *lines, buffer = buffer.split(b"\n")
                for line in lines:
                    if line.strip():
                        yield self._event(line)
                if deadline is not None and loop.time() >= deadline:
                    return

    def _event(self, line: bytes) -> WatchEvent[ResourceT]:
        parsed = self._adapter.validate_json(line)
        self.stats.events += 1
        if isinstance(parsed, _ErrorLine):
            status = parsed.object
            code = int(status.get("code") or 500)
            raise api_error_from_response(
                code,
                _json(status),
                method="WATCH",
                path=self.client.info.collection_path(self.namespace),
            )
        if isinstance(parsed, _BookmarkLine):
            return WatchEvent(EventType.BOOKMARK, None, parsed.object.metadata.resource_version)
        obj = parsed.object
        return WatchEvent(EventType(parsed.type), obj, obj.metadata.resource_version)

    async def _wait_after(self, error: LscsdeError, deadline: float | None) -> None:
        self.stats.failures += 1
        self.stats.reconnects += 1
        self.stats.last_error = error
        delay = self.backoff.backoff(min(self.stats.failures, 16))
        _log.warning("%s watch interrupted (%s); resuming in %.1fs", self._what, error, delay)
        if deadline is not None:
            delay = min(delay, max(0.0, deadline - asyncio.get_running_loop().time()))
        await asyncio.sleep(delay)

    def _succeeded(self) -> None:
        self.stats.failures = 0
        self.stats.last_error = None

    @property
    def _what(self) -> str:
        where = self.namespace or "all namespaces"
        return f"{self.client.info.kind} in {where}"


def _json(value: Any) -> bytes:
    return json.dumps(value).encode()


def _differences(
    relisted: Relisted[ResourceT], seen: dict[str, str | None], kind: type[CustomResource]
) -> list[WatchEvent[ResourceT]]:
    """What changed between the versions ``seen`` and a complete list; updates ``seen``.
    An object deleted meanwhile is reported with only its name (``final_state_unknown``)."""
    events: list[WatchEvent[ResourceT]] = []
    current: dict[str, ResourceT] = {object_key(item): item for item in relisted.items}
    for key in [key for key in seen if key not in current]:
        del seen[key]
        events.append(
            WatchEvent(EventType.DELETED, tombstone(kind, key), relisted.resource_version, True)
        )
    for key, item in current.items():
        version = item.metadata.resource_version
        if key not in seen:
            events.append(WatchEvent(EventType.ADDED, item, version))
        elif seen[key] != version:
            events.append(WatchEvent(EventType.MODIFIED, item, version))
        else:
            continue
        seen[key] = version
    return events


def tombstone(kind: type[CustomResource], key: str) -> Any:
    """An object of ``kind`` that has only the name (and namespace) of ``key``."""
    namespace, _, name = key.rpartition("/")
    metadata = {"name": name, "namespace": namespace} if namespace else {"name": name}
    return kind.from_api({"metadata": metadata})
