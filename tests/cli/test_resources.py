"""Listing and showing the five kinds, in every output format, against the API server."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest
import yaml
from kubernetes_asyncio import client

from lscsde_sdk.cli.sample_data import SAMPLE_USER, SampleData
from lscsde_sdk.clients import (
    AnalyticsCrateClient,
    AnalyticsDataSourceBindingClient,
    AnalyticsDataSourceClient,
    AnalyticsWorkspaceBindingClient,
    AnalyticsWorkspaceClient,
)
from lscsde_sdk.envtest import ControlPlane

from .conftest import Cli, run_cli

pytestmark = pytest.mark.integration


def names_in_table(out: str) -> list[str]:
    return [line.split()[0] for line in out.splitlines()[1:]]


async def test_workspaces_list_shows_a_table_of_the_namespace_workspaces(
    cli: Cli, sample: SampleData
) -> None:
    result = await cli("workspaces", "list")

    assert result.code == 0, result.err
    assert result.out_lines[0].split() == [
        "NAME",
        "DISPLAY",
        "NAME",
        "AVAILABLE",
        "EXPIRES",
        "STATUS",
    ]
    assert names_in_table(result.out) == sorted(sample.workspaces)
    assert "Provisioned" in result.out  # the status of diabetes-cohort
    assert "…" not in result.out  # piped: nothing is cut


@pytest.mark.parametrize("output", ["json", "yaml"])
async def test_workspaces_list_prints_the_objects_as_the_api_returns_them(
    cli: Cli, sample: SampleData, admin_api: client.ApiClient, namespace: str, output: str
) -> None:
    result = await cli("workspaces", "list", "-o", output)

    assert result.code == 0, result.err
    shown = json.loads(result.out) if output == "json" else yaml.safe_load(result.out)
    stored = await AnalyticsWorkspaceClient(admin_api).list(namespace)
    assert shown["kind"] == "List"
    assert shown["items"] == [workspace.to_api() for workspace in stored]


async def test_workspaces_get_shows_one_workspace(
    cli: Cli, sample: SampleData, admin_api: client.ApiClient, namespace: str
) -> None:
    table = await cli("workspaces", "get", "genomics-pilot")
    as_json = await cli("workspaces", "get", "genomics-pilot", "-o", "json")

    assert table.code == 0
    assert names_in_table(table.out) == ["genomics-pilot"]
    stored = (await AnalyticsWorkspaceClient(admin_api).get(namespace, "genomics-pilot")).to_api()
    assert stored["metadata"].pop("managedFields")  # the server keeps them; kubectl hides them
    assert json.loads(as_json.out) == stored


@pytest.mark.parametrize("output", ["json", "yaml"])
async def test_show_managed_fields_prints_them_as_the_api_server_keeps_them(
    cli: Cli, sample: SampleData, admin_api: client.ApiClient, namespace: str, output: str
) -> None:
    got = await cli("workspaces", "get", "genomics-pilot", "-o", output, "--show-managed-fields")
    listed = await cli("--show-managed-fields", "workspaces", "list", "-o", output)

    assert got.code == 0 and listed.code == 0, got.err + listed.err
    load = json.loads if output == "json" else yaml.safe_load
    workspaces = AnalyticsWorkspaceClient(admin_api)
    stored = await workspaces.get(namespace, "genomics-pilot")
    assert stored.metadata.managed_fields
    assert load(got.out) == stored.to_api()
    everything = await workspaces.list(namespace, keep_managed_fields=True)
    assert load(listed.out)["items"] == [workspace.to_api() for workspace in everything]
    assert all(item["metadata"]["managedFields"] for item in load(listed.out)["items"])


async def test_getting_an_unknown_workspace_names_it_and_the_namespace(
    cli: Cli, namespace: str
) -> None:
    result = await cli("workspaces", "get", "no-such-workspace")

    assert result.code == 1
    assert result.out == ""
    assert result.err == f"error: workspace no-such-workspace not found in namespace {namespace}\n"


async def test_an_unknown_namespace_is_an_error_not_an_empty_list(cli: Cli) -> None:
    result = await cli("workspaces", "list", namespace="no-such-namespace")

    assert result.code == 1
    assert result.err == "error: namespace no-such-namespace not found\n"


async def test_an_empty_namespace_says_so_on_stderr(cli: Cli, namespace: str) -> None:
    result = await cli("crates", "list")

    assert result.code == 0
    assert result.out_lines == ["NAME  DISPLAY NAME  REPOSITORY  STATUS"]
    assert result.err == f"No crates found in namespace {namespace}.\n"


async def test_bindings_list_filters_by_user_ignoring_case_and_by_workspace(
    cli: Cli, sample: SampleData, admin_api: client.ApiClient, namespace: str
) -> None:
    everything = await cli("bindings", "list", "-o", "json")
    for_user = await cli("bindings", "list", "--user", SAMPLE_USER.upper(), "-o", "json")
    to_workspace = await cli("bindings", "list", "--workspace", "cancer-outcomes", "-o", "yaml")
    both = await cli("bindings", "list", "--user", SAMPLE_USER, "--workspace", "cancer-outcomes")

    stored = await AnalyticsWorkspaceBindingClient(admin_api).list(namespace)
    assert json.loads(everything.out)["items"] == [b.to_api() for b in stored]
    assert {item["spec"]["username"] for item in json.loads(for_user.out)["items"]} == {SAMPLE_USER}
    assert len(json.loads(for_user.out)["items"]) == 4
    assert {item["spec"]["username"] for item in yaml.safe_load(to_workspace.out)["items"]} == {
        SAMPLE_USER,
        "analyst@example.org",
    }
    assert both.code == 0
    assert len(both.out_lines) == 2
    assert SAMPLE_USER in both.out_lines[1]


async def test_datasources_list_shows_every_data_source(
    cli: Cli, sample: SampleData, admin_api: client.ApiClient, namespace: str
) -> None:
    table = await cli("datasources", "list")
    as_json = await cli("datasources", "list", "-o", "json")

    assert names_in_table(table.out) == ["hospital-episodes", "primary-care-records"]
    stored = await AnalyticsDataSourceClient(admin_api).list(namespace)
    assert json.loads(as_json.out)["items"] == [d.to_api() for d in stored]


async def test_datasources_of_a_workspace_show_their_bindings_and_expiry(
    cli: Cli, sample: SampleData, admin_api: client.ApiClient, namespace: str
) -> None:
    cancer = await cli("datasources", "list", "--workspace", "cancer-outcomes", "-o", "json")
    diabetes = await cli("datasources", "list", "--workspace", "diabetes-cohort")

    items = json.loads(cancer.out)["items"]
    assert [item["name"] for item in items] == ["hospital-episodes", "primary-care-records"]
    assert items[0]["expires"] is None and items[0]["active"] is True
    assert items[1]["active"] is True
    binding = await AnalyticsDataSourceBindingClient(admin_api).get(
        namespace, "cancer-outcomes-primary-care-records"
    )
    shown = binding.to_api()
    del shown["metadata"]["managedFields"]  # left out, as kubectl shows objects
    assert items[1]["bindings"] == [shown]
    assert items[1]["expires"] == binding.spec.expires.isoformat()  # type: ignore[union-attr]
    # The diabetes cohort's binding expired: shown, but not active.
    row = diabetes.out_lines[1].split()
    assert row[0] == "primary-care-records" and row[-1] == "no"


async def test_datasources_of_a_workspace_without_any(cli: Cli, sample: SampleData) -> None:
    result = await cli("datasources", "list", "--workspace", "genomics-pilot")

    assert result.code == 0
    assert "No data sources bound to workspace genomics-pilot found" in result.err


@pytest.mark.parametrize("output", ["table", "json", "yaml"])
async def test_crates_list(
    cli: Cli, sample: SampleData, admin_api: client.ApiClient, namespace: str, output: str
) -> None:
    result = await cli("crates", "list", "-o", output)

    assert result.code == 0
    stored = await AnalyticsCrateClient(admin_api).list(namespace)
    if output == "table":
        assert names_in_table(result.out) == ["outcomes-crate"]
        assert "https://git.example.org/sde/o" in result.out
    else:
        loaded = json.loads(result.out) if output == "json" else yaml.safe_load(result.out)
        assert loaded["items"] == [crate.to_api() for crate in stored]


async def test_the_namespace_defaults_to_the_kubeconfig_context_and_honours_kubeconfig_env(
    control_plane: ControlPlane,
    namespace: str,
    sample: SampleData,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    document = yaml.safe_load(control_plane.kubeconfig_path().read_text())
    document["contexts"][0]["context"]["namespace"] = namespace
    kubeconfig = tmp_path / "kubeconfig"
    kubeconfig.write_text(yaml.safe_dump(document))
    monkeypatch.setenv("KUBECONFIG", str(kubeconfig))

    result = await asyncio.to_thread(run_cli, ["-o", "json", "crates", "list"])

    assert result.code == 0, result.err
    assert [item["metadata"]["namespace"] for item in json.loads(result.out)["items"]] == [
        namespace
    ]


async def test_options_before_the_command_are_overridden_by_options_after_it(
    control_plane: ControlPlane, namespace: str, sample: SampleData
) -> None:
    result = await asyncio.to_thread(
        run_cli,
        [
            "--kubeconfig",
            str(control_plane.kubeconfig_path()),
            "-n",
            "default",
            "-o",
            "yaml",
            "crates",
            "list",
            "-n",
            namespace,
        ],
    )

    assert result.code == 0, result.err
    assert yaml.safe_load(result.out)["items"][0]["metadata"]["namespace"] == namespace
