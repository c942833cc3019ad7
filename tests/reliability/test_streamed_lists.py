"""A list is validated while the API server sends it, through a proxy in front of the real
server that holds back or cuts the rest of the answer: items are validated before the answer
is complete, and a try cut short leaves nothing of itself in the list the retry returns."""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import Callable
from typing import Any, TypeVar

import pytest
from kubernetes_asyncio.client import ApiClient

from lscsde_sdk.clients import AnalyticsWorkspaceClient, RetryPolicy, Transport
from lscsde_sdk.core.list_decoder import ListDecoder
from lscsde_sdk.core.lists import ResourceList
from lscsde_sdk.core.transport import Request
from lscsde_sdk.testing import ApiProxy, Blackhole, FaultRule, eventually
from tests.integration.factories import workspace

pytestmark = pytest.mark.integration

COUNT = 200
DecoderT = TypeVar("DecoderT")


def lists_of(namespace: str) -> dict[str, str]:
    """Fault-rule criteria for the list requests of workspaces in ``namespace``."""
    return {"method": "GET", "path": f"/namespaces/{namespace}/analyticsworkspaces$"}


async def create_workspaces(api: ApiClient, namespace: str) -> list[str]:
    """``COUNT`` workspaces whose descriptions do not compress: their list is hundreds of
    kilobytes on the wire, gzip or not."""
    client = AnalyticsWorkspaceClient(api)
    names = [f"w{index:03}" for index in range(COUNT)]
    gate = asyncio.Semaphore(16)

    async def create(name: str) -> None:
        manifest = workspace(namespace, name)
        manifest["spec"]["description"] = secrets.token_hex(512)
        async with gate:
            await client.create(manifest)

    await asyncio.gather(*(create(name) for name in names))
    return names


class ObservedDecoder:
    """A list decoder whose progress the test can see: after each chunk, how many items it
    had validated, and how many tries (decoders) there were."""

    def __init__(self, decoder: ListDecoder[Any], on_feed: Callable[[int], None]) -> None:
        self.decoder = decoder
        self.on_feed = on_feed

    def feed(self, chunk: bytes) -> None:
        self.decoder.feed(chunk)
        self.on_feed(self.decoder.validated)

    def result(self) -> ResourceList[Any]:
        return self.decoder.result()


class ObservingTransport(Transport):
    """Hands the test every list decoder it feeds, one per try."""

    def __init__(self, api: ApiClient) -> None:
        super().__init__(api, retry=RetryPolicy(attempts=3, initial_delay=0.01, max_delay=0.05))
        self.validated_by_try: list[int] = []
        self.items_validated = asyncio.Event()

    async def send_to(self, request: Request, consumer: Callable[[], DecoderT]) -> DecoderT:
        def observed() -> Any:
            self.validated_by_try.append(0)
            try_index = len(self.validated_by_try) - 1

            def on_feed(validated: int) -> None:
                self.validated_by_try[try_index] = validated
                if validated:
                    self.items_validated.set()

            return ObservedDecoder(consumer(), on_feed)  # type: ignore[arg-type]

        return await super().send_to(request, observed)  # type: ignore[no-any-return]


def struck(proxy: ApiProxy, rule: FaultRule) -> bool:
    return any(fault.rule is rule for fault in proxy.faults_applied)


async def list_held_back(
    transport: ObservingTransport, api_proxy: ApiProxy, namespace: str
) -> tuple[asyncio.Task[list[Any]], FaultRule]:
    """A list of the workspaces in ``namespace`` whose answer the proxy holds back after its
    first 32 KiB (the rule's removal releases it), once items of it have been validated."""
    stall = api_proxy.add_fault(Blackhole(after_bytes=32_768), times=1, **lists_of(namespace))
    listing = asyncio.create_task(AnalyticsWorkspaceClient(transport).list(namespace))
    try:
        await asyncio.wait_for(transport.items_validated.wait(), timeout=60)
    except BaseException:
        api_proxy.remove_fault(stall)
        listing.cancel()
        raise
    return listing, stall


async def test_items_are_validated_while_the_rest_of_the_list_is_held_back(
    proxied: ApiClient, api_proxy: ApiProxy, admin_api: ApiClient, namespace: str
) -> None:
    names = await create_workspaces(admin_api, namespace)
    transport = ObservingTransport(proxied)
    listing, stall = await list_held_back(transport, api_proxy, namespace)
    try:
        # The proxy holds the rest of the answer: what was validated came before it.
        assert not listing.done()
        assert 0 < transport.validated_by_try[0] < COUNT
        await eventually(lambda: struck(api_proxy, stall))
    finally:
        api_proxy.remove_fault(stall)
    listed = await listing
    assert [item.name for item in listed] == names
    assert len(transport.validated_by_try) == 1  # one try: the held answer was completed


async def test_a_list_cut_short_is_listed_again_from_the_start(
    proxied: ApiClient, api_proxy: ApiProxy, admin_api: ApiClient, namespace: str
) -> None:
    names = await create_workspaces(admin_api, namespace)
    transport = ObservingTransport(proxied)
    async with transport.counting() as counter:
        listing, stall = await list_held_back(transport, api_proxy, namespace)
        try:
            assert api_proxy.cut_all_streams() == 1  # the first try, with items validated
            listed = await listing
        finally:
            api_proxy.remove_fault(stall)
    assert [item.name for item in listed] == names  # each once: the cut try's items are gone
    assert counter.by_method == {"GET": 2}
    assert len(transport.validated_by_try) == 2
    assert 0 < transport.validated_by_try[0] < COUNT
