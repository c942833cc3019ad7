"""kr8s (asyncio API) with a class made by ``new_class`` for the CRD."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import kr8s.asyncio
from kr8s.asyncio.objects import new_class

from . import _harness


@asynccontextmanager
async def list_workspaces(job: _harness.Job) -> AsyncIterator[_harness.Call]:
    workspace = new_class(
        "AnalyticsWorkspace",
        version="xlscsde.nhs.uk/v1",
        namespaced=True,
        plural="analyticsworkspaces",
    )
    api = await kr8s.asyncio.api(kubeconfig=job["kubeconfig"])

    async def call() -> list[Any]:
        return [ws async for ws in workspace.list(api=api, namespace=job["namespace"])]

    yield call


OPERATIONS: dict[str, _harness.Operation] = {"list": list_workspaces}
DISTRIBUTIONS = ("kr8s", "httpx")

if __name__ == "__main__":
    _harness.main(OPERATIONS, DISTRIBUTIONS)
