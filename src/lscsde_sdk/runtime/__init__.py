"""Reads kept current: watches that resume, and informers that keep a kind in memory.

Built on the client's one-shot watch (:meth:`CustomResourceClient.watch
<lscsde_sdk.core.watching.Watching.watch>`: one request, events until the server
ends it), and apart from the client:

* :mod:`~lscsde_sdk.runtime.watcher`: :class:`Watcher`, list then watch, resumed from the
  last version after every end, failure and stall, and relisted after 410 Gone;
* :mod:`~lscsde_sdk.runtime.relist`: the one comparison of two complete lists;
* :mod:`~lscsde_sdk.runtime.compact`: objects kept as their JSON text;
* :mod:`~lscsde_sdk.runtime.store`: :class:`Store`, by key and field index;
* :mod:`~lscsde_sdk.runtime.informer`: :class:`Informer`, a store kept current in the
  background, with handlers;
* :mod:`~lscsde_sdk.runtime.factory`: :class:`InformerFactory`, informers shared per kind,
  namespace and selector;
* :mod:`~lscsde_sdk.runtime.health`: what a watcher or an informer is going through.

Nothing here changes the garbage collector or anything else process-wide.
"""

from __future__ import annotations

from ..core.watch_decoder import EventType, WatchEvent
from .factory import InformerFactory
from .health import InformerHealth, WatchStats
from .informer import Informer, InformerError
from .keys import object_key
from .store import Store
from .watcher import Watcher

__all__ = [
    "EventType",
    "Informer",
    "InformerError",
    "InformerFactory",
    "InformerHealth",
    "Store",
    "WatchEvent",
    "WatchStats",
    "Watcher",
    "object_key",
]
