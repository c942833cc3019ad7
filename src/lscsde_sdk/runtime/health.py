"""How a watcher (and the informer around it) is doing, updated as things happen.

:class:`WatchStats` is written by the :class:`~lscsde_sdk.runtime.watcher.Watcher` at each
step (a list, a connection, an event or bookmark, a failure), so a reader sees the state of
the moment, not the state at the last change. :class:`InformerHealth` is a snapshot of it
for health checks.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from ..errors import LscsdeError

__all__ = ["InformerHealth", "WatchStats"]


@dataclass
class WatchStats:
    """A watcher's counters and state.

    ``relists``: complete lists made; ``expired``: watches whose version was too old (410);
    ``reconnects``: failures after which the watch is being (or was) resumed, counted when
    they happen; ``events``: events and bookmarks received; ``watching``: a watch stream is
    open now; ``last_error``: the failure of the last attempt to list or watch, kept until
    the next list or watch succeeds; ``resource_version``: where a resumed watch starts;
    ``last_heard``: when (``time.monotonic()``) the server last said the watcher is up to
    date: a list, an event, a bookmark, or the end of a watch it was asked to end.
    """

    relists: int = 0
    expired: int = 0
    reconnects: int = 0
    events: int = 0
    watching: bool = False
    last_error: LscsdeError | None = None
    resource_version: str | None = None
    last_heard: float | None = None
    #: Failures since the last event, bookmark or list: how long to back off.
    failures: int = field(default=0, repr=False)

    def listed(self, resource_version: str | None) -> None:
        self.relists += 1
        self.resource_version = resource_version
        self.last_error = None
        self._heard()

    def connected(self) -> None:
        self.watching = True
        self.last_error = None

    def received(self, resource_version: str | None) -> None:
        self.events += 1
        self.resource_version = resource_version or self.resource_version
        self._heard()

    def disconnected(self) -> None:
        self.watching = False

    def ended(self) -> None:
        """The server ended a watch as asked (its ``timeoutSeconds``): nothing was missed."""
        self.watching = False
        self._heard()

    def failed(self, error: LscsdeError) -> None:
        self.watching = False
        self.failures += 1
        self.reconnects += 1
        self.last_error = error

    def seconds_since_heard(self) -> float | None:
        """Seconds since :attr:`last_heard` (``None``: nothing yet)."""
        return None if self.last_heard is None else time.monotonic() - self.last_heard

    def _heard(self) -> None:
        self.failures = 0
        self.last_heard = time.monotonic()


@dataclass(frozen=True)
class InformerHealth:
    """An informer's state at one moment.

    ``running``: its background work is alive; ``synced``: its store holds a complete list
    (it stays true across relists); ``watching``: a watch stream is open now; ``degraded``:
    the last attempt to list or watch failed and none has succeeded since (``last_error``
    says why), or access was lost: the store keeps its last state but may be going stale;
    ``seconds_since_heard``: since the server last said the store is up to date (a list, an
    event, a bookmark, or the end of a watch it was asked to end; ``None``: nothing yet).
    The server sends an idle watch a bookmark every minute and a watch silent for 75 s is
    resumed, so while all is well this stays under about 75 s.
    """

    running: bool
    synced: bool
    watching: bool
    degraded: bool
    seconds_since_heard: float | None
    objects: int
    resource_version: str | None
    relists: int
    expired: int
    reconnects: int
    last_error: str | None

    @property
    def ready(self) -> bool:
        """Running, synced and not degraded: what a readiness check asks."""
        return self.running and self.synced and not self.degraded
