"""Progress on long operations, on stderr, only where stderr is a terminal: ``relabel``
counts the objects it checked, ``crds install`` the CRDs Established while it waits."""

from __future__ import annotations

import asyncio

import pytest
from kubernetes_asyncio import client

from lscsde_sdk.clients import AnalyticsWorkspaceBindingClient
from lscsde_sdk.envtest import ControlPlane

from ..integration.factories import create_as_another_tool
from .console import run_in_terminal, run_piped

pytestmark = pytest.mark.integration

ERASE = "\r\x1b[K"


async def unlabelled_bindings(admin_api: client.ApiClient, namespace: str, count: int) -> None:
    for number in range(count):
        await create_as_another_tool(
            AnalyticsWorkspaceBindingClient(admin_api),
            {
                "metadata": {"name": f"by-kubectl-{number}", "namespace": namespace},
                "spec": {"workspace": "w", "username": f"u{number}@x.org", "expires": "2099-01-01"},
            },
        )


async def test_relabel_counts_on_a_terminal(
    control_plane: ControlPlane, admin_api: client.ApiClient, namespace: str
) -> None:
    await unlabelled_bindings(admin_api, namespace, 3)

    result = await asyncio.to_thread(
        run_in_terminal,
        ["bindings", "relabel", "--dry-run", "-n", namespace],
        control_plane.kubeconfig_path(),
        stdout=False,
    )

    assert result.code == 0, result.err
    assert f"{ERASE}checking workspace bindings: 0/3" in result.err
    assert f"{ERASE}checking workspace bindings: 3/3{ERASE}" in result.err
    assert f"{ERASE}checking data source bindings: 0/0{ERASE}" in result.err
    assert result.err.endswith(
        f"3 label(s) would change, 0 binding(s) already right, 0 failed, in namespace {namespace}\n"
    )
    assert len(result.out.splitlines()) == 4  # the table on stdout, untouched


async def test_relabel_piped_prints_no_progress(
    control_plane: ControlPlane, admin_api: client.ApiClient, namespace: str
) -> None:
    await unlabelled_bindings(admin_api, namespace, 3)

    result = await asyncio.to_thread(
        run_piped, ["relabel", "-n", namespace], control_plane.kubeconfig_path()
    )

    assert result.code == 0, result.err
    assert result.err == (
        f"3 label(s) changed, 0 object(s) already right, 0 failed, in namespace {namespace}\n"
    )


async def test_crds_install_counts_the_crds_established_on_a_terminal(
    control_plane: ControlPlane,
) -> None:
    on_terminal = await asyncio.to_thread(
        run_in_terminal, ["crds", "install"], control_plane.kubeconfig_path(), stdout=False
    )
    piped = await asyncio.to_thread(run_piped, ["crds", "install"], control_plane.kubeconfig_path())

    assert on_terminal.code == 0, on_terminal.err
    assert f"{ERASE}CRDs Established: 0/5" in on_terminal.err
    assert f"{ERASE}CRDs Established: 5/5{ERASE}" in on_terminal.err
    assert piped.code == 0, piped.err
    assert "Established:" not in piped.err
    assert "\x1b" not in piped.err
