"""What a status write needs: the compat ``patch_status`` only ``patch`` on the status
subresource, as lscsde-workspace-mgmt 0.1.14 did; the SDK's conflict-safe ``update_status``
also ``get`` on the object, which it reads first."""

from __future__ import annotations

import logging

import pytest
from kubernetes_asyncio.client import ApiClient, CustomObjectsApi

from lscsde_sdk.clients import AnalyticsDataSourceClient
from lscsde_sdk.core.transport import counting_all
from lscsde_sdk.envtest import ControlPlane
from lscsde_sdk.errors import ForbiddenError
from lscsde_workspace_mgmt.datasourceclient import AnalyticsDataSourceClient as CompatDataSources
from lscsde_workspace_mgmt.models import AnalyticsDataSourceStatus
from tests.integration.factories import data_source

from .roles import GROUP

pytestmark = pytest.mark.integration

PATCH_STATUS_ONLY = [
    {"apiGroups": [GROUP], "resources": ["analyticsdatasources/status"], "verbs": ["patch"]}
]


async def test_the_compat_status_write_needs_only_patch_on_the_status(
    control_plane: ControlPlane,
    admin_api: ApiClient,
    user_api: ApiClient,
    user_name: str,
    namespace: str,
) -> None:
    admin = AnalyticsDataSourceClient(admin_api)
    created = await admin.create(data_source(namespace, "extract"))
    assert created.status is None  # nothing to "replace": the status is created
    await control_plane.grant(namespace, user_name, PATCH_STATUS_ONLY)
    compat = CompatDataSources(CustomObjectsApi(user_api), logging.getLogger("test"), None)

    async with counting_all(user_api) as counter:
        written = await compat.patch_status(
            namespace, "extract", AnalyticsDataSourceStatus(status_text="Ready")
        )

    assert counter.by_method == {"PATCH": 1}
    assert written.status is not None and written.status.status_text == "Ready"
    stored = await admin.get(namespace, "extract")
    assert stored.status is not None and stored.status.to_api() == {"statusText": "Ready"}

    # Written again over an existing status, it replaces it.
    await compat.patch_status(
        namespace, "extract", AnalyticsDataSourceStatus(status_text="Unavailable")
    )
    stored = await admin.get(namespace, "extract")
    assert stored.status is not None and stored.status.to_api() == {"statusText": "Unavailable"}


async def test_update_status_also_needs_get_on_the_object(
    control_plane: ControlPlane,
    admin_api: ApiClient,
    user_api: ApiClient,
    user_name: str,
    namespace: str,
) -> None:
    await AnalyticsDataSourceClient(admin_api).create(data_source(namespace, "extract"))
    await control_plane.grant(namespace, user_name, PATCH_STATUS_ONLY)

    with pytest.raises(ForbiddenError):
        await AnalyticsDataSourceClient(user_api).update_status(
            namespace, "extract", lambda _: {"statusText": "Ready"}
        )
