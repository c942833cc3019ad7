"""Events against a real kube-apiserver: accepted as built, recorded by every write, and never
breaking the write they report on."""

from __future__ import annotations

import logging
from typing import Any

import pytest
from kubernetes_asyncio.client import ApiClient

from lscsde_sdk.clients import (
    AnalyticsCrateClient,
    AnalyticsDataSourceBindingClient,
    AnalyticsDataSourceClient,
    AnalyticsWorkspaceBindingClient,
    AnalyticsWorkspaceClient,
    Transport,
)
from lscsde_sdk.core.transport import Request
from lscsde_sdk.envtest import ControlPlane
from lscsde_sdk.errors import ConflictError, NotFoundError
from lscsde_sdk.events import EventRecorder
from lscsde_sdk.recording import Recording
from lscsde_workspace_mgmt._deleting import DELETING_STATUS, mark_deleting
from lscsde_workspace_mgmt.eventclient import EventClient

pytestmark = pytest.mark.integration

GROUP = "xlscsde.nhs.uk"


def workspace(namespace: str, name: str, **metadata: Any) -> dict[str, Any]:
    return {
        "metadata": {"name": name, "namespace": namespace, **metadata},
        "spec": {
            "displayName": f"Workspace {name}",
            "description": "Event tests",
            "validity": {"availableFrom": "2025-01-01", "expires": "2027-01-01"},
            "jupyterWorkspace": {"image": "lscsde/datascience-notebook-default:0.1.0"},
        },
    }


async def events_in(transport: Transport, namespace: str) -> list[dict[str, Any]]:
    data = await transport.send_json(
        Request("GET", f"/apis/events.k8s.io/v1/namespaces/{namespace}/events")
    )
    return sorted(data["items"], key=lambda item: item["eventTime"])


async def reasons_for(transport: Transport, namespace: str, name: str) -> list[str]:
    return [
        item["reason"]
        for item in await events_in(transport, namespace)
        if item["regarding"]["name"] == name
    ]


async def test_events_are_accepted_and_read_back(admin_api: ApiClient, namespace: str) -> None:
    transport = Transport(admin_api)
    created = await AnalyticsWorkspaceClient(transport).create(workspace(namespace, "outcomes"))
    recorder = EventRecorder(
        transport,
        reporting_controller="xlscsde.nhs.uk/jupyterhub",
        reporting_user="admin@example.org",
        reporting_instance="hub-" + "x" * 200,  # cut to the server's 128-character limit
    )
    stored = await recorder.emit(created, "Provisioned", "é" * 3000, type="Warning")

    read = await transport.send_json(
        Request(
            "GET",
            f"/apis/events.k8s.io/v1/namespaces/{namespace}/events/{stored['metadata']['name']}",
        )
    )
    assert read["reason"] == read["action"] == "Provisioned"
    assert read["type"] == "Warning"
    assert read["reportingController"] == "xlscsde.nhs.uk/jupyterhub"
    assert len(read["reportingInstance"]) == 128
    assert len(read["note"].encode()) <= 1024 and read["note"].endswith("...")
    assert read["eventTime"].endswith("Z") and "." in read["eventTime"]
    assert read["regarding"] == {
        "apiVersion": "xlscsde.nhs.uk/v1",
        "kind": "AnalyticsWorkspace",
        "namespace": namespace,
        "name": "outcomes",
        "uid": created.metadata.uid,
        "resourceVersion": created.metadata.resource_version,
    }


async def test_objects_with_longest_names_get_valid_event_names(
    admin_api: ApiClient, namespace: str
) -> None:
    transport = Transport(admin_api)
    long_name = ".".join(["w" * 63] * 3) + "." + "x" * 61  # 253 characters
    assert len(long_name) == 253
    created = await AnalyticsWorkspaceClient(transport).create(workspace(namespace, long_name))
    stored = await EventRecorder(transport).emit(created, "Test", "note")
    assert len(stored["metadata"]["name"]) <= 253


