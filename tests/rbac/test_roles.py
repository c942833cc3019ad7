"""Each role of deploy/rbac/ on the real API server, bound to a non-admin identity in a fresh
namespace: the consumer's own code paths through the SDK work; one step beyond them is refused
with ForbiddenError, and so is the same call in another namespace; every request made needs a
permission the role grants, and every permission the role grants is needed by a tested call
(the table in tests/rbac/uses.py)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Callable
from contextlib import aclosing
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
    AnalyticsCrateClient,
    AnalyticsDataSourceBindingClient,
    AnalyticsDataSourceClient,
    AnalyticsWorkspaceBindingClient,
    AnalyticsWorkspaceClient,
)
from lscsde_sdk.core.transport import MERGE_PATCH, Request, Transport
from lscsde_sdk.drift import crd_drift
from lscsde_sdk.envtest import ControlPlane, create_namespace
from lscsde_sdk.errors import ForbiddenError, NotFoundError
from lscsde_sdk.events import EventRecorder
from lscsde_sdk.managers import AnalyticsDataSourceManager, AnalyticsWorkspaceManager
from lscsde_sdk.recording import Recording
from lscsde_sdk.runtime import Informer, InformerError, InformerFactory, Watcher, WatchEvent
from lscsde_sdk.storage import PersistentVolumeClaimClient
from lscsde_sdk.testing import eventually
from lscsde_workspace_mgmt import managers as compat
from lscsde_workspace_mgmt._deleting import mark_deleting
from tests.integration.factories import (
    KIND_CASES,
    crate,
    create_as_another_tool,
    data_source,
    data_source_binding,
    workspace_binding,
)

from .roles import RequestLog, granted, load_role
from .uses import KOPF, USES

pytestmark = pytest.mark.integration

WAIT = 30.0  # seconds: a bound on waits for the server, never an assertion about speed
JOE = "joe@example.org"


# -- helpers -----------------------------------------------------------------------------------


async def bind(control_plane: ControlPlane, namespace: str, user: str, consumer: str) -> None:
    """Create the consumer's Role from deploy/rbac/ in ``namespace`` and bind it to ``user``."""
    role = load_role(consumer)
    assert role["kind"] == "Role"
    await control_plane.grant(namespace, user, role["rules"], name=role["metadata"]["name"])


def assert_exact_use(log: RequestLog, *consumers: str) -> None:
    """The requests logged needed exactly what the consumers' roles grant, and each step the
    table of uses names for a permission sent a request needing it."""
    roles = granted(*(load_role(consumer) for consumer in consumers))
    table = {p: steps for consumer in consumers for p, steps in USES[consumer].items()}
    assert sorted(log.permissions() - roles) == []  # nothing was refused, even quietly
    unused = sorted(
        (str(permission), step)
        for permission, steps in table.items()
        for step in steps
        if step != KOPF and permission not in log.used_by(step)
    )
    assert unused == []
    # What only kopf asks for is proven by running kopf under the role (test_kopf_roles).
    assert log.permissions() == {p for p, steps in table.items() if set(steps) != {KOPF}}


async def next_event(
    events: AsyncIterator[WatchEvent[Any]], name: str, type_: str | None = None
) -> WatchEvent[Any]:
    """The next watch event about the object ``name`` (of type ``type_``)."""
    async with asyncio.timeout(WAIT):
        async for event in events:
            if event.object is not None and event.object.metadata.name == name:
                if type_ is None or event.type == type_:
                    return event
    raise AssertionError(f"the watch ended before an event about {name}")


async def event_reasons(admin_api: ApiClient, namespace: str) -> set[str]:
    """The reasons of the events.k8s.io events in ``namespace``, read as admin."""
    path = f"/apis/events.k8s.io/v1/namespaces/{namespace}/events"
    events = await Transport(admin_api).send_json(Request("GET", path))
    return {item["reason"] for item in events["items"]}


