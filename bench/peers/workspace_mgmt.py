"""Code written for lscsde_workspace_mgmt, run as two peers: in a venv of its own with
lscsde-workspace-mgmt 0.1.14 from PyPI, the library lscsde-sdk replaces (see ``bench.envs``),
and in the bench's own environment, where the import name is lscsde-sdk's drop-in
replacement. The same code measures both. Uses the old library's documented constructors;
``event_client=None`` is fine for reads, which record no events.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from functools import partial

from kubernetes_asyncio.client import CustomObjectsApi

from lscsde_workspace_mgmt.managers import AnalyticsWorkspaceManager
from lscsde_workspace_mgmt.workspaceclient import AnalyticsWorkspaceClient

from . import _harness
from ._kubeconfig import api_client
from ._unlabelled import unlabelled_before_each_call

_log = logging.getLogger("bench.workspace_mgmt")


@asynccontextmanager
async def list_workspaces(job: _harness.Job) -> AsyncIterator[_harness.Call]:
    async with await api_client(job["kubeconfig"]) as api:
        client = AnalyticsWorkspaceClient(CustomObjectsApi(api), _log, event_client=None)
        yield partial(client.list, job["namespace"])


@asynccontextmanager
async def get_workspace(job: _harness.Job) -> AsyncIterator[_harness.Call]:
    async with await api_client(job["kubeconfig"]) as api:
        client = AnalyticsWorkspaceClient(CustomObjectsApi(api), _log, event_client=None)
        yield partial(client.get, job["namespace"], job["name"])


@asynccontextmanager
async def permitted_workspaces(job: _harness.Job) -> AsyncIterator[_harness.Call]:
    async with await api_client(job["kubeconfig"]) as api:
        manager = AnalyticsWorkspaceManager(api, _log)
        yield partial(manager.get_permitted_workspaces, job["namespace"], job["username"])


@asynccontextmanager
async def permitted_unlabelled(job: _harness.Job) -> AsyncIterator[_harness.Call]:
    async with await api_client(job["kubeconfig"]) as api:
        manager = AnalyticsWorkspaceManager(api, _log)
        lookup = partial(manager.get_permitted_workspaces, job["namespace"], job["username"])
        async with unlabelled_before_each_call(job, lookup) as call:
            yield call


OPERATIONS: dict[str, _harness.Operation] = {
    "list": list_workspaces,
    "get": get_workspace,
    "permitted": permitted_workspaces,
    "permitted_unlabelled": permitted_unlabelled,
}
DISTRIBUTIONS = (
    "lscsde-workspace-mgmt",
    "lscsde-sdk",
    "pydantic",
    "pydantic-core",
    "kubernetes_asyncio",
)

if __name__ == "__main__":
    _harness.main(OPERATIONS, DISTRIBUTIONS)
