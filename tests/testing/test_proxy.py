"""ApiProxy: a transparent, counting HTTPS proxy in front of the real kube-apiserver that
injects faults on demand (statuses, resets, delays, blackholes, mid-stream cuts)."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import ssl
import subprocess
import sys
import time
import urllib.request
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest
import pytest_asyncio
from kubernetes_asyncio import client
from kubernetes_asyncio.client.exceptions import ApiException

from lscsde_sdk.envtest import ADMIN, ControlPlane, ControlPlaneError
from lscsde_sdk.testing import ApiProxy, Blackhole, Delay, FaultRule, Reset, Respond

GROUP, VERSION, PLURAL = "xlscsde.nhs.uk", "v1", "analyticsworkspaces"
SRC = Path(__file__).resolve().parents[2] / "src"
# Errors a client sees when the proxy drops its connection, before or during a response.
DROPPED = (aiohttp.ClientConnectionError, aiohttp.ClientPayloadError, ConnectionResetError)


def workspace(name: str) -> dict[str, Any]:
    return {
        "apiVersion": f"{GROUP}/{VERSION}",
        "kind": "AnalyticsWorkspace",
        "metadata": {"name": name},
        "spec": {
            "displayName": f"Workspace {name}",
            "description": "proxy tests",
            "validity": {"availableFrom": "2025-01-01", "expires": "2027-01-01"},
            "jupyterWorkspace": {"image": "lscsde/datascience-notebook-default:0.1.0"},
        },
    }


def collection(namespace: str) -> str:
    return f"/apis/{GROUP}/{VERSION}/namespaces/{namespace}/{PLURAL}"


# --------------------------------------------------------------------------- unit


def test_fault_actions_validate_their_arguments() -> None:
    with pytest.raises(ValueError, match="at most one"):
        Reset(after_bytes=1, after_lines=1)
    with pytest.raises(ValueError, match="after_lines"):
        Blackhole(after_lines=-1)
    with pytest.raises(ValueError, match="status"):
        Respond(101)
    with pytest.raises(ValueError, match="seconds"):
        Delay(-1)
    proxy = ApiProxy("https://127.0.0.1:1", ca_file="ca", cert_file="c", key_file="k")
    with pytest.raises(ValueError, match="times"):
        proxy.add_fault(Reset(), times=0)
    with pytest.raises(ValueError, match="upstream"):
        ApiProxy("http://127.0.0.1:1", ca_file="ca", cert_file="c", key_file="k")


def test_a_proxy_needs_a_control_plane_of_our_own(tmp_path: Path) -> None:
    with pytest.raises(ControlPlaneError, match="external cluster"):
        ApiProxy.for_control_plane(ControlPlane.from_kubeconfig(tmp_path / "kubeconfig"))


def test_the_proxy_is_loaded_only_when_asked_for() -> None:
    code = (
        "import sys, lscsde_sdk, lscsde_sdk.testing\n"
        "assert 'lscsde_sdk.testing.proxy' not in sys.modules\n"
    )
    env = {**os.environ, "PYTHONPATH": str(SRC)}
    subprocess.run([sys.executable, "-c", code], check=True, env=env, timeout=60)


# --------------------------------------------------------------------------- fixtures


@pytest.fixture
def own_control_plane(control_plane: ControlPlane) -> ControlPlane:
    if control_plane.external:
        # Only with LSCSDE_TEST_KUBECONFIG: the proxy needs the control plane's CA and
        # serving certificate, which an existing cluster does not give us.
        pytest.skip("needs a control plane started by ControlPlane")
    return control_plane


@pytest_asyncio.fixture(loop_scope="session")
async def proxy(own_control_plane: ControlPlane) -> AsyncIterator[ApiProxy]:
    """A proxy on the test's loop in front of the session's control plane."""
    async with ApiProxy.for_control_plane(own_control_plane) as running:
        yield running


@pytest_asyncio.fixture(loop_scope="session")
async def api(own_control_plane: ControlPlane, proxy: ApiProxy) -> AsyncIterator[client.ApiClient]:
    """An admin ApiClient that talks to the apiserver through ``proxy``."""
    async with await own_control_plane.api_client(ADMIN, server_url=proxy.url) as api_client:
        yield api_client


async def open_watch(
    api: client.ApiClient, namespace: str, resource_version: str, timeout_seconds: int = 120
) -> aiohttp.ClientResponse:
    """A raw watch response (the caller releases it), read line by line by the tests."""
    response: aiohttp.ClientResponse = await api.call_api(
        collection(namespace),
        "GET",
        query_params=[
            ("watch", "true"),
            ("resourceVersion", resource_version),
            ("timeoutSeconds", str(timeout_seconds)),
        ],
        auth_settings=["BearerToken"],
        _preload_content=False,
        _request_timeout=aiohttp.ClientTimeout(sock_read=timeout_seconds + 30),
    )
    assert response.status == 200
    return response


async def next_event(response: aiohttp.ClientResponse) -> dict[str, Any]:
    # Generous: an event that arrives at all before the watch times out was not buffered.
    async with asyncio.timeout(60):
        line = await response.content.readline()
    assert line, "watch ended"
    event: dict[str, Any] = json.loads(line)
    return event


async def empty_list_rv(api: client.ApiClient, namespace: str) -> str:
    listed = await client.CustomObjectsApi(api).list_namespaced_custom_object(
        GROUP, VERSION, namespace, PLURAL
    )
    return str(listed["metadata"]["resourceVersion"])


def session(
    plane: ControlPlane, identity: str = ADMIN, headers: dict[str, str] | None = None
) -> aiohttp.ClientSession:
    """A plain aiohttp session verifying against the control plane's CA."""
    assert plane.ca_file is not None
    context = ssl.create_default_context(cafile=str(plane.ca_file))
    token = plane.identities[identity].token
    return aiohttp.ClientSession(
        connector=aiohttp.TCPConnector(ssl=context),
        headers={"Authorization": f"Bearer {token}", **(headers or {})},
    )