@pytest.mark.parametrize(
    ("client_type", "manifest", "prefix"),
    [
        (AnalyticsWorkspaceClient, workspace, "Workspace"),
        (
            AnalyticsWorkspaceBindingClient,
            lambda ns, name: {
                "metadata": {"name": name, "namespace": ns},
                "spec": {"workspace": "w", "username": "joe@example.org", "expires": "2027-01-01"},
            },
            "WorkspaceBinding",
        ),
        (
            AnalyticsDataSourceClient,
            lambda ns, name: {
                "metadata": {"name": name, "namespace": ns},
                "spec": {"type": "Uploaded", "displayName": "Extract"},
            },
            "DataSource",
        ),
        (
            AnalyticsDataSourceBindingClient,
            lambda ns, name: {
                "metadata": {"name": name, "namespace": ns},
                "spec": {"workspace": "w", "datasource": "d"},
            },
            "DataSourceBinding",
        ),
        (
            AnalyticsCrateClient,
            lambda ns, name: {
                "metadata": {"name": name, "namespace": ns},
                "spec": {"repo": {"url": "https://git.example.org/crate"}},
            },
            "Crate",
        ),
    ],
    ids=["workspace", "workspace-binding", "datasource", "datasource-binding", "crate"],
)
async def test_every_write_records_its_event(
    client_type: Any, manifest: Any, prefix: str, admin_api: ApiClient, namespace: str
) -> None:
    transport = Transport(admin_api)
    client = client_type(transport)
    writes = Recording(client, EventRecorder(transport, reporting_user="ops"))

    created = await writes.create(manifest(namespace, "obj"))
    await writes.merge_patch(namespace, "obj", {"metadata": {"annotations": {"a": "1"}}})
    await writes.json_patch(
        namespace, "obj", [{"op": "add", "path": "/metadata/annotations/b", "value": "2"}]
    )
    current = await client.get(namespace, "obj")
    await writes.replace(current)
    await writes.apply(manifest(namespace, "obj"), field_manager="events-test", force=True)
    await client.patch_status(namespace, "obj", {"statusText": "Ready"})  # no event
    await writes.create(manifest(namespace, "dry"), dry_run=True)  # no event
    await client.create(manifest(namespace, "quiet"))  # the client alone records none
    await writes.delete(namespace, "obj")

    assert await reasons_for(transport, namespace, "obj") == [
        f"{prefix}Created",
        *[f"{prefix}Updated"] * 4,
        f"{prefix}Deleted",
    ]
    assert await reasons_for(transport, namespace, "dry") == []
    assert await reasons_for(transport, namespace, "quiet") == []
    events = [e for e in await events_in(transport, namespace) if e["regarding"]["name"] == "obj"]
    assert events[0]["regarding"]["uid"] == created.metadata.uid
    assert events[0]["note"].endswith("Created by ops")
    assert events[-1]["regarding"]["uid"] == created.metadata.uid  # from the delete's answer


async def test_a_plain_delete_writes_nothing_but_the_delete(
    admin_api: ApiClient, namespace: str
) -> None:
    transport = Transport(admin_api)
    client = AnalyticsWorkspaceClient(transport)
    await client.create(workspace(namespace, "plain"))
    async with transport.counting() as counter:
        await client.delete(namespace, "plain")
    assert counter.by_method == {"DELETE": 1}


