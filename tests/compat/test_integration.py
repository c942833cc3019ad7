"""Code written for the old lscsde_workspace_mgmt runs unchanged on the compat layer, against a
real kube-apiserver.

``consumer_*`` functions are written as a consumer of the old library would write them (its
imports, constructors, model classes and value types); the tests run them and then check the
outcome with lscsde_sdk and the raw Kubernetes API.
"""

from __future__ import annotations

import logging
from typing import Any

import pytest
from kubernetes_asyncio.client import (
    ApiClient,
    ApiException,
    CoreV1Api,
    CustomObjectsApi,
    EventsV1Api,
    V1Container,
    V1ObjectMeta,
    V1Pod,
    V1PodSpec,
)

from lscsde_sdk.clients import AnalyticsWorkspaceClient as SdkWorkspaceClient
from lscsde_workspace_mgmt import AnalyticsManager, AnalyticsWorkspaceManager
from lscsde_workspace_mgmt.datasourcebindingclient import AnalyticsDataSourceBindingClient
from lscsde_workspace_mgmt.datasourceclient import AnalyticsDataSourceClient
from lscsde_workspace_mgmt.eventclient import EventClient
from lscsde_workspace_mgmt.models import (
    AnalyticsDataSource,
    AnalyticsDataSourceBinding,
    AnalyticsDataSourceBindingSpec,
    AnalyticsDataSourceSpec,
    AnalyticsWorkspace,
    AnalyticsWorkspaceBinding,
    AnalyticsWorkspaceBindingSpec,
    AnalyticsWorkspaceSpec,
    AnalyticsWorkspaceStatus,
    AnalyticsWorkspaceValidity,
    JupyterWorkspacePersistentVolumeClaim,
    JupyterWorkspaceSpec,
    JupyterWorkspaceStorage,
    KubernetesMetadata,
)
from lscsde_workspace_mgmt.namespacedclient import KubernetesNamespacedCustomClient
from lscsde_workspace_mgmt.pvclient import PersistentVolumeClaimClient
from lscsde_workspace_mgmt.workspacebindingclient import AnalyticsWorkspaceBindingClient
from lscsde_workspace_mgmt.workspaceclient import AnalyticsWorkspaceClient

pytestmark = pytest.mark.integration

USERNAME = "Joe.Blogs@someplace.co.uk"
USERNAME_LABEL = "joe.blogs___someplace.co.uk"
IMAGE = "lscsde/datascience-notebook-default:0.1.0"
LOG = logging.getLogger("compat-consumer")


def make_workspace(namespace: str, name: str, expires: str = "2099-01-01") -> AnalyticsWorkspace:
    return AnalyticsWorkspace(
        metadata=KubernetesMetadata(name=name, namespace=namespace),
        spec=AnalyticsWorkspaceSpec(
            display_name=f"Workspace {name}",
            description="Created through the old API",
            validity=AnalyticsWorkspaceValidity(available_from="2024-01-01", expires=expires),
            jupyter_workspace=JupyterWorkspaceSpec(
                image=IMAGE,
                resources={"requests": {"memory": "1G"}, "limits": {"memory": "2G"}},
                persistent_volume_claim=JupyterWorkspacePersistentVolumeClaim(),
                additional_storage=[
                    JupyterWorkspaceStorage(
                        mount_path="/mnt/shared", persistent_volume_claim=f"{name}-shared"
                    )
                ],
            ),
        ),
    )


def make_binding(
    namespace: str, name: str, workspace: str, expires: str = "2098-01-01"
) -> AnalyticsWorkspaceBinding:
    return AnalyticsWorkspaceBinding(
        metadata=KubernetesMetadata(name=name, namespace=namespace),
        spec=AnalyticsWorkspaceBindingSpec(workspace=workspace, username=USERNAME, expires=expires),
    )


def notebook_pod(namespace: str, workspace: str) -> V1Pod:
    return V1Pod(
        metadata=V1ObjectMeta(
            name="jupyter-joe", namespace=namespace, labels={"workspace": workspace}
        ),
        spec=V1PodSpec(containers=[V1Container(name="notebook", image=IMAGE)]),
    )


