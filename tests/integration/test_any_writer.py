"""A user's workspaces, and a workspace's data sources, are right whoever wrote the objects,
on every lookup path, and no lookup writes anything.

One namespace holds what kubectl and GitOps write (plain manifests, no labels, usernames in
any case), what lscsde-workspace-mgmt 0.1.14 labelled, what the SDK writes, and a binding
whose label is stale: its spec was edited by hand to name ann while its label still names
joe. Every path must give joe exactly his workspaces: the SDK managers directly and from
informers, the compat managers and clients, and ``lscsde access`` run as the console script.

Then the cost of the direct path, counted at two namespace sizes with the other bindings
labelled and unlabelled, and the one warning about unlabelled objects.
"""

from __future__ import annotations

import asyncio
import json
import logging
import secrets
import sys
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import pytest
import pytest_asyncio
from kubernetes_asyncio.client import ApiClient, CustomObjectsApi

from lscsde_sdk.clients import (
    AnalyticsDataSourceBindingClient,
    AnalyticsDataSourceClient,
    AnalyticsWorkspaceBindingClient,
    AnalyticsWorkspaceClient,
    Transport,
)
from lscsde_sdk.core.transport import BodyConsumer, Request, counting_all
from lscsde_sdk.envtest import ADMIN, ControlPlane, create_namespace
from lscsde_sdk.labels import USERNAME_LABEL, WORKSPACE_LABEL, format_as_label
from lscsde_sdk.managers import AnalyticsDataSourceManager, AnalyticsWorkspaceManager
from lscsde_sdk.runtime import InformerFactory
from lscsde_workspace_mgmt import managers as compat_managers
from lscsde_workspace_mgmt.datasourcebindingclient import (
    AnalyticsDataSourceBindingClient as CompatDataSourceBindings,
)
from lscsde_workspace_mgmt.datasourceclient import AnalyticsDataSourceClient as CompatDataSources
from lscsde_workspace_mgmt.workspacebindingclient import (
    AnalyticsWorkspaceBindingClient as CompatBindings,
)
from lscsde_workspace_mgmt.workspaceclient import AnalyticsWorkspaceClient as CompatWorkspaces
from tests.integration.factories import (
    create_as_another_tool,
    username_label_of_0_1_14,
)
from tests.integration.factories import workspace as workspace_manifest

pytestmark = pytest.mark.integration

LOG = logging.getLogger("test.any_writer")
JOE = "joe.bloggs@example.org"  # as JupyterHub passes it: lower-cased
ANN = "ann@example.org"
#: Joe's workspaces: bound by kubectl, in another case, by 0.1.14 and by the SDK.
JOES = ["by-0-1-14", "by-kubectl", "by-sdk", "mixed-case"]
#: The data sources bound to workspace by-kubectl: by kubectl, by 0.1.14 and by the SDK.
BY_KUBECTL_SOURCES = ["ds-0-1-14", "ds-kubectl", "ds-sdk"]


def _workspace(namespace: str, name: str) -> dict[str, Any]:
    manifest = workspace_manifest(namespace, name)
    manifest["spec"]["validity"] = {"availableFrom": "2020-01-01", "expires": "2099-12-31"}
    return manifest


def _metadata(namespace: str, name: str, labels: dict[str, str] | None) -> dict[str, Any]:
    return {"name": name, "namespace": namespace} | ({"labels": labels} if labels else {})


def _binding(
    namespace: str, name: str, workspace: str, username: str, labels: dict[str, str] | None = None
) -> dict[str, Any]:
    return {
        "metadata": _metadata(namespace, name, labels),
        "spec": {"workspace": workspace, "username": username, "expires": "2098-12-31"},
    }


def _source_binding(
    namespace: str, name: str, workspace: str, datasource: str, labels: dict[str, str] | None = None
) -> dict[str, Any]:
    return {
        "metadata": _metadata(namespace, name, labels),
        "spec": {"workspace": workspace, "datasource": datasource},
    }


@dataclass
class World:
    api: ApiClient
    namespace: str
    kubeconfig: Path


