"""Retries and timeouts, through a proxy that injects throttling, server errors, resets and
silence in front of the real API server: what may be repeated is, Retry-After is honoured,
a create is never repeated blindly, and giving up is a typed error that says why."""

from __future__ import annotations

import asyncio
import warnings

import pytest
from kubernetes_asyncio.client import ApiClient

from lscsde_sdk.clients import AnalyticsWorkspaceClient, RetryPolicy, Timeouts, Transport
from lscsde_sdk.errors import (
    AlreadyExistsError,
    ApiConnectionError,
    RetriesExhaustedError,
    ServerError,
    TooManyRequestsError,
)
from lscsde_sdk.testing import ApiProxy, Delay, Reset, Respond
from tests.integration.factories import workspace

pytestmark = pytest.mark.integration

# Quick backoff so the tests are quick; the waits they measure are the server's Retry-After.
FAST = RetryPolicy(attempts=4, initial_delay=0.05, max_delay=0.2)
WORKSPACES = r"/analyticsworkspaces"


def client(api: ApiClient, **options: object) -> AnalyticsWorkspaceClient:
    return AnalyticsWorkspaceClient(Transport(api, retry=FAST), **options)  # type: ignore[arg-type]


async def test_reads_are_repeated_after_throttling_and_server_errors(
    proxied: ApiClient, api_proxy: ApiProxy, admin_api: ApiClient, namespace: str
) -> None:
    await AnalyticsWorkspaceClient(admin_api).create(workspace(namespace, "w"))
    workspaces = client(proxied)
    api_proxy.add_fault(Respond(503), method="GET", path=WORKSPACES, times=1)
    api_proxy.add_fault(Respond(500), method="GET", path=WORKSPACES, times=1)
    api_proxy.add_fault(Respond(504), method="GET", path=WORKSPACES, times=1)
    async with workspaces.transport.counting() as counter:
        found = await workspaces.get(namespace, "w")
    assert found.name == "w"
    assert counter.by_method == {"GET": 4}
    assert [fault.action.status for fault in api_proxy.faults_applied] == [503, 500, 504]  # type: ignore[attr-defined]


async def test_retry_after_is_honoured(
    proxied: ApiClient, api_proxy: ApiProxy, admin_api: ApiClient, namespace: str
) -> None:
    await AnalyticsWorkspaceClient(admin_api).create(workspace(namespace, "w"))
    waits: list[float] = []

    async def sleep(seconds: float) -> None:
        waits.append(seconds)
        await asyncio.sleep(seconds)

    workspaces = AnalyticsWorkspaceClient(Transport(proxied, retry=FAST, sleep=sleep))
    api_proxy.add_fault(Respond(429, headers={"Retry-After": "2"}), path=WORKSPACES, times=1)
    loop = asyncio.get_running_loop()
    started = loop.time()
    await workspaces.get(namespace, "w")
    assert waits == [2.0]  # the server's wait, not the policy's short backoff
    assert loop.time() - started >= 1.9  # a generous lower bound only


async def test_a_connection_reset_is_repeated(
    proxied: ApiClient, api_proxy: ApiProxy, admin_api: ApiClient, namespace: str
) -> None:
    await AnalyticsWorkspaceClient(admin_api).create(workspace(namespace, "w"))
    # aiohttp itself resends an idempotent request once on a dropped kept-alive connection,
    # so three resets are needed for the SDK's own retry to show.
    api_proxy.add_fault(Reset(), method="GET", path=WORKSPACES, times=3)
    found = await client(proxied).get(namespace, "w")
    assert found.name == "w"
    assert len(api_proxy.faults_applied) == 3


async def test_past_the_bound_a_typed_error_says_how_many_tries_and_why(
    proxied: ApiClient, api_proxy: ApiProxy, namespace: str
) -> None:
    api_proxy.add_fault(Respond(503), method="GET", path=WORKSPACES)
    with pytest.raises(RetriesExhaustedError) as gave_up:
        await client(proxied).get(namespace, "w")
    error = gave_up.value
    assert error.attempts == 4 and len(api_proxy.faults_applied) == 4
    assert "gave up after 4 attempts" in str(error) and "503" in str(error)
    assert isinstance(error.last, ServerError) and error.__cause__ is error.last