async def consumer_workspace_script(api_client: ApiClient, namespace: str) -> dict[str, Any]:
    """What a JupyterHub configuration and an operator did with the old library."""
    custom_objects = CustomObjectsApi(api_client)
    event_client = EventClient(
        api_client, LOG, reporting_controller="xlscsde.nhs.uk/jupyterhub", reporting_user="hub"
    )
    workspace_client = AnalyticsWorkspaceClient(custom_objects, LOG, event_client)
    binding_client = AnalyticsWorkspaceBindingClient(custom_objects, LOG, event_client)
    outcome: dict[str, Any] = {}

    outcome["workspace"] = await workspace_client.create(make_workspace(namespace, "generic"))
    outcome["binding"] = await binding_client.create(make_binding(namespace, "joe", "generic"))
    outcome["bindings"] = await binding_client.list_by_username(namespace, USERNAME)
    outcome["workspaces"] = await workspace_client.list_by_username(
        binding_client, namespace, USERNAME
    )

    manager = AnalyticsWorkspaceManager(api_client, LOG)
    outcome["by_name"] = await manager.get_workspaces_for_user(namespace, USERNAME)
    outcome["permitted"] = await manager.get_permitted_workspaces(namespace, USERNAME)

    pod = notebook_pod(namespace, "generic")
    outcome["mounted"] = await manager.mount_workspace(
        pod, storage_class_name="standard", mount_prefix="/home/jovyan/work"
    )
    outcome["pod"] = pod

    outcome["patched"] = await binding_client.patch(
        namespace=namespace,
        name="joe",
        patch_body=[{"op": "add", "path": "/spec/comments", "value": "extended"}],
    )
    workspace = await workspace_client.get(namespace, "generic")
    assert workspace.spec is not None
    workspace.spec.description = "Patched from the body"
    outcome["patched_from_body"] = await workspace_client.patch(body=workspace)
    outcome["status"] = await workspace_client.patch_status(
        namespace, "generic", AnalyticsWorkspaceStatus(status_text="Ready")
    )
    outcome["deleted"] = await binding_client.delete(namespace=namespace, name="joe")
    try:
        await binding_client.get(namespace, "joe")
    except ApiException as exc:
        outcome["get_after_delete"] = exc.status
    return outcome


async def test_consumer_workspace_script_runs_unchanged(
    admin_api: ApiClient, namespace: str
) -> None:
    outcome = await consumer_workspace_script(admin_api, namespace)

    workspace = outcome["workspace"]
    assert isinstance(workspace, AnalyticsWorkspace)
    assert workspace.metadata.resource_version
    assert workspace.spec.validity.expires == "2099-01-01"

    binding = outcome["binding"]
    assert binding.metadata.labels["xlscsde.nhs.uk/username"] == USERNAME_LABEL
    assert [b.metadata.name for b in outcome["bindings"]] == ["joe"]

    (found,) = outcome["workspaces"]
    assert isinstance(found, AnalyticsWorkspace)
    # The user's effective expiry: the binding ends before the workspace.
    assert found.spec.validity.expires == "2098-01-01"
    assert list(outcome["by_name"]) == ["generic"]

    (profile,) = outcome["permitted"]
    assert profile["slug"] == "generic"
    assert profile["end_date"] == "2098-01-01"
    assert profile["ws_days_left"].days > 0
    # Bytes as Kubernetes reads "2G" (the old library passed "2G", which KubeSpawner reads as GiB).
    assert profile["kubespawner_override"]["mem_limit"] == 2 * 10**9
    assert profile["kubespawner_override"]["extra_labels"] == {"workspace": "generic"}

    pod = outcome["pod"]
    assert outcome["mounted"] is pod
    claims = {v.persistent_volume_claim.claim_name for v in pod.spec.volumes}
    assert claims == {"generic", "generic-shared"}
    mounts = {m.mount_path for m in pod.spec.containers[0].volume_mounts}
    assert mounts == {"/home/jovyan/work/generic", "/mnt/shared"}
    core = CoreV1Api(admin_api)
    listed = await core.list_namespaced_persistent_volume_claim(namespace)
    assert {claim.metadata.name for claim in listed.items} == {"generic", "generic-shared"}

    assert outcome["patched"].spec.comments == "extended"
    assert outcome["patched_from_body"].spec.description == "Patched from the body"
    # The whole status became the given one, as with 0.1.14: mount_workspace had recorded
    # the claim before the status was replaced by "Ready".
    assert outcome["status"].status.status_text == "Ready"
    assert outcome["patched_from_body"].status.persistent_volume_claim == "generic"
    assert outcome["status"].status.persistent_volume_claim is None
    assert outcome["status"].status.additional_storage is None
    assert isinstance(outcome["deleted"], dict)
    assert outcome["get_after_delete"] == 404

    events = await EventsV1Api(admin_api).list_namespaced_event(namespace)
    reasons = [event.reason for event in events.items]
    for reason in (
        "WorkspaceCreated",
        "WorkspaceUpdated",
        "WorkspaceBindingCreated",
        "WorkspaceBindingUpdated",
        "WorkspaceBindingDeleted",
    ):
        assert reason in reasons
    # The old client recorded WorkspaceBindingUpdated when a binding was created; now only
    # the patch does.
    assert reasons.count("WorkspaceBindingUpdated") == 1
    controllers = {event.reporting_controller for event in events.items}
    assert "xlscsde.nhs.uk/jupyterhub" in controllers


