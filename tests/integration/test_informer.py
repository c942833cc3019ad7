"""Informers against a real kube-apiserver: a store kept current by list and watch, exact
indexes whatever the labels say, handlers, shared per kind and namespace, a spawn path that
makes no request, and clean start and stop."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from kubernetes_asyncio.client import ApiClient

from lscsde_sdk.clients import (
    AnalyticsWorkspaceBindingClient,
    AnalyticsWorkspaceClient,
    Transport,
)
from lscsde_sdk.envtest import ControlPlane
from lscsde_sdk.labels import USERNAME_LABEL
from lscsde_sdk.managers import AnalyticsWorkspaceManager
from lscsde_sdk.runtime import EventType, Informer, InformerError, InformerFactory, WatchEvent
from lscsde_sdk.testing import eventually
from tests.integration.factories import create_as_another_tool, workspace

pytestmark = pytest.mark.integration


def binding(namespace: str, name: str, username: str, ws: str, **metadata: Any) -> dict[str, Any]:
    return {
        "metadata": {"name": name, "namespace": namespace, **metadata},
        "spec": {"workspace": ws, "username": username, "expires": "2099-01-01"},
    }


async def test_the_store_follows_the_server_and_indexes_the_spec_not_the_label(
    admin_api: ApiClient, namespace: str
) -> None:
    bindings = AnalyticsWorkspaceBindingClient(admin_api)
    await bindings.create(binding(namespace, "joe-1", "Joe@Example.org", "a"))
    # Written by other tools: no label, and a stale one (label joe, spec ann).
    await create_as_another_tool(bindings, binding(namespace, "joe-2", "joe@example.org", "b"))
    await create_as_another_tool(
        bindings,
        binding(
            namespace, "ann-1", "ann@example.org", "c", labels={USERNAME_LABEL: "joe___example.org"}
        ),
    )
    async with Informer(bindings, namespace) as informer:
        store = informer.store
        assert [b.name for b in store.by_index("username", "joe@example.org")] == [
            "joe-1",
            "joe-2",
        ]
        assert [b.name for b in store.by_index("username", "ANN@EXAMPLE.ORG")] == ["ann-1"]
        assert store.get(namespace, "joe-1") is not None
        assert all(b.metadata.managed_fields is None for b in store.list())

        await bindings.merge_patch(namespace, "joe-2", {"spec": {"username": "ann@example.org"}})
        await bindings.create(binding(namespace, "joe-3", "joe@example.org", "d"))
        await bindings.delete(namespace, "joe-1")
        await eventually(
            lambda: [b.name for b in store.by_index("username", "joe@example.org")] == ["joe-3"]
        )
        assert [b.name for b in store.by_index("username", "ann@example.org")] == [
            "ann-1",
            "joe-2",
        ]
        assert informer.health().synced and not informer.health().degraded


async def test_handlers_hear_every_change_after_the_store_has_it(
    admin_api: ApiClient, namespace: str
) -> None:
    client = AnalyticsWorkspaceClient(admin_api)
    await client.create(workspace(namespace, "before"))
    informer = Informer(client, namespace)
    heard: list[tuple[str, str, str | None]] = []

    async def handler(event: WatchEvent[Any], previous: Any) -> None:
        assert informer.store.get(namespace, event.object.name) is (
            None if event.type is EventType.DELETED else event.object
        )
        heard.append((event.type.value, event.object.name, previous.name if previous else None))

    informer.add_handler(handler)
    informer.add_handler(lambda event, previous: 1 / 0)  # a failing handler changes nothing
    async with informer:
        await client.create(workspace(namespace, "new"))
        await client.merge_patch(namespace, "new", {"spec": {"description": "v2"}})
        await client.delete(namespace, "before")
        await eventually(lambda: len(heard) == 4)
    assert heard == [
        ("ADDED", "before", None),
        ("ADDED", "new", None),
        ("MODIFIED", "new", "new"),
        ("DELETED", "before", "before"),
    ]
    assert not informer.running


async def test_the_spawn_path_from_informers_makes_no_request_and_is_exact(
    admin_api: ApiClient, namespace: str
) -> None:
    setup = AnalyticsWorkspaceBindingClient(admin_api)
    workspaces = AnalyticsWorkspaceClient(admin_api)
    for name in ("alpha", "beta", "gamma"):
        await workspaces.create(workspace(namespace, name))
    await setup.create(binding(namespace, "b1", "joe@example.org", "alpha"))
    await create_as_another_tool(setup, binding(namespace, "b2", "joe@example.org", "beta"))
    await create_as_another_tool(
        setup,
        binding(
            namespace,
            "b3",
            "ann@example.org",
            "gamma",
            labels={USERNAME_LABEL: "joe___example.org"},
        ),
    )

    factory_transport = Transport(admin_api)
    async with InformerFactory(factory_transport) as informers:
        manager_transport = Transport(admin_api)
        manager = AnalyticsWorkspaceManager(manager_transport, informers=informers)
        first = await manager.permitted_profiles(namespace, "joe@example.org", day="2026-06-01")
        assert [p["slug"] for p in first] == ["alpha", "beta"]  # exact despite the labels
        async with factory_transport.counting() as shared, manager_transport.counting() as own:
            for _ in range(20):
                profiles = await manager.permitted_profiles(
                    namespace, "JOE@example.org", day="2026-06-01"
                )
                assert [p["slug"] for p in profiles] == ["alpha", "beta"]
            found = await manager.bound_workspaces(namespace, "ann@example.org")
        assert (shared.total, own.total) == (0, 0)
        assert list(found) == ["gamma"]
        # What the manager hands out are copies: changing them leaves the cache alone.
        found["gamma"].spec.description = "changed"  # type: ignore[union-attr]
        cached = informers.informer(AnalyticsWorkspaceClient, namespace).store.get(
            namespace, "gamma"
        )
        assert cached is not None and cached.spec is not None
        assert cached.spec.description != "changed"


async def test_informers_are_shared_and_start_only_when_first_used(
    admin_api: ApiClient, namespace: str
) -> None:
    await AnalyticsWorkspaceClient(admin_api).create(workspace(namespace, "w"))
    transport = Transport(admin_api)
    informers = InformerFactory(transport)
    before = len(asyncio.all_tasks())
    managers = [AnalyticsWorkspaceManager(admin_api, informers=informers) for _ in range(10)]
    assert len(asyncio.all_tasks()) == before  # constructing managers starts nothing
    try:
        async with transport.counting() as counter:
            await asyncio.gather(
                *(m.permitted_profiles(namespace, "nobody@example.org") for m in managers)
            )
        assert len(informers.informers) == 2  # bindings and workspaces, once each
        lists = [p for method, p in counter.paths if method == "GET"]
        assert len([p for p in lists if p.endswith("analyticsworkspaces")]) <= 2  # list + watch
        assert all(informer.running for informer in informers.informers)
    finally:
        await informers.stop()
    assert not any(informer.running for informer in informers.informers)
    await asyncio.sleep(0)
    assert len(asyncio.all_tasks()) == before


async def test_an_informer_without_list_rights_fails_to_sync_with_a_clear_error(
    control_plane: ControlPlane, user_api: ApiClient, namespace: str
) -> None:
    informer = Informer(AnalyticsWorkspaceBindingClient(user_api), namespace)
    informer.start()
    with pytest.raises(InformerError, match="forbidden"):
        await informer.wait_synced(timeout=30)
    await informer.stop()


async def test_many_concurrent_readers_see_a_complete_store(
    admin_api: ApiClient, namespace: str
) -> None:
    client = AnalyticsWorkspaceBindingClient(admin_api)
    await asyncio.gather(
        *(
            client.create(binding(namespace, f"b-{i:02}", "joe@example.org", f"w{i}"))
            for i in range(40)
        )
    )
    async with Informer(client, namespace) as informer:
        counts = set()

        async def reader() -> None:
            for _ in range(50):
                counts.add(len(informer.store.by_index("username", "joe@example.org")))
                await asyncio.sleep(0)

        await asyncio.gather(*(reader() for _ in range(20)))
    assert counts == {40}
