"""Async clients: one per kind over one generic base.

The per-kind clients exported here are the generated ones extended by hand: they record
events for their changes (given an :class:`~lscsde_sdk.events.EventRecorder`), keep the
binding index labels right, and add the lookups ``list_by_username`` and ``list_by_workspace``.
The plain generated clients stay available in :mod:`lscsde_sdk._generated.clients`.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from .base import (
    DEFAULT_FIELD_MANAGER,
    CustomResourceClient,
    PatchType,
    ResourceChange,
    ResourcePage,
)
from .recording import DELETING_STATUS, RecordingClient
from .transport import RequestCounter, Transport

if TYPE_CHECKING:
    from .crates import AnalyticsCrateClient
    from .datasources import (
        AnalyticsDataSourceBindingClient,
        AnalyticsDataSourceClient,
        BoundDataSource,
    )
    from .workspaces import (
        AnalyticsWorkspaceBindingClient,
        AnalyticsWorkspaceClient,
        with_effective_expiry,
    )

# The extended clients subclass the generated ones, and the generated module imports
# ``lscsde_sdk.clients.base`` (and so this package): importing them here eagerly would be
# circular when ``lscsde_sdk._generated.clients`` is imported first. They load on first use.
_LAZY = {
    "AnalyticsCrateClient": ".crates",
    "AnalyticsDataSourceBindingClient": ".datasources",
    "AnalyticsDataSourceClient": ".datasources",
    "BoundDataSource": ".datasources",
    "AnalyticsWorkspaceBindingClient": ".workspaces",
    "AnalyticsWorkspaceClient": ".workspaces",
    "with_effective_expiry": ".workspaces",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(module, __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))


__all__ = [
    "DEFAULT_FIELD_MANAGER",
    "DELETING_STATUS",
    "AnalyticsCrateClient",
    "AnalyticsDataSourceBindingClient",
    "AnalyticsDataSourceClient",
    "AnalyticsWorkspaceBindingClient",
    "AnalyticsWorkspaceClient",
    "BoundDataSource",
    "CustomResourceClient",
    "PatchType",
    "RecordingClient",
    "RequestCounter",
    "ResourceChange",
    "ResourcePage",
    "Transport",
    "with_effective_expiry",
]
