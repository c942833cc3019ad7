"""No credentials in anything an SDK error lets reach.

aiohttp's ``ClientResponseError`` shows the request's headers in its ``repr``, the
``Authorization: Bearer ...`` header among them, and error trackers record the reprs of
chained causes and contexts. An endpoint answering a malformed status line makes aiohttp raise
one on every try; the SDK's errors copy what it says (its class, status and URL) instead of
chaining it.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any

import pytest
import pytest_asyncio
from kubernetes_asyncio.client import ApiClient, Configuration

from lscsde_sdk.clients import AnalyticsDataSourceClient, AnalyticsWorkspaceClient, Transport
from lscsde_sdk.errors import ApiConnectionError, LscsdeError, RetriesExhaustedError
from tests.integration.factories import workspace
from tests.security.leaks import assert_absent, error_texts, log_texts, reachable

TOKEN = "SENTINEL-bearer-token-9d2c"
MALFORMED_ANSWERS = {
    "status-line": b"HTTP/1.1 two hundred OK\r\nContent-Length: 2\r\n\r\n{}",
    "header": b"HTTP/1.1 200 OK\r\nNot A Header\r\nContent-Length: 2\r\n\r\n{}",
    "chunking": b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n{}\r\n0\r\n\r\n",
}


@asynccontextmanager
async def answering(answer: bytes) -> AsyncIterator[ApiClient]:
    """An ApiClient with a bearer token, talking to an endpoint that answers every request
    with ``answer``."""

    async def respond(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            await reader.readuntil(b"\r\n\r\n")
            writer.write(answer)
            await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()

    server = await asyncio.start_server(respond, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    configuration = Configuration(
        host=f"http://127.0.0.1:{port}",
        api_key={"BearerToken": TOKEN},
        api_key_prefix={"BearerToken": "Bearer"},
    )
    try:
        async with ApiClient(configuration) as api:
            yield api
    finally:
        server.close()
        await server.wait_closed()


@pytest_asyncio.fixture(loop_scope="session", params=sorted(MALFORMED_ANSWERS))
async def garbled_api(request: pytest.FixtureRequest) -> AsyncIterator[ApiClient]:
    async with answering(MALFORMED_ANSWERS[request.param]) as api:
        yield api


async def _no_wait(_: float) -> None:
    return None


Call = Callable[[ApiClient], Awaitable[Any]]


async def get(api: ApiClient) -> Any:
    return await AnalyticsWorkspaceClient(Transport(api, sleep=_no_wait)).get("ns", "w")


async def create(api: ApiClient) -> Any:
    client = AnalyticsWorkspaceClient(Transport(api, sleep=_no_wait))
    return await client.create(workspace("ns", "w"))


async def list_data_sources(api: ApiClient) -> Any:
    return await AnalyticsDataSourceClient(Transport(api, sleep=_no_wait)).list("ns")


@pytest.mark.parametrize("call", [get, create, list_data_sources], ids=lambda c: c.__name__)
async def test_no_credential_is_reachable_from_the_error(
    garbled_api: ApiClient, call: Call, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    with pytest.raises(RetriesExhaustedError) as caught:
        await call(garbled_api)
    for secret in (TOKEN, f"Bearer {TOKEN}"):
        assert_absent(secret, error_texts(caught.value))
        assert_absent(secret, log_texts(caplog))
    assert not any(
        "authorization" in repr(value).lower()
        for value in reachable(caught.value)
        if not isinstance(value, str)
    )
    # Nothing chains to the HTTP library's errors; what they said is copied.
    assert all(
        isinstance(value, LscsdeError)
        for value in reachable(caught.value)
        if isinstance(value, BaseException)
    )


def _frame_locals(error: BaseException) -> list[tuple[str, str, Any]]:
    """(function, name, value) of every local variable of every frame that ``error``, or an
    error reachable from it, passed through: what error trackers record when set to keep
    local variables (Sentry's default)."""
    found = []
    for value in reachable(error):
        if isinstance(value, BaseException):
            frame = value.__traceback__
            while frame is not None:
                code = frame.tb_frame.f_code.co_name
                found += [(code, name, v) for name, v in frame.tb_frame.f_locals.items()]
                frame = frame.tb_next
    return found


@pytest.mark.parametrize("call", [get, create, list_data_sources], ids=lambda c: c.__name__)
async def test_no_frame_the_error_passed_through_keeps_a_credential(
    garbled_api: ApiClient, call: Call
) -> None:
    with pytest.raises(RetriesExhaustedError) as caught:
        await call(garbled_api)
    frames = _frame_locals(caught.value)
    assert any(function == "_attempt" for function, _, _ in frames)  # the tries' frames
    leaks = [(function, name) for function, name, value in frames if TOKEN in repr(value)]
    assert leaks == []


async def test_what_the_http_library_said_is_kept(garbled_api: ApiClient) -> None:
    with pytest.raises(RetriesExhaustedError) as caught:
        await get(garbled_api)
    assert caught.value.attempts == 4
    for failure in caught.value.failures:
        assert isinstance(failure, ApiConnectionError)
        assert failure.cause is not None and failure.cause.startswith("Client")
        assert failure.url is not None
        assert failure.url.endswith("/apis/xlscsde.nhs.uk/v1/namespaces/ns/analyticsworkspaces/w")
        assert failure.cause in str(failure)


async def test_a_malformed_status_line_is_reported_with_its_status() -> None:
    async with answering(MALFORMED_ANSWERS["status-line"]) as api:
        with pytest.raises(RetriesExhaustedError) as caught:
            await get(api)
    first = caught.value.failures[0]
    assert isinstance(first, ApiConnectionError)
    assert (first.cause, first.cause_status) == ("ClientResponseError", 400)
    assert "Bad status line" in first.reason