async def _labels(api: ApiClient, namespace: str) -> dict[str, dict[str, str]]:
    """Every binding's labels, by kind and name: what a lookup must leave as it was."""
    found = {}
    for client_type in (AnalyticsWorkspaceBindingClient, AnalyticsDataSourceBindingClient):
        for item in await client_type(api).list(namespace):
            found[f"{client_type.__name__}/{item.name}"] = dict(item.metadata.labels or {})
    return found


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def world(control_plane: ControlPlane) -> AsyncIterator[World]:
    api = await control_plane.api_client(ADMIN)
    namespace = await create_namespace(api, "any-writer")
    workspaces = AnalyticsWorkspaceClient(api)
    bindings = AnalyticsWorkspaceBindingClient(api)
    sources = AnalyticsDataSourceClient(api)
    source_bindings = AnalyticsDataSourceBindingClient(api)
    for name in [*JOES, "anns", "edited-to-ann"]:
        await create_as_another_tool(workspaces, _workspace(namespace, name))
    for name in [*BY_KUBECTL_SOURCES, "ds-other"]:
        manifest = {
            "metadata": {"name": name, "namespace": namespace},
            "spec": {"type": "Uploaded", "displayName": name},
        }
        await create_as_another_tool(sources, manifest)
    raw = [
        (bindings, _binding(namespace, "joe-kubectl", "by-kubectl", JOE)),
        (bindings, _binding(namespace, "joe-mixed", "mixed-case", "Joe.Bloggs@EXAMPLE.org")),
        (
            bindings,
            _binding(
                namespace,
                "joe-0-1-14",
                "by-0-1-14",
                "JOE.Bloggs@example.org",
                {USERNAME_LABEL: username_label_of_0_1_14("JOE.Bloggs@example.org")},
            ),
        ),
        (bindings, _binding(namespace, "ann-kubectl", "anns", ANN)),
        # Labelled for joe, then edited by hand to give ann the workspace.
        (
            bindings,
            _binding(
                namespace, "edited", "edited-to-ann", ANN, {USERNAME_LABEL: format_as_label(JOE)}
            ),
        ),
        (source_bindings, _source_binding(namespace, "dsb-kubectl", "by-kubectl", "ds-kubectl")),
        (
            source_bindings,
            _source_binding(
                namespace, "dsb-0-1-14", "by-kubectl", "ds-0-1-14", {WORKSPACE_LABEL: "by-kubectl"}
            ),
        ),
        (source_bindings, _source_binding(namespace, "dsb-other", "anns", "ds-other")),
    ]
    for client, manifest in raw:
        await create_as_another_tool(client, manifest)
    await bindings.create(_binding(namespace, "joe-sdk", "by-sdk", JOE))
    await source_bindings.create(_source_binding(namespace, "dsb-sdk", "by-kubectl", "ds-sdk"))
    try:
        yield World(api, namespace, control_plane.kubeconfig_path())
    finally:
        await api.close()


async def _read_only(world: World, lookup: Callable[[], Awaitable[list[str]]]) -> list[str]:
    """What ``lookup`` returns, checking that it sent only reads and changed no label."""
    before = await _labels(world.api, world.namespace)
    async with counting_all(world.api) as counter:
        found = await lookup()
    assert counter.total > 0 and counter.writes == 0, counter.by_method
    assert await _labels(world.api, world.namespace) == before
    return found


# -- a user's workspaces, per path -------------------------------------------------------------


@pytest.mark.parametrize("username", [JOE, "Joe.Bloggs@Example.ORG"])
async def test_the_sdk_manager_finds_every_binding_directly(world: World, username: str) -> None:
    manager = AnalyticsWorkspaceManager(world.api)

    async def lookup() -> list[str]:
        profiles = await manager.permitted_profiles(world.namespace, username)
        assert sorted(await manager.bound_workspaces(world.namespace, username)) == JOES
        return sorted(profile["slug"] for profile in profiles)

    assert await _read_only(world, lookup) == JOES


async def test_the_sdk_manager_finds_every_binding_from_informers(world: World) -> None:
    async with InformerFactory(world.api) as informers:
        manager = AnalyticsWorkspaceManager(world.api, informers=informers)

        async def lookup() -> list[str]:
            profiles = await manager.permitted_profiles(world.namespace, JOE)
            return sorted(profile["slug"] for profile in profiles)

        assert await _read_only(world, lookup) == JOES
        # The informers index the spec itself: the hand-edited binding is ann's.
        profiles = await manager.permitted_profiles(world.namespace, ANN)
        assert sorted(profile["slug"] for profile in profiles) == ["anns", "edited-to-ann"]


async def test_the_direct_path_misses_only_a_stale_label_naming_another_user(
    world: World,
) -> None:
    # The documented gap: ann's binding still labelled for joe is selected for neither of
    # them by label, and it is not unlabelled; relabel (or an informer) finds it.
    manager = AnalyticsWorkspaceManager(world.api)
    profiles = await manager.permitted_profiles(world.namespace, ANN)
    assert [profile["slug"] for profile in profiles] == ["anns"]