def workspace(namespace: str, name: str) -> dict[str, Any]:
    today = date.today()
    return {
        "metadata": {"name": name, "namespace": namespace},
        "spec": {
            "displayName": f"Workspace {name}",
            "description": f"The {name} study",
            "validity": {
                "availableFrom": (today - timedelta(days=7)).isoformat(),
                "expires": (today + timedelta(days=90)).isoformat(),
            },
            "jupyterWorkspace": {"image": "lscsde/datascience-notebook-default:0.1.0"},
        },
    }


def binding(namespace: str, workspace_name: str) -> dict[str, Any]:
    manifest = workspace_binding(namespace, f"{workspace_name}-joe")
    manifest["spec"].update(
        workspace=workspace_name,
        username=JOE,
        expires=(date.today() + timedelta(days=30)).isoformat(),
    )
    return manifest


def notebook_pod(namespace: str, workspace_name: str) -> V1Pod:
    return V1Pod(
        metadata=V1ObjectMeta(
            name="jupyter-joe", namespace=namespace, labels={"workspace": workspace_name}
        ),
        spec=V1PodSpec(containers=[V1Container(name="notebook", image="busybox:1.36")]),
    )


def slugs(profiles: list[dict[str, Any]]) -> list[str]:
    return [profile["slug"] for profile in profiles]


# -- JupyterHub --------------------------------------------------------------------------------


async def test_jupyterhub_lists_profiles_and_mounts_workspaces_and_nothing_more(
    control_plane: ControlPlane,
    admin_api: ApiClient,
    user_api: ApiClient,
    user_name: str,
    namespace: str,
) -> None:
    await bind(control_plane, namespace, user_name, "jupyterhub")
    other = await create_namespace(admin_api, "hub-other")
    workspaces, bindings = (
        AnalyticsWorkspaceClient(admin_api),
        AnalyticsWorkspaceBindingClient(admin_api),
    )
    for ns in (namespace, other):
        await workspaces.create(workspace(ns, "outcomes"))
        await bindings.create(binding(ns, "outcomes"))

    log = RequestLog()
    with log.recording(user_api):
        async with InformerFactory(user_api) as informers:
            hub = AnalyticsWorkspaceManager(user_api, informers=informers)
            with log.step("permitted_profiles (informers)"):
                assert slugs(await hub.permitted_profiles(namespace, JOE)) == ["outcomes"]

                # The informers follow changes through their watches.
                await workspaces.create(workspace(namespace, "stroke"))
                await bindings.create(binding(namespace, "stroke"))

                async def sees_stroke() -> bool:
                    found = slugs(await hub.permitted_profiles(namespace, JOE))
                    return found == ["outcomes", "stroke"]

                await eventually(sees_stroke, within=WAIT)

            with log.step("mount_workspace"):
                pod = await hub.mount_workspace(
                    notebook_pod(namespace, "outcomes"),
                    storage_class_name="standard",
                    mount_prefix="/home/jovyan",
                )

        direct = AnalyticsWorkspaceManager(user_api)
        with log.step("permitted_profiles (direct)"):
            profiles = await direct.permitted_profiles(namespace, JOE)
        assert slugs(profiles) == ["outcomes", "stroke"]

        # A hub still written for the old library makes the same calls.
        old_api = compat.AnalyticsWorkspaceManager(user_api, logging.getLogger("jupyterhub"))
        with log.step("lscsde_workspace_mgmt"):
            assert slugs(await old_api.get_permitted_workspaces(namespace, JOE)) == slugs(profiles)
            await old_api.mount_workspace(
                notebook_pod(namespace, "stroke"), "standard", "/home/jovyan"
            )

    assert pod.spec is not None
    assert [m.mount_path for m in pod.spec.containers[0].volume_mounts] == ["/home/jovyan/outcomes"]
    claim = await CoreV1Api(admin_api).read_namespaced_persistent_volume_claim(
        "outcomes", namespace
    )
    assert claim.spec.storage_class_name == "standard"
    status = (await workspaces.get(namespace, "outcomes")).status
    assert status is not None
    assert (status.status_text, status.persistent_volume_claim) == ("Provisioned", "outcomes")
    assert await event_reasons(admin_api, namespace) == set()  # the hub records none
    assert_exact_use(log, "jupyterhub")

    # One step beyond: the hub neither deletes workspaces nor grants access to them.
    with pytest.raises(ForbiddenError):
        await direct.workspace_client.delete(namespace, "outcomes")
    with pytest.raises(ForbiddenError):
        await direct.binding_client.create(binding(namespace, "self-service"))
    # The same calls in a namespace the role is not bound in.
    with pytest.raises(ForbiddenError):
        await direct.permitted_profiles(other, JOE)
    with pytest.raises(ForbiddenError):
        await direct.mount_workspace(
            notebook_pod(other, "outcomes"),
            storage_class_name="standard",
            mount_prefix="/home/jovyan",
        )
    async with InformerFactory(user_api) as informers:
        with pytest.raises(InformerError) as refused:
            await AnalyticsWorkspaceManager(user_api, informers=informers).permitted_profiles(
                other, JOE
            )
    assert isinstance(refused.value.__cause__, ForbiddenError)