# --------------------------------------------------------------------------- transparency


@pytest.mark.integration
async def test_crud_and_watch_pass_through_with_tls_verification_and_are_counted(
    own_control_plane: ControlPlane, proxy: ApiProxy, api: client.ApiClient, namespace: str
) -> None:
    assert api.configuration.verify_ssl is True
    assert api.configuration.ssl_ca_cert == str(own_control_plane.ca_file)
    assert api.configuration.host == proxy.url
    custom = client.CustomObjectsApi(api)
    rv = await empty_list_rv(api, namespace)
    watch = await open_watch(api, namespace, rv)
    try:
        await custom.create_namespaced_custom_object(
            GROUP, VERSION, namespace, PLURAL, workspace("one")
        )
        # Events arrive while the stream is open (it would end only after 120 s).
        added = await next_event(watch)
        assert (added["type"], added["object"]["metadata"]["name"]) == ("ADDED", "one")
        await custom.patch_namespaced_custom_object(
            GROUP,
            VERSION,
            namespace,
            PLURAL,
            "one",
            {"spec": {"description": "patched"}},
            _content_type="application/merge-patch+json",
        )
        modified = await next_event(watch)
        assert modified["type"] == "MODIFIED"
        assert modified["object"]["spec"]["description"] == "patched"
    finally:
        watch.release()
    got = await custom.get_namespaced_custom_object(GROUP, VERSION, namespace, PLURAL, "one")
    assert got["spec"]["description"] == "patched"

    stats = proxy.stats
    path = collection(namespace)
    assert stats.by_method == {"GET": 3, "POST": 1, "PATCH": 1}
    assert stats.requests == 5
    assert stats.by_path[("GET", path)] == 2  # the list and the watch
    assert stats.by_path[("POST", path)] == 1
    assert stats.by_path[("PATCH", f"{path}/one")] == 1
    assert stats.bytes_to_upstream >= len(json.dumps(workspace("one")))
    assert stats.bytes_from_upstream > len(json.dumps(got))
    assert stats.upstream_errors == 0
    proxy.reset_stats()
    assert proxy.stats.requests == 0 and proxy.stats.by_path == {}


