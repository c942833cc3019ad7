"""This SDK against a cluster running a newer CRD release (tests/fixtures/next_release): it
reads, changes and writes back objects carrying fields it does not know without losing them,
surfaces the newer release's CEL rules as typed errors, and reports the drift."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio
from kubernetes_asyncio.client import ApiClient, CustomObjectsApi

from lscsde_sdk.clients import AnalyticsWorkspaceClient
from lscsde_sdk.core.transport import Request
from lscsde_sdk.drift import crd_drift
from lscsde_sdk.envtest import ControlPlane
from lscsde_sdk.errors import InvalidError, UnknownFieldError
from lscsde_workspace_mgmt.workspaceclient import AnalyticsWorkspaceClient as CompatWorkspaces
from tests.fixtures.next_release import RETENTION_RULE_MESSAGE, build

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def newer_plane(
    control_plane: ControlPlane, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[ControlPlane]:
    # CRDs are cluster-wide: the newer release gets a cluster of its own.
    if control_plane.external:
        pytest.skip("needs a control plane of its own (not an external cluster)")
    crds = build(tmp_path_factory.mktemp("next-release"))
    with ControlPlane(crd_dir=crds) as plane:
        yield plane


@pytest_asyncio.fixture(loop_scope="session")
async def newer_api(newer_plane: ControlPlane) -> AsyncIterator[ApiClient]:
    api = await newer_plane.api_client()
    try:
        yield api
    finally:
        await api.close()


@pytest_asyncio.fixture(loop_scope="session")
async def newer_namespace(newer_plane: ControlPlane, request: pytest.FixtureRequest) -> str:
    return await newer_plane.create_namespace(request.node.name)


def workspace(namespace: str, name: str, **spec: Any) -> dict[str, Any]:
    return {
        "apiVersion": "xlscsde.nhs.uk/v1",
        "kind": "AnalyticsWorkspace",
        "metadata": {"name": name, "namespace": namespace},
        "spec": {
            "displayName": "Workspace",
            "description": "Made by the newer release",
            "validity": {"availableFrom": "2026-01-01", "expires": "2027-01-01"},
            "jupyterWorkspace": {
                "image": "lscsde/datascience-notebook-default:0.1.0",
                "persistentVolumeClaim": {"name": "home"},
            },
            **spec,
        },
    }


async def create_raw(client: AnalyticsWorkspaceClient, manifest: dict[str, Any]) -> None:
    """What a client of the newer release writes (this SDK would refuse the unknown field)."""
    path = client.info.collection_path(manifest["metadata"]["namespace"])
    await client.transport.send(Request("POST", path, body=manifest))


async def stored(client: AnalyticsWorkspaceClient, namespace: str, name: str) -> dict[str, Any]:
    found: dict[str, Any] = await client.transport.send_json(
        Request("GET", client.info.object_path(namespace, name))
    )
    return found


async def test_a_cel_rule_of_the_schema_is_enforced_by_the_server_as_an_invalid_error(
    newer_api: ApiClient, newer_namespace: str
) -> None:
    client = AnalyticsWorkspaceClient(newer_api)
    with pytest.raises(InvalidError) as refused:
        await create_raw(client, workspace(newer_namespace, "short", retentionDays=0))
    assert RETENTION_RULE_MESSAGE in str(refused.value)
    assert any(RETENTION_RULE_MESSAGE in (cause.message or "") for cause in refused.value.causes)
    await create_raw(client, workspace(newer_namespace, "long", retentionDays=30))


async def test_read_modify_replace_keeps_fields_this_sdk_does_not_know(
    newer_api: ApiClient, newer_namespace: str
) -> None:
    client = AnalyticsWorkspaceClient(newer_api)
    await create_raw(client, workspace(newer_namespace, "w1", retentionDays=30))
    read = await client.get(newer_namespace, "w1")
    assert read.spec is not None and read.spec.model_extra == {"retentionDays": 30}
    read.spec.description = "edited by the older SDK"  # assignment works with extras around
    assert read.spec.jupyter_workspace is not None
    read.spec.jupyter_workspace.default_uri = "/lab"  # and on nested models
    with pytest.raises(UnknownFieldError, match="descripton"):
        read.spec.descripton = "typo"  # type: ignore[attr-defined]
    replaced = await client.replace(read)
    assert replaced.spec is not None and replaced.spec.model_extra == {"retentionDays": 30}
    found = await stored(client, newer_namespace, "w1")
    assert found["spec"]["retentionDays"] == 30
    assert found["spec"]["description"] == "edited by the older SDK"
    assert found["spec"]["jupyterWorkspace"]["defaultUri"] == "/lab"


async def test_applying_what_was_read_works_and_keeps_unknown_fields(
    newer_api: ApiClient, newer_namespace: str
) -> None:
    client = AnalyticsWorkspaceClient(newer_api, field_manager="older-sdk")
    await create_raw(client, workspace(newer_namespace, "w2", retentionDays=7))
    read = await client.get(newer_namespace, "w2")
    assert read.metadata.managed_fields  # what apply must not send back
    assert read.spec is not None
    read.spec.description = "applied"
    applied = await client.apply(read, force=True)
    assert applied.spec is not None and applied.spec.description == "applied"
    assert applied.spec.model_extra == {"retentionDays": 7}
    assert {entry.manager for entry in applied.metadata.managed_fields or []} >= {"older-sdk"}


async def test_the_compat_replace_keeps_fields_it_does_not_know(
    newer_api: ApiClient, newer_namespace: str
) -> None:
    client = AnalyticsWorkspaceClient(newer_api)
    await create_raw(client, workspace(newer_namespace, "w3", retentionDays=90))
    compat = CompatWorkspaces(CustomObjectsApi(newer_api), logging.getLogger("test"), None)
    found = await compat.get(newer_namespace, "w3")
    found.spec.description = "compat edit"
    await compat.replace(found)
    result = await stored(client, newer_namespace, "w3")
    assert result["spec"]["retentionDays"] == 90
    assert result["spec"]["description"] == "compat edit"
    # The old library's patch-from-body sends the whole spec back: the field survives too.
    found = await compat.get(newer_namespace, "w3")
    found.spec.display_name = "Patched"
    await compat.patch(body=found)
    result = await stored(client, newer_namespace, "w3")
    assert (result["spec"]["retentionDays"], result["spec"]["displayName"]) == (90, "Patched")
    # Listed, too, the objects keep what this library does not know.
    (listed,) = [w for w in await compat.list(newer_namespace) if w.metadata.name == "w3"]
    assert listed.spec.model_extra == {"retentionDays": 90}
    listed.spec.description = "listed edit"
    await compat.replace(listed)
    assert (await stored(client, newer_namespace, "w3"))["spec"]["retentionDays"] == 90


async def test_the_drift_check_names_what_the_newer_release_added(
    newer_api: ApiClient,
) -> None:
    report = await crd_drift(newer_api)
    assert not report.ok
    text = str(report)
    assert "retentionDays" in text
    assert "v2" in text  # the binding's second served version


def test_the_fixture_release_is_written_where_asked(tmp_path: Path) -> None:
    written = build(tmp_path / "release")
    assert (written / "AnalyticsVirtualDesktop.yaml").is_file()
    assert (written / "CRD_RELEASE").read_text().strip() == "0.2.0"
