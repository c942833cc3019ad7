"""lscsde-sdk, this checkout: per-kind clients and the workspace manager."""

from __future__ import annotations

import random
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from functools import partial

from lscsde_sdk.clients import AnalyticsWorkspaceBindingClient, AnalyticsWorkspaceClient
from lscsde_sdk.managers import AnalyticsWorkspaceManager
from lscsde_sdk.runtime import EventType, InformerFactory

from . import _harness, changes
from ._kubeconfig import api_client
from ._unlabelled import unlabelled_before_each_call


@asynccontextmanager
async def list_workspaces(job: _harness.Job) -> AsyncIterator[_harness.Call]:
    async with await api_client(job["kubeconfig"]) as api:
        yield partial(AnalyticsWorkspaceClient(api).list, job["namespace"])


@asynccontextmanager
async def get_workspace(job: _harness.Job) -> AsyncIterator[_harness.Call]:
    async with await api_client(job["kubeconfig"]) as api:
        yield partial(AnalyticsWorkspaceClient(api).get, job["namespace"], job["name"])


@asynccontextmanager
async def permitted_workspaces(job: _harness.Job) -> AsyncIterator[_harness.Call]:
    async with await api_client(job["kubeconfig"]) as api:
        manager = AnalyticsWorkspaceManager(api)
        yield partial(manager.permitted_profiles, job["namespace"], job["username"])


@asynccontextmanager
async def permitted_unlabelled(job: _harness.Job) -> AsyncIterator[_harness.Call]:
    async with await api_client(job["kubeconfig"]) as api:
        manager = AnalyticsWorkspaceManager(api)
        lookup = partial(manager.permitted_profiles, job["namespace"], job["username"])
        async with unlabelled_before_each_call(job, lookup) as call:
            yield call


@asynccontextmanager
async def permitted_from_informers(job: _harness.Job) -> AsyncIterator[_harness.Call]:
    async with await api_client(job["kubeconfig"]) as api, InformerFactory(api) as informers:
        manager = AnalyticsWorkspaceManager(api, informers=informers)
        yield partial(manager.permitted_profiles, job["namespace"], job["username"])


@asynccontextmanager
async def informer_sync(job: _harness.Job) -> AsyncIterator[_harness.Call]:
    """Sync informers of both kinds (kept alive, so their memory counts in the peak)."""
    async with await api_client(job["kubeconfig"]) as api:
        kept: list[InformerFactory] = []

        async def call() -> _harness.Sample:
            while kept:  # one copy in memory at a time: the peak is one store's
                await kept.pop().stop()
            informers = InformerFactory(api)
            kept.append(informers)
            began = time.perf_counter()
            bindings = await informers.synced(AnalyticsWorkspaceBindingClient, job["namespace"])
            workspaces = await informers.synced(AnalyticsWorkspaceClient, job["namespace"])
            seconds = time.perf_counter() - began
            return _harness.Sample(seconds, len(bindings.store) + len(workspaces.store))

        try:
            yield call
        finally:
            for informers in kept:
                await informers.stop()


@asynccontextmanager
async def store_lookups(job: _harness.Job) -> AsyncIterator[_harness.Call]:
    """Each call: ``job["lookups"]`` lookups from synced informers, of random workspaces
    (``get``) or users (``by_index``: their bindings; ``permitted``: their permitted
    workspaces through the manager); reports their p99."""
    async with await api_client(job["kubeconfig"]) as api, InformerFactory(api) as informers:
        namespace, lookup = job["namespace"], job["lookup"]
        workspaces = await informers.synced(AnalyticsWorkspaceClient, namespace)
        bindings = await informers.synced(AnalyticsWorkspaceBindingClient, namespace)
        manager = AnalyticsWorkspaceManager(api, informers=informers)
        choices = job["workspace_names"] if lookup == "get" else job["users"]
        rng = random.Random(20250106)

        async def call() -> _harness.Sample:
            timings: list[float] = []
            for _ in range(job["lookups"]):
                choice = rng.choice(choices)
                began = time.perf_counter()
                if lookup == "get":
                    workspaces.store.get(namespace, choice)
                elif lookup == "by_index":
                    bindings.store.by_index("username", choice)
                else:
                    await manager.permitted_profiles(namespace, choice)
                timings.append(time.perf_counter() - began)
            timings.sort()
            return _harness.Sample(timings[round(0.99 * (len(timings) - 1))])

        yield call


@asynccontextmanager
async def watch_replay(job: _harness.Job) -> AsyncIterator[_harness.Call]:
    """Write changes, then time a watch from before them until it has seen them all."""
    async with await api_client(job["kubeconfig"]) as api:
        client = AnalyticsWorkspaceClient(api)
        names, namespace = job["names"], job["namespace"]

        async def call() -> _harness.Sample:
            start = await changes.latest_version(api, namespace)
            await changes.write(api, namespace, names, str(time.time()))
            seen = 0
            began = time.perf_counter()
            events = client.watch(namespace, resource_version=start)
            async for event in events:
                if event.type is EventType.MODIFIED:
                    seen += 1
                    if seen == len(names):
                        break
            seconds = time.perf_counter() - began
            await events.aclose()  # type: ignore[attr-defined]
            return _harness.Sample(seconds, seen)

        yield call


OPERATIONS: dict[str, _harness.Operation] = {
    "list": list_workspaces,
    "get": get_workspace,
    "permitted": permitted_workspaces,
    "permitted_unlabelled": permitted_unlabelled,
    "permitted_cached": permitted_from_informers,
    "informer_sync": informer_sync,
    "store_lookups": store_lookups,
    "watch_replay": watch_replay,
}
DISTRIBUTIONS = ("lscsde-sdk", "pydantic", "pydantic-core", "kubernetes_asyncio")

if __name__ == "__main__":
    _harness.main(OPERATIONS, DISTRIBUTIONS)
