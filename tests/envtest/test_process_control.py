"""Process control of the test control plane: restarting, stopping and pausing kube-apiserver
and etcd, and compacting etcd so old resourceVersions expire.

These tests stop and restart processes, so they use control planes of their own (module
scoped), never the session's shared one.
"""

from __future__ import annotations

import asyncio
import json
import socket
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import aiohttp
import pytest
import pytest_asyncio
import yaml
from kubernetes_asyncio import client
from kubernetes_asyncio.client.exceptions import ApiException

from lscsde_sdk.envtest import ControlPlane, ControlPlaneError, ControlPlaneStartError
from lscsde_sdk.testing import ApiProxy

GROUP, VERSION, PLURAL = "xlscsde.nhs.uk", "v1", "analyticsworkspaces"


def workspace(name: str) -> dict[str, Any]:
    return {
        "apiVersion": f"{GROUP}/{VERSION}",
        "kind": "AnalyticsWorkspace",
        "metadata": {"name": name},
        "spec": {
            "displayName": f"Workspace {name}",
            "description": "fault tests",
            "validity": {"availableFrom": "2025-01-01", "expires": "2027-01-01"},
            "jupyterWorkspace": {"image": "lscsde/datascience-notebook-default:0.1.0"},
        },
    }


# --------------------------------------------------------------------------- unit


@pytest.mark.parametrize(
    "action",
    [
        lambda p: p.stop_apiserver(),
        lambda p: p.start_apiserver(),
        lambda p: p.restart_apiserver(),
        lambda p: p.stop_etcd(),
        lambda p: p.start_etcd(),
        lambda p: p.restart_etcd(),
        lambda p: p.pause("etcd"),
        lambda p: p.resume("etcd"),
        lambda p: p.compact_etcd(),
    ],
)
def test_process_control_is_refused_for_an_external_cluster(action: Any, tmp_path: Path) -> None:
    plane = ControlPlane.from_kubeconfig(tmp_path / "kubeconfig")
    with pytest.raises(ControlPlaneError, match="external cluster"):
        action(plane)


def test_process_control_needs_a_started_control_plane() -> None:
    with pytest.raises(ControlPlaneError, match="not started"):
        ControlPlane().restart_apiserver()


# --------------------------------------------------------------------------- fixtures


def _own_plane(control_plane: ControlPlane, *apiserver_args: str) -> ControlPlane:
    if control_plane.external:
        # Only with LSCSDE_TEST_KUBECONFIG: an existing cluster's processes are not ours.
        pytest.skip("needs control plane processes of its own")
    return ControlPlane(apiserver_args=apiserver_args).start()


@pytest.fixture(scope="module")
def plane(control_plane: ControlPlane) -> Iterator[ControlPlane]:
    """A control plane these tests may stop and restart. A short request timeout makes a
    request that waits for a stopped etcd fail after 5 s instead of the default 60 s."""
    own = _own_plane(control_plane, "--request-timeout=5s")
    try:
        yield own
    finally:
        own.stop()


@pytest.fixture(scope="module")
def uncached_plane(control_plane: ControlPlane) -> Iterator[ControlPlane]:
    """A control plane whose apiserver serves custom resources straight from etcd.

    ``--watch-cache=false``: a watch from an old resourceVersion goes to etcd, so compacting
    etcd makes it expire (with the cache on, the cache's own window decides instead).
    ``--etcd-compaction-interval=0``: only the test compacts.
    """
    own = _own_plane(control_plane, "--watch-cache=false", "--etcd-compaction-interval=0")
    try:
        yield own
    finally:
        own.stop()


@pytest_asyncio.fixture(loop_scope="session")
async def api(plane: ControlPlane) -> AsyncIterator[client.ApiClient]:
    async with await plane.api_client() as api_client:
        yield api_client


async def _create_workspace(api: client.ApiClient, namespace: str, name: str) -> dict[str, Any]:
    created: dict[str, Any] = await client.CustomObjectsApi(api).create_namespaced_custom_object(
        GROUP, VERSION, namespace, PLURAL, workspace(name)
    )
    return created


# --------------------------------------------------------------------------- apiserver


