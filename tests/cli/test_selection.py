"""Selection on every list, through the API server: ``-l/--selector``, ``--field-selector``
(a field the server refuses is a usage error, exit 2) and ``-A/--all-namespaces`` (with a
NAMESPACE column), on ``access`` too."""

from __future__ import annotations

import secrets

import pytest
from kubernetes_asyncio import client

from lscsde_sdk.cli.sample_data import SAMPLE_USER, SampleData, ensure_namespace
from lscsde_sdk.clients import (
    AnalyticsCrateClient,
    AnalyticsDataSourceClient,
    AnalyticsWorkspaceBindingClient,
    AnalyticsWorkspaceClient,
    Transport,
)

from ..integration.factories import crate, data_source, workspace
from .conftest import Cli

pytestmark = pytest.mark.integration

LISTS = ["workspaces", "bindings", "datasources", "crates"]


async def test_selector_on_every_list_selects_by_label(
    cli: Cli, sample: SampleData, admin_api: client.ApiClient, namespace: str
) -> None:
    await AnalyticsCrateClient(admin_api).merge_patch(
        namespace, "outcomes-crate", {"metadata": {"labels": {"team": "outcomes"}}}
    )
    selections = {
        "workspaces": ("xlscsde.nhs.uk/workspace=genomics-pilot", ["genomics-pilot"]),
        "bindings": (
            "xlscsde.nhs.uk/username=analyst___example.org",
            sorted(b for b in sample.workspace_bindings if "analyst" in b),
        ),
        "datasources": ("xlscsde.nhs.uk/datasource in (hospital-episodes)", ["hospital-episodes"]),
        "crates": ("team=outcomes", ["outcomes-crate"]),
    }
    for command, (selector, expected) in selections.items():
        long_form = await cli(command, "list", "--selector", selector, "--no-headers")
        short_form = await cli(command, "list", "-l", selector, "--no-headers")

        assert long_form.code == 0, long_form.err
        assert [line.split()[0] for line in long_form.out_lines] == expected, command
        assert short_form.out == long_form.out
    nothing = await cli("crates", "list", "-l", "team=nobody")
    assert nothing.err == f"No crates found in namespace {namespace}.\n"


@pytest.mark.parametrize("command", LISTS)
async def test_field_selector_selects_by_name_on_every_list(
    cli: Cli, sample: SampleData, command: str
) -> None:
    everything = await cli(command, "list", "--no-headers")
    first = everything.out_lines[0].split()[0]

    result = await cli(command, "list", "--field-selector", f"metadata.name={first}")

    assert result.code == 0, result.err
    assert [line.split()[0] for line in result.out_lines[1:]] == [first]


@pytest.mark.parametrize("command", LISTS)
async def test_a_field_the_server_cannot_select_by_is_a_usage_error(
    cli: Cli, sample: SampleData, command: str
) -> None:
    result = await cli(command, "list", "--field-selector", "spec.username=x")

    assert result.code == 2
    assert result.out == ""
    assert result.err == (
        "error: the API server refused the selector: field label not supported: spec.username\n"
    )


async def test_a_malformed_label_selector_is_a_usage_error(cli: Cli) -> None:
    result = await cli("workspaces", "list", "-l", "team in (")

    assert result.code == 2
    assert result.err.startswith("error: the API server refused the selector: ")
    assert len(result.err_lines) == 1


async def other_namespace(admin_api: client.ApiClient) -> str:
    name = f"cli-other-{secrets.token_hex(4)}"
    await ensure_namespace(Transport(admin_api), name)
    return name


async def test_all_namespaces_on_every_list_adds_a_namespace_column(
    cli: Cli, sample: SampleData, admin_api: client.ApiClient, namespace: str
) -> None:
    other = await other_namespace(admin_api)
    await AnalyticsWorkspaceClient(admin_api).create(workspace(other, "elsewhere"))
    await AnalyticsWorkspaceBindingClient(admin_api).create(
        {
            "metadata": {"name": "elsewhere-binding", "namespace": other},
            "spec": {"workspace": "elsewhere", "username": SAMPLE_USER, "expires": "2099-01-01"},
        }
    )
    await AnalyticsDataSourceClient(admin_api).create(data_source(other, "elsewhere-source"))
    await AnalyticsCrateClient(admin_api).create(crate(other, "elsewhere-crate"))
    mine = {
        "workspaces": ("elsewhere", "cancer-outcomes"),
        "bindings": ("elsewhere-binding", sample.workspace_bindings[0]),
        "datasources": ("elsewhere-source", "hospital-episodes"),
        "crates": ("elsewhere-crate", "outcomes-crate"),
    }
    for command, (theirs, ours) in mine.items():
        for flag in ("-A", "--all-namespaces"):
            result = await cli(command, "list", flag)

            assert result.code == 0, result.err
            assert result.out_lines[0].split()[:2] == ["NAMESPACE", "NAME"]
            rows = {tuple(line.split()[:2]) for line in result.out_lines[1:]}
            assert (other, theirs) in rows, command
            assert (namespace, ours) in rows, command


async def test_access_in_all_namespaces_finds_the_users_workspaces_in_each(
    cli: Cli, sample: SampleData, admin_api: client.ApiClient, namespace: str
) -> None:
    other = await other_namespace(admin_api)
    await AnalyticsWorkspaceClient(admin_api).create(workspace(other, "elsewhere"))
    user = f"user-{secrets.token_hex(4)}@example.org"  # bound in exactly these two namespaces
    for ns, target in ((namespace, "cancer-outcomes"), (other, "elsewhere")):
        await AnalyticsWorkspaceBindingClient(admin_api).create(
            {
                "metadata": {"name": f"{target}-binding", "namespace": ns},
                "spec": {"workspace": target, "username": user, "expires": "2099-01-01"},
            }
        )

    result = await cli("access", user, "-A")
    one = await cli("access", user)

    assert result.code == 0, result.err
    assert result.out_lines[0].split()[:2] == ["NAMESPACE", "WORKSPACE"]
    rows = sorted(tuple(line.split()[:2]) for line in result.out_lines[1:])
    assert rows == sorted([(namespace, "cancer-outcomes"), (other, "elsewhere")])
    assert [line.split()[0] for line in one.out_lines[1:]] == ["cancer-outcomes"]
