"""The binding index labels against a real kube-apiserver: set on write, used by lookups
(which never write, and also read the bindings that carry no label), corrected by the
explicit relabel maintenance, and never trusted without re-checking the spec."""

from __future__ import annotations

from typing import Any

import pytest
from kubernetes_asyncio.client import ApiClient

from lscsde_sdk.clients import (
    AnalyticsCrateClient,
    AnalyticsDataSourceBindingClient,
    AnalyticsWorkspaceBindingClient,
    Transport,
)
from lscsde_sdk.envtest import ControlPlane
from lscsde_sdk.indexing.client import IndexedClient
from lscsde_sdk.labels import USERNAME_LABEL, WORKSPACE_LABEL, workspace_label_value
from tests.integration.factories import create_as_another_tool

pytestmark = pytest.mark.integration

GROUP = "xlscsde.nhs.uk"


def ws_binding(
    namespace: str, name: str, username: str, workspace: str = "outcomes", **metadata: Any
) -> dict[str, Any]:
    return {
        "metadata": {"name": name, "namespace": namespace, **metadata},
        "spec": {"workspace": workspace, "username": username, "expires": "2027-01-01"},
    }


def ds_binding(
    namespace: str, name: str, workspace: str, datasource: str = "extract"
) -> dict[str, Any]:
    return {
        "metadata": {"name": name, "namespace": namespace},
        "spec": {"workspace": workspace, "datasource": datasource},
    }


def names(items: list[Any]) -> list[str]:
    return [item.metadata.name for item in items]


def label(obj: Any, key: str) -> str | None:
    return (obj.metadata.labels or {}).get(key)


# -- labels set on write ---------------------------------------------------------------------


async def test_create_and_replace_set_the_username_label(
    admin_api: ApiClient, namespace: str
) -> None:
    client = AnalyticsWorkspaceBindingClient(admin_api)
    given = ws_binding(namespace, "b1", "Joe.Blogs@SomePlace.co.uk", labels={"team": "a"})
    created = await client.create(given)
    assert created.metadata.labels == {
        "team": "a",
        USERNAME_LABEL: "joe.blogs___someplace.co.uk",
    }
    assert "labels" in given["metadata"] and USERNAME_LABEL not in given["metadata"]["labels"]

    assert created.spec is not None
    created.spec.username = "other@example.org"
    replaced = await client.replace(created)
    assert label(replaced, USERNAME_LABEL) == "other___example.org"
    assert label(created, USERNAME_LABEL) == "joe.blogs___someplace.co.uk"  # caller's copy


async def test_a_patch_that_changes_the_username_fixes_the_label(
    admin_api: ApiClient, namespace: str
) -> None:
    client = AnalyticsWorkspaceBindingClient(admin_api)
    await client.create(ws_binding(namespace, "b1", "joe@example.org"))
    patched = await client.merge_patch(namespace, "b1", {"spec": {"username": "ann@example.org"}})
    assert label(patched, USERNAME_LABEL) == "ann___example.org"
    stored = await client.get(namespace, "b1")
    assert label(stored, USERNAME_LABEL) == "ann___example.org"


async def test_a_merge_patch_carries_the_label_in_its_one_request(
    admin_api: ApiClient, namespace: str
) -> None:
    client = AnalyticsWorkspaceBindingClient(admin_api)
    await client.create(ws_binding(namespace, "b1", "joe@example.org"))
    async with client.transport.counting() as requests:
        moved = await client.merge_patch(namespace, "b1", {"spec": {"username": "Ann@x.org"}})
        odd = await client.merge_patch(namespace, "b1", {"spec": {"username": "ann!"}})
    assert label(moved, USERNAME_LABEL) == "ann___x.org"
    assert label(odd, USERNAME_LABEL) is None  # no label form: the patch removes the label
    assert [method for method, _ in requests.paths] == ["PATCH", "PATCH"]


async def test_a_json_patch_of_an_indexed_field_is_followed_by_one_label_patch(
    admin_api: ApiClient, namespace: str
) -> None:
    client = AnalyticsWorkspaceBindingClient(admin_api)
    await client.create(ws_binding(namespace, "b1", "joe@example.org"))
    operation = {"op": "replace", "path": "/spec/username", "value": "ann@example.org"}
    async with client.transport.counting() as requests:
        patched = await client.json_patch(namespace, "b1", [operation])
    assert label(patched, USERNAME_LABEL) == "ann___example.org"
    assert [r.content_type for r in requests.requests] == [
        "application/json-patch+json",
        "application/merge-patch+json",
    ]
    async with client.transport.counting() as unrelated:
        await client.json_patch(
            namespace, "b1", [{"op": "add", "path": "/metadata/annotations", "value": {"a": "b"}}]
        )
    assert unrelated.total == 1  # the labels were right: nothing follows