@pytest.mark.integration
async def test_large_responses_arrive_byte_for_byte(
    own_control_plane: ControlPlane, proxy: ApiProxy
) -> None:
    # Uncompressed, so the count of body bytes on the wire is the length of the document.
    async with session(own_control_plane, headers={"Accept-Encoding": "identity"}) as http:
        async with http.get(f"{own_control_plane.server_url}/openapi/v2") as direct:
            expected = await direct.read()
        async with http.get(f"{proxy.url}/openapi/v2") as proxied:
            assert proxied.status == 200
            assert await proxied.read() == expected
    assert len(expected) > 1 << 20  # many pieces
    assert proxy.stats.bytes_from_upstream == len(expected)


@pytest.mark.integration
async def test_chunked_request_bodies_are_forwarded(
    own_control_plane: ControlPlane, proxy: ApiProxy, namespace: str
) -> None:
    body = json.dumps(workspace("chunked")).encode()

    async def pieces() -> AsyncIterator[bytes]:
        for start in range(0, len(body), 100):
            yield body[start : start + 100]

    async with session(own_control_plane) as http:
        async with http.post(
            f"{proxy.url}{collection(namespace)}",
            data=pieces(),
            headers={"Content-Type": "application/json"},
        ) as response:
            assert response.request_info.headers.get("Transfer-Encoding") == "chunked"
            assert response.status == 201, await response.text()
    assert proxy.stats.bytes_to_upstream == len(body)


@pytest.mark.integration
async def test_each_identity_keeps_its_own_rights_through_the_proxy(
    own_control_plane: ControlPlane, proxy: ApiProxy, namespace: str, user_name: str
) -> None:
    async with await own_control_plane.api_client(user_name, server_url=proxy.url) as user:
        with pytest.raises(ApiException) as info:
            await client.CustomObjectsApi(user).list_namespaced_custom_object(
                GROUP, VERSION, namespace, PLURAL
            )
        assert info.value.status == 403
        assert f'User "{user_name}"' in json.loads(info.value.body)["message"]


# --------------------------------------------------------------------------- injected responses


@pytest.mark.integration
async def test_429_with_retry_after_for_the_next_two_requests_then_success(
    proxy: ApiProxy, api: client.ApiClient, namespace: str
) -> None:
    rule = proxy.add_fault(
        Respond(429, headers={"Retry-After": "1"}),
        method="GET",
        path=f"{collection(namespace)}$",
        times=2,
    )
    custom = client.CustomObjectsApi(api)
    for _ in range(2):
        with pytest.raises(ApiException) as info:
            await custom.list_namespaced_custom_object(GROUP, VERSION, namespace, PLURAL)
        assert info.value.status == 429
        assert info.value.headers["Retry-After"] == "1"
        status = json.loads(info.value.body)
        assert (status["kind"], status["code"], status["reason"]) == (
            "Status",
            429,
            "TooManyRequests",
        )
        assert status["details"] == {"retryAfterSeconds": 1}
    listed = await custom.list_namespaced_custom_object(GROUP, VERSION, namespace, PLURAL)
    assert listed["items"] == []
    assert (rule.applied, rule.exhausted) == (2, True)
    assert [f.rule for f in proxy.faults_applied] == [rule, rule]
    assert proxy.stats.requests == 3


@pytest.mark.integration
async def test_503_until_removed_after_letting_the_first_request_pass(
    proxy: ApiProxy, api: client.ApiClient
) -> None:
    core = client.CoreV1Api(api)
    rule = proxy.add_fault(Respond(503), path="^/api/v1/namespaces/default$", skip=1)
    await core.read_namespace("default")  # skipped
    for _ in range(3):
        with pytest.raises(ApiException) as info:
            await core.read_namespace("default")
        assert info.value.status == 503
        assert json.loads(info.value.body)["reason"] == "ServiceUnavailable"
    await core.list_namespace()  # other paths are not affected
    rule.remove()
    assert rule.removed and proxy.faults == []
    assert (await core.read_namespace("default")).metadata.name == "default"
    assert (rule.matched, rule.applied) == (4, 3)


# --------------------------------------------------------------------------- dropped connections


