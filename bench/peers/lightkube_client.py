"""lightkube's AsyncClient with a generic namespaced resource for the CRD."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from lightkube import AsyncClient, KubeConfig
from lightkube.generic_resource import create_namespaced_resource

from . import _harness


@asynccontextmanager
async def list_workspaces(job: _harness.Job) -> AsyncIterator[_harness.Call]:
    workspace = create_namespaced_resource(
        "xlscsde.nhs.uk", "v1", "AnalyticsWorkspace", "analyticsworkspaces"
    )
    client = AsyncClient(config=KubeConfig.from_file(job["kubeconfig"]))
    try:

        async def call() -> list[Any]:
            return [ws async for ws in client.list(workspace, namespace=job["namespace"])]

        yield call
    finally:
        await client.close()


OPERATIONS: dict[str, _harness.Operation] = {"list": list_workspaces}
DISTRIBUTIONS = ("lightkube", "lightkube-models", "httpx")

if __name__ == "__main__":
    _harness.main(OPERATIONS, DISTRIBUTIONS)