async def test_a_kind_without_indexes_writes_in_one_request_each(
    admin_api: ApiClient, namespace: str
) -> None:
    crates = AnalyticsCrateClient(admin_api)
    manifest = {
        "metadata": {"name": "c", "namespace": namespace},
        "spec": {"repo": {"url": "https://git.example.org/c"}},
    }
    async with crates.transport.counting() as requests:
        created = await crates.create(manifest)
        await crates.merge_patch(namespace, "c", {"spec": {"description": "x"}})
        await crates.replace(await crates.get(namespace, "c"))
        await crates.apply(manifest, force=True)
        await crates.delete(namespace, "c")
    assert [method for method, _ in requests.paths] == [
        "POST",
        "PATCH",
        "GET",
        "PUT",
        "PATCH",
        "DELETE",
    ]
    assert not isinstance(crates, IndexedClient) and created.metadata.labels is None


async def test_a_username_without_label_form_is_stored_unlabelled_and_still_found(
    admin_api: ApiClient, namespace: str
) -> None:
    client = AnalyticsWorkspaceBindingClient(admin_api)
    created = await client.create(ws_binding(namespace, "odd", "joe.o'keef@someplace.co.uk!"))
    assert label(created, USERNAME_LABEL) is None
    await client.create(ws_binding(namespace, "other", "ann@example.org"))
    found = await client.list_by_username(namespace, "JOE.O'KEEF@someplace.co.uk!")
    assert names(found) == ["odd"]


async def test_data_source_binding_writes_set_the_workspace_label(
    admin_api: ApiClient, namespace: str
) -> None:
    client = AnalyticsDataSourceBindingClient(admin_api)
    created = await client.create(ds_binding(namespace, "d1", "cancer-outcomes"))
    assert label(created, WORKSPACE_LABEL) == "cancer-outcomes"
    long_name = "w" * 70 + ".example"
    created = await client.create(ds_binding(namespace, "d2", long_name))
    assert label(created, WORKSPACE_LABEL) == workspace_label_value(long_name)
    assert len(workspace_label_value(long_name)) <= 63
    assert names(await client.list_by_workspace(namespace, long_name)) == ["d2"]
    moved = await client.merge_patch(namespace, "d1", {"spec": {"workspace": "stroke"}})
    assert label(moved, WORKSPACE_LABEL) == "stroke"


# -- lookups ---------------------------------------------------------------------------------


async def test_lookups_find_unlabelled_bindings_and_write_nothing(
    admin_api: ApiClient, namespace: str
) -> None:
    # Bindings written by other tools carry no label: the direct lookup reads them too, and
    # does not label them behind the caller's back.
    bindings = AnalyticsWorkspaceBindingClient(admin_api)
    await create_as_another_tool(bindings, ws_binding(namespace, "joe-old", "joe@example.org"))
    await bindings.create(ws_binding(namespace, "joe-new", "Joe@Example.org", workspace="x"))
    await bindings.create(ws_binding(namespace, "ann-1", "ann@example.org"))
    transport = Transport(admin_api)
    counted = AnalyticsWorkspaceBindingClient(transport)
    async with transport.counting() as counter:
        found = await counted.list_by_username(namespace, "joe@example.org")
    assert names(found) == ["joe-new", "joe-old"]
    assert counter.by_method == {"GET": 2}  # joe's by label, and those without it
    stored = {b.metadata.name: label(b, USERNAME_LABEL) for b in await bindings.list(namespace)}
    assert stored["joe-old"] is None


async def test_relabel_adds_missing_and_corrects_stale_labels_and_reports_them(
    admin_api: ApiClient, namespace: str
) -> None:
    bindings = AnalyticsWorkspaceBindingClient(admin_api)
    await create_as_another_tool(bindings, ws_binding(namespace, "joe-1", "joe@example.org"))
    await create_as_another_tool(
        bindings, ws_binding(namespace, "moved", "ann@example.org", workspace="stroke")
    )
    stale = ws_binding(namespace, "stale", "ann@example.org")
    stale["metadata"]["labels"] = {USERNAME_LABEL: "joe___example.org", "team": "a"}
    await create_as_another_tool(bindings, stale)
    claims_only = ws_binding(namespace, "claims", "x")
    claims_only["spec"].pop("username")
    claims_only["spec"]["claims"] = [{"name": "group", "operator": "EQUALS", "value": "x"}]
    await create_as_another_tool(bindings, claims_only)
    await bindings.create(ws_binding(namespace, "fine", "ann@example.org"))

    # The stale label points joe at ann's binding; the lookup re-checks the spec.
    assert names(await bindings.list_by_username(namespace, "joe@example.org")) == ["joe-1"]
    preview = await bindings.relabel(namespace, dry_run=True)
    assert preview.dry_run and len(preview.changed) == 3
    assert await bindings.list_by_username(namespace, "ann@example.org") != []  # nothing written

    report = await bindings.relabel(namespace)
    assert {(c.name, c.old, c.new) for c in report.changed} == {
        ("joe-1", None, "joe___example.org"),
        ("moved", None, "ann___example.org"),
        ("stale", "joe___example.org", "ann___example.org"),
    }
    assert (report.unchanged, report.failed, report.kind) == (2, (), "AnalyticsWorkspaceBinding")
    assert names(await bindings.list_by_username(namespace, "joe@example.org")) == ["joe-1"]
    assert names(await bindings.list_by_username(namespace, "ANN@example.org")) == [
        "fine",
        "moved",
        "stale",
    ]
    assert (await bindings.get(namespace, "stale")).metadata.labels == {
        USERNAME_LABEL: "ann___example.org",
        "team": "a",
    }
    again = await bindings.relabel(namespace)
    assert again.changed == () and again.unchanged == 5


