"""get_many: many objects by name, at the cost of what was asked for.

Workspaces and data sources carry their own name as a label, written by every SDK write and
corrected by relabel, so that many of them are read with one list selected by those labels.
Objects other tools wrote without the label are still found, with a GET each.
"""

from __future__ import annotations

import asyncio

from kubernetes_asyncio.client import ApiClient

from lscsde_sdk.clients import AnalyticsDataSourceClient, AnalyticsWorkspaceClient
from lscsde_sdk.core.transport import RequestCounter, Transport
from lscsde_sdk.indexing.client import GET_MANY_CONCURRENCY
from lscsde_sdk.labels import DATASOURCE_LABEL, WORKSPACE_LABEL, name_label_value

from .factories import create_as_another_tool, data_source, workspace

MANY = GET_MANY_CONCURRENCY + 4
LONG = "a-workspace-whose-name-is-far-longer-than-any-label-value-can-be"  # 64 characters


async def _create(client: AnalyticsWorkspaceClient, namespace: str, names: list[str]) -> None:
    gate = asyncio.Semaphore(16)

    async def create(name: str) -> None:
        async with gate:
            await client.create(workspace(namespace, name))

    await asyncio.gather(*(create(name) for name in names))


def _lists(counter: RequestCounter) -> list[str]:
    """The label selectors of the list requests counted."""
    return [
        dict(request.query)["labelSelector"]
        for request in counter.requests
        if request.path.endswith("/analyticsworkspaces")
    ]


def _gets(counter: RequestCounter) -> list[str]:
    """The names read with a GET each."""
    return [
        request.path.rsplit("/", 1)[-1]
        for request in counter.requests
        if "/analyticsworkspaces/" in request.path
    ]


async def test_sdk_writes_label_workspaces_and_data_sources_with_their_own_name(
    admin_api: ApiClient, namespace: str
) -> None:
    transport = Transport(admin_api)
    created = await AnalyticsWorkspaceClient(transport).create(workspace(namespace, LONG))
    assert created.metadata.labels == {WORKSPACE_LABEL: name_label_value(LONG)}
    assert len(name_label_value(LONG)) <= 63 and name_label_value(LONG) != LONG
    source = await AnalyticsDataSourceClient(transport).create(data_source(namespace, "ds-a"))
    assert source.metadata.labels == {DATASOURCE_LABEL: "ds-a"}


async def test_a_few_names_are_read_with_a_get_each(admin_api: ApiClient, namespace: str) -> None:
    transport = Transport(admin_api)
    client = AnalyticsWorkspaceClient(transport)
    await _create(client, namespace, ["ws-a", "ws-b", "ws-c"])

    async with transport.counting() as counter:
        found = await client.get_many(namespace, ["ws-c", "ws-a", "ws-gone", "ws-a"])

    assert list(found) == ["ws-c", "ws-a"]  # in the order asked, once each, missing left out
    assert all(found[name].metadata.name == name for name in found)
    assert _lists(counter) == []
    assert sorted(_gets(counter)) == ["ws-a", "ws-c", "ws-gone"]


async def test_many_names_are_read_with_one_list_by_their_name_labels(
    admin_api: ApiClient, namespace: str
) -> None:
    transport = Transport(admin_api)
    client = AnalyticsWorkspaceClient(transport)
    names = [f"ws-{i:03}" for i in range(MANY)] + [LONG]
    await _create(client, namespace, [*names, "ws-not-asked-for"])
    asked = [*reversed(names), "ws-gone"]

    async with transport.counting() as counter:
        found = await client.get_many(namespace, asked)

    assert list(found) == list(reversed(names))
    assert all(found[name].metadata.name == name for name in found)
    # One list; the one name it did not return (it has no object) is then read with a GET.
    [selector] = _lists(counter)
    assert selector.startswith(f"{WORKSPACE_LABEL} in (")
    assert name_label_value(LONG) in selector and LONG not in selector
    assert _gets(counter) == ["ws-gone"]
    # Only what was asked for crossed the wire.
    async with transport.counting() as one:
        await client.get(namespace, "ws-000")
    assert counter.bytes_received < (len(names) + 2) * one.bytes_received

    # From the server's cache (brought up to date by the consistent list above), alike.
    async with transport.counting() as cached:
        assert list(await client.get_many(namespace, asked, resource_version="0")) == list(
            reversed(names)
        )
    assert [dict(request.query)["resourceVersion"] for request in cached.requests] == ["0", "0"]


