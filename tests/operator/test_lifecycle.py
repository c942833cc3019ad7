"""The lifecycle operator under real kopf (``kopf run -m lscsde_sdk.operator.lifecycle``)
on the real API server: each phase and each change of phase, with its event; other writers'
statuses in step left alone; catching up after downtime; nothing written when nothing
changed."""

from __future__ import annotations

from datetime import date, timedelta
from functools import partial
from pathlib import Path
from typing import Any

import pytest
from kubernetes_asyncio.client import ApiClient

from lscsde_sdk.clients import AnalyticsWorkspaceBindingClient, AnalyticsWorkspaceClient
from lscsde_sdk.core.client import CustomResourceClient
from lscsde_sdk.core.transport import Transport
from lscsde_sdk.envtest import ControlPlane
from tests.integration.factories import workspace, workspace_binding

from .harness import KopfProcess, event_reasons, eventually

pytestmark = pytest.mark.integration

LIFECYCLE = ["-m", "lscsde_sdk.operator.lifecycle"]
TODAY = date.today()


def days(n: int) -> str:
    return (TODAY + timedelta(days=n)).isoformat()


def dated_workspace(namespace: str, name: str, available_from: int, expires: int) -> Any:
    manifest = workspace(namespace, name)
    manifest["spec"]["validity"] = {"availableFrom": days(available_from), "expires": days(expires)}
    return manifest


def dated_binding(namespace: str, name: str, expires: int) -> Any:
    manifest = workspace_binding(namespace, name)
    manifest["spec"]["expires"] = days(expires)
    return manifest


async def status_text(
    client: CustomResourceClient[Any, Any], namespace: str, name: str, wanted: str
) -> bool | None:
    status = (await client.get(namespace, name)).status
    return True if status is not None and status.status_text == wanted else None


class Objects:
    """The test's workspaces and bindings, read and changed as admin."""

    def __init__(self, api: ApiClient, namespace: str, kopf: KopfProcess) -> None:
        self.workspaces = AnalyticsWorkspaceClient(api)
        self.bindings = AnalyticsWorkspaceBindingClient(api)
        self.transport = Transport(api)
        self.namespace = namespace
        self.kopf = kopf

    async def reach(self, client: CustomResourceClient[Any, Any], name: str, text: str) -> None:
        await eventually(
            partial(status_text, client, self.namespace, name, text),
            f"{client.info.kind} {name} {text!r}",
            self.kopf,
        )

    async def reasons(self, name: str) -> list[str]:
        return await event_reasons(self.transport, self.namespace, name)

    async def recorded(self, name: str, *reasons: str) -> None:
        """Wait until the events about ``name`` are ``reasons`` (a status is written just
        before its event)."""

        async def check() -> bool | None:
            return True if await self.reasons(name) == list(reasons) else None

        await eventually(check, f"events {reasons} about {name}", self.kopf)

    async def in_step(self, name: str, since: int) -> None:
        """Wait until the daemon of ``name`` has found its status in step (a log line)."""
        await self.kopf.wait_for(
            rf"\[{self.namespace}/{name}\] statusText .* is in step", since=since
        )


