"""Tables as kubectl prints them, through the ``lscsde`` console script: names never cut,
free text cut only on a terminal narrower than the table, ``-o wide``, ``-o name`` and
``--no-headers`` on every list."""

from __future__ import annotations

import asyncio

import pytest
from kubernetes_asyncio import client

from lscsde_sdk.cli.grants import binding_name
from lscsde_sdk.cli.sample_data import SAMPLE_USER, SampleData
from lscsde_sdk.clients import AnalyticsWorkspaceClient
from lscsde_sdk.envtest import ControlPlane

from ..integration.factories import workspace
from .conftest import Cli
from .console import run_in_terminal, run_piped

pytestmark = pytest.mark.integration

LONG_NAME = "a-workspace-whose-name-is-longer-than-a-narrow-terminal-is-wide"
LONG_DISPLAY_NAME = "A display name long enough that a sixty column terminal cannot show it whole"


async def long_workspace(admin_api: client.ApiClient, namespace: str) -> None:
    body = workspace(namespace, LONG_NAME)
    body["spec"]["displayName"] = LONG_DISPLAY_NAME
    await AnalyticsWorkspaceClient(admin_api).create(body)


async def test_piped_output_is_never_cut(
    control_plane: ControlPlane, admin_api: client.ApiClient, namespace: str
) -> None:
    await long_workspace(admin_api, namespace)

    result = await asyncio.to_thread(
        run_piped, ["workspaces", "list", "-n", namespace], control_plane.kubeconfig_path()
    )

    assert result.code == 0, result.err
    row = result.out.splitlines()[1]
    assert row.startswith(f"{LONG_NAME}  {LONG_DISPLAY_NAME}  ")
    assert "…" not in result.out


async def list_in_terminal(
    control_plane: ControlPlane, admin_api: client.ApiClient, namespace: str, columns: int
) -> list[str]:
    await long_workspace(admin_api, namespace)
    result = await asyncio.to_thread(
        run_in_terminal,
        ["workspaces", "list", "-n", namespace],
        control_plane.kubeconfig_path(),
        columns=columns,
    )
    assert result.code == 0, result.out
    return result.out.splitlines()


async def test_a_narrow_terminal_cuts_free_text_but_never_a_name(
    control_plane: ControlPlane, admin_api: client.ApiClient, namespace: str
) -> None:
    header, row = await list_in_terminal(control_plane, admin_api, namespace, 110)

    assert row.startswith(f"{LONG_NAME}  ")  # the name whole
    assert "…" in row and LONG_DISPLAY_NAME not in row  # the display name cut to fit
    assert len(row) <= 110 and len(header) <= 110
    assert row.split()[-2:] == ["2026-01-01", "2027-01-01"]  # dates whole


async def test_a_terminal_wide_enough_shows_everything(
    control_plane: ControlPlane, admin_api: client.ApiClient, namespace: str
) -> None:
    lines = await list_in_terminal(control_plane, admin_api, namespace, 250)

    assert LONG_DISPLAY_NAME in lines[1] and "…" not in lines[1]


@pytest.mark.parametrize(
    ("argv", "wide_headers"),
    [
        (["workspaces", "list"], ["IMAGE", "CLAIM", "DESCRIPTION"]),
        (["workspaces", "get", "cancer-outcomes"], ["IMAGE", "CLAIM", "DESCRIPTION"]),
        (["bindings", "list"], ["LOOKUP LABEL", "STATUS", "COMMENTS"]),
        (["datasources", "list"], ["PUBLISHER", "CONNECTIONS", "DESCRIPTION"]),
        (["datasources", "list", "--workspace", "cancer-outcomes"], ["DESCRIPTION"]),
        (["crates", "list"], ["PATH", "COMMIT", "WORKSPACE", "DESCRIPTION"]),
        (["access", SAMPLE_USER], ["AVAILABLE", "EXPIRES", "IMAGE", "DESCRIPTION"]),
    ],
)
async def test_o_wide_adds_the_long_columns(
    cli: Cli, sample: SampleData, argv: list[str], wide_headers: list[str]
) -> None:
    table = await cli(*argv)
    wide = await cli(*argv, "-o", "wide")

    assert wide.code == 0, wide.err
    header = wide.out_lines[0]
    assert header.startswith(table.out_lines[0].rstrip())
    assert all(column in header for column in wide_headers)
    assert not any(column in table.out_lines[0] for column in wide_headers[-1:])
    assert len(wide.out_lines) == len(table.out_lines)


