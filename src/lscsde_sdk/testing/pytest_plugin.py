"""pytest fixtures backed by a real kube-apiserver + etcd.

Enable with ``pytest_plugins = ["lscsde_sdk.testing.pytest_plugin"]`` in a conftest.py (or
``pytest -p lscsde_sdk.testing.pytest_plugin``). Needs pytest-asyncio; the async fixtures
run on the session loop. Set ``$LSCSDE_TEST_KUBECONFIG`` to use an existing cluster, and
``$LSCSDE_TEST_CRD_DIR`` (or override ``control_plane_crd_dir``) to apply other CRDs.

Every test that uses the control plane (its fixtures, directly or through others) is marked
``integration``, so ``-m "not integration"`` deselects it and starts nothing. When the
binaries are missing and cannot be built (no ``go``), such tests are skipped - except with
``CI=true``, where that is a failure.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path
from typing import NoReturn

import pytest
import pytest_asyncio
from kubernetes_asyncio import client

from ..envtest import (
    ADMIN,
    ControlPlane,
    ControlPlaneBinaries,
    ControlPlaneUnavailable,
    create_namespace,
    find_binaries,
)
from .proxy import ApiProxy

__all__ = [
    "CONTROL_PLANE_FIXTURES",
    "CRD_DIR_ENV",
    "admin_api",
    "api_proxy",
    "control_plane",
    "control_plane_binaries",
    "control_plane_crd_dir",
    "control_plane_factory",
    "namespace",
    "other_user_api",
    "other_user_name",
    "user_api",
    "user_name",
]

CRD_DIR_ENV = "LSCSDE_TEST_CRD_DIR"
#: The fixtures every use of the control plane goes through: the others depend on these.
CONTROL_PLANE_FIXTURES = frozenset({"control_plane", "control_plane_binaries"})


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "integration: talks to a real kube-apiserver (built from Go modules, or "
        "LSCSDE_TEST_KUBECONFIG)",
    )


# Before the mark plugin's own hook, which deselects by ``-m``.
@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark ``integration`` every test whose fixtures, direct or indirect, include the
    control plane's."""
    for item in items:
        if CONTROL_PLANE_FIXTURES.intersection(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.integration)


@pytest.fixture(scope="session")
def control_plane_crd_dir() -> Path | None:
    """Directory of CRD YAML to apply; None means the SDK's own CRDs."""
    value = os.environ.get(CRD_DIR_ENV)
    return Path(value) if value else None


@pytest.fixture(scope="session")
def control_plane(
    request: pytest.FixtureRequest, control_plane_crd_dir: Path | None
) -> Iterator[ControlPlane]:
    """One control plane for the whole session, stopped at its end."""
    plane = ControlPlane.from_env(crd_dir=control_plane_crd_dir)
    capture = request.config.pluginmanager.getplugin("capturemanager")
    # Uncaptured, so a first-run build shows its progress live instead of after the fact.
    quiet = capture.global_and_fixture_disabled() if capture else contextlib.nullcontext()
    unavailable: str | None = None
    try:
        with quiet:
            plane.start()
    except ControlPlaneUnavailable as exc:
        unavailable = f"no control plane: {exc.reason}"
    if unavailable is not None:  # raised outside `except` to keep the report to one message
        _missing(unavailable)
    try:
        yield plane
    finally:
        plane.stop()


@pytest.fixture(scope="session")
def control_plane_binaries() -> ControlPlaneBinaries:
    """The cached kube-apiserver and etcd, for tests that start them in processes of their
    own (``lscsde dev``); never builds them."""
    unavailable: str | None = None
    try:
        return find_binaries(build=False)
    except ControlPlaneUnavailable as exc:
        unavailable = f"no control plane binaries: {exc.reason}"
    _missing(unavailable)  # outside `except`, as in control_plane


def _missing(reason: str) -> NoReturn:
    """Without the control plane a test cannot run: a failure with ``CI=true`` (where the
    binaries are always built first), else a skip (a machine without ``go``)."""
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(reason, pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="session")
def control_plane_factory(
    control_plane: ControlPlane,
) -> Iterator[Callable[..., ControlPlane]]:
    """Starts extra control planes for tests that stop, restart or reconfigure one (their
    CRDs are cluster-wide, their processes theirs to break): ``factory(*apiserver_args,
    crd_dir=None)``. All are stopped at the end of the session; a test may stop its own
    earlier. Skips against an external cluster."""
    started: list[ControlPlane] = []

    def start(*apiserver_args: str, crd_dir: Path | None = None) -> ControlPlane:
        if control_plane.external:
            pytest.skip("needs control plane processes of its own (not an external cluster)")
        plane = ControlPlane(apiserver_args=apiserver_args, crd_dir=crd_dir).start()
        started.append(plane)
        return plane

    try:
        yield start
    finally:
        for plane in started:
            plane.stop()


@pytest_asyncio.fixture(loop_scope="session")
async def api_proxy(control_plane: ControlPlane) -> AsyncIterator[ApiProxy]:
    """A fault-injecting proxy (:class:`lscsde_sdk.testing.proxy.ApiProxy`) in front of the
    session's control plane, on the test's loop; ``control_plane.api_client(server_url=
    api_proxy.url)`` talks through it."""
    if control_plane.external:
        pytest.skip("the proxy needs the control plane's own certificates")
    async with ApiProxy.for_control_plane(control_plane) as proxy:
        yield proxy


@pytest_asyncio.fixture(loop_scope="session")
async def admin_api(control_plane: ControlPlane) -> AsyncIterator[client.ApiClient]:
    """An ApiClient for the ``system:masters`` identity, closed after the test."""
    api = await control_plane.api_client(ADMIN)
    try:
        yield api
    finally:
        await api.close()


@pytest_asyncio.fixture(loop_scope="session")
async def namespace(request: pytest.FixtureRequest, admin_api: client.ApiClient) -> str:
    """A fresh namespace named after the test (never deleted: no namespace controller runs)."""
    return await create_namespace(admin_api, request.node.name)


def _user(control_plane: ControlPlane, index: int) -> str:
    if len(control_plane.users) <= index:
        pytest.skip("this control plane has no non-admin identities (external kubeconfig)")
    return control_plane.users[index]


@pytest.fixture
def user_name(control_plane: ControlPlane) -> str:
    """Name of the first non-admin identity (give it rights with ``control_plane.grant``)."""
    return _user(control_plane, 0)


@pytest.fixture
def other_user_name(control_plane: ControlPlane) -> str:
    """Name of the second non-admin identity."""
    return _user(control_plane, 1)


@pytest_asyncio.fixture(loop_scope="session")
async def user_api(control_plane: ControlPlane, user_name: str) -> AsyncIterator[client.ApiClient]:
    """An ApiClient for ``user_name``: no permissions until granted."""
    api = await control_plane.api_client(user_name)
    try:
        yield api
    finally:
        await api.close()


@pytest_asyncio.fixture(loop_scope="session")
async def other_user_api(
    control_plane: ControlPlane, other_user_name: str
) -> AsyncIterator[client.ApiClient]:
    """An ApiClient for ``other_user_name``: no permissions until granted."""
    api = await control_plane.api_client(other_user_name)
    try:
        yield api
    finally:
        await api.close()