# -- the data-source operator --------------------------------------------------------------------


async def test_datasource_operator_watches_and_reports_on_data_sources_and_nothing_more(
    control_plane: ControlPlane,
    admin_api: ApiClient,
    user_api: ApiClient,
    user_name: str,
    namespace: str,
) -> None:
    await bind(control_plane, namespace, user_name, "datasource-operator")
    other = await create_namespace(admin_api, "datasource-other")
    admin_sources = AnalyticsDataSourceClient(admin_api)
    for ns in (namespace, other):
        await admin_sources.create(data_source(ns, "extract"))
    bound = data_source_binding(namespace, "extract-to-outcomes")
    bound["spec"].update(workspace="outcomes", datasource="extract")
    await AnalyticsDataSourceBindingClient(admin_api).create(bound)
    await AnalyticsWorkspaceClient(admin_api).create(workspace(namespace, "outcomes"))

    transport = Transport(user_api)
    sources = AnalyticsDataSourceClient(transport)
    recorder = EventRecorder(transport, reporting_controller="xlscsde.nhs.uk/datasource-operator")
    log = RequestLog()
    with log.recording(user_api):
        # An operator keeps watching: the runtime's Watcher lists, then watches.
        async with aclosing(Watcher(sources, namespace).events()) as changes:
            with log.step("watch"):
                listed = await next_event(changes, "extract")
            with log.step("update_status"):
                await sources.update_status(
                    namespace, "extract", lambda _: {"statusText": "Checking"}
                )
            with log.step("patch_status"):
                await sources.patch_status(namespace, "extract", {"statusText": "Ready"})
            with log.step("EventRecorder.emit"):
                await recorder.emit(listed.object, "DataSourceReady", "connections checked")
            with log.step("list_by_workspace"):
                found = await AnalyticsDataSourceBindingClient(transport).list_by_workspace(
                    namespace, "outcomes"
                )
            with log.step("active_datasources"):
                active = await AnalyticsDataSourceManager(transport).active_datasources(
                    namespace, "outcomes"
                )
            await admin_sources.create(data_source(namespace, "late-extract"))
            with log.step("watch"):
                await next_event(changes, "late-extract")

    assert [b.name for b in found] == ["extract-to-outcomes"]
    assert [s.name for s in active] == ["extract"]
    stored = (await admin_sources.get(namespace, "extract")).status
    assert stored is not None and stored.status_text == "Ready"
    assert await event_reasons(admin_api, namespace) == {"DataSourceReady"}
    assert_exact_use(log, "datasource-operator")

    # One step beyond: it reports on data sources; it neither deletes them nor changes workspaces.
    outcomes = await AnalyticsWorkspaceClient(admin_api).get(namespace, "outcomes")
    assert outcomes.spec is not None
    outcomes.spec.description = "changed"
    with pytest.raises(ForbiddenError):
        await AnalyticsWorkspaceClient(transport).replace(outcomes)
    with pytest.raises(ForbiddenError):
        await sources.delete(namespace, "extract")
    # The same call in a namespace the role is not bound in.
    with pytest.raises(ForbiddenError):
        await sources.patch_status(other, "extract", {"statusText": "Ready"})


