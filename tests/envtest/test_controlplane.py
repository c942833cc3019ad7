"""Tests of lscsde_sdk.envtest: pure helpers, and a real kube-apiserver + etcd (integration)."""

from __future__ import annotations

import asyncio
import csv
import io
import json
import os
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path

import aiohttp
import pytest
import yaml
from kubernetes_asyncio import client, config
from kubernetes_asyncio.client.exceptions import ApiException

from lscsde_sdk.envtest import (
    ADMIN,
    ControlPlane,
    ControlPlaneStartError,
    ControlPlaneUnavailable,
    Identity,
    binaries,
    default_crd_dir,
    find_binaries,
    gomodule,
    load_crds,
    pick_free_ports,
)
from lscsde_sdk.envtest.identities import render_kubeconfig, render_token_file
from lscsde_sdk.envtest.pki import generate_ca
from lscsde_sdk.testing import eventually

GROUP = "xlscsde.nhs.uk"
SRC = Path(__file__).resolve().parents[2] / "src"

# --------------------------------------------------------------------------- unit


def test_pick_free_ports_are_distinct_and_bindable() -> None:
    ports = pick_free_ports(3)
    assert len(set(ports)) == 3
    for port in ports:
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", port))


def test_token_file_format() -> None:
    text = render_token_file(
        [
            Identity("admin", "t0", "uid-admin", ("system:masters",)),
            Identity("alice", "t1", "uid-alice"),
            Identity("bob", "t2", "uid-bob", ("g1", "g2")),
        ]
    )
    rows = list(csv.reader(io.StringIO(text)))
    assert rows == [
        ["t0", "admin", "uid-admin", "system:masters"],
        ["t1", "alice", "uid-alice"],
        ["t2", "bob", "uid-bob", "g1,g2"],
    ]
    assert text.splitlines()[2] == 't2,bob,uid-bob,"g1,g2"'


@pytest.mark.parametrize("bad", [Identity("a,b", "t", "u"), Identity("a", "t\n", "u")])
def test_token_file_rejects_unsafe_values(bad: Identity) -> None:
    with pytest.raises(ValueError):
        render_token_file([bad])


async def test_kubeconfig_content_loads_with_tls_verification(tmp_path: Path) -> None:
    ca = tmp_path / "ca.crt"
    ca.write_text("unused", encoding="utf-8")
    doc = render_kubeconfig("https://127.0.0.1:6443", ca, "alice", "secret-token")
    assert doc["current-context"] == "alice@lscsde-test"
    assert doc["clusters"][0]["cluster"] == {
        "server": "https://127.0.0.1:6443",
        "certificate-authority": str(ca),
    }
    assert doc["users"] == [{"name": "alice", "user": {"token": "secret-token"}}]
    assert "insecure-skip-tls-verify" not in json.dumps(doc)
    path = tmp_path / "kubeconfig"
    path.write_text(yaml.safe_dump(doc), encoding="utf-8")
    cfg = client.Configuration()
    await config.load_kube_config(config_file=str(path), client_configuration=cfg)
    assert cfg.host == "https://127.0.0.1:6443"
    assert cfg.ssl_ca_cert == str(ca)
    assert cfg.verify_ssl is True
    assert cfg.api_key["BearerToken"] in ("Bearer secret-token", "secret-token")