async def test_the_compat_manager_finds_every_binding(world: World) -> None:
    # The LSC SDE hub's way: a new manager for each profile_list call.
    async def lookup() -> list[str]:
        manager = compat_managers.AnalyticsWorkspaceManager(world.api, LOG)
        profiles = await manager.get_permitted_workspaces(world.namespace, JOE)
        assert sorted(await manager.get_workspaces_for_user(world.namespace, JOE)) == JOES
        return sorted(profile["slug"] for profile in profiles)

    assert await _read_only(world, lookup) == JOES


async def test_the_compat_clients_find_every_binding(world: World) -> None:
    custom_objects = CustomObjectsApi(world.api)
    bindings = CompatBindings(custom_objects, LOG, None)
    workspaces = CompatWorkspaces(custom_objects, LOG, None)

    async def lookup() -> list[str]:
        found = await bindings.list_by_username(world.namespace, JOE)
        assert [b.metadata.name for b in found if b.metadata] == [
            "joe-0-1-14",
            "joe-kubectl",
            "joe-mixed",
            "joe-sdk",
        ]
        listed = await workspaces.list_by_username(bindings, world.namespace, JOE)
        return sorted(w.metadata.name for w in listed if w.metadata and w.metadata.name)

    assert await _read_only(world, lookup) == JOES


