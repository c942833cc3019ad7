"""``lscsde bindings relabel`` (both binding kinds) and ``lscsde relabel`` (every labelled
kind): the explicit label maintenance behind the direct lookups."""

from __future__ import annotations

import json

import pytest
from kubernetes_asyncio import client

from lscsde_sdk.clients import (
    AnalyticsDataSourceBindingClient,
    AnalyticsDataSourceClient,
    AnalyticsWorkspaceBindingClient,
    AnalyticsWorkspaceClient,
)

from ..integration.factories import create_as_another_tool, data_source, workspace
from .conftest import Cli, hand_edited_binding

pytestmark = pytest.mark.integration

USERNAME_LABEL = "xlscsde.nhs.uk/username"
WORKSPACE_LABEL = "xlscsde.nhs.uk/workspace"


async def unlabelled_bindings(admin_api: client.ApiClient, namespace: str) -> None:
    """A workspace binding and a data source binding as kubectl would create them."""
    await create_as_another_tool(
        AnalyticsWorkspaceBindingClient(admin_api),
        {
            "metadata": {"name": "by-kubectl", "namespace": namespace},
            "spec": {"workspace": "study", "username": "Dana@Example.org", "expires": "2099-01-01"},
        },
    )
    await create_as_another_tool(
        AnalyticsDataSourceBindingClient(admin_api),
        {
            "metadata": {"name": "source-by-kubectl", "namespace": namespace},
            "spec": {"workspace": "study", "datasource": "registry"},
        },
    )


async def test_dry_run_shows_the_changes_and_writes_nothing(
    cli: Cli, admin_api: client.ApiClient, namespace: str
) -> None:
    await unlabelled_bindings(admin_api, namespace)

    result = await cli("bindings", "relabel", "--dry-run")

    assert result.code == 0, result.err
    assert result.out_lines == [
        "BINDING                 LABEL                     CHANGE                       WHY",
        "awsb/by-kubectl         xlscsde.nhs.uk/username   (none) → dana___example.org  missing",
        "adsb/source-by-kubectl  xlscsde.nhs.uk/workspace  (none) → study               missing",
    ]
    assert result.err == (
        f"2 label(s) would change, 0 binding(s) already right, 0 failed, in namespace {namespace}\n"
    )
    stored = await AnalyticsWorkspaceBindingClient(admin_api).get(namespace, "by-kubectl")
    assert USERNAME_LABEL not in (stored.metadata.labels or {})


async def test_relabel_writes_the_labels_the_lookups_select_by(
    cli: Cli, admin_api: client.ApiClient, namespace: str
) -> None:
    await unlabelled_bindings(admin_api, namespace)

    first = await cli("bindings", "relabel", "-o", "json")
    second = await cli("bindings", "relabel")

    reports = json.loads(first.out)["items"]
    assert [(r["kind"], r["changed"], r["failed"]) for r in reports] == [
        (
            "AnalyticsWorkspaceBinding",
            [
                {
                    "name": "by-kubectl",
                    "label": USERNAME_LABEL,
                    "old": None,
                    "new": "dana___example.org",
                    "field": "spec.username",
                    "value": "Dana@Example.org",
                    "why": "missing",
                }
            ],
            [],
        ),
        (
            "AnalyticsDataSourceBinding",
            [
                {
                    "name": "source-by-kubectl",
                    "label": WORKSPACE_LABEL,
                    "old": None,
                    "new": "study",
                    "field": "spec.workspace",
                    "value": "study",
                    "why": "missing",
                }
            ],
            [],
        ),
    ]
    found = await AnalyticsWorkspaceBindingClient(admin_api).list_by_username(
        namespace, "dana@example.org"
    )
    assert [binding.name for binding in found] == ["by-kubectl"]
    assert second.out == ""  # nothing left to change
    assert second.err == (
        f"0 label(s) changed, 2 binding(s) already right, 0 failed, in namespace {namespace}\n"
    )


async def test_relabel_without_permission_fails_with_the_permission_named(
    user_cli: Cli, namespace: str
) -> None:
    result = await user_cli("bindings", "relabel")

    assert result.code == 1
    assert len(result.err_lines) == 1
    assert result.err.startswith("error: permission denied: ")
    assert result.err.rstrip().endswith(
        f"missing RBAC permission: list analyticsworkspacebindings.xlscsde.nhs.uk in namespace "
        f"{namespace}"
    )


async def test_relabel_corrects_every_labelled_kind_including_workspaces_and_data_sources(
    cli: Cli, admin_api: client.ApiClient, namespace: str
) -> None:
    await unlabelled_bindings(admin_api, namespace)
    await create_as_another_tool(AnalyticsWorkspaceClient(admin_api), workspace(namespace, "study"))
    await create_as_another_tool(
        AnalyticsDataSourceClient(admin_api), data_source(namespace, "registry")
    )
    await AnalyticsWorkspaceClient(admin_api).create(workspace(namespace, "labelled"))

    dry = await cli("relabel", "--dry-run")
    result = await cli("relabel")
    again = await cli("relabel")

    expected = [
        ["OBJECT", "LABEL", "CHANGE", "WHY"],
        ["aws/study", WORKSPACE_LABEL, "(none)", "→", "study", "missing"],
        ["awsb/by-kubectl", USERNAME_LABEL, "(none)", "→", "dana___example.org", "missing"],
        ["ads/registry", "xlscsde.nhs.uk/datasource", "(none)", "→", "registry", "missing"],
        ["adsb/source-by-kubectl", WORKSPACE_LABEL, "(none)", "→", "study", "missing"],
    ]
    assert [line.split() for line in dry.out_lines] == expected
    assert result.out_lines == dry.out_lines
    assert result.err == (
        f"4 label(s) changed, 1 object(s) already right, 0 failed, in namespace {namespace}\n"
    )
    assert again.err == (
        f"0 label(s) changed, 5 object(s) already right, 0 failed, in namespace {namespace}\n"
    )
    found = await AnalyticsWorkspaceClient(admin_api).get(namespace, "study")
    assert (found.metadata.labels or {}).get(WORKSPACE_LABEL) == "study"


async def test_dry_run_shows_plainly_a_label_naming_another_user_than_the_binding(
    cli: Cli, admin_api: client.ApiClient, namespace: str
) -> None:
    await hand_edited_binding(admin_api, namespace, "hand-edited")

    table = await cli("bindings", "relabel", "--dry-run")
    as_json = await cli("bindings", "relabel", "--dry-run", "-o", "json")

    assert table.code == 0, table.err
    assert table.out_lines[1].split("  ")[-1] == (
        "stale: names another user than spec.username (dana@example.org)"
    )
    assert "bob___example.org → dana___example.org" in table.out_lines[1]
    change = json.loads(as_json.out)["items"][0]["changed"][0]
    assert change["old"] == "bob___example.org" and change["value"] == "dana@example.org"
    assert change["why"].startswith("stale: names another user")
