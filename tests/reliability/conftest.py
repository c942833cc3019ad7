"""Fixtures of the reliability tests."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest_asyncio
from kubernetes_asyncio.client import ApiClient

from lscsde_sdk.envtest import ControlPlane
from lscsde_sdk.testing import ApiProxy


@pytest_asyncio.fixture(loop_scope="session")
async def proxied(control_plane: ControlPlane, api_proxy: ApiProxy) -> AsyncIterator[ApiClient]:
    """An admin ``ApiClient`` that talks to the session's control plane through the proxy."""
    async with await control_plane.api_client(server_url=api_proxy.url) as api:
        yield api
