"""The floor: one raw GET through kubernetes_asyncio's REST client, then ``json.loads``.

Same TLS set-up, token and connection pool as the kubernetes_asyncio-based peers, and no
model at all: what any client must at least spend on the wire and on parsing JSON.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from kubernetes_asyncio.client import ApiClient

from . import _harness
from ._kubeconfig import api_client

_WORKSPACES = "/apis/xlscsde.nhs.uk/v1/namespaces/{namespace}/analyticsworkspaces"


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


OPERATIONS: dict[str, _harness.Operation] = {"list": list_workspaces, "get": get_workspace}
DISTRIBUTIONS = ("kubernetes_asyncio", "aiohttp")

if __name__ == "__main__":
    _harness.main(OPERATIONS, DISTRIBUTIONS)