def test_versions_and_cache_dir(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    assert gomodule.kubernetes_version().startswith("v1.")
    etcd = tuple(int(part) for part in gomodule.etcd_version().lstrip("v").split(".")[:3])
    assert etcd >= (3, 5, 11)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    expected = tmp_path / "lscsde-sdk" / "controlplane" / gomodule.kubernetes_version()
    assert binaries.cache_dir() == expected


def test_find_binaries_explicit_dir(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv(binaries.BIN_DIR_ENV, raising=False)
    with pytest.raises(ControlPlaneUnavailable, match="etcd"):
        find_binaries(tmp_path)
    for name in ("kube-apiserver", "etcd"):
        (tmp_path / name).write_text("#!/bin/sh\n", encoding="utf-8")
        (tmp_path / name).chmod(0o755)
    found = find_binaries(tmp_path)
    assert (found.source, found.etcd) == ("explicit", tmp_path / "etcd")
    monkeypatch.setenv(binaries.BIN_DIR_ENV, str(tmp_path))
    assert find_binaries().source == "explicit"


def test_find_binaries_names_what_is_missing(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.delenv(binaries.BIN_DIR_ENV, raising=False)
    monkeypatch.setenv("PATH", str(tmp_path))  # no go, no binaries
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    with pytest.raises(ControlPlaneUnavailable) as info:
        find_binaries()
    assert "`go`" in info.value.reason and "kube-apiserver" in info.value.reason


def test_the_prebuild_command_names_the_cache_and_what_is_missing(tmp_path: Path) -> None:
    env = {**os.environ, "PYTHONPATH": str(SRC), "XDG_CACHE_HOME": str(tmp_path)}
    command = [sys.executable, "-m", "lscsde_sdk.envtest"]
    where = subprocess.run(
        [*command, "--print-cache-dir"], env=env, capture_output=True, text=True, timeout=60
    )
    assert where.returncode == 0, where.stderr
    cache = tmp_path / "lscsde-sdk" / "controlplane" / gomodule.kubernetes_version()
    assert where.stdout == f"{cache}\n"

    empty = tmp_path / "empty"
    empty.mkdir()
    missing = subprocess.run(
        [*command, "--bin-dir", str(empty)], env=env, capture_output=True, text=True, timeout=60
    )
    assert missing.returncode == 1
    assert missing.stderr.startswith(f"error: bin_dir={empty} does not contain executable")


def test_go_module_is_package_data() -> None:
    module = gomodule.go_module_dir()
    assert module.parent.name == "envtest"
    text = (module / "go.mod").read_text(encoding="utf-8")
    assert f"k8s.io/kubernetes {gomodule.kubernetes_version()}" in text
    assert (module / "go.sum").stat().st_size > 0
    assert "//go:build tools" in (module / "tools.go").read_text(encoding="utf-8")


def test_importing_and_constructing_start_and_build_nothing(tmp_path: Path) -> None:
    code = (
        "import lscsde_sdk.envtest as e\n"
        "plane = e.ControlPlane()\n"
        "assert (plane.pids, plane.running, plane.tmp_dir) == ({}, False, None)\n"
    )
    env = {**os.environ, "PYTHONPATH": str(SRC), "XDG_CACHE_HOME": str(tmp_path)}
    subprocess.run([sys.executable, "-c", code], check=True, env=env, timeout=60)
    assert list(tmp_path.iterdir()) == []  # no cache made, nothing built


def test_default_crds() -> None:
    crd_dir = default_crd_dir()
    assert crd_dir is not None
    docs = load_crds(crd_dir)
    assert len(docs) == 5
    assert {d["spec"]["group"] for d in docs} == {GROUP}


# --------------------------------------------------------------------------- integration


def _get(url: str, token: str | None, ca_file: Path | None) -> tuple[int, str]:
    context = ssl.create_default_context(cafile=str(ca_file) if ca_file else None)
    opener = urllib.request.build_opener(
        urllib.request.ProxyHandler({}), urllib.request.HTTPSHandler(context=context)
    )
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    with opener.open(urllib.request.Request(url, headers=headers), timeout=10) as resp:
        return int(resp.status), resp.read().decode()


@pytest.mark.integration
def test_readyz_as_admin(control_plane: ControlPlane) -> None:
    token = control_plane.identities[ADMIN].token
    if token is None:
        # Only with LSCSDE_TEST_KUBECONFIG: an existing cluster's credentials are not ours.
        pytest.skip("external kubeconfig: no static admin token")
    status, body = _get(f"{control_plane.server_url}/readyz", token, control_plane.ca_file)
    assert (status, body) == (200, "ok")


@pytest.mark.integration
async def test_crds_are_established(
    control_plane: ControlPlane, admin_api: client.ApiClient
) -> None:
    crd_dir = control_plane.resolved_crd_dir()
    assert crd_dir is not None
    expected = {d["metadata"]["name"] for d in load_crds(crd_dir)}
    assert len(expected) == 5
    ext = client.ApiextensionsV1Api(admin_api)
    for name in expected:
        crd = await ext.read_custom_resource_definition(name)
        conditions = {c.type: c.status for c in crd.status.conditions}
        assert conditions.get("Established") == "True", name


@pytest.mark.integration
async def test_non_admin_forbidden_until_granted(
    control_plane: ControlPlane,
    namespace: str,
    user_name: str,
    user_api: client.ApiClient,
    other_user_api: client.ApiClient,
) -> None:
    def lister(api: client.ApiClient) -> client.CustomObjectsApi:
        return client.CustomObjectsApi(api)

    with pytest.raises(ApiException) as info:
        await lister(user_api).list_namespaced_custom_object(
            GROUP, "v1", namespace, "analyticsworkspaces"
        )
    assert info.value.status == 403

    rules = [{"apiGroups": [GROUP], "resources": ["analyticsworkspaces"], "verbs": ["list"]}]
    await control_plane.grant(namespace, user_name, rules)
    listed = await lister(user_api).list_namespaced_custom_object(
        GROUP, "v1", namespace, "analyticsworkspaces"
    )
    assert listed["items"] == []

    with pytest.raises(ApiException) as info:  # the grant was for one user only
        await lister(other_user_api).list_namespaced_custom_object(
            GROUP, "v1", namespace, "analyticsworkspaces"
        )
    assert info.value.status == 403


@pytest.mark.integration
async def test_tls_is_verified(control_plane: ControlPlane, tmp_path: Path) -> None:
    wrong_ca, _ = generate_ca(tmp_path, "wrong-ca")
    with pytest.raises(urllib.error.URLError) as info:
        _get(f"{control_plane.server_url}/readyz", None, wrong_ca)
    assert isinstance(info.value.reason, ssl.SSLCertVerificationError)

    cfg = client.Configuration()
    await config.load_kube_config(
        config_file=str(control_plane.kubeconfig_path(ADMIN)), client_configuration=cfg
    )
    cfg.ssl_ca_cert = str(wrong_ca)
    async with client.ApiClient(configuration=cfg) as api:
        with pytest.raises(aiohttp.ClientConnectorCertificateError):
            await client.CoreV1Api(api).list_namespace()


def _gone(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    # A zombie (killed but not yet reaped by its parent) is gone for our purposes.
    try:
        return Path(f"/proc/{pid}/stat").read_text().split()[2] == "Z"
    except OSError:
        return True


@pytest.mark.integration
def test_stop_removes_tmp_dir_and_processes(control_plane: ControlPlane) -> None:
    if control_plane.external:
        # Only with LSCSDE_TEST_KUBECONFIG: there are no processes of ours to stop.
        pytest.skip("uses its own control plane processes")
    with ControlPlane(apply_crds=False) as plane:
        tmp_dir, pids = plane.tmp_dir, plane.pids
        assert tmp_dir is not None and tmp_dir.is_dir()
        assert set(pids) == {"etcd", "kube-apiserver"}
        assert plane.kubeconfig_path("alice").is_file()
    assert not tmp_dir.exists()
    assert all(_gone(pid) for pid in pids.values())
    assert not plane.running


@pytest.mark.integration
def test_start_failure_reports_log_tail_and_cleans_up(control_plane: ControlPlane) -> None:
    if control_plane.external:
        # Only with LSCSDE_TEST_KUBECONFIG: there are no processes of ours to stop.
        pytest.skip("uses its own control plane processes")
    plane = ControlPlane(apply_crds=False, apiserver_args=["--no-such-flag"])
    with pytest.raises(ControlPlaneStartError, match="no-such-flag") as info:
        plane.start()
    assert "kube-apiserver exited" in str(info.value)
    assert "--- kube-apiserver.log" in info.value.logs
    assert plane.tmp_dir is None and not plane.pids


@pytest.mark.integration
async def test_children_die_with_the_python_process(control_plane: ControlPlane) -> None:
    if control_plane.external or not sys.platform.startswith("linux"):
        # The parent-death signal is Linux-only, and an external cluster has no children.
        pytest.skip("needs its own processes on Linux")
    code = (
        "import json, os, signal\n"
        "from lscsde_sdk.envtest import ControlPlane\n"
        "plane = ControlPlane(apply_crds=False).start()\n"
        "print(json.dumps([plane.pids, str(plane.tmp_dir)]), flush=True)\n"
        "os.kill(os.getpid(), signal.SIGKILL)\n"
    )
    env = {**os.environ, "PYTHONPATH": str(SRC)}
    result = await asyncio.to_thread(
        subprocess.run,
        [sys.executable, "-c", code],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == -signal.SIGKILL, result.stderr
    pids, tmp_dir = json.loads(result.stdout.strip().splitlines()[-1])
    shutil.rmtree(tmp_dir)  # a SIGKILLed process cannot clean up after itself
    # The kernel kills them on its own time: nothing announces it but their going.
    await eventually(lambda: all(_gone(pid) for pid in pids.values()), within=10)
