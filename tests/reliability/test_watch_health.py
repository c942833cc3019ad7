"""Broken and stalled watches, through a proxy in front of the real API server: a stream held
open and silent is noticed within the documented bound and resumed, and an informer's
health() tells the truth while its watch is cut and its reconnect held."""

from __future__ import annotations

import pytest
from kubernetes_asyncio.client import ApiClient

from lscsde_sdk.clients import AnalyticsWorkspaceClient, Timeouts, Transport
from lscsde_sdk.core.retry import WATCH_SILENCE_LIMIT
from lscsde_sdk.errors import ApiConnectionError
from lscsde_sdk.runtime import Informer
from lscsde_sdk.testing import ApiProxy, Blackhole, FaultRule, eventually
from tests.integration.factories import workspace

pytestmark = pytest.mark.integration

# What the README promises: a change made during a stall arrives within about 80 s.
STALL_BOUND = WATCH_SILENCE_LIMIT + 5
MARGIN = 30  # a loaded machine: backoff, reconnect, the server's answer


def watches_of(namespace: str) -> dict[str, str]:
    """Fault-rule criteria for the watch requests of workspaces in ``namespace``."""
    return {
        "method": "GET",
        "path": f"/namespaces/{namespace}/analyticsworkspaces$",
        "query": "watch=true",
    }


def struck(proxy: ApiProxy, rule: FaultRule) -> bool:
    """Whether ``rule`` took effect (a stall strikes when the body it holds back arrives)."""
    return any(fault.rule is rule for fault in proxy.faults_applied)


async def test_a_silent_stream_raises_a_timed_out_connection_error(
    proxied: ApiClient, api_proxy: ApiProxy, namespace: str
) -> None:
    # The one-shot watch itself, with a short silence limit: the answer starts, then nothing.
    client = AnalyticsWorkspaceClient(Transport(proxied), timeouts=Timeouts(read=2))
    await client.create(workspace(namespace, "a"))
    stall = api_proxy.add_fault(Blackhole(after_lines=0), times=1, **watches_of(namespace))
    try:
        with pytest.raises(ApiConnectionError, match="stalled") as stalled:
            async for _ in client.watch(namespace):
                pass
    finally:
        api_proxy.remove_fault(stall)
    assert stalled.value.timed_out and struck(api_proxy, stall)


async def test_a_stalled_watch_is_resumed_and_a_change_made_meanwhile_arrives(
    proxied: ApiClient, api_proxy: ApiProxy, admin_api: ApiClient, namespace: str
) -> None:
    writer = AnalyticsWorkspaceClient(admin_api)
    await writer.create(workspace(namespace, "a"))
    # The informer's first watch is answered, then held open and silent: no event, no bookmark.
    stall = api_proxy.add_fault(Blackhole(after_lines=0), times=1, **watches_of(namespace))
    informer = Informer(AnalyticsWorkspaceClient(Transport(proxied)), namespace)
    try:
        async with informer:
            await eventually(lambda: informer.health().watching)
            await writer.merge_patch(namespace, "a", {"spec": {"description": "in the stall"}})
            await eventually(lambda: struck(api_proxy, stall))  # its event is held back

            def arrived() -> bool:
                found = informer.store.get(namespace, "a")
                return found is not None and found.spec.description == "in the stall"  # type: ignore[union-attr]

            await eventually(arrived, within=STALL_BOUND + MARGIN)
            health = informer.health()
    finally:
        api_proxy.remove_fault(stall)
    assert health.reconnects >= 1 and health.ready


async def test_health_is_degraded_with_the_error_while_the_watch_is_down(
    proxied: ApiClient, api_proxy: ApiProxy, admin_api: ApiClient, namespace: str
) -> None:
    writer = AnalyticsWorkspaceClient(admin_api)
    await writer.create(workspace(namespace, "a"))
    informer = Informer(AnalyticsWorkspaceClient(Transport(proxied)), namespace)
    async with informer:
        await eventually(lambda: informer.health().watching)
        before = informer.health()
        assert before.ready and before.last_error is None and before.reconnects == 0
        assert before.seconds_since_heard is not None

        # Hold every new watch of the namespace, then cut the open one.
        hold = api_proxy.add_fault(Blackhole(), **watches_of(namespace))
        try:
            assert api_proxy.cut_all_streams() >= 1
            await eventually(lambda: informer.health().degraded, within=60)
            await eventually(lambda: struck(api_proxy, hold))  # the reconnect is held
            await writer.merge_patch(namespace, "a", {"spec": {"description": "while down"}})
            down = informer.health()
        finally:
            api_proxy.remove_fault(hold)
        # Reported at once, without waiting for a change to arrive; kept while held.
        assert down.degraded and not down.ready and not down.watching and down.synced
        assert down.last_error is not None and "stream broke off" in down.last_error
        assert down.reconnects >= 1

        # Released: the watch reconnects, the health recovers, the change arrives.
        await eventually(lambda: informer.health().ready and informer.health().watching)
        assert informer.health().last_error is None

        def arrived() -> bool:
            found = informer.store.get(namespace, "a")
            return found is not None and found.spec.description == "while down"  # type: ignore[union-attr]

        await eventually(arrived)
