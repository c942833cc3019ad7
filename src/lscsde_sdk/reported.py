"""Which versions of objects a problem has already been logged for.

A workspace that cannot be offered (a malformed quantity, say) is met on every page view of
every user bound to it; logging it each time buries the log. :class:`ReportedVersions`
remembers the versions reported (``resourceVersion``: a corrected object is a new version and
is reported again if still wrong), forgetting the least recently reported first beyond a
fixed number, so memory stays bounded however many objects and versions pass through.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from typing import Final

from .resource import CustomResource

__all__ = ["DEFAULT_MAX_VERSIONS", "ReportedVersions"]

#: How many object versions a :class:`ReportedVersions` remembers by default.
DEFAULT_MAX_VERSIONS: Final = 1024


class ReportedVersions:
    """A bounded memory of the object versions already reported (safe across threads)."""

    def __init__(self, max_versions: int = DEFAULT_MAX_VERSIONS) -> None:
        if max_versions < 1:
            raise ValueError(f"max_versions must be at least 1, not {max_versions}")
        self.max_versions = max_versions
        self._seen: OrderedDict[tuple[str, str, str, str], None] = OrderedDict()
        self._lock = threading.Lock()

    def first_report(self, resource: CustomResource) -> bool:
        """Whether this version of ``resource`` (its kind, namespace, name and
        ``resourceVersion``) has not been reported yet; it is remembered from now on. An
        object without a ``resourceVersion`` (not read from a server) has no version to
        remember: it is always reported."""
        metadata = resource.metadata
        if not metadata.resource_version:
            return True
        key = (
            resource.__resource__.kind,
            metadata.namespace or "",
            metadata.name or "",
            metadata.resource_version,
        )
        with self._lock:
            if key in self._seen:
                self._seen.move_to_end(key)
                return False
            self._seen[key] = None
            if len(self._seen) > self.max_versions:
                self._seen.popitem(last=False)
            return True

    def __len__(self) -> int:
        return len(self._seen)
