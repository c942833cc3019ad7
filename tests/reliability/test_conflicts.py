"""Read-modify-write of status and labels with concurrent writers: conditional on the version
read, repeated when someone else wrote in between, so no update is lost; and a typed error
saying so when the retries run out."""

from __future__ import annotations

import asyncio
import builtins
import itertools
from collections.abc import Callable
from typing import Any

import pytest
from kubernetes_asyncio.client import ApiClient

from lscsde_sdk.clients import AnalyticsWorkspaceClient, RetryPolicy, Transport
from lscsde_sdk.errors import ConflictError, ConflictRetriesExhaustedError
from lscsde_sdk.models import AnalyticsWorkspace, AnalyticsWorkspaceStatus
from tests.integration.factories import create_as_another_tool, workspace

pytestmark = pytest.mark.integration


def adding(key: str) -> Callable[[AnalyticsWorkspaceStatus | None], AnalyticsWorkspaceStatus]:
    """A status change that adds ``key`` to the status's additional storage."""

    def change(status: AnalyticsWorkspaceStatus | None) -> AnalyticsWorkspaceStatus:
        status = status or AnalyticsWorkspaceStatus()
        status.additional_storage = {**(status.additional_storage or {}), key: f"claim-{key}"}
        return status

    return change


async def test_concurrent_status_updates_of_different_keys_all_land(
    admin_api: ApiClient, namespace: str
) -> None:
    client = AnalyticsWorkspaceClient(Transport(admin_api))
    await client.create(workspace(namespace, "busy"))

    async def worker(number: int) -> None:
        for update in range(20):
            await client.update_status(namespace, "busy", adding(f"/mnt/{number}-{update}"))

    async with client.transport.counting() as counter:
        await asyncio.gather(*(worker(number) for number in range(10)))
    final = await client.get(namespace, "busy")
    assert final.status is not None and final.status.additional_storage is not None
    assert len(final.status.additional_storage) == 200
    # Writers did collide (and were repeated): more patches than updates.
    assert counter.by_method["PATCH"] > 200


async def test_200_concurrent_writers_all_land_with_the_default_policy(
    admin_api: ApiClient, namespace: str
) -> None:
    client = AnalyticsWorkspaceClient(Transport(admin_api))
    await client.create(workspace(namespace, "crowded"))

    keys = [f"/mnt/writer-{number}" for number in range(200)]
    async with client.transport.counting() as counter:
        await asyncio.gather(*(client.update_status(namespace, "crowded", adding(k)) for k in keys))
    final = await client.get(namespace, "crowded")
    assert final.status is not None and final.status.additional_storage is not None
    assert sorted(final.status.additional_storage) == sorted(keys)
    assert counter.by_method["PATCH"] > 200  # they did collide, and were repeated


class ContestedWorkspaces(AnalyticsWorkspaceClient):
    """A client each of whose reads is followed by another writer's change to what it read,
    so that every write conditional on what it read conflicts."""

    changes = itertools.count()

    async def get(
        self, namespace: str, name: str, *, resource_version: str | None = None
    ) -> AnalyticsWorkspace:
        read = await super().get(namespace, name, resource_version=resource_version)
        await self._contest(namespace, name)
        return read

    async def list(
        self, namespace: str | None, **options: Any
    ) -> builtins.list[AnalyticsWorkspace]:
        read = await super().list(namespace, **options)
        for item in read:
            await self._contest(item.namespace or "", item.name)
        return read

    async def _contest(self, namespace: str, name: str) -> None:
        # A plain merge patch, as another tool would send: it leaves the labels alone.
        change = {"metadata": {"annotations": {"contested": str(next(self.changes))}}}
        await self.transport.send(self.requests.patch(namespace, name, change))


async def test_running_out_of_conflict_retries_says_so(
    admin_api: ApiClient, namespace: str
) -> None:
    transport = Transport(admin_api)
    tiny = RetryPolicy(attempts=3, initial_delay=0.001, max_delay=0.001)
    client = ContestedWorkspaces(transport, conflict_retry=tiny)
    await create_as_another_tool(client, workspace(namespace, "contested"))  # without labels
    calls: builtins.list[object] = []

    def change(status: AnalyticsWorkspaceStatus | None) -> dict[str, str]:
        calls.append(status)
        return {"statusText": "Ready"}

    with pytest.raises(ConflictRetriesExhaustedError) as caught:
        await client.update_status(namespace, "contested", change)
    error = caught.value
    assert isinstance(error, ConflictError) and error.status == 409
    assert error.attempts == 3 and len(calls) == 3
    assert "gave up after 3 tries" in str(error) and "kept changing" in str(error)
    assert isinstance(error.last, ConflictError) and error.__cause__ is error.last

    # relabel, the other read-modify-write, reports such an object as failed, saying why.
    report = await client.relabel(namespace)
    assert [name for name, _ in report.failed] == ["contested"]
    assert "gave up after 3 tries" in report.failed[0][1]


async def test_an_update_that_changes_nothing_writes_nothing(
    admin_api: ApiClient, namespace: str
) -> None:
    client = AnalyticsWorkspaceClient(Transport(admin_api))
    await client.create(workspace(namespace, "calm"))
    await client.patch_status(namespace, "calm", {"statusText": "Ready"})
    async with client.transport.counting() as counter:
        await client.update_status(namespace, "calm", lambda status: status)
        await client.update_status(namespace, "calm", lambda status: None)
    assert counter.by_method == {"GET": 2}


async def test_relabel_repeats_when_the_object_changed_meanwhile(
    admin_api: ApiClient, namespace: str
) -> None:
    from lscsde_sdk.clients import AnalyticsWorkspaceBindingClient
    from lscsde_sdk.labels import USERNAME_LABEL
    from tests.integration.factories import create_as_another_tool

    bindings = AnalyticsWorkspaceBindingClient(Transport(admin_api))
    manifest = {
        "metadata": {"name": "b", "namespace": namespace},
        "spec": {"workspace": "w", "username": "joe@example.org", "expires": "2099-01-01"},
    }
    await create_as_another_tool(bindings, manifest)
    # Another writer changes the binding many times while relabel runs.

    async def churn() -> None:
        for index in range(30):
            await bindings.transport.send_json(
                bindings.requests.patch(
                    namespace, "b", {"metadata": {"annotations": {"n": str(index)}}}
                )
            )

    report, _ = await asyncio.gather(bindings.relabel(namespace), churn())
    assert report.failed == ()
    stored = await bindings.get(namespace, "b")
    assert (stored.metadata.labels or {}).get(USERNAME_LABEL) == "joe___example.org"