@pytest.mark.integration
async def test_restart_apiserver_keeps_clients_objects_and_crds(
    plane: ControlPlane, api: client.ApiClient
) -> None:
    namespace = await plane.create_namespace("restart")
    await _create_workspace(api, namespace, "before-restart")
    log = plane.tmp_dir / "kube-apiserver.log" if plane.tmp_dir else None
    assert log is not None
    first_start = log.read_text(encoding="utf-8")
    old_pid = plane.pids["kube-apiserver"]

    await asyncio.to_thread(plane.restart_apiserver)

    assert plane.running and plane.pids["kube-apiserver"] != old_pid
    custom = client.CustomObjectsApi(api)  # the ApiClient made before the restart
    kept = await custom.get_namespaced_custom_object(
        GROUP, VERSION, namespace, PLURAL, "before-restart"
    )
    assert kept["metadata"]["name"] == "before-restart"
    # The CRDs were not re-applied, and their resources are served at once.
    await _create_workspace(api, namespace, "after-restart")
    listed = await custom.list_namespaced_custom_object(GROUP, VERSION, namespace, PLURAL)
    assert sorted(i["metadata"]["name"] for i in listed["items"]) == [
        "after-restart",
        "before-restart",
    ]
    # The log is appended to, not replaced.
    text = log.read_text(encoding="utf-8")
    assert text.startswith(first_start) and "--- restarted at" in text


@pytest.mark.integration
async def test_request_while_apiserver_is_down_fails_to_connect(
    plane: ControlPlane, api: client.ApiClient
) -> None:
    core = client.CoreV1Api(api)
    await core.list_namespace()  # leaves a kept-alive connection in the client's pool
    await asyncio.to_thread(plane.stop_apiserver)
    try:
        assert not plane.running
        with pytest.raises(aiohttp.ClientConnectionError):
            async with asyncio.timeout(30):  # a failure, not a hang
                await core.list_namespace()
    finally:
        await asyncio.to_thread(plane.start_apiserver)
    assert (await core.read_namespace("default")).metadata.name == "default"


@pytest.mark.integration
async def test_proxy_in_front_survives_an_apiserver_restart(plane: ControlPlane) -> None:
    async with ApiProxy.for_control_plane(plane) as proxy:
        async with await plane.api_client(server_url=proxy.url) as api:
            core = client.CoreV1Api(api)
            await core.list_namespace()
            await asyncio.to_thread(plane.stop_apiserver, kill=True)
            try:
                # The proxy cannot reach the upstream and drops the client's connection.
                with pytest.raises(aiohttp.ClientConnectionError):
                    async with asyncio.timeout(30):
                        await core.list_namespace()
                assert proxy.stats.upstream_errors >= 1
            finally:
                await asyncio.to_thread(plane.start_apiserver)
            await core.list_namespace()


# --------------------------------------------------------------------------- etcd


@pytest.mark.integration
async def test_list_fails_while_etcd_is_stopped_and_works_after_start(
    plane: ControlPlane, api: client.ApiClient
) -> None:
    custom = client.CustomObjectsApi(api)
    await custom.list_cluster_custom_object(GROUP, VERSION, PLURAL)
    await asyncio.to_thread(plane.stop_etcd, kill=True)
    try:
        # kube-apiserver keeps running and waits for storage until its request timeout
        # (5 s here, 60 s by default). Then it answers 504 Timeout, or, when its timeout
        # filter loses the race with the handler ("Timeout or abort while handling" in its
        # log), drops the connection without an answer.
        with pytest.raises((ApiException, aiohttp.ServerDisconnectedError)) as info:
            await custom.list_cluster_custom_object(GROUP, VERSION, PLURAL, _request_timeout=60)
        if isinstance(info.value, ApiException):
            assert info.value.status == 504
            assert json.loads(info.value.body)["reason"] == "Timeout"
    finally:
        await asyncio.to_thread(plane.start_etcd)
    listed = await custom.list_cluster_custom_object(GROUP, VERSION, PLURAL)
    assert listed["kind"] == "AnalyticsWorkspaceList"


@pytest.mark.integration
async def test_paused_etcd_hangs_requests_until_resumed(
    plane: ControlPlane, api: client.ApiClient
) -> None:
    core = client.CoreV1Api(api)
    await asyncio.to_thread(plane.pause, "etcd")
    try:
        assert plane.paused == {"etcd"}
        # A hung etcd: the request neither succeeds nor fails at once (it ends in the
        # apiserver's 504 or the client's own timeout, whichever comes first).
        with pytest.raises((TimeoutError, ApiException)):
            await core.list_namespace(_request_timeout=2)
    finally:
        await asyncio.to_thread(plane.resume, "etcd")
    assert plane.paused == frozenset()
    assert (await core.read_namespace("default")).metadata.name == "default"


