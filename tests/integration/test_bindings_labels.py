"""The binding index labels against a real kube-apiserver: set on write, back-filled on
lookup, and never trusted without re-checking the spec."""

from __future__ import annotations

import logging
from typing import Any

import pytest
from kubernetes_asyncio.client import ApiClient

from lscsde_sdk._generated import clients as plain
from lscsde_sdk.clients import (
    AnalyticsDataSourceBindingClient,
    AnalyticsWorkspaceBindingClient,
    Transport,
)
from lscsde_sdk.labels import USERNAME_LABEL, WORKSPACE_LABEL, workspace_label_value
from lscsde_sdk.testing.controlplane import ControlPlane

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


async def test_list_by_username_back_fills_missing_labels(
    admin_api: ApiClient, namespace: str
) -> None:
    # Bindings written by other tools carry no label.
    legacy = plain.AnalyticsWorkspaceBindingClient(admin_api)
    await legacy.create(ws_binding(namespace, "joe-1", "joe@example.org"))
    await legacy.create(ws_binding(namespace, "joe-2", "Joe@Example.org", workspace="stroke"))
    await legacy.create(ws_binding(namespace, "ann-1", "ann@example.org"))
    claims_only = ws_binding(namespace, "claims", "x")
    claims_only["spec"].pop("username")
    claims_only["spec"]["claims"] = [{"name": "group", "operator": "EQUALS", "value": "x"}]
    await legacy.create(claims_only)

    client = AnalyticsWorkspaceBindingClient(admin_api)
    assert names(await client.list_by_username(namespace, "joe@example.org")) == [
        "joe-1",
        "joe-2",
    ]
    stored = {b.metadata.name: label(b, USERNAME_LABEL) for b in await legacy.list(namespace)}
    assert stored == {
        "joe-1": "joe___example.org",
        "joe-2": "joe___example.org",
        "ann-1": "ann___example.org",  # every unlabelled binding is labelled, not just joe's
        "claims": None,  # nothing to label it with
    }
    # Later lookups select by label.
    transport = Transport(admin_api)
    counted = AnalyticsWorkspaceBindingClient(transport)
    async with transport.counting() as counter:
        assert names(await counted.list_by_username(namespace, "ann@example.org")) == ["ann-1"]
    assert counter.by_method == {"GET": 2}


async def test_usernames_sharing_a_label_value_never_see_each_others_bindings(
    admin_api: ApiClient, namespace: str
) -> None:
    client = AnalyticsWorkspaceBindingClient(admin_api)
    await client.create(ws_binding(namespace, "at", "a.b@c"))
    await client.create(ws_binding(namespace, "hash", "a.b#c"))
    await plain.AnalyticsWorkspaceBindingClient(admin_api).create(
        ws_binding(namespace, "unlabelled-hash", "a.b#c")
    )
    all_bindings = await client.list(namespace)
    assert {label(b, USERNAME_LABEL) for b in all_bindings} <= {"a.b___c", None}

    assert names(await client.list_by_username(namespace, "a.b@c")) == ["at"]
    assert names(await client.list_by_username(namespace, "A.B@C")) == ["at"]
    assert names(await client.list_by_username(namespace, "a.b#c")) == ["hash", "unlabelled-hash"]
    assert await client.list_by_username(namespace, "a.b%c") == []


async def test_a_stale_label_does_not_return_another_users_binding(
    admin_api: ApiClient, namespace: str
) -> None:
    # Written by another tool: the label says joe, the spec says ann.
    await plain.AnalyticsWorkspaceBindingClient(admin_api).create(
        ws_binding(
            namespace, "stale", "ann@example.org", labels={USERNAME_LABEL: "joe___example.org"}
        )
    )
    client = AnalyticsWorkspaceBindingClient(admin_api)
    assert await client.list_by_username(namespace, "joe@example.org") == []


async def test_list_by_workspace_back_fills_and_checks_the_workspace(
    admin_api: ApiClient, namespace: str
) -> None:
    legacy = plain.AnalyticsDataSourceBindingClient(admin_api)
    await legacy.create(ds_binding(namespace, "a", "outcomes", "extract-1"))
    await legacy.create(ds_binding(namespace, "b", "outcomes", "extract-2"))
    await legacy.create(ds_binding(namespace, "c", "stroke", "extract-1"))

    client = AnalyticsDataSourceBindingClient(admin_api)
    assert names(await client.list_by_workspace(namespace, "outcomes")) == ["a", "b"]
    assert names(await client.list_by_workspace(namespace, "stroke")) == ["c"]
    assert await client.list_by_workspace(namespace, "Outcomes") == []  # names are exact
    stored = {b.metadata.name: label(b, WORKSPACE_LABEL) for b in await legacy.list(namespace)}
    assert stored == {"a": "outcomes", "b": "outcomes", "c": "stroke"}


async def test_back_fill_forbidden_by_rbac_still_answers_correctly(
    control_plane: ControlPlane,
    admin_api: ApiClient,
    user_api: ApiClient,
    user_name: str,
    namespace: str,
    caplog: pytest.LogCaptureFixture,
) -> None:
    legacy = plain.AnalyticsWorkspaceBindingClient(admin_api)
    await legacy.create(ws_binding(namespace, "joe-old", "joe@example.org"))
    await legacy.create(ws_binding(namespace, "ann-old", "ann@example.org"))
    await legacy.create(ws_binding(namespace, "hash-old", "joe#example.org"))
    await AnalyticsWorkspaceBindingClient(admin_api).create(
        ws_binding(namespace, "joe-new", "joe@example.org")
    )
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
    with caplog.at_level(logging.WARNING, logger="lscsde_sdk.clients.recording"):
        async with transport.counting() as counter:
            found = await client.list_by_username(namespace, "joe@example.org")
    assert names(found) == ["joe-new", "joe-old"]
    # One refused patch, then no more attempts: two lists and one patch.
    assert counter.by_method == {"GET": 2, "PATCH": 1}
    assert "cannot add label xlscsde.nhs.uk/username" in caplog.text
    unlabelled = [b for b in await legacy.list(namespace) if label(b, USERNAME_LABEL) is None]
    assert names(unlabelled) == ["ann-old", "hash-old", "joe-old"]
