"""Read-modify-write of status and labels with concurrent writers: conditional on the version
read, repeated when someone else wrote in between, so no update is lost."""

from __future__ import annotations

import asyncio
import logging

import pytest
from kubernetes_asyncio.client import ApiClient, CustomObjectsApi

from lscsde_sdk.clients import AnalyticsWorkspaceClient, Transport
from lscsde_sdk.models import AnalyticsWorkspaceStatus
from lscsde_workspace_mgmt.models import AnalyticsWorkspaceStatus as CompatStatus
from lscsde_workspace_mgmt.workspaceclient import AnalyticsWorkspaceClient as CompatWorkspaces
from tests.integration.factories import workspace

pytestmark = pytest.mark.integration


async def test_concurrent_status_updates_of_different_keys_all_land(
    admin_api: ApiClient, namespace: str
) -> None:
    client = AnalyticsWorkspaceClient(Transport(admin_api))
    await client.create(workspace(namespace, "busy"))

    def adding(key: str) -> object:
        def change(status: AnalyticsWorkspaceStatus | None) -> AnalyticsWorkspaceStatus:
            status = status or AnalyticsWorkspaceStatus()
            status.additional_storage = {**(status.additional_storage or {}), key: f"claim-{key}"}
            return status

        return change

    async def worker(number: int) -> None:
        for update in range(20):
            await client.update_status(namespace, "busy", adding(f"/mnt/{number}-{update}"))  # type: ignore[arg-type]

    async with client.transport.counting() as counter:
        await asyncio.gather(*(worker(number) for number in range(10)))
    final = await client.get(namespace, "busy")
    assert final.status is not None and final.status.additional_storage is not None
    assert len(final.status.additional_storage) == 200
    # Writers did collide (and were repeated): more patches than updates.
    assert counter.by_method["PATCH"] > 200


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


async def test_the_compat_patch_status_keeps_what_concurrent_writers_set(
    admin_api: ApiClient, namespace: str
) -> None:
    sdk = AnalyticsWorkspaceClient(Transport(admin_api))
    await sdk.create(workspace(namespace, "shared"))
    compat = CompatWorkspaces(CustomObjectsApi(admin_api), logging.getLogger("test"), None)

    async def set_storage(index: int) -> None:
        status = CompatStatus(additional_storage={f"/mnt/{index}": f"claim-{index}"})
        await compat.patch_status(namespace, "shared", status)

    await asyncio.gather(*(set_storage(index) for index in range(20)))
    final = await sdk.get(namespace, "shared")
    assert final.status is not None and final.status.additional_storage is not None
    assert len(final.status.additional_storage) == 20
    assert final.status.status_text == "Waiting"  # the compat status's old default


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
                bindings._patch_request(
                    namespace, "b", {"metadata": {"annotations": {"n": str(index)}}}
                )
            )

    report, _ = await asyncio.gather(bindings.relabel(namespace), churn())
    assert report.failed == ()
    stored = await bindings.get(namespace, "b")
    assert (stored.metadata.labels or {}).get(USERNAME_LABEL) == "joe___example.org"
