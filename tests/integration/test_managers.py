"""The managers against a real kube-apiserver: effective expiry, permitted workspaces,
mounting storage into a V1Pod, data sources, and request counts that do not grow."""

from __future__ import annotations

import asyncio
import logging
from datetime import date, timedelta
from typing import Any

import pytest
from kubernetes_asyncio.client import (
    ApiClient,
    CoreV1Api,
    V1Container,
    V1ObjectMeta,
    V1Pod,
    V1PodSpec,
)

from lscsde_sdk.clients import (
    AnalyticsDataSourceBindingClient,
    AnalyticsDataSourceClient,
    AnalyticsWorkspaceBindingClient,
    AnalyticsWorkspaceClient,
    Transport,
)
from lscsde_sdk.core.transport import Request
from lscsde_sdk.envtest import ControlPlane
from lscsde_sdk.errors import NotFoundError, WorkspaceLabelMissingError
from lscsde_sdk.indexing.client import GET_MANY_CONCURRENCY
from lscsde_sdk.labels import WORKSPACE_LABEL
from lscsde_sdk.managers import (
    AnalyticsDataSourceManager,
    AnalyticsManager,
    AnalyticsWorkspaceManager,
)
from lscsde_sdk.storage import PersistentVolumeClaimClient
from tests.integration.factories import create_as_another_tool

pytestmark = pytest.mark.integration


def workspace(
    namespace: str,
    name: str,
    available_from: str = "2025-01-01",
    expires: str = "2027-01-01",
    display_name: str | None = None,
    **jupyter: Any,
) -> dict[str, Any]:
    return {
        "metadata": {"name": name, "namespace": namespace},
        "spec": {
            "displayName": display_name or f"Workspace {name}",
            "description": f"The {name} study",
            "validity": {"availableFrom": available_from, "expires": expires},
            "jupyterWorkspace": {"image": "lscsde/datascience-notebook-default:0.1.0", **jupyter},
        },
    }


def binding(
    namespace: str, name: str, workspace: str, username: str, expires: str
) -> dict[str, Any]:
    return {
        "metadata": {"name": name, "namespace": namespace},
        "spec": {"workspace": workspace, "username": username, "expires": expires},
    }


def pod(namespace: str, labels: dict[str, str] | None, name: str = "jupyter-joe") -> V1Pod:
    return V1Pod(
        api_version="v1",
        kind="Pod",
        metadata=V1ObjectMeta(name=name, namespace=namespace, labels=labels),
        spec=V1PodSpec(containers=[V1Container(name="notebook", image="busybox:1.36")]),
    )


JOE = "joe@example.org"


async def expiry_scenario(manager: AnalyticsWorkspaceManager, namespace: str) -> None:
    workspaces, bindings = manager.workspace_client, manager.binding_client
    for manifest in (
        # The binding ends before the workspace.
        workspace(namespace, "early-binding", expires="2027-01-01", display_name="beta"),
        # The workspace ends before the binding.
        workspace(namespace, "late-binding", expires="2026-03-01", display_name="Alpha"),
        # Two bindings: the later one counts.
        workspace(namespace, "two-bindings", expires="2028-01-01", display_name="alpha 2"),
        # Not available yet.
        workspace(namespace, "future", available_from="2026-05-01", display_name="Future"),
        # The binding has expired.
        workspace(namespace, "binding-expired", display_name="Expired"),
        # Someone else's.
        workspace(namespace, "other-user", display_name="Other"),
    ):
        await workspaces.create(manifest)
    for args in (
        ("b1", "early-binding", JOE, "2026-06-30"),
        ("b2", "late-binding", JOE, "2027-01-01"),
        ("b3", "two-bindings", "Joe@Example.org", "2026-01-01"),
        ("b4", "two-bindings", JOE, "2026-09-01"),
        ("b5", "future", JOE, "2027-01-01"),
        ("b6", "binding-expired", JOE, "2026-03-31"),
        ("b7", "other-user", "ann@example.org", "2027-01-01"),
        ("b8", "ghost", JOE, "2027-01-01"),  # the workspace does not exist
    ):
        await bindings.create(binding(namespace, *args))