async def test_the_compat_deleting_mark_goes_before_the_delete(
    admin_api: ApiClient, namespace: str
) -> None:
    transport = Transport(admin_api)
    client = AnalyticsWorkspaceClient(transport)
    writes = Recording(client, EventRecorder(transport))
    # A finalizer keeps the object after the delete, so its last status can be read.
    await writes.create(workspace(namespace, "held", finalizers=["example.org/hold"]))

    async with transport.counting() as requests:
        await mark_deleting(client, namespace, "held", logging.getLogger(__name__))
        await writes.delete(namespace, "held")
    assert [method for method, _ in requests.paths] == ["PATCH", "DELETE", "POST"]

    held = await client.get(namespace, "held")
    assert held.metadata.deletion_timestamp is not None
    assert held.status is not None and held.status.status_text == DELETING_STATUS
    assert await reasons_for(transport, namespace, "held") == [
        "WorkspaceCreated",
        "WorkspaceDeleted",
    ]
    await client.json_patch(namespace, "held", [{"op": "remove", "path": "/metadata/finalizers"}])
    with pytest.raises(NotFoundError):
        await client.get(namespace, "held")


async def test_delete_preconditions_leave_other_versions_untouched(
    admin_api: ApiClient, namespace: str
) -> None:
    client = AnalyticsWorkspaceClient(admin_api)
    created = await client.create(workspace(namespace, "guarded"))
    await client.merge_patch(namespace, "guarded", {"spec": {"description": "changed"}})

    with pytest.raises(ConflictError):
        await client.delete(
            namespace, "guarded", resource_version=created.metadata.resource_version
        )
    with pytest.raises(ConflictError):
        await client.delete(namespace, "guarded", uid="00000000-0000-4000-8000-000000000000")
    survivor = await client.get(namespace, "guarded")
    assert survivor.status is None or survivor.status.status_text != DELETING_STATUS

    await client.delete(
        namespace,
        "guarded",
        resource_version=survivor.metadata.resource_version,
        uid=survivor.metadata.uid,
    )
    with pytest.raises(NotFoundError):
        await client.get(namespace, "guarded")


async def test_delete_of_a_missing_object_raises_not_found(
    admin_api: ApiClient, namespace: str
) -> None:
    transport = Transport(admin_api)
    writes = Recording(AnalyticsWorkspaceClient(transport), EventRecorder(transport))
    with pytest.raises(NotFoundError):
        await writes.delete(namespace, "missing")
    assert await reasons_for(transport, namespace, "missing") == []


async def test_dry_run_delete_keeps_the_object_and_records_nothing(
    admin_api: ApiClient, namespace: str
) -> None:
    transport = Transport(admin_api)
    client = AnalyticsWorkspaceClient(transport)
    writes = Recording(client, EventRecorder(transport))
    await writes.create(workspace(namespace, "kept"))
    await writes.delete(namespace, "kept", dry_run=True)
    kept = await client.get(namespace, "kept")
    assert kept.status is None or kept.status.status_text != DELETING_STATUS
    assert await reasons_for(transport, namespace, "kept") == ["WorkspaceCreated"]


async def test_event_client_methods_are_accepted(admin_api: ApiClient, namespace: str) -> None:
    transport = Transport(admin_api)
    ws = await AnalyticsWorkspaceClient(transport).create(workspace(namespace, "outcomes"))
    events = EventClient(transport, None, "xlscsde.nhs.uk/unspecified-controller", "hub")
    assert await events.RegisterWorkspaceEvent(ws, "Provisioned", "storage ready") is not None
    assert await events.WorkspaceCreated(ws) is not None
    assert await events.WorkspaceUpdated(ws, "new image") is not None
    assert await events.CrateDeleted(ws.to_api()) is not None  # plain mappings are accepted
    assert await reasons_for(transport, namespace, "outcomes") == [
        "Provisioned",
        "WorkspaceCreated",
        "WorkspaceUpdated",
        "CrateDeleted",
    ]