async def test_data_sources_of_a_workspace(admin_api: ApiClient, namespace: str) -> None:
    custom_objects = CustomObjectsApi(admin_api)
    manager = AnalyticsManager(admin_api, LOG)
    datasource_client: AnalyticsDataSourceClient = manager.datasource.datasource_client
    binding_client: AnalyticsDataSourceBindingClient = manager.datasource.binding_client

    await datasource_client.create(
        AnalyticsDataSource(
            metadata=KubernetesMetadata(name="census", namespace=namespace),
            spec=AnalyticsDataSourceSpec(display_name="Census"),
        )
    )
    await binding_client.create(
        AnalyticsDataSourceBinding(
            metadata=KubernetesMetadata(name="census-generic", namespace=namespace),
            spec=AnalyticsDataSourceBindingSpec(
                workspace="generic", datasource="census", expires="2099-01-01"
            ),
        )
    )
    # A binding written by another tool, without the workspace label, is found as well; the
    # lookup does not label it (the label maintenance does).
    raw = KubernetesNamespacedCustomClient(
        custom_objects, LOG, "xlscsde.nhs.uk", "v1", "analyticsdatasourcebindings", "x"
    )
    await raw.create(
        namespace,
        {
            "apiVersion": "xlscsde.nhs.uk/v1",
            "kind": "AnalyticsDataSourceBinding",
            "metadata": {"name": "missing-generic", "namespace": namespace},
            "spec": {"workspace": "generic", "datasource": "missing"},
        },
    )

    bindings = await binding_client.list_by_workspace(namespace, "generic")
    assert [b.metadata.name for b in bindings] == ["census-generic", "missing-generic"]
    assert "xlscsde.nhs.uk/workspace" not in bindings[1].metadata.labels
    await binding_client.sdk.relabel(namespace)
    bindings = await binding_client.list_by_workspace(namespace, "generic")
    assert [b.metadata.name for b in bindings] == ["census-generic", "missing-generic"]
    assert all(b.metadata.labels["xlscsde.nhs.uk/workspace"] == "generic" for b in bindings)

    datasources = await datasource_client.list_by_workspace(binding_client, namespace, "generic")
    # The old client failed on every data source (it read a field they lack).
    assert [d.metadata.name for d in datasources] == ["census"]
    assert datasources[0].status.status_text == "Waiting"

    listed = await raw.list(namespace, label_selector="xlscsde.nhs.uk/workspace=generic")
    assert isinstance(listed, dict) and len(listed["items"]) == 2
    assert raw.get_api_version() == "xlscsde.nhs.uk/v1"

    deleted = await datasource_client.delete(body=datasources[0])
    assert isinstance(deleted, dict)
    with pytest.raises(ApiException) as missing:
        await datasource_client.get(namespace, "census")
    assert missing.value.status == 404


async def test_pvc_client_creates_once_and_mounts_once(
    admin_api: ApiClient, namespace: str
) -> None:
    pvc_client = PersistentVolumeClaimClient(admin_api, LOG)
    assert await pvc_client.get("scratch", namespace) is None
    created = await pvc_client.create_if_not_exists("scratch", namespace, labels={"a": "b"})
    # No class configured: none is named and the cluster's default class applies (the old
    # library named a class "jupyter-default" that a cluster need not have).
    assert created.spec.storage_class_name is None
    assert created.spec.access_modes == ["ReadWriteMany"]
    again = await pvc_client.create_if_not_exists("scratch", namespace, "other-class")
    assert again.metadata.uid == created.metadata.uid

    pod = notebook_pod(namespace, "unused")
    for _ in range(2):
        await pvc_client.mount(pod, "scratch", namespace, None, "")
    assert [v.name for v in pod.spec.volumes] == ["scratch"]
    assert [m.mount_path for m in pod.spec.containers[0].volume_mounts] == ["/mnt/scratch"]