# -- the crate operator ------------------------------------------------------------------------


async def test_crate_operator_turns_crates_into_data_sources_and_nothing_more(
    control_plane: ControlPlane,
    admin_api: ApiClient,
    user_api: ApiClient,
    user_name: str,
    namespace: str,
) -> None:
    await bind(control_plane, namespace, user_name, "crate-operator")
    other = await create_namespace(admin_api, "crate-other")
    admin_crates = AnalyticsCrateClient(admin_api)
    for ns in (namespace, other):
        await admin_crates.create(crate(ns, "outcomes-crate"))

    transport = Transport(user_api)
    crates = AnalyticsCrateClient(transport)
    recorder = EventRecorder(transport, reporting_controller="xlscsde.nhs.uk/crate-operator")
    sources_client = AnalyticsDataSourceClient(transport)
    sources = Recording(sources_client, recorder)
    log = RequestLog()
    with log.recording(user_api):
        async with aclosing(Watcher(crates, namespace).events()) as changes:
            with log.step("watch"):
                await next_event(changes, "outcomes-crate")
            # A reconcile: look for the crate's data source, create it, then bring it up to date.
            with log.step("get"), pytest.raises(NotFoundError):
                await sources_client.get(namespace, "outcomes-extract")
            with log.step("create"):
                created = await sources.create(data_source(namespace, "outcomes-extract"))
            assert created.spec is not None
            created.spec.description = "From the crate's second commit"
            with log.step("replace"):
                await sources.replace(created)
            with log.step("apply"):
                await sources.apply(data_source(namespace, "outcomes-reference"))
            with log.step("patch_status"):
                await crates.patch_status(
                    namespace, "outcomes-crate", {"statusText": "Processed", "commitId": "4f2a9c1"}
                )
            await admin_crates.create(crate(namespace, "stroke-crate"))
            with log.step("watch"):
                await next_event(changes, "stroke-crate")

    admin_sources = AnalyticsDataSourceClient(admin_api)
    assert [s.name for s in await admin_sources.list(namespace)] == [
        "outcomes-extract",
        "outcomes-reference",
    ]
    status = (await admin_crates.get(namespace, "outcomes-crate")).status
    assert status is not None and status.commit_id == "4f2a9c1"
    assert await event_reasons(admin_api, namespace) == {"DataSourceCreated", "DataSourceUpdated"}
    assert_exact_use(log, "crate-operator")

    # One step beyond: it never deletes data sources.
    with pytest.raises(ForbiddenError):
        await sources.delete(namespace, "outcomes-extract")
    # The same call in a namespace the role is not bound in.
    with pytest.raises(ForbiddenError):
        await sources.create(data_source(other, "outcomes-extract"))


# -- the workspace-binding (VM) operator -------------------------------------------------------


def scale_request(
    client: AnalyticsWorkspaceBindingClient,
    namespace: str,
    name: str,
    method: str,
    body: Any = None,
) -> Request:
    """A request to a binding's scale subresource (the SDK has no scale methods yet)."""
    path = client.info.object_path(namespace, name, "scale")
    content_type = MERGE_PATCH if method == "PATCH" else "application/json"
    return Request(method, path, body=body, content_type=content_type)