async def test_each_phase_and_each_change_of_phase_is_written_with_its_event(
    control_plane: ControlPlane, admin_api: ApiClient, namespace: str, tmp_path: Path
) -> None:
    kopf = KopfProcess(control_plane.kubeconfig_path(), namespace, LIFECYCLE, tmp_path / "k.log")
    objects = Objects(admin_api, namespace, kopf)
    ws, bindings = objects.workspaces, objects.bindings
    await ws.create(dated_workspace(namespace, "soon", 2, 30))
    await ws.create(dated_workspace(namespace, "open", -1, 30))
    await ws.create(dated_workspace(namespace, "over", -30, 0))
    await ws.create(dated_workspace(namespace, "provisioned", -1, 30))
    await ws.patch_status(namespace, "provisioned", {"statusText": "Provisioned"})
    await bindings.create(dated_binding(namespace, "granted", 10))
    await bindings.create(dated_binding(namespace, "lapsed", 0))

    with kopf:
        await objects.reach(ws, "soon", "Not yet available")
        await objects.reach(ws, "open", "Available")
        await objects.reach(ws, "over", "Expired")
        await objects.reach(bindings, "granted", "Available")
        await objects.reach(bindings, "lapsed", "Expired")
        await objects.in_step("provisioned", 0)  # the pod hook's status means available
        await objects.recorded("soon", "WorkspaceNotYetAvailable")
        await objects.recorded("open", "WorkspaceAvailable")
        await objects.recorded("over", "WorkspaceExpired")
        await objects.recorded("granted", "WorkspaceBindingAvailable")
        await objects.recorded("lapsed", "WorkspaceBindingExpired")
        await objects.recorded("provisioned")

        # Changing the dates changes the phase at once: the update wakes the object's daemon.
        await ws.merge_patch(namespace, "soon", {"spec": {"validity": {"availableFrom": days(0)}}})
        await ws.merge_patch(namespace, "open", {"spec": {"validity": {"expires": days(0)}}})
        await ws.merge_patch(namespace, "over", {"spec": {"validity": {"expires": days(5)}}})
        await ws.merge_patch(namespace, "provisioned", {"spec": {"validity": {"expires": days(0)}}})
        await bindings.merge_patch(namespace, "granted", {"spec": {"expires": days(0)}})
        await objects.reach(ws, "soon", "Available")
        await objects.reach(ws, "open", "Expired")
        await objects.reach(ws, "over", "Available")
        await objects.reach(ws, "provisioned", "Expired")
        await objects.reach(bindings, "granted", "Expired")
        await objects.recorded("soon", "WorkspaceNotYetAvailable", "WorkspaceAvailable")
        await objects.recorded("open", "WorkspaceAvailable", "WorkspaceExpired")
        await objects.recorded("over", "WorkspaceExpired", "WorkspaceAvailable")
        await objects.recorded("provisioned", "WorkspaceExpired")
        await objects.recorded("granted", "WorkspaceBindingAvailable", "WorkspaceBindingExpired")


async def test_a_restart_writes_nothing_in_step_and_catches_up_on_what_changed_meanwhile(
    control_plane: ControlPlane, admin_api: ApiClient, namespace: str, tmp_path: Path
) -> None:
    kopf = KopfProcess(control_plane.kubeconfig_path(), namespace, LIFECYCLE, tmp_path / "k.log")
    objects = Objects(admin_api, namespace, kopf)
    ws, bindings = objects.workspaces, objects.bindings
    await ws.create(dated_workspace(namespace, "study", -1, 30))
    await bindings.create(dated_binding(namespace, "researcher", 10))
    with kopf:
        await objects.reach(ws, "study", "Available")
        await objects.reach(bindings, "researcher", "Available")

    versions = {
        "study": (await ws.get(namespace, "study")).metadata.resource_version,
        "researcher": (await bindings.get(namespace, "researcher")).metadata.resource_version,
    }
    since = kopf.mark()
    with kopf:
        # Every daemon re-checks its object at start; in step, it writes nothing.
        await objects.in_step("study", since)
        await objects.in_step("researcher", since)
        assert (await ws.get(namespace, "study")).metadata.resource_version == versions["study"]
        researcher = await bindings.get(namespace, "researcher")
        assert researcher.metadata.resource_version == versions["researcher"]

    # While the operator is down, both lose their access; it catches up when it is back.
    await ws.merge_patch(namespace, "study", {"spec": {"validity": {"expires": days(0)}}})
    await bindings.merge_patch(namespace, "researcher", {"spec": {"expires": days(0)}})
    with kopf:
        await objects.reach(ws, "study", "Expired")
        await objects.reach(bindings, "researcher", "Expired")
    await objects.recorded("study", "WorkspaceAvailable", "WorkspaceExpired")
    await objects.recorded("researcher", "WorkspaceBindingAvailable", "WorkspaceBindingExpired")
