"""Watches against a real kube-apiserver: the client's one-shot watch (one request, typed
events until the server ends it, bookmarks, selectors, 410 as a typed error, clean
cancellation) and the runtime's Watcher (resumed without relisting after the server ends a
watch, a relist after 410 Gone that reports only what changed)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import aclosing

import pytest
from kubernetes_asyncio.client import ApiClient

from lscsde_sdk.clients import AnalyticsWorkspaceClient, Transport
from lscsde_sdk.errors import GoneError
from lscsde_sdk.models import AnalyticsWorkspace
from lscsde_sdk.runtime import EventType, Watcher, WatchEvent
from lscsde_sdk.testing import eventually
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


async def test_a_watch_streams_the_current_objects_then_typed_changes(
    admin_api: ApiClient, namespace: str
) -> None:
    client = AnalyticsWorkspaceClient(admin_api)
    await client.create(workspace(namespace, "existing"))
    async with aclosing(client.watch(namespace)) as events:
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


async def test_a_watch_from_now_marks_the_end_of_the_current_objects_with_a_bookmark(
    admin_api: ApiClient, namespace: str
) -> None:
    # The real server's bookmark, decoded: it comes right after the current objects (no
    # waiting for the minute between the bookmarks of an idle watch).
    client = AnalyticsWorkspaceClient(admin_api)
    created = await client.create(workspace(namespace, "only"))
    async with asyncio.timeout(30), aclosing(client.watch(namespace)) as events:
        first = await anext(events)
        bookmark = await anext(events)
    assert (first.type, first.object) == (EventType.ADDED, created)
    assert (bookmark.type, bookmark.object) == (EventType.BOOKMARK, None)
    assert bookmark.resource_version  # where a watch resuming after it would start


async def test_one_watch_is_one_request_that_ends_when_the_server_ends_it(
    admin_api: ApiClient, namespace: str
) -> None:
    transport = Transport(admin_api)
    client = AnalyticsWorkspaceClient(transport)
    await client.create(workspace(namespace, "w"))
    async with transport.counting() as counter:
        seen = [event async for event in client.watch(namespace, timeout_seconds=1)]
    assert summary(seen) == [("ADDED", "w")]
    assert counter.paths == [("GET", client.info.collection_path(namespace))]
    assert counter.requests[0].query[:2] == [("watch", "true"), ("allowWatchBookmarks", "true")]


async def test_a_watch_from_an_expired_version_raises_gone(
    admin_api: ApiClient, namespace: str
) -> None:
    client = AnalyticsWorkspaceClient(admin_api)
    with pytest.raises(GoneError):
        async for _ in client.watch(namespace, resource_version="1"):
            pass


async def test_selectors_bound_what_is_watched(admin_api: ApiClient, namespace: str) -> None:
    client = AnalyticsWorkspaceClient(admin_api)
    labelled = workspace(namespace, "team-a")
    labelled["metadata"]["labels"] = {"team": "a"}
    await client.create(labelled)
    await client.create(workspace(namespace, "other"))
    by_label = [
        event
        async for event in client.watch(namespace, label_selector="team=a", timeout_seconds=1)
        if event.type is not EventType.BOOKMARK
    ]
    assert summary(by_label) == [("ADDED", "team-a")]
    by_name = [
        event
        async for event in client.watch(
            namespace, field_selector="metadata.name=other", timeout_seconds=1
        )
        if event.type is not EventType.BOOKMARK
    ]
    assert summary(by_name) == [("ADDED", "other")]


async def test_stopping_a_watch_cancels_it_cleanly(admin_api: ApiClient, namespace: str) -> None:
    client = AnalyticsWorkspaceClient(admin_api)
    await client.create(workspace(namespace, "w"))
    before = len(asyncio.all_tasks())
    watching = asyncio.Event()

    async def consume() -> None:
        async for _ in Watcher(client, namespace).events():
            watching.set()

    task = asyncio.create_task(consume())
    await asyncio.wait_for(watching.wait(), 30)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    await asyncio.sleep(0)
    assert len(asyncio.all_tasks()) <= before
    connector = admin_api.rest_client.pool_manager.connector
    assert len(connector._acquired) == 0


async def test_the_watcher_resumes_a_watch_the_server_ends_without_listing_again(
    admin_api: ApiClient, namespace: str
) -> None:
    transport = Transport(admin_api)
    client = AnalyticsWorkspaceClient(transport)
    path = client.info.collection_path(namespace)
    await client.create(workspace(namespace, "a"))
    # The server ends each watch after 1-2 seconds.
    watcher = Watcher(client, namespace, server_timeout=(1, 2))
    seen: list[WatchEvent[AnalyticsWorkspace]] = []

    async def consume() -> None:
        async for event in watcher.events():
            if event.type is not EventType.BOOKMARK:
                seen.append(event)

    async with transport.counting() as counter:
        task = asyncio.create_task(consume())
        try:
            watches = lambda: sum(("watch", "true") in r.query for r in counter.requests)  # noqa: E731
            await eventually(lambda: watches() >= 3)  # two watches ended, a third is open
            await client.create(workspace(namespace, "b"))
            await eventually(lambda: len(seen) == 2)
        finally:
            task.cancel()
    assert summary(seen) == [("ADDED", "a"), ("ADDED", "b")]
    gets = [r for r in counter.requests if r.method == "GET" and r.path == path]
    lists = [r for r in gets if ("watch", "true") not in r.query]
    assert len(lists) == 1  # one list, then watches resumed from the last version
    assert watcher.stats.relists == 1 and watcher.stats.expired == 0


async def test_the_watcher_relists_an_expired_version_and_reports_only_the_differences(
    admin_api: ApiClient, namespace: str
) -> None:
    client = AnalyticsWorkspaceClient(admin_api)
    for name in ("kept", "changed", "gone"):
        await client.create(workspace(namespace, name))
    # Watch from a version the server no longer has: 410 Gone, then a list.
    watcher = Watcher(client, namespace, resource_version="1")
    async with aclosing(watcher.events()) as events:
        found = await take(events, 3)
        assert sorted(summary(found)) == [
            ("ADDED", "changed"),
            ("ADDED", "gone"),
            ("ADDED", "kept"),
        ]
        assert watcher.stats.expired == 1
        await client.merge_patch(namespace, "changed", {"spec": {"description": "v2"}})
        await client.delete(namespace, "gone")
        changes = await take(events, 2)
        assert summary(changes) == [("MODIFIED", "changed"), ("DELETED", "gone")]
    # Listed objects are as whole as the watch's: managedFields included in both.
    for event in (*found, changes[0]):
        assert event.object is not None and event.object.metadata.managed_fields


async def test_watch_throughput_parses_many_events(admin_api: ApiClient, namespace: str) -> None:
    client = AnalyticsWorkspaceClient(admin_api)
    version = (await client.list_page(namespace)).resource_version
    writer = asyncio.ensure_future(
        asyncio.gather(*(client.create(workspace(namespace, f"w-{i:03}")) for i in range(200)))
    )
    found: list[WatchEvent[AnalyticsWorkspace]] = []
    # The API server ends a watch that falls behind (on a loaded machine, 200 writes at once
    # can outrun it); a watcher resumes from the last version it saw, as this does.
    async with asyncio.timeout(60):
        while len(found) < 200:
            async with aclosing(client.watch(namespace, resource_version=version)) as events:
                async for event in events:
                    version = event.resource_version or version
                    if event.type is not EventType.BOOKMARK:
                        found.append(event)
                    if len(found) == 200:
                        break
    await writer
    assert sorted(name for _, name in summary(found)) == [f"w-{i:03}" for i in range(200)]
