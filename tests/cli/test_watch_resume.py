"""``lscsde ... -w`` resumes after a disconnect: its watch stream is cut at a proxy in front
of the real API server and its reconnect held; a change made while it was disconnected is
printed once the reconnect is let through, and Ctrl-C still exits 0."""

from __future__ import annotations

import pytest
from kubernetes_asyncio import client

from lscsde_sdk.clients import AnalyticsWorkspaceClient
from lscsde_sdk.envtest import ControlPlane
from lscsde_sdk.testing import ApiProxy, Blackhole, FaultRule, eventually

from ..integration.factories import workspace
from .test_watch import watching

pytestmark = pytest.mark.integration


def _struck(proxy: ApiProxy, rule: FaultRule) -> bool:
    return any(fault.rule is rule for fault in proxy.faults_applied)


async def test_watch_resumes_after_a_disconnect_and_prints_what_changed_meanwhile(
    control_plane: ControlPlane, admin_api: client.ApiClient, api_proxy: ApiProxy, namespace: str
) -> None:
    workspaces = AnalyticsWorkspaceClient(admin_api)
    await workspaces.create(workspace(namespace, "first"))
    through_proxy = control_plane.kubeconfig_path(server_url=api_proxy.url)
    watches = {
        "method": "GET",
        "path": f"/namespaces/{namespace}/analyticsworkspaces$",
        "query": "watch=true",
    }
    async with watching(
        through_proxy, "workspaces", "list", "-w", "--output-watch-events", "-n", namespace
    ) as watch:
        assert (await watch.line()).split()[:2] == ["EVENT", "NAME"]
        assert (await watch.line()).split()[:2] == ["ADDED", "first"]

        # The table is printed before the watch is sent: cut once the stream is open.
        await eventually(lambda: api_proxy.cut_all_streams() >= 1)
        hold = api_proxy.add_fault(Blackhole(), **watches)

        def disconnected_and_held() -> bool:
            if _struck(api_proxy, hold):
                return True
            api_proxy.cut_all_streams()  # a reconnect that came before the hold: cut it too
            return False

        try:
            await eventually(disconnected_and_held)
            await workspaces.create(workspace(namespace, "meanwhile"))
        finally:
            api_proxy.remove_fault(hold)

        assert (await watch.line()).split()[:2] == ["ADDED", "meanwhile"]
        code, err = await watch.interrupt()

    assert code == 0, err
    # Nothing printed twice: the resumed watch starts from the last version seen.
    assert [line.split()[1] for line in watch.lines[1:]] == ["first", "meanwhile"]
