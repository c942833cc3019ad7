"""watch() against a real kube-apiserver: typed events, resume without relisting after the
server ends a watch, a relist after 410 Gone that reports only what changed, bookmarks,
selectors, and clean cancellation."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import pytest
from kubernetes_asyncio.client import ApiClient

from lscsde_sdk.clients import AnalyticsWorkspaceClient, Transport
from lscsde_sdk.core.watch import EventType, Watcher, WatchEvent
from lscsde_sdk.models import AnalyticsWorkspace
from tests.integration.factories import workspace

pytestmark = pytest.mark.integration


async def take(
    events: AsyncIterator[WatchEvent[AnalyticsWorkspace]], count: int, within: float = 30
) -> list[WatchEvent[AnalyticsWorkspace]]:
    """The next ``count`` events that are not bookmarks."""
    found: list[WatchEvent[AnalyticsWorkspace]] = []
    async with asyncio.timeout(within):
        async for event in events:
            if event.type is not EventType.BOOKMARK:
                found.append(event)
            if len(found) == count:
                return found
    return found


def summary(events: list[WatchEvent[AnalyticsWorkspace]]) -> list[tuple[str, str]]:
    return [(event.type.value, str(event.object.metadata.name)) for event in events if event.object]


async def test_watch_lists_first_then_streams_typed_changes(
    admin_api: ApiClient, namespace: str
) -> None:
    client = AnalyticsWorkspaceClient(admin_api)
    await client.create(workspace(namespace, "existing"))
    events = client.watch(namespace)
    try:
        (first,) = await take(events, 1)
        assert (first.type, first.object.name) == (EventType.ADDED, "existing")  # type: ignore[union-attr]
        assert isinstance(first.object, AnalyticsWorkspace)
        await client.create(workspace(namespace, "new"))
        await client.merge_patch(namespace, "new", {"spec": {"description": "changed"}})
        await client.delete(namespace, "new")
        changes = await take(events, 3)
        assert summary(changes) == [("ADDED", "new"), ("MODIFIED", "new"), ("DELETED", "new")]
        modified = changes[1].object
        assert modified is not None and modified.spec is not None
        assert modified.spec.description == "changed"
        assert changes[1].resource_version == modified.metadata.resource_version
    finally:
        await events.aclose()  # type: ignore[attr-defined]


async def test_a_watch_the_server_ends_is_resumed_without_listing_again_or_repeating(
    admin_api: ApiClient, namespace: str
) -> None:
    transport = Transport(admin_api)
    client = AnalyticsWorkspaceClient(transport)
    await client.create(workspace(namespace, "a"))
    # The server ends each watch after 1-2 seconds.
    watcher = Watcher(client, namespace, server_timeout=(1, 2))
    seen: list[WatchEvent[AnalyticsWorkspace]] = []
    arrived = asyncio.Event()

    async def consume() -> None:
        async for event in watcher.events():
            if event.type is not EventType.BOOKMARK:
                seen.append(event)
                arrived.set()

    async with transport.counting() as counter:
        task = asyncio.create_task(consume())
        try:
            await asyncio.wait_for(arrived.wait(), 30)
            await asyncio.sleep(4.5)  # at least two server-side ends
            arrived.clear()
            await client.create(workspace(namespace, "b"))
            await asyncio.wait_for(arrived.wait(), 30)
        finally:
            task.cancel()
    assert summary(seen) == [("ADDED", "a"), ("ADDED", "b")]
    gets = [path for method, path in counter.paths if method == "GET"]
    assert watcher.stats.relists == 1 and watcher.stats.expired == 0
    assert len(gets) - 1 >= 3  # one list, then watches resumed from the last version


async def test_an_expired_version_relists_and_reports_only_the_differences(
    admin_api: ApiClient, namespace: str
) -> None:
    client = AnalyticsWorkspaceClient(admin_api)
    for name in ("kept", "changed", "gone"):
        await client.create(workspace(namespace, name))
    # Watch from a version the server no longer has: 410 Gone, then a list.
    watcher = Watcher(client, namespace, resource_version="1")
    events = watcher.events()
    try:
        found = await take(events, 3)
        assert sorted(summary(found)) == [
            ("ADDED", "changed"),
            ("ADDED", "gone"),
            ("ADDED", "kept"),
        ]
        assert watcher.stats.expired == 1
        await client.merge_patch(namespace, "changed", {"spec": {"description": "v2"}})
        await client.delete(namespace, "gone")
        assert summary(await take(events, 2)) == [("MODIFIED", "changed"), ("DELETED", "gone")]
    finally:
        await events.aclose()  # type: ignore[attr-defined]


async def test_differences_after_a_relist_include_deletions_with_unknown_final_state() -> None:
    from lscsde_sdk.core.watch import Relisted, _differences

    def obj(name: str, version: str) -> AnalyticsWorkspace:
        return AnalyticsWorkspace.from_api(
            {"metadata": {"name": name, "namespace": "ns", "resourceVersion": version}}
        )

    seen: dict[str, str | None] = {"ns/kept": "1", "ns/changed": "2", "ns/gone": "3"}
    relisted = Relisted([obj("kept", "1"), obj("changed", "5"), obj("new", "6")], "9")
    events = _differences(relisted, seen, AnalyticsWorkspace)
    assert [(e.type.value, e.object.name, e.final_state_unknown) for e in events] == [  # type: ignore[union-attr]
        ("DELETED", "gone", True),
        ("MODIFIED", "changed", False),
        ("ADDED", "new", False),
    ]
    assert seen == {"ns/kept": "1", "ns/changed": "5", "ns/new": "6"}


async def test_bookmarks_advance_the_version_of_an_idle_watch(
    admin_api: ApiClient, namespace: str
) -> None:
    client = AnalyticsWorkspaceClient(admin_api)
    await client.create(workspace(namespace, "only"))
    # The watch cache sends an idle watcher a bookmark about once a minute (it waits for that
    # minute: a shorter watch gets none) and 2 s before the watch times out on the server.
    # On a busy machine the first can be missed, so the watch lasts long enough for the second.
    watcher = Watcher(client, namespace, server_timeout=(120, 120))
    bookmarks: list[WatchEvent[Any]] = []
    changes = watcher.changes()
    try:
        async with asyncio.timeout(130):
            async for change in changes:
                if isinstance(change, WatchEvent) and change.type is EventType.BOOKMARK:
                    bookmarks.append(change)
                    break
    finally:
        await changes.aclose()  # type: ignore[attr-defined]
    assert bookmarks and bookmarks[0].object is None and bookmarks[0].resource_version


async def test_selectors_and_a_timeout_bound_what_is_watched(
    admin_api: ApiClient, namespace: str
) -> None:
    client = AnalyticsWorkspaceClient(admin_api)
    labelled = workspace(namespace, "team-a")
    labelled["metadata"]["labels"] = {"team": "a"}
    await client.create(labelled)
    await client.create(workspace(namespace, "other"))
    loop = asyncio.get_running_loop()
    started = loop.time()
    seen = [
        event
        async for event in client.watch(namespace, label_selector="team=a", timeout=2)
        if event.type is not EventType.BOOKMARK
    ]
    assert summary(seen) == [("ADDED", "team-a")]
    assert loop.time() - started < 15  # it ended on its own
    by_name = [
        event
        async for event in client.watch(namespace, field_selector="metadata.name=other", timeout=1)
        if event.type is not EventType.BOOKMARK
    ]
    assert summary(by_name) == [("ADDED", "other")]


async def test_stopping_a_watch_cancels_it_cleanly(admin_api: ApiClient, namespace: str) -> None:
    client = AnalyticsWorkspaceClient(admin_api)
    await client.create(workspace(namespace, "w"))
    before = len(asyncio.all_tasks())

    async def consume() -> None:
        async for _ in client.watch(namespace):
            pass

    task = asyncio.create_task(consume())
    await asyncio.sleep(1)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    await asyncio.sleep(0)
    assert len(asyncio.all_tasks()) <= before
    connector = admin_api.rest_client.pool_manager.connector
    assert len(connector._acquired) == 0


async def test_watch_throughput_parses_many_events(admin_api: ApiClient, namespace: str) -> None:
    client = AnalyticsWorkspaceClient(admin_api)
    events = client.watch(namespace)
    try:
        writer = asyncio.ensure_future(
            asyncio.gather(*(client.create(workspace(namespace, f"w-{i:03}")) for i in range(200)))
        )
        found = await take(events, 200, within=60)
        await writer
    finally:
        await events.aclose()  # type: ignore[attr-defined]
    assert sorted(name for _, name in summary(found)) == [f"w-{i:03}" for i in range(200)]
