"""The floor: one raw GET through kubernetes_asyncio's REST client, then ``json.loads``.

Same TLS set-up, token and connection pool as the kubernetes_asyncio-based peers, and no
model at all: what any client must at least spend on the wire and on parsing JSON.
"""

from __future__ import annotations

import json
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from kubernetes_asyncio.client import ApiClient

from . import _harness, changes
from ._kubeconfig import api_client

_WORKSPACES = "/apis/xlscsde.nhs.uk/v1/namespaces/{namespace}/analyticsworkspaces"
_BINDINGS = "/apis/xlscsde.nhs.uk/v1/namespaces/{namespace}/analyticsworkspacebindings"


async def _getter(api: ApiClient, path: str) -> _harness.Call:
    url = f"{api.configuration.host}{path}"
    headers = {"Accept": "application/json"}
    await api.update_params_for_auth(headers, [], ["BearerToken"])

    async def get() -> Any:
        response = await api.rest_client.request(
            "GET", url, headers=headers, _preload_content=False
        )
        try:
            body = await response.read()
        finally:
            response.release()
        if response.status != 200:
            raise RuntimeError(f"GET {path}: HTTP {response.status}: {body[:300]!r}")
        return json.loads(body)

    return get


@asynccontextmanager
async def list_workspaces(job: _harness.Job) -> AsyncIterator[_harness.Call]:
    async with await api_client(job["kubeconfig"]) as api:
        get = await _getter(api, _WORKSPACES.format(namespace=job["namespace"]))

        async def call() -> Any:
            return (await get())["items"]

        yield call


@asynccontextmanager
async def get_workspace(job: _harness.Job) -> AsyncIterator[_harness.Call]:
    async with await api_client(job["kubeconfig"]) as api:
        path = _WORKSPACES.format(namespace=job["namespace"]) + f"/{job['name']}"
        yield await _getter(api, path)


@asynccontextmanager
async def hold_lists(job: _harness.Job) -> AsyncIterator[_harness.Call]:
    """Both lists as dicts, kept (the memory an informer's store is compared with)."""
    async with await api_client(job["kubeconfig"]) as api:
        namespace = job["namespace"]
        workspaces = await _getter(api, _WORKSPACES.format(namespace=namespace))
        bindings = await _getter(api, _BINDINGS.format(namespace=namespace))
        kept: list[Any] = []

        async def call() -> _harness.Sample:
            kept.clear()  # one copy in memory at a time: the peak is one copy's
            began = time.perf_counter()
            held = [(await workspaces())["items"], (await bindings())["items"]]
            seconds = time.perf_counter() - began
            kept.append(held)
            return _harness.Sample(seconds, sum(len(items) for items in held))

        yield call


@asynccontextmanager
async def watch_replay(job: _harness.Job) -> AsyncIterator[_harness.Call]:
    """Write changes, then read a raw watch from before them with json.loads per line."""
    async with await api_client(job["kubeconfig"]) as api:
        names, namespace = job["names"], job["namespace"]

        async def call() -> _harness.Sample:
            start = await changes.latest_version(api, namespace)
            await changes.write(api, namespace, names, str(time.time()))
            headers = {"Accept": "application/json"}
            await api.update_params_for_auth(headers, [], ["BearerToken"])
            url = f"{api.configuration.host}{_WORKSPACES.format(namespace=namespace)}"
            query = {"watch": "true", "resourceVersion": start, "allowWatchBookmarks": "true"}
            seen = 0
            began = time.perf_counter()
            response = await api.rest_client.request(
                "GET", url, headers=headers, query_params=query, _preload_content=False
            )
            try:
                async for line in response.content:
                    if json.loads(line)["type"] == "MODIFIED":
                        seen += 1
                        if seen == len(names):
                            break
            finally:
                response.release()
            return _harness.Sample(time.perf_counter() - began, seen)

        yield call


OPERATIONS: dict[str, _harness.Operation] = {
    "list": list_workspaces,
    "get": get_workspace,
    "hold": hold_lists,
    "watch_replay": watch_replay,
}
DISTRIBUTIONS = ("kubernetes_asyncio", "aiohttp")

if __name__ == "__main__":
    _harness.main(OPERATIONS, DISTRIBUTIONS)