async def test_throttling_with_a_retry_after_beyond_the_bound_is_not_waited_for(
    proxied: ApiClient, api_proxy: ApiProxy, namespace: str
) -> None:
    api_proxy.add_fault(Respond(429, headers={"Retry-After": "120"}), path=WORKSPACES)
    with pytest.raises(TooManyRequestsError) as refused:
        await client(proxied).get(namespace, "w")
    assert refused.value.retry_after_seconds == 120
    assert len(api_proxy.faults_applied) == 1


async def test_every_request_has_a_timeout_and_a_slow_answer_is_repeated(
    proxied: ApiClient, api_proxy: ApiProxy, admin_api: ApiClient, namespace: str
) -> None:
    await AnalyticsWorkspaceClient(admin_api).create(workspace(namespace, "w"))
    api_proxy.add_fault(Delay(3), method="GET", path=WORKSPACES, times=1)
    quick = client(proxied, timeouts=Timeouts(connect=2, total=1))
    found = await quick.get(namespace, "w")
    assert found.name == "w"
    api_proxy.add_fault(Delay(3), method="GET", path=WORKSPACES)
    with pytest.raises(RetriesExhaustedError) as slow:
        await quick.get(namespace, "w")
    assert all(isinstance(e, ApiConnectionError) and e.timed_out for e in slow.value.failures)


async def test_a_create_refused_before_it_happened_is_repeated(
    proxied: ApiClient, api_proxy: ApiProxy, namespace: str
) -> None:
    api_proxy.add_fault(Respond(503), method="POST", path=WORKSPACES, times=1)
    workspaces = client(proxied)
    async with workspaces.transport.counting() as counter:
        created = await workspaces.create(workspace(namespace, "w"))
    assert created.name == "w"
    # The 503 leaves open whether it was created: it was looked for (404), then created.
    assert counter.by_method == {"POST": 2, "GET": 1}


async def test_a_create_whose_answer_was_lost_is_found_not_repeated(
    proxied: ApiClient, api_proxy: ApiProxy, namespace: str
) -> None:
    # The server creates the object, then the connection breaks before the answer arrives.
    api_proxy.add_fault(Reset(after_bytes=0), method="POST", path=WORKSPACES, times=1)
    workspaces = client(proxied)
    async with workspaces.transport.counting() as counter:
        created = await workspaces.create(workspace(namespace, "w"))
    assert created.name == "w" and created.metadata.uid
    assert counter.by_method == {"POST": 1, "GET": 1}


async def test_a_lost_create_of_a_name_someone_else_took_is_not_claimed(
    proxied: ApiClient, api_proxy: ApiProxy, admin_api: ApiClient, namespace: str
) -> None:
    other = workspace(namespace, "w")
    other["spec"]["description"] = "someone else's"
    await AnalyticsWorkspaceClient(admin_api).create(other)
    api_proxy.add_fault(Respond(500), method="POST", path=WORKSPACES, times=1)
    with pytest.raises(AlreadyExistsError, match="other content"):
        await client(proxied).create(workspace(namespace, "w"))


async def test_a_retry_policy_can_be_set_per_call_site(
    proxied: ApiClient, api_proxy: ApiProxy, namespace: str
) -> None:
    api_proxy.add_fault(Respond(503), method="GET", path=WORKSPACES, times=1)
    once = AnalyticsWorkspaceClient(proxied, retry=RetryPolicy(attempts=1))
    with pytest.raises(ServerError):
        await once.get(namespace, "w")


async def test_a_body_past_a_mebibyte_is_sent_whole_on_every_try_and_without_a_warning(
    proxied: ApiClient, api_proxy: ApiProxy, admin_api: ApiClient, namespace: str
) -> None:
    created = await AnalyticsWorkspaceClient(admin_api).create(workspace(namespace, "large"))
    assert created.spec is not None
    description = "x" * (1024 * 1024 + 1)  # past aiohttp's limit, within etcd's
    created.spec.description = description
    api_proxy.add_fault(Respond(503), method="PUT", path=WORKSPACES, times=1)
    workspaces = client(proxied)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        async with workspaces.transport.counting() as counter:
            replaced = await workspaces.replace(created)
    assert counter.by_method == {"PUT": 2}  # the first try refused, the second sent it again
    assert replaced.spec is not None and replaced.spec.description == description
    assert not [w for w in caught if "large body" in str(w.message)]
