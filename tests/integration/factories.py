"""Minimal valid objects of each kind, for tests that exercise the generic client."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from lscsde_sdk.clients import (
    AnalyticsCrateClient,
    AnalyticsDataSourceBindingClient,
    AnalyticsDataSourceClient,
    AnalyticsWorkspaceBindingClient,
    AnalyticsWorkspaceClient,
    CustomResourceClient,
)


def workspace(namespace: str, name: str) -> dict[str, Any]:
    return {
        "apiVersion": "xlscsde.nhs.uk/v1",
        "kind": "AnalyticsWorkspace",
        "metadata": {"name": name, "namespace": namespace},
        "spec": {
            "displayName": f"Workspace {name}",
            "description": "A workspace for client tests",
            "validity": {"availableFrom": "2026-01-01", "expires": "2027-01-01"},
            "jupyterWorkspace": {"image": "lscsde/datascience-notebook-default:0.1.0"},
        },
    }


def workspace_binding(namespace: str, name: str) -> dict[str, Any]:
    return {
        "apiVersion": "xlscsde.nhs.uk/v1",
        "kind": "AnalyticsWorkspaceBinding",
        "metadata": {"name": name, "namespace": namespace},
        "spec": {
            "workspace": "some-workspace",
            "username": "alice@example.org",
            "expires": "2027-01-01",
        },
    }


def data_source(namespace: str, name: str) -> dict[str, Any]:
    return {
        "apiVersion": "xlscsde.nhs.uk/v1",
        "kind": "AnalyticsDataSource",
        "metadata": {"name": name, "namespace": namespace},
        "spec": {
            "type": "Uploaded",
            "displayName": f"Data source {name}",
            "connections": [
                {"type": "odbc", "name": "main", "connectionString": {"value": "Driver=x"}}
            ],
        },
    }


def data_source_binding(namespace: str, name: str) -> dict[str, Any]:
    return {
        "apiVersion": "xlscsde.nhs.uk/v1",
        "kind": "AnalyticsDataSourceBinding",
        "metadata": {"name": name, "namespace": namespace},
        "spec": {"workspace": "some-workspace", "datasource": "some-datasource"},
    }


def crate(namespace: str, name: str) -> dict[str, Any]:
    return {
        "apiVersion": "xlscsde.nhs.uk/v1",
        "kind": "AnalyticsCrate",
        "metadata": {"name": name, "namespace": namespace},
        "spec": {"displayName": f"Crate {name}", "repo": {"url": "https://git.example.org/crate"}},
    }


@dataclass(frozen=True)
class KindCase:
    """One kind: its client class, a factory, and a spec field that is safe to change."""

    client_type: type[CustomResourceClient[Any, Any]]
    make: Callable[[str, str], dict[str, Any]]
    mutable_field: str  # camelCase name of a string field under spec
    status_field: str  # camelCase name of a string field under status

    @property
    def id(self) -> str:
        return self.client_type.resource_type.__resource__.kind


KIND_CASES = [
    KindCase(AnalyticsWorkspaceClient, workspace, "description", "statusText"),
    KindCase(AnalyticsWorkspaceBindingClient, workspace_binding, "comments", "statusText"),
    KindCase(AnalyticsDataSourceClient, data_source, "description", "statusText"),
    KindCase(AnalyticsDataSourceBindingClient, data_source_binding, "comments", "statusText"),
    KindCase(AnalyticsCrateClient, crate, "description", "commitId"),
]


async def create_as_another_tool(
    client: CustomResourceClient[Any, Any], manifest: dict[str, Any]
) -> dict[str, Any]:
    """Create ``manifest`` with a plain POST, as kubectl or an older tool would: no index
    labels are added. Returns the object as the server stored it."""
    from lscsde_sdk.core.transport import Request

    body = {"apiVersion": client.info.api_version, "kind": client.info.kind, **manifest}
    path = client.info.collection_path(manifest["metadata"]["namespace"])
    created: dict[str, Any] = await client.transport.send_json(Request("POST", path, body=body))
    return created


def username_label_of_0_1_14(username: str) -> str:
    """The ``xlscsde.nhs.uk/username`` label lscsde-workspace-mgmt 0.1.14 gave a binding of
    ``username`` (its rule: casefolded, each run of characters other than 0-9, a-z and "."
    replaced by "___"; data-source bindings it labelled with the raw ``spec.workspace``)."""
    return re.sub("[^0-9a-z.]+", "___", username.casefold())