async def test_o_wide_shows_the_image_claim_and_description_of_a_workspace(
    cli: Cli, sample: SampleData
) -> None:
    result = await cli("workspaces", "list", "-o", "wide")

    row = next(line for line in result.out_lines if line.startswith("cancer-outcomes "))
    assert "lscsde/datascience-notebook-default:0.1.0" in row
    assert "cancer-outcomes-home" in row
    assert row.endswith("Linked primary and secondary care data for cancer outcomes.")


@pytest.mark.parametrize(
    ("argv", "kind", "names_of"),
    [
        (["workspaces", "list"], "analyticsworkspace", "workspaces"),
        (["bindings", "list"], "analyticsworkspacebinding", "workspace_bindings"),
        (["datasources", "list"], "analyticsdatasource", "datasources"),
        (["crates", "list"], "analyticscrate", "crates"),
    ],
)
async def test_o_name_prints_kind_group_slash_name_per_object(
    cli: Cli, sample: SampleData, argv: list[str], kind: str, names_of: str
) -> None:
    result = await cli(*argv, "-o", "name")

    assert result.code == 0, result.err
    names: tuple[str, ...] = getattr(sample, names_of)
    assert result.out_lines == [f"{kind}.xlscsde.nhs.uk/{name}" for name in sorted(names)]


async def test_o_name_of_access_grant_and_the_bound_data_sources(
    cli: Cli, sample: SampleData
) -> None:
    access = await cli("access", SAMPLE_USER, "-o", "name")
    bound = await cli("datasources", "list", "--workspace", "cancer-outcomes", "-o", "name")
    granted = await cli("grant", "someone@example.org", "genomics-pilot", "--until", "2099-01-01",
                        "-o", "name")  # fmt: skip

    assert access.out_lines == [
        "analyticsworkspace.xlscsde.nhs.uk/cancer-outcomes",
        "analyticsworkspace.xlscsde.nhs.uk/diabetes-cohort",
        "analyticsworkspace.xlscsde.nhs.uk/flu-surveillance-2023",
        "analyticsworkspace.xlscsde.nhs.uk/genomics-pilot",
    ]
    assert bound.out_lines == [
        "analyticsdatasource.xlscsde.nhs.uk/hospital-episodes",
        "analyticsdatasource.xlscsde.nhs.uk/primary-care-records",
    ]
    name = binding_name("genomics-pilot", "someone@example.org")
    assert granted.out_lines == [f"analyticsworkspacebinding.xlscsde.nhs.uk/{name}"]


async def test_o_name_is_refused_where_there_are_no_objects_to_name(cli: Cli) -> None:
    result = await cli("crds", "diff", "-o", "name")

    assert result.code == 2
    assert result.err.startswith("error: argument -o/--output: invalid choice: 'name'")


@pytest.mark.parametrize(
    "argv",
    [
        ["workspaces", "list"],
        ["bindings", "list"],
        ["datasources", "list"],
        ["crates", "list"],
        ["access", SAMPLE_USER],
    ],
)
async def test_no_headers_leaves_out_the_header_line(
    cli: Cli, sample: SampleData, argv: list[str]
) -> None:
    with_headers = await cli(*argv)
    without = await cli(*argv, "--no-headers")

    assert without.code == 0, without.err
    assert [line.split() for line in without.out_lines] == [
        line.split() for line in with_headers.out_lines[1:]
    ]