async def test_workspace_binding_operator_scales_bindings_and_nothing_more(
    control_plane: ControlPlane,
    admin_api: ApiClient,
    user_api: ApiClient,
    user_name: str,
    namespace: str,
) -> None:
    await bind(control_plane, namespace, user_name, "workspace-binding-operator")
    other = await create_namespace(admin_api, "binding-other")
    admin_bindings = AnalyticsWorkspaceBindingClient(admin_api)
    for ns in (namespace, other):
        await admin_bindings.create(binding(ns, "vm"))
    await AnalyticsWorkspaceClient(admin_api).create(workspace(namespace, "vm"))

    transport = Transport(user_api)
    bindings = AnalyticsWorkspaceBindingClient(transport)
    recorder = EventRecorder(transport, reporting_controller="xlscsde.nhs.uk/vm-operator")
    log = RequestLog()
    with log.recording(user_api):
        informer = Informer(bindings, namespace)
        with log.step("Informer"):
            informer.start()  # its list and watches count for this step
        try:
            await informer.wait_synced(WAIT)
            with log.step("get scale"):
                scale = await transport.send_json(
                    scale_request(bindings, namespace, "vm-joe", "GET")
                )
            scale["spec"]["replicas"] = 1
            with log.step("put scale"):
                await transport.send_json(
                    scale_request(bindings, namespace, "vm-joe", "PUT", scale)
                )
            with log.step("patch scale"):
                await transport.send_json(
                    scale_request(bindings, namespace, "vm-joe", "PATCH", {"spec": {"replicas": 2}})
                )
            with log.step("patch_status"):
                await bindings.patch_status(
                    namespace, "vm-joe", {"statusText": "Running", "replicas": 2}
                )
            with log.step("EventRecorder.emit"):
                seen = informer.store.get(namespace, "vm-joe")
                assert seen is not None
                await recorder.emit(seen, "VirtualMachineStarted", "2 replicas running")
            # The informer follows changes through its watch.
            await admin_bindings.create(binding(namespace, "late"))

            async def sees_late() -> bool:
                return informer.store.get(namespace, "late-joe") is not None

            await eventually(sees_late, within=WAIT)
        finally:
            await informer.stop()

    scaled = await admin_bindings.get(namespace, "vm-joe")
    assert scaled.spec is not None and scaled.spec.replicas == 2
    assert scaled.status is not None and scaled.status.replicas == 2
    assert await event_reasons(admin_api, namespace) == {"VirtualMachineStarted"}
    assert_exact_use(log, "workspace-binding-operator")

    # One step beyond: it changes no workspace and deletes no binding.
    with pytest.raises(ForbiddenError):
        await AnalyticsWorkspaceClient(transport).merge_patch(
            namespace, "vm", {"spec": {"description": "changed"}}
        )
    with pytest.raises(ForbiddenError):
        await bindings.delete(namespace, "vm-joe")
    # The same calls in a namespace the role is not bound in.
    with pytest.raises(ForbiddenError):
        await transport.send_json(
            scale_request(bindings, other, "vm-joe", "PATCH", {"spec": {"replicas": 1}})
        )
    with pytest.raises(ForbiddenError):
        await bindings.patch_status(other, "vm-joe", {"statusText": "Running"})


# -- the admin portal --------------------------------------------------------------------------


@pytest.fixture
async def crd_reader(control_plane: ControlPlane, user_name: str) -> AsyncIterator[None]:
    """The admin portal's ClusterRole, bound to the user for this test only: a cluster-wide
    grant would otherwise be seen by every later test of the session."""
    role = load_role("admin-portal-crd-reader")
    assert role["kind"] == "ClusterRole"
    name = await control_plane.grant_cluster(
        user_name, role["rules"], name=role["metadata"]["name"]
    )
    try:
        yield
    finally:
        await control_plane.revoke_cluster(user_name, name)


async def test_a_cluster_grant_lasts_until_it_is_revoked(
    control_plane: ControlPlane, user_api: ApiClient, user_name: str
) -> None:
    role = load_role("admin-portal-crd-reader")
    name = await control_plane.grant_cluster(user_name, role["rules"])
    try:
        assert (await crd_drift(user_api)).ok
    finally:
        await control_plane.revoke_cluster(user_name, name)
    with pytest.raises(ForbiddenError):
        await crd_drift(user_api)


