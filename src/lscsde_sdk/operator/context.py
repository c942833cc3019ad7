"""What a typed handler gets besides its object: the operator's connection, its kind's
client, a typed and changeable status, events, and kopf's per-object logger.

The status is written only when it changed, and only the status: a handler's changes go into
kopf's own patch of the object (one request, which kopf makes after the handler anyway), or,
from a daemon or mid-handler, through the client with :meth:`Context.write_status` (one merge
patch of the ``status`` subresource holding just what changed).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping, MutableMapping
from typing import Any, Generic, TypeVar, cast

import kopf

from ..connection import Cluster
from ..core.client import CustomResourceClient, PatchType, merge_difference
from ..events import EventRecorder, EventType
from ..model_base import ResourceModel
from ..recording import Recording
from ..resource import CustomResource

__all__ = ["Context", "DaemonContext", "Logger", "Wakeups"]

ResourceT = TypeVar("ResourceT", bound=CustomResource)
StatusT = TypeVar("StatusT", bound=ResourceModel)

#: kopf's per-object logger (its messages carry the object's namespace and name).
Logger = logging.Logger | logging.LoggerAdapter[Any]


class Wakeups:
    """The sleeping daemons of each object (by uid), so that a handler can wake them."""

    def __init__(self) -> None:
        self._events: dict[str, set[asyncio.Event]] = {}

    def add(self, uid: str) -> asyncio.Event:
        event = asyncio.Event()
        self._events.setdefault(uid, set()).add(event)
        return event

    def discard(self, uid: str, event: asyncio.Event) -> None:
        events = self._events.get(uid)
        if events is not None:
            events.discard(event)
            if not events:
                del self._events[uid]

    def wake(self, uid: str) -> int:
        """Wake the daemons of ``uid``; how many there were."""
        events = self._events.get(uid, set())
        for event in events:
            event.set()
        return len(events)


class Context(Generic[ResourceT, StatusT]):
    """The context of one run of a typed handler for one object.

    ``status`` is a copy of the object's status (a new, empty one when it has none), typed
    with the kind's generated status model: change its fields, and what changed is written
    when the handler returns. Changes to the object itself (its spec) are never written.
    """

    def __init__(
        self,
        resource: ResourceT,
        *,
        cluster: Cluster,
        client: CustomResourceClient[ResourceT, StatusT],
        recorder: EventRecorder,
        logger: Logger,
        wakeups: Wakeups,
    ) -> None:
        self.cluster = cluster
        self.client = client
        self.recorder = recorder
        #: The client's object writes, each recording its event with the recorder.
        self.writes = Recording(client, recorder)
        self.logger = logger
        self._wakeups = wakeups
        self._resource = resource
        self.status: StatusT = self._status_of(resource)
        self._written = self.status.to_api()

    @property
    def resource(self) -> ResourceT:
        """The object as the handler was given it."""
        return self._resource

    async def record(
        self, reason: str, note: str, *, type: EventType = "Normal", action: str | None = None
    ) -> dict[str, Any] | None:
        """Record an event about the object (see :meth:`EventRecorder.record`: a failure is
        logged, never raised)."""
        return await self.recorder.record(self._resource, reason, note, type=type, action=action)

    def wake_daemons(self) -> int:
        """End the :meth:`DaemonContext.sleep` of this object's typed daemons now (for
        example after its spec changed); how many were sleeping or running."""
        return self._wakeups.wake(self._resource.metadata.uid or "")

    def status_changes(self) -> dict[str, Any]:
        """The merge patch of ``status`` since it was read or last written (empty: none)."""
        return merge_difference(self._written, self.status.to_api())

    async def write_status(self) -> ResourceT | None:
        """Write what changed in ``status`` now, in one request; the object as written, or
        ``None`` when nothing changed (and nothing was sent)."""
        changes = self.status_changes()
        if not changes:
            return None
        namespace, name = self._resource.namespace or "", self._resource.name
        written = await self.client.patch_status(
            namespace, name, {"status": changes}, patch_type=PatchType.MERGE
        )
        self._written = self.status.to_api()
        return written

    def _flush_into(self, patch: MutableMapping[str, Any]) -> None:
        """Put what changed in ``status`` into kopf's patch of the object."""
        changes = self.status_changes()
        if changes:
            status = patch.setdefault("status", {})
            status.update(changes)
            self._written = self.status.to_api()

    def _status_of(self, resource: ResourceT) -> StatusT:
        current = getattr(resource, "status", None)
        if isinstance(current, ResourceModel):
            return cast("StatusT", current.model_copy(deep=True))
        return cast("StatusT", self.client.status_type())


class DaemonContext(Context[ResourceT, StatusT]):
    """The context of a typed daemon: :class:`Context`, plus the object as it is now
    (:meth:`refresh`), and waiting that ends when the daemon is asked to stop (:meth:`sleep`).

    kopf applies its patch only when a daemon returns, so a daemon writes its status with
    :meth:`~Context.write_status`.
    """

    def __init__(
        self,
        resource: ResourceT,
        *,
        cluster: Cluster,
        client: CustomResourceClient[ResourceT, StatusT],
        recorder: EventRecorder,
        logger: Logger,
        wakeups: Wakeups,
        wake: asyncio.Event,
        body: Mapping[str, Any],
        stopped: kopf.DaemonStopped,
    ) -> None:
        super().__init__(
            resource,
            cluster=cluster,
            client=client,
            recorder=recorder,
            logger=logger,
            wakeups=wakeups,
        )
        self.stopped = stopped
        self._wake = wake
        self._body = body
        #: Whether this daemon has written its object's status: kopf's copy (:meth:`refresh`)
        #: may then lag that write, so a decision to write again reads the object first
        #: (:meth:`reread`).
        self.has_written = False

    async def write_status(self) -> ResourceT | None:
        written = await super().write_status()
        if written is not None:
            self._resource, self.has_written = written, True
        return written

    def refresh(self) -> ResourceT:
        """The object as kopf saw it last (kopf keeps the daemon's body current as changes
        arrive; no request), with ``status`` reset to its status. It may lag the daemon's
        own writes (see :attr:`has_written`)."""
        return self._reset(type(self._resource).from_api(dict(self._body)))

    async def reread(self) -> ResourceT:
        """The object as the server has it now (one GET), with ``status`` reset to its
        status."""
        resource = self._resource
        return self._reset(await self.client.get(resource.namespace or "", resource.name))

    def _reset(self, resource: ResourceT) -> ResourceT:
        self._resource = resource
        self.status = self._status_of(resource)
        self._written = self.status.to_api()
        return resource

    async def sleep(self, seconds: float) -> bool:
        """Wait ``seconds``, or less when the daemon is asked to stop or is woken
        (:meth:`~Context.wake_daemons`); whether it was asked to stop."""
        if not self._wake.is_set():
            waits = {
                asyncio.ensure_future(self.stopped.wait(max(0.0, seconds))),
                asyncio.ensure_future(self._wake.wait()),
            }
            try:
                await asyncio.wait(waits, return_when=asyncio.FIRST_COMPLETED)
            finally:
                for wait in waits:
                    wait.cancel()
        self._wake.clear()
        return bool(self.stopped)
