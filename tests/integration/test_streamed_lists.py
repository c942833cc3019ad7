"""Lists validated while they arrive hold exactly the objects the API server holds, whatever
the objects contain: through the SDK's client (``list``, ``list_page``, ``pages``) and the
drop-in's ``list``, with an object that holds what looks like the start of a list item."""

from __future__ import annotations

import logging
from typing import Any

import pytest
from kubernetes_asyncio.client import ApiClient, CustomObjectsApi

from lscsde_sdk.clients import AnalyticsWorkspaceClient
from lscsde_sdk.core.transport import Request
from lscsde_workspace_mgmt.workspaceclient import AnalyticsWorkspaceClient as CompatClient

from .factories import workspace

pytestmark = pytest.mark.integration

ITEM_START = b',{"apiVersion":"xlscsde.nhs.uk/v1","kind":"AnalyticsWorkspace","metadata":'
# Kept as it is by the schema (resources keeps unknown fields): the server writes it with the
# bytes that begin a list item.
LOOKS_LIKE_AN_ITEM = {
    "apiVersion": "xlscsde.nhs.uk/v1",
    "kind": "AnalyticsWorkspace",
    "metadata": {"name": "not-an-item"},
}
NAMES = ["a-plain", "b-holds-item-lookalikes", "c-plain", "d-plain"]


async def create_workspaces(api: ApiClient, namespace: str) -> None:
    client = AnalyticsWorkspaceClient(api)
    for name in NAMES:
        manifest = workspace(namespace, name)
        if "lookalikes" in name:
            manifest["spec"]["jupyterWorkspace"]["resources"] = {
                "claims": [LOOKS_LIKE_AN_ITEM, LOOKS_LIKE_AN_ITEM, LOOKS_LIKE_AN_ITEM]
            }
        await client.create(manifest)


def without_managed_fields(manifest: dict[str, Any]) -> dict[str, Any]:
    metadata = {k: v for k, v in manifest["metadata"].items() if k != "managedFields"}
    return {**manifest, "metadata": metadata}


async def test_the_sdk_lists_objects_holding_item_lookalikes_whole(
    admin_api: ApiClient, namespace: str
) -> None:
    await create_workspaces(admin_api, namespace)
    client = AnalyticsWorkspaceClient(admin_api)
    raw = await client.transport.send(Request("GET", client.info.collection_path(namespace)))
    # Between the items, and between the lookalikes inside the one object.
    assert raw.count(ITEM_START) == len(NAMES) - 1 + 2
    one_by_one = [(await client.get(namespace, name)).to_api() for name in NAMES]

    whole = await client.list(namespace, keep_managed_fields=True)
    lean = await client.list(namespace)
    page = await client.list_page(namespace)
    pages = [item async for item in client.iterate(namespace, page_size=None)]

    assert [item.to_api() for item in whole] == one_by_one
    lean_expected = [without_managed_fields(manifest) for manifest in one_by_one]
    for listed in (lean, page.items, pages):
        assert [item.to_api() for item in listed] == lean_expected
    claims = whole[1].spec.jupyter_workspace.resources["claims"]  # type: ignore[union-attr,index]
    assert claims == [LOOKS_LIKE_AN_ITEM] * 3
    assert page.resource_version and page.continue_token is None


async def test_the_drop_in_lists_objects_holding_item_lookalikes_whole(
    admin_api: ApiClient, namespace: str
) -> None:
    await create_workspaces(admin_api, namespace)
    client = CompatClient(CustomObjectsApi(admin_api), logging.getLogger("test"), None)
    one_by_one = [(await client.get(namespace, name)).model_dump() for name in NAMES]

    listed = await client.list(namespace)

    assert [item.model_dump() for item in listed] == one_by_one
    assert listed[1].spec.jupyter_workspace.resources["claims"] == [LOOKS_LIKE_AN_ITEM] * 3  # type: ignore[union-attr,index]