@pytest.mark.integration
async def test_reset_drops_the_connection_without_a_response(
    proxy: ApiProxy, api: client.ApiClient, namespace: str
) -> None:
    custom = client.CustomObjectsApi(api)
    proxy.add_fault(Reset(), method="POST", times=1)
    with pytest.raises(DROPPED):
        await custom.create_namespaced_custom_object(
            GROUP, VERSION, namespace, PLURAL, workspace("never")
        )
    with pytest.raises(ApiException) as info:  # the request never reached the apiserver
        await custom.get_namespaced_custom_object(GROUP, VERSION, namespace, PLURAL, "never")
    assert info.value.status == 404
    # aiohttp resends an idempotent request once when a kept-alive connection drops, so a
    # GET only fails when the retry is reset too.
    proxy.add_fault(Reset(), method="GET", times=2)
    with pytest.raises(DROPPED):
        await custom.list_namespaced_custom_object(GROUP, VERSION, namespace, PLURAL)
    await custom.list_namespaced_custom_object(GROUP, VERSION, namespace, PLURAL)


@pytest.mark.integration
async def test_watch_cut_after_the_first_event(
    proxy: ApiProxy, api: client.ApiClient, namespace: str
) -> None:
    custom = client.CustomObjectsApi(api)
    rule = proxy.add_fault(Reset(after_lines=1), query="watch=", times=1)
    watch = await open_watch(api, namespace, await empty_list_rv(api, namespace))
    try:
        await custom.create_namespaced_custom_object(
            GROUP, VERSION, namespace, PLURAL, workspace("first")
        )
        assert (await next_event(watch))["object"]["metadata"]["name"] == "first"
        assert proxy.faults_applied == []  # the cut comes in place of the next event
        await custom.create_namespaced_custom_object(
            GROUP, VERSION, namespace, PLURAL, workspace("second")
        )
        with pytest.raises(DROPPED):
            await next_event(watch)
    finally:
        watch.release()
    [applied] = proxy.faults_applied
    assert (applied.rule, applied.method) == (rule, "GET")
    assert "watch=" in applied.query


@pytest.mark.integration
async def test_cut_all_streams_drops_open_watches_only(
    proxy: ApiProxy, api: client.ApiClient, namespace: str
) -> None:
    watch = await open_watch(api, namespace, await empty_list_rv(api, namespace))
    try:
        assert proxy.cut_all_streams() == 1
        with pytest.raises(DROPPED):
            async with asyncio.timeout(60):
                await watch.content.read()
    finally:
        watch.release()
    assert proxy.cut_all_streams() == 0
    await client.CoreV1Api(api).list_namespace()
    assert [f.rule for f in proxy.faults_applied] == [None]


@pytest.mark.integration
async def test_stalled_watch_resumes_when_the_blackhole_is_removed(
    proxy: ApiProxy, api: client.ApiClient, namespace: str
) -> None:
    custom = client.CustomObjectsApi(api)
    rule = proxy.add_fault(Blackhole(after_lines=1), query="watch=")
    watch = await open_watch(api, namespace, await empty_list_rv(api, namespace))
    try:
        for name in ("first", "second"):
            await custom.create_namespaced_custom_object(
                GROUP, VERSION, namespace, PLURAL, workspace(name)
            )
        assert (await next_event(watch))["object"]["metadata"]["name"] == "first"
        second = asyncio.ensure_future(next_event(watch))
        done, _ = await asyncio.wait([second], timeout=1.0)
        assert not done  # held back by the proxy
        rule.remove()
        assert (await second)["object"]["metadata"]["name"] == "second"
    finally:
        watch.release()


# --------------------------------------------------------------------------- slow answers


@pytest.mark.integration
async def test_blackhole_holds_requests_until_the_rule_is_removed(
    proxy: ApiProxy, api: client.ApiClient
) -> None:
    loop = asyncio.get_running_loop()
    rule = proxy.add_fault(Blackhole(), path="^/api/v1/namespaces$")
    started = loop.time()
    held = asyncio.ensure_future(client.CoreV1Api(api).list_namespace())
    done, _ = await asyncio.wait([held], timeout=1.0)
    assert not done
    rule.remove()
    assert (await held).items
    assert loop.time() - started >= 1.0
    [applied] = proxy.faults_applied
    assert started <= applied.time <= loop.time()