async def test_objects_without_the_label_are_read_with_gets_until_relabelled(
    admin_api: ApiClient, namespace: str
) -> None:
    transport = Transport(admin_api)
    client = AnalyticsWorkspaceClient(transport)
    names = [f"ws-{i:03}" for i in range(MANY)]
    await _create(client, namespace, names[:-3])
    for name in names[-3:]:  # written by kubectl or an older tool: no label
        await create_as_another_tool(client, workspace(namespace, name))

    async with transport.counting() as counter:
        found = await client.get_many(namespace, names)
    assert list(found) == names
    assert len(_lists(counter)) == 1 and sorted(_gets(counter)) == names[-3:]

    report = await client.relabel(namespace)
    assert sorted(change.name for change in report.changed) == names[-3:]
    assert {(change.label, change.new) for change in report.changed} == {
        (WORKSPACE_LABEL, name) for name in names[-3:]
    }
    async with transport.counting() as counter:
        assert list(await client.get_many(namespace, names)) == names
    assert counter.total == 1


async def test_a_label_copied_onto_another_object_does_not_stand_in_for_it(
    admin_api: ApiClient, namespace: str
) -> None:
    transport = Transport(admin_api)
    client = AnalyticsWorkspaceClient(transport)
    names = [f"ws-{i:03}" for i in range(MANY)]
    await _create(client, namespace, names[1:])
    # "ws-000" has no label; "copy" (not asked for) carries ws-000's, as a copied manifest would.
    await create_as_another_tool(client, workspace(namespace, "ws-000"))
    copied = workspace(namespace, "copy")
    copied["metadata"]["labels"] = {WORKSPACE_LABEL: "ws-000"}
    await create_as_another_tool(client, copied)

    async with transport.counting() as counter:
        found = await client.get_many(namespace, names)

    assert list(found) == names
    assert found["ws-000"].metadata.name == "ws-000" and "copy" not in found
    assert _gets(counter) == ["ws-000"]


async def test_a_long_selector_is_split_into_several_lists(
    admin_api: ApiClient, namespace: str
) -> None:
    transport = Transport(admin_api)
    client = AnalyticsWorkspaceClient(transport)
    # 120 names of 60 characters: more than one selector's worth.
    names = [f"ws-{i:03}-" + "x" * 53 for i in range(120)]
    await _create(client, namespace, names)

    async with transport.counting() as counter:
        found = await client.get_many(namespace, names)

    assert list(found) == names
    selectors = _lists(counter)
    assert len(selectors) == 2 and all(len(selector) < 4100 for selector in selectors)
    assert _gets(counter) == []


async def test_data_sources_are_read_by_name_the_same_way(
    admin_api: ApiClient, namespace: str
) -> None:
    transport = Transport(admin_api)
    client = AnalyticsDataSourceClient(transport)
    names = [f"ds-{i:03}" for i in range(MANY)]
    for name in names:
        await client.create(data_source(namespace, name))

    async with transport.counting() as counter:
        found = await client.get_many(namespace, names)

    assert list(found) == names
    assert counter.total == 1
    [request] = counter.requests
    assert dict(request.query)["labelSelector"].startswith(f"{DATASOURCE_LABEL} in (")


async def test_a_workspace_whose_name_the_server_generates_gets_its_name_label(
    admin_api: ApiClient, namespace: str
) -> None:
    client = AnalyticsWorkspaceClient(admin_api)
    manifest = workspace(namespace, "unused")
    manifest["metadata"] = {"generateName": "generated-", "namespace": namespace}

    created = await client.create(manifest)

    name = created.metadata.name
    assert name is not None and name.startswith("generated-")
    assert (created.metadata.labels or {}).get(WORKSPACE_LABEL) == name
    stored = await client.get(namespace, name)
    assert (stored.metadata.labels or {}).get(WORKSPACE_LABEL) == name