async def test_workspaces_for_user_carry_the_effective_expiry(
    admin_api: ApiClient, namespace: str, caplog: pytest.LogCaptureFixture
) -> None:
    manager = AnalyticsWorkspaceManager(admin_api)
    await expiry_scenario(manager, namespace)

    with caplog.at_level(logging.WARNING):
        found = await manager.bound_workspaces(namespace, JOE)

    expires = {name: ws.spec.validity.expires for name, ws in found.items() if ws.spec is not None}
    assert expires == {
        "binding-expired": date(2026, 3, 31),
        "early-binding": date(2026, 6, 30),
        "future": date(2027, 1, 1),
        "late-binding": date(2026, 3, 1),
        "two-bindings": date(2026, 9, 1),
    }
    assert "ghost" in caplog.text and "does not exist" in caplog.text
    # What the server has is unchanged.
    stored = await manager.workspace_client.get(namespace, "early-binding")
    assert stored.spec is not None and stored.spec.validity.expires == date(2027, 1, 1)


async def test_permitted_workspaces_are_those_usable_on_the_day(
    admin_api: ApiClient, namespace: str
) -> None:
    manager = AnalyticsWorkspaceManager(admin_api)
    await expiry_scenario(manager, namespace)

    profiles = await manager.permitted_profiles(namespace, JOE, day="2026-04-01")
    assert [p["slug"] for p in profiles] == ["two-bindings", "early-binding"]  # alpha 2, beta
    early = profiles[1]
    assert early["end_date"] == "2026-06-30"
    assert early["start_date"] == "2025-01-01"
    assert early["ws_days_left"] == timedelta(days=90)
    assert early["kubespawner_override"]["extra_labels"] == {"workspace": "early-binding"}

    # On the effective expiry date itself the workspace is no longer offered.
    last_day = await manager.permitted_profiles(namespace, JOE, day=date(2026, 6, 29))
    assert [p["slug"] for p in last_day] == ["two-bindings", "early-binding", "future"]
    assert last_day[1]["ws_days_left"] == timedelta(days=1)
    expiry_day = await manager.permitted_profiles(namespace, JOE, day=date(2026, 6, 30))
    assert [p["slug"] for p in expiry_day] == ["two-bindings", "future"]

    # Before anything is available, and for a user without bindings.
    assert await manager.permitted_profiles(namespace, JOE, day="2024-12-31") == []
    assert await manager.permitted_profiles(namespace, "nobody@example.org") == []