@pytest.mark.integration
async def test_delay_postpones_the_response(proxy: ApiProxy, api: client.ApiClient) -> None:
    loop = asyncio.get_running_loop()
    proxy.add_fault(Delay(1.0), path="^/api/v1/namespaces$", times=1)
    started = loop.time()
    await client.CoreV1Api(api).list_namespace()
    assert loop.time() - started >= 1.0
    started = loop.time()
    await client.CoreV1Api(api).list_namespace()  # times=1: only the first was delayed
    assert [f.action for f in proxy.faults_applied] == [Delay(1.0)]


# --------------------------------------------------------------------------- other lifecycles


@pytest.mark.integration
async def test_proxy_in_its_own_thread_is_programmable_from_the_test(
    own_control_plane: ControlPlane, namespace: str
) -> None:
    with ApiProxy.for_control_plane(own_control_plane) as proxy:
        async with await own_control_plane.api_client(server_url=proxy.url) as api:
            core = client.CoreV1Api(api)
            await core.list_namespace()
            assert proxy.stats.by_method == {"GET": 1}

            rule: FaultRule = proxy.add_fault(Blackhole(), path="^/api/v1/namespaces$")
            held = asyncio.ensure_future(core.list_namespace())
            done, _ = await asyncio.wait([held], timeout=0.5)
            assert not done
            rule.remove()  # from this thread, while the proxy's loop runs in another
            await held

            watch = await open_watch(api, namespace, await empty_list_rv(api, namespace))
            try:
                assert proxy.cut_all_streams() == 1
                with pytest.raises(DROPPED):
                    async with asyncio.timeout(60):
                        await watch.content.read()
            finally:
                watch.release()
            # The proxy loop's clock is the monotonic clock.
            assert all(f.time <= time.monotonic() for f in proxy.faults_applied)
    with pytest.raises(ControlPlaneError, match="not started"):
        _ = proxy.url


@pytest.mark.integration
def test_command_line_proxy_prints_its_url_and_counts(
    own_control_plane: ControlPlane,
) -> None:
    plane = own_control_plane
    assert plane.ca_file and plane.serving_cert_file and plane.serving_key_file
    command = [
        sys.executable,
        "-m",
        "lscsde_sdk.testing.proxy_process",
        f"--upstream={plane.server_url}",
        f"--ca={plane.ca_file}",
        f"--cert={plane.serving_cert_file}",
        f"--key={plane.serving_key_file}",
    ]
    env = {**os.environ, "PYTHONPATH": str(SRC)}
    with subprocess.Popen(command, env=env, stdout=subprocess.PIPE, text=True) as process:
        try:
            assert process.stdout is not None
            url = process.stdout.readline().strip()
            assert url.startswith("https://127.0.0.1:")
            context = ssl.create_default_context(cafile=str(plane.ca_file))
            opener = urllib.request.build_opener(
                urllib.request.ProxyHandler({}), urllib.request.HTTPSHandler(context=context)
            )
            token = plane.identities[ADMIN].token

            def call(path: str, method: str = "GET") -> Any:
                request = urllib.request.Request(
                    f"{url}{path}", method=method, headers={"Authorization": f"Bearer {token}"}
                )
                with opener.open(request, timeout=30) as response:
                    return json.loads(response.read())

            assert call("/api/v1/namespaces/default")["metadata"]["name"] == "default"
            stats = call("/__proxy__/stats")
            assert stats["requests"] == 1
            assert stats["by_path"] == {"GET /api/v1/namespaces/default": 1}
            call("/__proxy__/stats", "DELETE")
            call("/api/v1/namespaces")
        finally:
            process.send_signal(signal.SIGTERM)
        out, _ = process.communicate(timeout=30)
    assert process.returncode == 0
    final = json.loads(out.strip().splitlines()[-1])
    assert final["by_method"] == {"GET": 1}