async def test_admin_portal_manages_the_five_kinds_and_nothing_more(
    control_plane: ControlPlane,
    admin_api: ApiClient,
    user_api: ApiClient,
    user_name: str,
    namespace: str,
    crd_reader: None,
) -> None:
    await bind(control_plane, namespace, user_name, "admin-portal")
    other = await create_namespace(admin_api, "portal-other")

    transport = Transport(user_api)
    recorder = EventRecorder(transport, reporting_controller="xlscsde.nhs.uk/admin-portal")
    log = RequestLog()
    with log.recording(user_api):
        for case in KIND_CASES:
            portal = case.client_type(transport)
            writes = Recording(portal, recorder)
            await exercise_every_call(log, portal, writes, namespace, case.make, case.mutable_field)
            with log.step("patch_status"):
                await portal.patch_status(namespace, "a", {case.status_field: "patched"})
            with log.step("update_status"):
                await portal.update_status(
                    namespace, "a", lambda _, field=case.status_field: {field: "updated"}
                )
            with log.step("replace_status"):
                current = await portal.get(namespace, "a")
                current.status = portal.status_type.model_validate({case.status_field: "put"})
                await portal.replace_status(current)
            with log.step("delete"):
                # As lscsde_workspace_mgmt deletes: the Deleting mark, then the delete.
                await mark_deleting(portal, namespace, "a", logging.getLogger(__name__))
                await writes.delete(namespace, "a")
        for client_type in (
            AnalyticsWorkspaceClient,
            AnalyticsWorkspaceBindingClient,
            AnalyticsDataSourceClient,
            AnalyticsDataSourceBindingClient,
        ):
            labels = client_type(transport)
            make = next(case.make for case in KIND_CASES if case.client_type is client_type)
            await create_as_another_tool(client_type(admin_api), make(namespace, "unlabelled"))
            with log.step("relabel"):
                report = await labels.relabel(namespace)
            assert (len(report.changed), report.failed) == (1, ())
        with log.step("crd_drift"):
            drift = await crd_drift(user_api)

    assert drift.ok, drift.format()
    assert len(drift.kinds) == 5
    kinds = ("Workspace", "WorkspaceBinding", "DataSource", "DataSourceBinding", "Crate")
    changes = ("Created", "Updated", "Deleted")
    assert await event_reasons(admin_api, namespace) == {k + c for k in kinds for c in changes}
    assert_exact_use(log, "admin-portal", "admin-portal-crd-reader")

    # One step beyond: the portal provisions no storage and reads no CRD but the five.
    with pytest.raises(ForbiddenError):
        await PersistentVolumeClaimClient(transport).create_if_not_exists(namespace, "scratch")
    with pytest.raises(ForbiddenError):
        await transport.send(
            Request("GET", "/apis/apiextensions.k8s.io/v1/customresourcedefinitions")
        )
    # The same call in a namespace the role is not bound in.
    with pytest.raises(ForbiddenError):
        await AnalyticsWorkspaceClient(transport).create(workspace(other, "outcomes"))


async def exercise_every_call(
    log: RequestLog,
    portal: Any,
    writes: Recording[Any],
    namespace: str,
    make: Callable[[str, str], dict[str, Any]],
    mutable_field: str,
) -> None:
    """create, get, list, replace, merge_patch, watch, apply and delete of one kind, each in
    the step of its name (the writes through ``writes``, recording events); leaves the
    object ``a``."""
    with log.step("create"):
        created = await writes.create(make(namespace, "a"))
    with log.step("get"):
        current = await portal.get(namespace, "a")
    with log.step("list"):
        assert [item.name for item in await portal.list(namespace)] == ["a"]
    setattr(current.spec, mutable_field, "replaced")
    with log.step("replace"):
        await writes.replace(current)
    with log.step("merge_patch"):
        await writes.merge_patch(namespace, "a", {"spec": {mutable_field: "patched"}})
    with log.step("watch"):
        since = created.metadata.resource_version
        async with aclosing(portal.watch(namespace, resource_version=since)) as changes:
            await next_event(changes, "a", "MODIFIED")
    with log.step("apply"):
        await writes.apply(make(namespace, "b"))
    with log.step("delete"):
        await writes.delete(namespace, "b")
