"""The warning that a namespace holds objects without their index label, given once.

Lookups by a labelled field index read the objects that carry no such label on every call
(see ``IndexedClient.list_by_index``), which is right but costs what those objects
weigh. Administrators are told once per process, kind, namespace and label, not on every
page view. The only state is the set of what was already reported: at most
:data:`REMEMBERED` entries (later ones are not reported), guarded by a lock so that threads
and tasks report each one once.
"""

from __future__ import annotations

import logging
import threading
from typing import Final

__all__ = ["REMEMBERED", "warn_once"]

#: How many (kind, namespace, label) reports the process remembers; beyond that, new ones
#: are not made (a process that sees this many namespaces has its answer already).
REMEMBERED: Final = 1024

_reported: set[tuple[str, str, str]] = set()
_lock = threading.Lock()


def warn_once(log: logging.Logger, kind: str, namespace: str, label: str, count: int) -> bool:
    """Log on ``log`` (WARNING) that ``count`` objects of ``kind`` in ``namespace`` carry no
    ``label``, unless this process said so before; whether it logged."""
    key = (kind, namespace, label)
    with _lock:
        if key in _reported or len(_reported) >= REMEMBERED:
            return False
        _reported.add(key)
    log.warning(
        "%d %s objects in namespace %s carry no %s label: lookups read them on every "
        "call; `lscsde relabel -n %s` labels them and restores the fast path",
        count,
        kind,
        namespace,
        label,
        namespace,
    )
    return True