async def test_lookup_requests_follow_the_users_bindings_and_write_nothing(
    admin_api: ApiClient, namespace: str
) -> None:
    custom_objects = CustomObjectsApi(admin_api)
    workspace_client = AnalyticsWorkspaceClient(custom_objects, LOG, None)
    binding_client = AnalyticsWorkspaceBindingClient(custom_objects, LOG, None)

    async def requests_for_lookup() -> dict[str, int]:
        # Both clients send through the ApiClient's one transport: one counter sees all.
        assert workspace_client.transport is binding_client.transport
        async with workspace_client.transport.counting() as requests:
            await workspace_client.list_by_username(binding_client, namespace, USERNAME)
        plurals = [path.split("/")[6] for _, path in requests.paths]
        return {
            "bindings": plurals.count("analyticsworkspacebindings"),
            "workspaces": plurals.count("analyticsworkspaces"),
        }

    for index in range(2):
        name = f"ws-{index}"
        await workspace_client.create(make_workspace(namespace, name))
        await binding_client.create(make_binding(namespace, name, name))
    for index in range(2, 20):  # other people's workspaces cost nothing
        await workspace_client.create(make_workspace(namespace, f"ws-{index}"))
    # The user's bindings by label and those without one (two lists at once), then a GET of
    # each bound workspace.
    assert await requests_for_lookup() == {"bindings": 2, "workspaces": 2}
    found = await workspace_client.list_by_username(binding_client, namespace, USERNAME)
    assert len(found) == 2


async def test_list_is_one_request_for_the_whole_list_unless_the_caller_pages(
    admin_api: ApiClient, namespace: str
) -> None:
    client = AnalyticsWorkspaceClient(CustomObjectsApi(admin_api), LOG, None)
    names = [f"ws-{index}" for index in range(5)]
    for name in names:
        await client.create(make_workspace(namespace, name))

    # As the old client: one request without a limit, which the API server answers from its
    # watch cache (continuing a paged list may be read from etcd instead).
    async with client.transport.counting() as counter:
        listed = await client.list(namespace)
    assert [w.metadata.name for w in listed] == names
    assert all(isinstance(w, AnalyticsWorkspace) for w in listed)
    assert listed[0].metadata.model_extra["uid"]  # server metadata the model does not name
    assert counter.total == 1
    assert "limit" not in dict(counter.requests[0].query)

    first = await client.list(namespace, limit=3)  # the caller pages: the page asked for
    assert [w.metadata.name for w in first] == names[:3]
    selected = await client.list(namespace, field_selector="metadata.name=ws-4")
    assert [w.metadata.name for w in selected] == ["ws-4"]
    with pytest.raises(ApiException) as missing:
        await client.list("no-such-namespace-here", label_selector="x in (")
    assert missing.value.status == 400


async def test_sdk_sees_what_the_compat_layer_wrote(admin_api: ApiClient, namespace: str) -> None:
    client = AnalyticsWorkspaceClient(CustomObjectsApi(admin_api), LOG, None)
    await client.create(make_workspace(namespace, "shared"))
    read = await SdkWorkspaceClient(admin_api).get(namespace, "shared")
    assert read.spec is not None
    assert read.spec.validity.expires.isoformat() == "2099-01-01"
    assert read.spec.jupyter_workspace is not None
    assert read.spec.jupyter_workspace.image == IMAGE


async def test_reads_leave_out_managed_fields_and_writes_keep_the_servers(
    admin_api: ApiClient, namespace: str
) -> None:
    # The old library did not read metadata.managedFields either; they are a third of a list's
    # bytes. A write of an object read without them leaves the server's as they were.
    client = AnalyticsWorkspaceClient(CustomObjectsApi(admin_api), LOG, None)
    await client.create(make_workspace(namespace, "owned"))
    sdk = SdkWorkspaceClient(admin_api)
    await sdk.merge_patch(namespace, "owned", {"spec": {"description": "by the SDK"}})
    owners_before = {
        entry.manager for entry in (await sdk.get(namespace, "owned")).metadata.managed_fields
    }

    (listed,) = await client.list(namespace)
    read = await client.get(namespace, "owned")
    for workspace in (listed, read):
        assert workspace.metadata.managed_fields is None
        assert "managedFields" not in (workspace.metadata.model_extra or {})
        assert "managed_fields" not in repr(workspace.metadata)
    read.spec.description = "written back"
    await client.replace(read)

    after = await sdk.get(namespace, "owned")
    assert after.spec.description == "written back"
    assert owners_before <= {entry.manager for entry in after.metadata.managed_fields}