async def test_a_failing_event_does_not_fail_the_write(
    control_plane: ControlPlane,
    admin_api: ApiClient,
    user_api: ApiClient,
    user_name: str,
    namespace: str,
    caplog: pytest.LogCaptureFixture,
) -> None:
    # The user may manage workspaces but not create events.
    await control_plane.grant(
        namespace,
        user_name,
        [
            {
                "apiGroups": [GROUP],
                "resources": ["analyticsworkspaces", "analyticsworkspaces/status"],
                "verbs": ["get", "list", "create", "update", "patch", "delete"],
            }
        ],
    )
    transport = Transport(user_api)
    writes = Recording(AnalyticsWorkspaceClient(transport), EventRecorder(transport))

    with caplog.at_level(logging.WARNING, logger="lscsde_sdk.events"):
        created = await writes.create(workspace(namespace, "mine"))
        patched = await writes.merge_patch(namespace, "mine", {"spec": {"description": "v2"}})
        await writes.delete(namespace, "mine")

    assert created.metadata.uid
    assert patched.spec is not None and patched.spec.description == "v2"
    with pytest.raises(NotFoundError):
        await AnalyticsWorkspaceClient(admin_api).get(namespace, "mine")
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 3
    assert all("could not record event Workspace" in w and "403" in w for w in warnings)
    assert await events_in(Transport(admin_api), namespace) == []


async def test_delete_goes_on_when_status_cannot_be_written(
    control_plane: ControlPlane,
    admin_api: ApiClient,
    user_api: ApiClient,
    user_name: str,
    namespace: str,
    caplog: pytest.LogCaptureFixture,
) -> None:
    await AnalyticsWorkspaceClient(admin_api).create(workspace(namespace, "no-status"))
    await control_plane.grant(
        namespace,
        user_name,
        [{"apiGroups": [GROUP], "resources": ["analyticsworkspaces"], "verbs": ["delete"]}],
    )
    client = AnalyticsWorkspaceClient(user_api)
    log = logging.getLogger("lscsde_workspace_mgmt.test")
    with caplog.at_level(logging.WARNING, logger=log.name):
        assert await mark_deleting(client, namespace, "no-status", log) is None
        await client.delete(namespace, "no-status")
    assert "could not mark AnalyticsWorkspace" in caplog.text
    with pytest.raises(NotFoundError):
        await AnalyticsWorkspaceClient(admin_api).get(namespace, "no-status")


async def test_a_role_with_only_core_events_gets_core_events_said_once(
    control_plane: ControlPlane,
    admin_api: ApiClient,
    user_api: ApiClient,
    user_name: str,
    namespace: str,
    caplog: pytest.LogCaptureFixture,
) -> None:
    # As the LSC SDE operators' chart grants: core `events`, not events.k8s.io ones.
    await control_plane.grant(
        namespace, user_name, [{"apiGroups": [""], "resources": ["events"], "verbs": ["create"]}]
    )
    subject = await AnalyticsWorkspaceClient(admin_api).create(workspace(namespace, "core"))
    transport = Transport(user_api)
    recorder = EventRecorder(transport, reporting_controller="xlscsde.nhs.uk/datasource-operator")

    with caplog.at_level(logging.WARNING, logger="lscsde_sdk.events"):
        async with transport.counting() as requests:
            first = await recorder.emit(subject, "Checked", "first")
        async with transport.counting() as later:
            second = await recorder.emit(subject, "Checked", "second")

    assert requests.paths == [
        ("POST", f"/apis/events.k8s.io/v1/namespaces/{namespace}/events"),
        ("POST", f"/api/v1/namespaces/{namespace}/events"),
    ]
    assert later.paths == [("POST", f"/api/v1/namespaces/{namespace}/events")]
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1 and "recording core/v1 Events instead" in warnings[0]
    for event, note in ((first, "first"), (second, "second")):
        assert event["apiVersion"] == "v1"
        assert event["involvedObject"]["uid"] == subject.metadata.uid
        assert (event["reason"], event["message"], event["type"]) == ("Checked", note, "Normal")
        assert event["reportingComponent"] == "xlscsde.nhs.uk/datasource-operator"
    # The same events, read through events.k8s.io, name the object and the controller.
    read_back = await events_in(Transport(admin_api), namespace)
    assert [(e["note"], e["regarding"]["name"]) for e in read_back] == [
        ("first", "core"),
        ("second", "core"),
    ]
