"""The API server and etcd going away and coming back: watches and informers resume and lose
no change, and a read during an outage fails with a typed error, then works again."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest
import pytest_asyncio
from kubernetes_asyncio.client import ApiClient

from lscsde_sdk.clients import DEFAULT_RETRY, AnalyticsWorkspaceClient, Timeouts, Transport
from lscsde_sdk.envtest import ControlPlane
from lscsde_sdk.errors import ApiConnectionError, LscsdeError, RetriesExhaustedError
from lscsde_sdk.runtime import EventType, Informer, Watcher, WatchEvent
from lscsde_sdk.testing import eventually
from tests.integration.factories import workspace

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def plane(control_plane_factory: Callable[..., ControlPlane]) -> ControlPlane:
    # A short request timeout: a request waiting for a stopped etcd fails in 5 s, not 60 s.
    return control_plane_factory("--request-timeout=5s")


@pytest_asyncio.fixture(loop_scope="session")
async def api(plane: ControlPlane) -> AsyncIterator[ApiClient]:
    async with await plane.api_client() as client:
        yield client


async def test_an_informer_resumes_after_the_api_server_restarts_and_misses_nothing(
    plane: ControlPlane, api: ApiClient
) -> None:
    namespace = await plane.create_namespace("informer-restart")
    client = AnalyticsWorkspaceClient(api)
    for name in ("a", "b"):
        await client.create(workspace(namespace, name))
    heard: list[tuple[str, str, str | None]] = []

    def record(event: WatchEvent[Any], previous: Any) -> None:
        heard.append((event.type.value, event.object.name, event.resource_version))

    informer = Informer(AnalyticsWorkspaceClient(Transport(api)), namespace)
    informer.add_handler(record)
    async with informer:
        await asyncio.to_thread(plane.restart_apiserver)
        # Changes right after the restart, while the informer is still reconnecting.
        await client.create(workspace(namespace, "c"))
        await client.merge_patch(namespace, "a", {"spec": {"description": "after"}})
        await client.delete(namespace, "b")
        await eventually(
            lambda: (
                sorted(w.name for w in informer.store.list(namespace)) == ["a", "c"]
                and informer.store.get(namespace, "a").spec.description == "after"
            ),  # type: ignore[union-attr]
            within=60,
        )
    versions = [(name, version) for kind, name, version in heard if kind != "DELETED"]
    assert len(versions) == len(set(versions))  # no version twice
    assert ("DELETED", "b") in {(kind, name) for kind, name, _ in heard}
    assert {name for kind, name, _ in heard if kind == "ADDED"} == {"a", "b", "c"}
    assert informer.health().reconnects + informer.health().relists >= 2


async def test_a_watch_resumes_after_the_api_server_is_killed(
    plane: ControlPlane, api: ApiClient
) -> None:
    namespace = await plane.create_namespace("watch-restart")
    client = AnalyticsWorkspaceClient(api)
    await client.create(workspace(namespace, "first"))
    seen: list[WatchEvent[Any]] = []
    watcher = Watcher(AnalyticsWorkspaceClient(Transport(api)), namespace)

    async def consume() -> None:
        async for event in watcher.events():
            if event.type is not EventType.BOOKMARK:
                seen.append(event)

    task = asyncio.create_task(consume())
    try:
        await eventually(lambda: len(seen) == 1, within=60)
        await asyncio.to_thread(plane.restart_apiserver, kill=True)
        await client.create(workspace(namespace, "second"))
        await client.merge_patch(namespace, "first", {"spec": {"description": "v2"}})
        await eventually(lambda: len(seen) >= 3, within=60)
        # A later change, whose event comes after anything repeated: in the stream's order,
        # and last in a relist's name order.
        await client.create(workspace(namespace, "zz-marker"))
        await eventually(lambda: ("ADDED", "zz-marker") in _summary(seen), within=60)
    finally:
        task.cancel()
    summary = _summary(seen)
    assert summary[-1] == ("ADDED", "zz-marker")
    # After a relist the changes come in name order, not write order; each comes once.
    assert summary[0] == ("ADDED", "first")
    assert sorted(summary[1:-1]) == [("ADDED", "second"), ("MODIFIED", "first")]
    assert watcher.stats.reconnects >= 1


def _summary(events: list[WatchEvent[Any]]) -> list[tuple[str, str]]:
    return [(event.type.value, event.object.name) for event in events if event.object]


async def test_a_list_while_etcd_is_down_times_out_typed_then_works_when_it_is_back(
    plane: ControlPlane, api: ApiClient
) -> None:
    # As the README says: a consistent read waits for etcd; each try gives up after the
    # client's total timeout (here shorter than the API server's own, as by default), then the
    # retry policy's next try; at the end a RetriesExhaustedError of timed-out tries. Reads
    # from the API server's cache are answered meanwhile.
    namespace = await plane.create_namespace("etcd-down")
    await AnalyticsWorkspaceClient(api).create(workspace(namespace, "w"))
    timeouts = Timeouts(connect=2, total=2)
    client = AnalyticsWorkspaceClient(Transport(api), timeouts=timeouts)
    await asyncio.to_thread(plane.stop_etcd, kill=True)
    try:
        cached = await client.list_page(namespace, resource_version="0")
        assert [item.name for item in cached.items] == ["w"]
        with pytest.raises(RetriesExhaustedError) as failed:
            await client.list(namespace)
    finally:
        await asyncio.to_thread(plane.start_etcd)
    # Every try was ended by the client's own timeout (the API server's is longer: it would
    # have answered 504), as many tries as the policy makes: the README's bound follows from
    # these counts, which hold however loaded the machine is.
    assert failed.value.attempts == DEFAULT_RETRY.attempts
    assert all(isinstance(e, ApiConnectionError) and e.timed_out for e in failed.value.failures)
    found = await eventually(lambda: client.list(namespace), within=60, ignoring=(LscsdeError,))
    assert [item.name for item in found] == ["w"]