async def test_usernames_sharing_a_label_value_never_see_each_others_bindings(
    admin_api: ApiClient, namespace: str
) -> None:
    client = AnalyticsWorkspaceBindingClient(admin_api)
    await client.create(ws_binding(namespace, "at", "a.b@c"))
    await client.create(ws_binding(namespace, "hash", "a.b#c"))
    await create_as_another_tool(client, ws_binding(namespace, "unlabelled-hash", "a.b#c"))
    all_bindings = await client.list(namespace)
    assert {label(b, USERNAME_LABEL) for b in all_bindings} <= {"a.b___c", None}

    assert names(await client.list_by_username(namespace, "a.b@c")) == ["at"]
    assert names(await client.list_by_username(namespace, "A.B@C")) == ["at"]
    assert names(await client.list_by_username(namespace, "a.b#c")) == ["hash", "unlabelled-hash"]
    await client.relabel(namespace)
    assert names(await client.list_by_username(namespace, "a.b#c")) == ["hash", "unlabelled-hash"]
    assert names(await client.list_by_username(namespace, "a.b@c")) == ["at"]
    assert await client.list_by_username(namespace, "a.b%c") == []


async def test_a_stale_label_does_not_return_another_users_binding(
    admin_api: ApiClient, namespace: str
) -> None:
    # Written by another tool: the label says joe, the spec says ann.
    client = AnalyticsWorkspaceBindingClient(admin_api)
    await create_as_another_tool(
        client,
        ws_binding(
            namespace, "stale", "ann@example.org", labels={USERNAME_LABEL: "joe___example.org"}
        ),
    )
    assert await client.list_by_username(namespace, "joe@example.org") == []


async def test_list_by_workspace_checks_the_workspace_after_relabel(
    admin_api: ApiClient, namespace: str
) -> None:
    client = AnalyticsDataSourceBindingClient(admin_api)
    await create_as_another_tool(client, ds_binding(namespace, "a", "outcomes", "extract-1"))
    await create_as_another_tool(client, ds_binding(namespace, "b", "outcomes", "extract-2"))
    await create_as_another_tool(client, ds_binding(namespace, "c", "stroke", "extract-1"))

    # Not labelled yet: found among the bindings without the label.
    assert names(await client.list_by_workspace(namespace, "outcomes")) == ["a", "b"]
    report = await client.relabel(namespace)
    assert len(report.changed) == 3
    assert names(await client.list_by_workspace(namespace, "outcomes")) == ["a", "b"]
    assert names(await client.list_by_workspace(namespace, "stroke")) == ["c"]
    assert await client.list_by_workspace(namespace, "Outcomes") == []  # names are exact
    stored = {b.metadata.name: label(b, WORKSPACE_LABEL) for b in await client.list(namespace)}
    assert stored == {"a": "outcomes", "b": "outcomes", "c": "stroke"}


async def test_relabel_without_patch_rights_reports_what_it_could_not_change(
    control_plane: ControlPlane,
    admin_api: ApiClient,
    user_api: ApiClient,
    user_name: str,
    namespace: str,
) -> None:
    admin = AnalyticsWorkspaceBindingClient(admin_api)
    await create_as_another_tool(admin, ws_binding(namespace, "joe-old", "joe@example.org"))
    await admin.create(ws_binding(namespace, "joe-new", "joe@example.org"))
    # Read-only: the user may list bindings but not patch them.
    await control_plane.grant(
        namespace,
        user_name,
        [
            {
                "apiGroups": [GROUP],
                "resources": ["analyticsworkspacebindings"],
                "verbs": ["get", "list"],
            }
        ],
    )
    transport = Transport(user_api)
    client = AnalyticsWorkspaceBindingClient(transport)
    async with transport.counting() as counter:
        found = await client.list_by_username(namespace, "joe@example.org")
    assert names(found) == ["joe-new", "joe-old"]
    assert counter.by_method == {"GET": 2}  # a lookup never tries to write
    report = await client.relabel(namespace)
    assert report.changed == () and report.unchanged == 1
    ((name, reason),) = report.failed
    assert name == "joe-old" and "forbidden" in reason
    assert label(await admin.get(namespace, "joe-old"), USERNAME_LABEL) is None