@pytest.mark.integration
def test_pause_names_unknown_processes(plane: ControlPlane) -> None:
    with pytest.raises(ControlPlaneError, match="unknown process 'kubelet'"):
        plane.pause("kubelet")  # type: ignore[arg-type]


@pytest.mark.integration
async def test_restart_etcd_keeps_data(plane: ControlPlane, api: client.ApiClient) -> None:
    namespace = await plane.create_namespace("etcd-restart")
    await _create_workspace(api, namespace, "kept")
    await asyncio.to_thread(plane.restart_etcd)
    got = await client.CustomObjectsApi(api).get_namespaced_custom_object(
        GROUP, VERSION, namespace, PLURAL, "kept"
    )
    assert got["metadata"]["name"] == "kept"


# --------------------------------------------------------------------------- compaction


async def _first_watch_event(
    api: client.ApiClient, namespace: str, resource_version: str
) -> dict[str, Any]:
    response = await api.call_api(
        f"/apis/{GROUP}/{VERSION}/namespaces/{namespace}/{PLURAL}",
        "GET",
        query_params=[("watch", "true"), ("resourceVersion", resource_version)],
        auth_settings=["BearerToken"],
        _preload_content=False,
        _request_timeout=aiohttp.ClientTimeout(sock_read=30),
    )
    try:
        assert response.status == 200
        event: dict[str, Any] = json.loads(await response.content.readline())
        return event
    finally:
        response.release()


@pytest.mark.integration
async def test_compact_etcd_expires_old_resource_versions(uncached_plane: ControlPlane) -> None:
    namespace = await uncached_plane.create_namespace("compact")
    async with await uncached_plane.api_client() as api:
        custom = client.CustomObjectsApi(api)
        created = await _create_workspace(api, namespace, "compacted")
        old_rv = created["metadata"]["resourceVersion"]
        await custom.patch_namespaced_custom_object(
            GROUP,
            VERSION,
            namespace,
            PLURAL,
            "compacted",
            {"spec": {"description": "v2"}},
            _content_type="application/merge-patch+json",
        )
        # Before compaction, the old revision is still in etcd's history.
        assert (await _first_watch_event(api, namespace, old_rv))["type"] == "MODIFIED"

        before = await asyncio.to_thread(uncached_plane.etcd_revision)
        revision = await asyncio.to_thread(uncached_plane.compact_etcd)
        assert revision > before >= int(old_rv)

        event = await _first_watch_event(api, namespace, old_rv)
        assert event["type"] == "ERROR"
        assert event["object"]["code"] == 410
        assert event["object"]["reason"] == "Expired"


@pytest.mark.integration
def test_kubeconfig_for_another_server_differs_only_in_the_server(plane: ControlPlane) -> None:
    original = yaml.safe_load(plane.kubeconfig_path("alice").read_text(encoding="utf-8"))
    other = plane.kubeconfig_path("alice", server_url="https://127.0.0.1:1234")
    assert other != plane.kubeconfig_path("alice")
    changed = yaml.safe_load(other.read_text(encoding="utf-8"))
    assert changed["clusters"][0]["cluster"]["server"] == "https://127.0.0.1:1234"
    changed["clusters"][0]["cluster"]["server"] = plane.server_url
    assert changed == original


@pytest.mark.integration
def test_failed_restart_reports_the_log_tail_and_can_be_retried(plane: ControlPlane) -> None:
    port = urlsplit(plane.server_url).port
    assert port is not None
    plane.stop_apiserver(kill=True)
    try:
        with socket.socket() as squatter:  # someone else took the port meanwhile
            squatter.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            squatter.bind(("127.0.0.1", port))
            squatter.listen()
            with pytest.raises(ControlPlaneStartError) as info:
                plane.start_apiserver()
        assert "kube-apiserver exited" in str(info.value)
        assert "address already in use" in info.value.logs
    finally:
        plane.start_apiserver()
    assert plane.running
