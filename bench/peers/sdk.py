"""lscsde-sdk, this checkout: per-kind clients and the workspace manager."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from functools import partial

from lscsde_sdk.clients import AnalyticsWorkspaceClient
from lscsde_sdk.managers import AnalyticsWorkspaceManager

from . import _harness
from ._kubeconfig import api_client


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
        yield partial(manager.get_permitted_workspaces, job["namespace"], job["username"])


OPERATIONS: dict[str, _harness.Operation] = {
    "list": list_workspaces,
    "get": get_workspace,
    "permitted": permitted_workspaces,
}
DISTRIBUTIONS = ("lscsde-sdk", "pydantic", "pydantic-core", "kubernetes_asyncio")

if __name__ == "__main__":
    _harness.main(OPERATIONS, DISTRIBUTIONS)