async def test_mount_workspace_with_additional_storage(
    admin_api: ApiClient, namespace: str
) -> None:
    transport = Transport(admin_api)
    manager = AnalyticsWorkspaceManager(transport)
    pvcs = PersistentVolumeClaimClient(transport)
    await pvcs.create_if_not_exists(
        namespace, "reference-data", storage_class_name="existing-class"
    )
    await manager.workspace_client.create(
        workspace(
            namespace,
            "outcomes",
            persistentVolumeClaim={},
            additionalStorage=[
                {"mountPath": "/home/jovyan/reference", "persistentVolumeClaim": "reference-data"},
                {
                    "mountPath": "/home/jovyan/outputs",
                    "persistentVolumeClaim": "outcomes-outputs",
                    "storageClassName": "azurefile-csi",
                },
                {"persistentVolumeClaim": "scratch"},
                {"mountPath": "/nowhere"},  # names no claim: skipped
            ],
        )
    )
    target = pod(namespace, {"workspace": "outcomes", "app": "jupyterhub"})

    result = await manager.mount_workspace(
        target, storage_class_name="hub-default", mount_prefix="/home/jovyan", storage_prefix="ws-"
    )

    assert result is target
    claims = {
        name: claim.spec.storage_class_name
        for name in ("ws-outcomes", "reference-data", "outcomes-outputs", "scratch")
        if (claim := await pvcs.get(namespace, name)) is not None
    }
    assert claims == {
        "ws-outcomes": "hub-default",
        "reference-data": "existing-class",  # existed: untouched
        "outcomes-outputs": "azurefile-csi",
        "scratch": "hub-default",
    }
    assert target.spec is not None
    volumes = [(v.name, v.persistent_volume_claim.claim_name) for v in target.spec.volumes]
    assert volumes == [
        ("ws-outcomes", "ws-outcomes"),
        ("reference-data", "reference-data"),
        ("outcomes-outputs", "outcomes-outputs"),
        ("scratch", "scratch"),
    ]
    mounts = [(m.name, m.mount_path) for m in target.spec.containers[0].volume_mounts]
    assert mounts == [
        ("ws-outcomes", "/home/jovyan/outcomes"),
        ("reference-data", "/home/jovyan/reference"),
        ("outcomes-outputs", "/home/jovyan/outputs"),
        ("scratch", "/mnt/scratch"),
    ]
    status = (await manager.workspace_client.get(namespace, "outcomes")).status
    assert status is not None
    assert status.status_text == "Provisioned"
    assert status.persistent_volume_claim == "ws-outcomes"
    assert status.additional_storage == {
        "/home/jovyan/reference": "reference-data",
        "/home/jovyan/outputs": "outcomes-outputs",
        "/mnt/scratch": "scratch",
    }

    # Again on the same pod: nothing is duplicated and the status is not written again.
    async with transport.counting() as counter:
        await manager.mount_workspace(
            target,
            storage_class_name="hub-default",
            mount_prefix="/home/jovyan",
            storage_prefix="ws-",
        )
    assert "PATCH" not in counter.by_method
    assert len(target.spec.volumes) == 4
    assert len(target.spec.containers[0].volume_mounts) == 4

    created = await CoreV1Api(admin_api).create_namespaced_pod(namespace, target)
    assert len(created.spec.volumes) == 4


async def test_mount_workspace_claim_name_precedence(admin_api: ApiClient, namespace: str) -> None:
    manager = AnalyticsWorkspaceManager(admin_api)
    client = manager.workspace_client
    # The spec's claim name and storage class win over the status and the arguments.
    await client.create(
        workspace(
            namespace,
            "named",
            persistentVolumeClaim={"name": "named-home", "storageClassName": "premium"},
        )
    )
    await client.patch_status(namespace, "named", {"persistentVolumeClaim": "old-claim"})
    target = pod(namespace, {"workspace": "named"})
    await manager.mount_workspace(
        target, storage_class_name="hub-default", mount_prefix="/home/jovyan", read_only=True
    )
    assert target.spec is not None
    (volume,) = target.spec.volumes
    assert volume.persistent_volume_claim.claim_name == "named-home"
    (mount,) = target.spec.containers[0].volume_mounts
    assert (mount.mount_path, mount.read_only) == ("/home/jovyan/named", True)
    claim = await manager.pvc_client.get(namespace, "named-home")
    assert claim is not None and claim.spec.storage_class_name == "premium"
    status = (await client.get(namespace, "named")).status
    assert status is not None and status.persistent_volume_claim == "named-home"

    # Without a name in the spec, the claim recorded in the status is used.
    await client.create(workspace(namespace, "recorded"))
    await client.patch_status(
        namespace, "recorded", {"persistentVolumeClaim": "recorded-home", "statusText": "Ready"}
    )
    target = pod(namespace, {"workspace": "recorded"}, "jupyter-ann")
    await manager.mount_workspace(
        target, mount_prefix="/ignored", storage_prefix="prefix-", mount_path="/data"
    )
    assert target.spec is not None
    assert target.spec.volumes[0].persistent_volume_claim.claim_name == "recorded-home"
    assert target.spec.containers[0].volume_mounts[0].mount_path == "/data"
    status = (await client.get(namespace, "recorded")).status
    assert status is not None
    assert (status.status_text, status.persistent_volume_claim) == ("Provisioned", "recorded-home")


