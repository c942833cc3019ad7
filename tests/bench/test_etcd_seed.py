"""The large seed, written straight into etcd: objects as kube-apiserver stores them, which
the API then serves like any other."""

from __future__ import annotations

import io
import json
from datetime import date

import pytest
from kubernetes_asyncio.client import ApiClient

from bench.cluster import RawApi
from bench.etcd_seed import etcd_key, managed_fields, seed_through_etcd, stored_object
from bench.seed import SeedPlan, workspace_manifest, workspace_status
from lscsde_sdk.clients import AnalyticsWorkspaceBindingClient, AnalyticsWorkspaceClient
from lscsde_sdk.envtest import ADMIN, ControlPlane
from lscsde_sdk.models import AnalyticsWorkspace


def test_an_object_is_stored_with_the_metadata_the_server_adds_and_no_version() -> None:
    manifest = {**workspace_manifest(3, date(2026, 1, 1)), **workspace_status(3)}
    stored = stored_object(manifest, "ns", uid="u-1", created="2026-01-01T00:00:00Z")
    assert stored.endswith(b"}\n")
    document = json.loads(stored)
    assert list(document) == sorted(document)  # keys in order, as Go writes maps
    metadata = document["metadata"]
    assert (metadata["namespace"], metadata["uid"], metadata["generation"]) == ("ns", "u-1", 1)
    assert "resourceVersion" not in metadata
    workspace = AnalyticsWorkspace.from_api(document)
    assert workspace.name == "ws-00003" and workspace.status is not None
    assert etcd_key("analyticsworkspaces", "ns", "ws-00003") == (
        "/registry/xlscsde.nhs.uk/analyticsworkspaces/ns/ws-00003"
    )


def test_managed_fields_are_those_the_server_records_for_a_create_and_a_status_update() -> None:
    # What kube-apiserver v1.37 stored for this workspace, created then given a status.
    manifest = {
        "apiVersion": "xlscsde.nhs.uk/v1",
        "metadata": {"name": "w", "labels": {"xlscsde.nhs.uk/workspace": "w"}},
        "spec": {
            "description": "A workspace for client tests",
            "displayName": "Workspace w",
            "jupyterWorkspace": {"image": "lscsde/datascience-notebook-default:0.1.0"},
            "validity": {"availableFrom": "2026-01-01", "expires": "2027-01-01"},
        },
        "status": {"statusText": "Ready"},
    }
    create, status = managed_fields(manifest, "2026-12-03T13:09:03Z")
    assert create["fieldsV1"] == {
        "f:metadata": {"f:labels": {".": {}, "f:xlscsde.nhs.uk/workspace": {}}},
        "f:spec": {
            ".": {},
            "f:description": {},
            "f:displayName": {},
            "f:jupyterWorkspace": {".": {}, "f:image": {}},
            "f:validity": {".": {}, "f:availableFrom": {}, "f:expires": {}},
        },
    }
    assert status["fieldsV1"] == {"f:status": {".": {}, "f:statusText": {}}}
    assert (create["operation"], status["subresource"]) == ("Update", "status")


@pytest.mark.integration
async def test_objects_written_to_etcd_are_served_by_the_api(
    control_plane: ControlPlane, admin_api: ApiClient, namespace: str
) -> None:
    if control_plane.etcd_url is None:
        pytest.skip("an external cluster's etcd is out of reach")
    plan = SeedPlan(workspaces=120, bindings=300, heavy_bindings=100)
    token = control_plane.identities[ADMIN].token
    assert token is not None and control_plane.ca_file is not None
    async with RawApi(control_plane.server_url, control_plane.ca_file, token) as raw:
        data = await seed_through_etcd(
            control_plane.etcd_url, raw, namespace, plan, stream=io.StringIO()
        )
    workspaces = await AnalyticsWorkspaceClient(admin_api).list(namespace)
    bindings = await AnalyticsWorkspaceBindingClient(admin_api).list(namespace)
    assert (len(workspaces), len(bindings)) == (120, plan.objects - 120)
    assert all(w.status is not None and w.metadata.resource_version for w in workspaces)
    assert data.namespace == namespace and data.sample_workspace == "ws-00060"