async def _lscsde_access(kubeconfig: Path, *argv: str) -> list[dict[str, Any]]:
    """The items ``lscsde access ARGV -o json`` prints, run as the console script."""
    process = await asyncio.create_subprocess_exec(
        str(Path(sys.executable).parent / "lscsde"),
        "--kubeconfig",
        str(kubeconfig),
        "-o",
        "json",
        "access",
        *argv,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await process.communicate()
    assert process.returncode == 0, err.decode()
    items: list[dict[str, Any]] = json.loads(out)["items"]
    return items


async def test_lscsde_access_finds_every_binding(world: World) -> None:
    before = await _labels(world.api, world.namespace)
    items = await _lscsde_access(world.kubeconfig, JOE, "-n", world.namespace)
    assert sorted(item["name"] for item in items) == JOES
    assert await _labels(world.api, world.namespace) == before


async def test_lscsde_access_in_all_namespaces_finds_unlabelled_bindings(
    control_plane: ControlPlane, admin_api: ApiClient
) -> None:
    user = f"raw-{secrets.token_hex(4)}@example.org"
    namespaces = sorted([await control_plane.create_namespace("raw") for _ in range(2)])
    workspaces = AnalyticsWorkspaceClient(admin_api)
    bindings = AnalyticsWorkspaceBindingClient(admin_api)
    for namespace in namespaces:
        await create_as_another_tool(workspaces, _workspace(namespace, "study"))
        await create_as_another_tool(bindings, _binding(namespace, "b", "study", user.upper()))

    items = await _lscsde_access(control_plane.kubeconfig_path(), user, "-A")

    assert [(item["namespace"], item["name"]) for item in items] == [
        (namespace, "study") for namespace in namespaces
    ]


# -- a workspace's data sources, per path ------------------------------------------------------


async def test_the_data_source_lookups_find_every_binding(world: World) -> None:
    custom_objects = CustomObjectsApi(world.api)
    compat_bindings = CompatDataSourceBindings(custom_objects, LOG, None)
    compat_sources = CompatDataSources(custom_objects, LOG, None)

    async def direct() -> list[str]:
        bound = await AnalyticsDataSourceManager(world.api).bound_datasources(
            world.namespace, "by-kubectl"
        )
        return sorted(bound)

    async def compat() -> list[str]:
        found = await compat_bindings.list_by_workspace(world.namespace, "by-kubectl")
        assert sorted(b.spec.datasource for b in found if b.spec and b.spec.datasource) == (
            BY_KUBECTL_SOURCES
        )
        listed = await compat_sources.list_by_workspace(
            compat_bindings, world.namespace, "by-kubectl"
        )
        return sorted(s.metadata.name for s in listed if s.metadata and s.metadata.name)

    assert await _read_only(world, direct) == BY_KUBECTL_SOURCES
    assert await _read_only(world, compat) == BY_KUBECTL_SOURCES
    async with InformerFactory(world.api) as informers:
        cached = AnalyticsDataSourceManager(world.api, informers=informers)
        bound = await cached.bound_datasources(world.namespace, "by-kubectl")
        assert sorted(bound) == BY_KUBECTL_SOURCES


# -- what the direct path costs ----------------------------------------------------------------


ConsumerT = TypeVar("ConsumerT", bound=BodyConsumer)


class InFlightTransport(Transport):
    """A transport that records the most requests it had in flight at once."""

    def __init__(self, api: ApiClient) -> None:
        super().__init__(api)
        self.in_flight = 0
        self.most_in_flight = 0

    @contextmanager
    def _flying(self) -> Iterator[None]:
        self.in_flight += 1
        self.most_in_flight = max(self.most_in_flight, self.in_flight)
        try:
            yield
        finally:
            self.in_flight -= 1

    async def send(self, request: Request) -> bytes:
        with self._flying():
            return await super().send(request)

    async def send_to(self, request: Request, consumer: Callable[[], ConsumerT]) -> ConsumerT:
        with self._flying():
            return await super().send_to(request, consumer)


async def _namespace_of(
    control_plane: ControlPlane, admin_api: ApiClient, others: int, labelled: bool
) -> str:
    """A namespace with joe's 3 workspaces and bindings (SDK-written) and ``others`` bindings
    of other users, written by the SDK (``labelled``) or from plain manifests."""
    namespace = await control_plane.create_namespace(f"cost-{others}")
    workspaces = AnalyticsWorkspaceClient(admin_api)
    bindings = AnalyticsWorkspaceBindingClient(admin_api)
    gate = asyncio.Semaphore(16)

    async def create(write: Awaitable[Any]) -> None:
        async with gate:
            await write

    joes = [f"ws-{index}" for index in range(3)]
    writes: list[Awaitable[Any]] = [workspaces.create(_workspace(namespace, n)) for n in joes]
    writes += [bindings.create(_binding(namespace, f"joe-{n}", n, JOE)) for n in joes]
    for index in range(others):
        manifest = _binding(namespace, f"other-{index:03}", "ws-0", f"user{index}@example.org")
        writes.append(
            bindings.create(manifest) if labelled else create_as_another_tool(bindings, manifest)
        )
    await asyncio.gather(*(create(write) for write in writes))
    return namespace


@pytest.mark.parametrize("labelled", [True, False], ids=["labelled", "unlabelled"])
async def test_the_direct_path_costs_two_lists_at_once_then_the_workspaces(
    control_plane: ControlPlane, admin_api: ApiClient, labelled: bool
) -> None:
    received: dict[int, int] = {}
    for others in (20, 200):
        namespace = await _namespace_of(control_plane, admin_api, others, labelled)
        transport = Transport(admin_api)
        manager = AnalyticsWorkspaceManager(transport)
        async with transport.counting() as counter:
            profiles = await manager.permitted_profiles(namespace, JOE)
        assert sorted(profile["slug"] for profile in profiles) == ["ws-0", "ws-1", "ws-2"]
        # The user's labelled bindings and the unlabelled ones, sent together (one round
        # trip), then a GET per bound workspace; nothing written.
        assert counter.by_method == {"GET": 2 + 3}
        binding_lists = [r for r in counter.requests if r.path.endswith("bindings")]
        assert sorted(dict(r.query)["labelSelector"] for r in binding_lists) == [
            f"!{USERNAME_LABEL}",
            f"{USERNAME_LABEL}={format_as_label(JOE)}",
        ]
        received[others] = counter.bytes_received
        in_flight = InFlightTransport(admin_api)
        await AnalyticsWorkspaceBindingClient(in_flight).list_by_username(namespace, JOE)
        assert in_flight.most_in_flight == 2
    async with transport.counting() as one:
        await AnalyticsWorkspaceBindingClient(transport).get(namespace, "other-000")
    one_binding = one.bytes_received
    if labelled:
        # What the user owns, whatever the namespace holds.
        assert abs(received[200] - received[20]) <= 0.02 * received[20]
    else:
        # Every unlabelled binding is read on each call.
        assert received[200] - received[20] >= 150 * one_binding


async def test_unlabelled_objects_are_reported_once_per_namespace(
    admin_api: ApiClient, namespace: str, caplog: pytest.LogCaptureFixture
) -> None:
    bindings = AnalyticsWorkspaceBindingClient(admin_api)
    for index in range(2):
        manifest = _binding(namespace, f"kubectl-{index}", "ws", f"user{index}@example.org")
        await create_as_another_tool(bindings, manifest)
    # Unlabelled because its username has no label form: relabel cannot change that.
    await bindings.create(_binding(namespace, "no-label-form", "ws", "joe!"))
    await bindings.create(_binding(namespace, "labelled", "ws", JOE))

    with caplog.at_level(logging.WARNING):
        for _ in range(2):
            await AnalyticsWorkspaceManager(admin_api).bound_workspaces(namespace, JOE)
        assert [b.name for b in await bindings.list_by_username(namespace, "JOE!")] == [
            "no-label-form"
        ]
    reports = [r.getMessage() for r in caplog.records if "carry no" in r.getMessage()]
    assert reports == [
        f"2 AnalyticsWorkspaceBinding objects in namespace {namespace} carry no "
        f"{USERNAME_LABEL} label: lookups read them on every call; "
        f"`lscsde relabel -n {namespace}` labels them and restores the fast path"
    ]