async def test_mount_workspace_needs_the_workspace_label(
    admin_api: ApiClient, namespace: str
) -> None:
    manager = AnalyticsWorkspaceManager(admin_api)
    for labels in (None, {"app": "jupyterhub"}):
        with pytest.raises(WorkspaceLabelMissingError) as caught:
            await manager.mount_workspace(pod(namespace, labels), mount_prefix="/home")
        assert caught.value.name == "jupyter-joe" and caught.value.namespace == namespace
    with pytest.raises(NotFoundError, match="missing"):
        await manager.mount_workspace(
            pod(namespace, {"workspace": "missing"}), mount_prefix="/home"
        )


async def _seed(
    admin_api: ApiClient, namespace: str, workspaces: int, users: dict[str, int]
) -> None:
    transport = Transport(admin_api)
    workspace_client = AnalyticsWorkspaceClient(transport)
    binding_client = AnalyticsWorkspaceBindingClient(transport)
    gate = asyncio.Semaphore(16)

    async def create(client: Any, manifest: dict[str, Any]) -> None:
        async with gate:
            await client.create(manifest)

    await asyncio.gather(
        *(create(workspace_client, workspace(namespace, f"ws-{i:03}")) for i in range(workspaces))
    )
    await asyncio.gather(
        *(
            create(
                binding_client,
                binding(
                    namespace, f"{user.split('@')[0]}-{i:03}", f"ws-{i:03}", user, "2026-12-31"
                ),
            )
            for user, count in users.items()
            for i in range(count)
        )
    )


async def test_the_direct_path_costs_what_the_user_owns_not_the_namespace(
    admin_api: ApiClient, control_plane: ControlPlane
) -> None:
    users = {"one@example.org": 1, "three@example.org": 3, "hundred@example.org": 100}
    cost: dict[int, dict[str, tuple[int, int, int]]] = {}
    for size in (150, 500):
        namespace = await control_plane.create_namespace(f"direct-{size}")
        await _seed(admin_api, namespace, size, users)
        transport = Transport(admin_api)
        manager = AnalyticsWorkspaceManager(transport)
        cost[size] = {}
        for user, count in users.items():
            async with transport.counting() as counter:
                profiles = await manager.permitted_profiles(namespace, user, day="2026-06-01")
            assert len(profiles) == count
            assert all(p["end_date"] == "2026-12-31" for p in profiles)
            # Two lists at once (the user's bindings by label, and the bindings without the
            # label), then the bound workspaces: a GET each when they are few, one list
            # selected by their name labels when they are many. Nothing written.
            workspace_reads = [r for r in counter.requests if "/analyticsworkspaces" in r.path]
            if count <= GET_MANY_CONCURRENCY:
                assert counter.by_method == {"GET": 2 + count}
                assert sorted(r.path.rsplit("/", 1)[-1] for r in workspace_reads) == [
                    f"ws-{i:03}" for i in range(count)
                ]
            else:
                assert counter.by_method == {"GET": 3}
                [listed] = workspace_reads
                assert dict(listed.query)["labelSelector"].startswith(f"{WORKSPACE_LABEL} in (")
            assert counter.writes == 0
            # The workspaces come from the API server's cache, not a quorum read of etcd.
            assert all(dict(r.query).get("resourceVersion") == "0" for r in workspace_reads)
            cost[size][user] = (counter.total, counter.bytes_received, count)
    for user in users:
        (requests_small, bytes_small, _), (requests_large, bytes_large, _) = (
            cost[150][user],
            cost[500][user],
        )
        assert requests_small == requests_large
        # Same objects read at both sizes; names differ only in length by at most a few bytes.
        assert abs(bytes_small - bytes_large) <= 0.02 * bytes_small
    # And the bytes follow the user's bindings.
    assert cost[500]["hundred@example.org"][1] > 20 * cost[500]["one@example.org"][1]


