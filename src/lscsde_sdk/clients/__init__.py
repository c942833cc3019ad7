"""Async clients: one per kind (generated) over one generic base."""

from __future__ import annotations

from .._generated.clients import (
    AnalyticsCrateClient,
    AnalyticsDataSourceBindingClient,
    AnalyticsDataSourceClient,
    AnalyticsWorkspaceBindingClient,
    AnalyticsWorkspaceClient,
)
from .base import DEFAULT_FIELD_MANAGER, CustomResourceClient, PatchType, ResourcePage
from .transport import RequestCounter, Transport

__all__ = [
    "DEFAULT_FIELD_MANAGER",
    "AnalyticsCrateClient",
    "AnalyticsDataSourceBindingClient",
    "AnalyticsDataSourceClient",
    "AnalyticsWorkspaceBindingClient",
    "AnalyticsWorkspaceClient",
    "CustomResourceClient",
    "PatchType",
    "RequestCounter",
    "ResourcePage",
    "Transport",
]
