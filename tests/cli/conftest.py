"""Running ``lscsde`` in-process against the test control plane."""

from __future__ import annotations

import asyncio
import io
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import pytest
import pytest_asyncio
from kubernetes_asyncio import client

from lscsde_sdk.cli import main
from lscsde_sdk.cli.sample_data import SampleData, seed_sample_data
from lscsde_sdk.clients import AnalyticsWorkspaceBindingClient, Transport
from lscsde_sdk.envtest import ControlPlane


@dataclass(frozen=True)
class Result:
    """What one run of the command printed, and its exit code."""

    code: int
    out: str
    err: str

    @property
    def out_lines(self) -> list[str]:
        return self.out.splitlines()

    @property
    def err_lines(self) -> list[str]:
        return self.err.splitlines()


def run_cli(argv: Sequence[str]) -> Result:
    """``lscsde <argv>`` in this process, its output captured."""
    out, err = io.StringIO(), io.StringIO()
    code = main(list(argv), stdout=out, stderr=err)
    return Result(code, out.getvalue(), err.getvalue())


class Cli:
    """Runs ``lscsde`` as an identity of the control plane, in a namespace.

    The global options go after the command, as kubectl allows. Each run has its own
    ``asyncio.run``, so it runs in a worker thread while the test's loop waits."""

    def __init__(self, kubeconfig: Path, namespace: str) -> None:
        self.kubeconfig = kubeconfig
        self.namespace = namespace

    async def __call__(self, *argv: str, namespace: str | None = None) -> Result:
        options = ["--kubeconfig", str(self.kubeconfig), "-n", namespace or self.namespace]
        return await asyncio.to_thread(run_cli, [*argv, *options])


@pytest.fixture
def cli(control_plane: ControlPlane, namespace: str) -> Cli:
    """``lscsde`` as the admin identity in the test's namespace."""
    return Cli(control_plane.kubeconfig_path(), namespace)


@pytest.fixture
def user_cli(control_plane: ControlPlane, namespace: str, user_name: str) -> Cli:
    """``lscsde`` as a non-admin identity (no permissions) in the test's namespace."""
    return Cli(control_plane.kubeconfig_path(user_name), namespace)


@pytest_asyncio.fixture(loop_scope="session")
async def sample(admin_api: client.ApiClient, namespace: str) -> SampleData:
    """The ``dev up`` sample data in the test's namespace."""
    return await seed_sample_data(Transport(admin_api), namespace)


async def hand_edited_binding(admin_api: client.ApiClient, namespace: str, name: str) -> None:
    """A binding labelled for bob@example.org whose ``spec.username`` was then changed by
    hand (kubectl edit) to dana@example.org: its lookup label names another user."""
    from ..integration.factories import create_as_another_tool

    await create_as_another_tool(
        AnalyticsWorkspaceBindingClient(admin_api),
        {
            "metadata": {
                "name": name,
                "namespace": namespace,
                "labels": {"xlscsde.nhs.uk/username": "bob___example.org"},
            },
            "spec": {"workspace": "study", "username": "dana@example.org", "expires": "2099-01-01"},
        },
    )