async def test_a_permissions_lookup_writes_nothing(admin_api: ApiClient, namespace: str) -> None:
    transport = Transport(admin_api)
    manager = AnalyticsWorkspaceManager(transport)
    await _seed(admin_api, namespace, 3, {"joe@example.org": 3})
    # A binding another tool wrote without the label: the direct path does not patch it.
    await create_as_another_tool(
        manager.binding_client,
        binding(namespace, "legacy", "ws-000", "joe@example.org", "2026-12-31"),
    )
    async with transport.counting() as counter:
        await manager.permitted_profiles(namespace, "joe@example.org", day="2026-06-01")
        await manager.bound_workspaces(namespace, "joe@example.org")
        await AnalyticsDataSourceManager(transport).active_datasources(namespace, "ws-000")
    assert counter.writes == 0 and set(counter.by_method) == {"GET"}
    events = await transport.send_json(
        Request("GET", f"/apis/events.k8s.io/v1/namespaces/{namespace}/events")
    )
    assert events["items"] == []


async def test_data_sources_bound_to_a_workspace(admin_api: ApiClient, namespace: str) -> None:
    transport = Transport(admin_api)
    manager = AnalyticsDataSourceManager(transport)
    sources = AnalyticsDataSourceClient(transport)
    for name in ("ds-a", "ds-b", "ds-c"):
        await sources.create(
            {
                "metadata": {"name": name, "namespace": namespace},
                "spec": {"type": "Uploaded", "displayName": name},
            }
        )
    bindings = AnalyticsDataSourceBindingClient(transport)
    for name, ws, ds, expires in (
        ("b1", "outcomes", "ds-a", "2026-01-01"),
        ("b2", "outcomes", "ds-a", "2026-12-01"),
        ("b3", "outcomes", "ds-b", None),
        ("b4", "outcomes", "ds-ghost", "2027-01-01"),
        ("b5", "stroke", "ds-c", None),
    ):
        spec = {"workspace": ws, "datasource": ds} | ({"expires": expires} if expires else {})
        await bindings.create({"metadata": {"name": name, "namespace": namespace}, "spec": spec})

    async with transport.counting() as counter:
        bound = await manager.bound_datasources(namespace, "outcomes")
    # The workspace's bindings by label and those without it, then each bound data source
    # (ds-ghost: 404).
    assert counter.by_method == {"GET": 5}
    assert {name: item.expires for name, item in bound.items()} == {
        "ds-a": date(2026, 12, 1),
        "ds-b": None,
    }
    assert [b.metadata.name for b in bound["ds-a"].bindings] == ["b1", "b2"]

    active = await manager.active_datasources(namespace, "outcomes", day="2026-11-30")
    assert [item.name for item in active] == ["ds-a", "ds-b"]
    active = await manager.active_datasources(namespace, "outcomes", day="2026-12-01")
    assert [item.name for item in active] == ["ds-b"]

    only_sources = await manager.bound_datasources(namespace, "stroke")
    assert list(only_sources) == ["ds-c"]


async def test_analytics_manager_shares_one_transport_and_event_recorder(
    admin_api: ApiClient, namespace: str
) -> None:
    manager = AnalyticsManager(admin_api, reporting_controller="xlscsde.nhs.uk/hub")
    assert manager.workspace.transport is manager.transport
    assert manager.datasource.transport is manager.transport
    assert manager.workspace.events is manager.events
    assert manager.datasource.events is manager.events
    assert manager.workspace.workspace_client.transport is manager.transport
    assert manager.datasource.binding_writes.recorder is manager.events
    assert manager.workspace.workspace_writes.client is manager.workspace.workspace_client
    assert manager.workspace.pvc_client.transport is manager.transport

    async with manager.transport.counting() as counter:
        await manager.workspace.workspace_writes.create(workspace(namespace, "outcomes"))
        await manager.datasource.datasource_writes.create(
            {
                "metadata": {"name": "ds", "namespace": namespace},
                "spec": {"type": "Uploaded"},
            }
        )
    assert counter.by_method == {"POST": 4}  # two objects, two events
    events = await manager.transport.send_json(
        Request("GET", f"/apis/events.k8s.io/v1/namespaces/{namespace}/events")
    )
    assert sorted((e["reason"], e["reportingController"]) for e in events["items"]) == [
        ("DataSourceCreated", "xlscsde.nhs.uk/hub"),
        ("WorkspaceCreated", "xlscsde.nhs.uk/hub"),
    ]
