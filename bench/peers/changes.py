"""The writer of the watch scenario: annotation patches of many workspaces, concurrently,
sent raw so that every peer's writer costs the same."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Sequence

from kubernetes_asyncio.client import ApiClient

_OBJECT = "/apis/xlscsde.nhs.uk/v1/namespaces/{namespace}/analyticsworkspaces/{name}"
_IN_FLIGHT = 32


async def latest_version(api: ApiClient, namespace: str) -> str:
    """The collection's current resourceVersion (a one-item list)."""
    path = _OBJECT.format(namespace=namespace, name="").rstrip("/") + "?limit=1"
    body = await _send(api, "GET", path)
    return str(json.loads(body)["metadata"]["resourceVersion"])


async def write(api: ApiClient, namespace: str, names: Sequence[str], stamp: str) -> None:
    """Set the annotation ``bench/stamp`` of each workspace of ``names`` to ``stamp``."""
    gate = asyncio.Semaphore(_IN_FLIGHT)
    body = {"metadata": {"annotations": {"bench/stamp": stamp}}}

    async def patch(name: str) -> None:
        async with gate:
            path = _OBJECT.format(namespace=namespace, name=name)
            await _send(api, "PATCH", path, body, "application/merge-patch+json")

    await asyncio.gather(*(patch(name) for name in names))


async def _send(
    api: ApiClient,
    method: str,
    path: str,
    body: object = None,
    content_type: str = "application/json",
) -> bytes:
    headers = {"Accept": "application/json", "Content-Type": content_type}
    await api.update_params_for_auth(headers, [], ["BearerToken"])
    response = await api.rest_client.request(
        method,
        f"{api.configuration.host}{path}",
        headers=headers,
        body=body,
        _preload_content=False,
    )
    try:
        answer: bytes = await response.read()
    finally:
        response.release()
    if response.status >= 300:
        raise RuntimeError(f"{method} {path}: HTTP {response.status}: {answer[:300]!r}")
    return answer
