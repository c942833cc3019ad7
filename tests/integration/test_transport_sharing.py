"""One Transport per ApiClient: every object built on an ApiClient sends through the same
Transport, so its counting and settings see every request; the ApiClient is not patched,
and closing either ends the SDK's session without closing what is the caller's."""

from __future__ import annotations

import gc
import warnings

import pytest
from kubernetes_asyncio.client import ApiClient

from lscsde_sdk.clients import AnalyticsWorkspaceBindingClient, AnalyticsWorkspaceClient
from lscsde_sdk.core.transport import Transport
from lscsde_sdk.envtest import ControlPlane
from lscsde_sdk.errors import LscsdeError
from lscsde_sdk.events import EventRecorder
from lscsde_sdk.managers import AnalyticsDataSourceManager, AnalyticsWorkspaceManager
from lscsde_sdk.runtime import InformerFactory
from lscsde_sdk.storage import PersistentVolumeClaimClient
from lscsde_sdk.testing.pytest_plugin import ADMIN
from tests.integration.factories import workspace

pytestmark = pytest.mark.integration


async def test_every_object_built_on_an_api_client_shares_its_one_transport(
    admin_api: ApiClient, namespace: str
) -> None:
    shared = Transport.of(admin_api)
    workspaces = AnalyticsWorkspaceClient(admin_api)
    manager = AnalyticsWorkspaceManager(admin_api)
    built = [
        workspaces,
        AnalyticsWorkspaceBindingClient(admin_api),
        EventRecorder(admin_api),
        PersistentVolumeClaimClient(admin_api),
        manager,
        AnalyticsDataSourceManager(admin_api),
        InformerFactory(admin_api),
    ]
    assert all(thing.transport is shared for thing in built)
    assert Transport.of(shared) is shared
    await workspaces.create(workspace(namespace, "shared"))

    async with shared.counting() as requests:
        await workspaces.get(namespace, "shared")
        await manager.permitted_profiles(namespace, "nobody@example.org")
    # The client's GET and the manager's binding lookup (two concurrent lists) alike.
    assert requests.by_method == {"GET": 3}


async def test_aclose_closes_the_sdk_session_and_leaves_the_api_client_open(
    admin_api: ApiClient, namespace: str
) -> None:
    rest = admin_api.rest_client
    transport = Transport.of(admin_api)
    await AnalyticsWorkspaceClient(admin_api).list(namespace)
    assert "close" not in vars(rest)  # nothing of the caller's ApiClient is replaced

    await transport.aclose()

    assert not rest.pool_manager.closed
    with pytest.raises(LscsdeError, match="closed"):
        await AnalyticsWorkspaceClient(transport).list(namespace)
    fresh = Transport.of(admin_api)
    assert fresh is not transport
    assert await AnalyticsWorkspaceClient(admin_api).list(namespace) == []


async def test_closing_the_api_client_alone_leaves_no_session_open(
    control_plane: ControlPlane, namespace: str
) -> None:
    api = await control_plane.api_client(ADMIN)
    await AnalyticsWorkspaceClient(api).list(namespace)
    await api.close()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        del api
        gc.collect()
    assert not [w for w in caught if "Unclosed" in str(w.message)]
