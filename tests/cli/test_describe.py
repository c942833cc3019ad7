"""``describe`` for workspaces, bindings, data sources and crates: the object, what decides
whether a user may start a workspace today (and why not), related objects found whoever
wrote them, and recent events from both event APIs, newest last."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from kubernetes_asyncio import client

from lscsde_sdk.cli.grants import binding_name
from lscsde_sdk.cli.sample_data import SAMPLE_USER, SampleData
from lscsde_sdk.clients import (
    AnalyticsDataSourceClient,
    AnalyticsWorkspaceBindingClient,
    Request,
    Transport,
)
from lscsde_sdk.converters import today

from ..integration.factories import create_as_another_tool
from .conftest import Cli, hand_edited_binding

pytestmark = pytest.mark.integration


def section(out: str, heading: str) -> list[str]:
    """The lines of ``out`` from ``heading:`` to the next top-level line."""
    lines = out.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith(f"{heading}:"))
    end = next(
        (i for i in range(start + 1, len(lines)) if lines[i] and not lines[i].startswith(" ")),
        len(lines),
    )
    return lines[start:end]


def row_of(lines: list[str], name: str) -> str:
    return next(line for line in lines if line.split()[:1] == [name])


async def kubectl_binding(
    admin_api: client.ApiClient, namespace: str, name: str, workspace: str, user: str, days: int
) -> None:
    """A binding as kubectl creates it: no lookup label."""
    await create_as_another_tool(
        AnalyticsWorkspaceBindingClient(admin_api),
        {
            "metadata": {"name": name, "namespace": namespace},
            "spec": {
                "workspace": workspace,
                "username": user,
                "expires": (today() + timedelta(days=days)).isoformat(),
            },
        },
    )


async def core_event(admin_api: client.ApiClient, namespace: str, kind: str, name: str) -> None:
    """An event written through the core v1 API (as older tools write them), an hour old."""
    when = (datetime.now(UTC) - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    await Transport(admin_api).send(
        Request(
            "POST",
            f"/api/v1/namespaces/{namespace}/events",
            body={
                "apiVersion": "v1",
                "kind": "Event",
                "metadata": {"name": f"{name}.legacy", "namespace": namespace},
                "involvedObject": {
                    "apiVersion": "xlscsde.nhs.uk/v1",
                    "kind": kind,
                    "name": name,
                    "namespace": namespace,
                },
                "reason": "LegacyToolNote",
                "message": "written by an older tool",
                "type": "Warning",
                "source": {"component": "old-operator"},
                "firstTimestamp": when,
                "lastTimestamp": when,
                "count": 3,
            },
        )
    )


async def claim(admin_api: client.ApiClient, namespace: str, name: str) -> None:
    await Transport(admin_api).send(
        Request(
            "POST",
            f"/api/v1/namespaces/{namespace}/persistentvolumeclaims",
            body={
                "apiVersion": "v1",
                "kind": "PersistentVolumeClaim",
                "metadata": {"name": name, "namespace": namespace},
                "spec": {
                    "accessModes": ["ReadWriteOnce"],
                    "resources": {"requests": {"storage": "1Gi"}},
                },
            },
        )
    )


async def test_workspace_describe_shows_who_may_start_it_claims_and_events_on_one_screen(
    cli: Cli, sample: SampleData, admin_api: client.ApiClient, namespace: str
) -> None:
    day = today()
    await kubectl_binding(
        admin_api, namespace, "joe-by-kubectl", "cancer-outcomes", "joe@example.org", -1
    )
    await claim(admin_api, namespace, "cancer-outcomes-home")
    await core_event(admin_api, namespace, "AnalyticsWorkspace", "cancer-outcomes")

    result = await cli("workspaces", "describe", "cancer-outcomes")

    assert result.code == 0, result.err
    out = result.out
    assert out.splitlines()[0].split() == ["Name:", "cancer-outcomes"]
    assert "  Display Name:  Cancer outcomes study" in out
    opening = f"Open Today ({day}):"
    assert f"{opening}  yes, until {day + timedelta(days=365)} (365 days left; the workspace" in out
    bindings = section(out, "Bindings")
    assert "whoever wrote it" in bindings[0]
    joe = row_of(bindings, "joe-by-kubectl")
    assert f"no: binding expired on {day - timedelta(days=1)}" in joe
    assert joe.endswith("missing")  # kubectl wrote no lookup label
    researcher = row_of(bindings, binding_name("cancer-outcomes", SAMPLE_USER))
    assert f"yes, until {day + timedelta(days=90)}" in researcher
    assert researcher.endswith("right")
    sources = section(out, "Data Source Bindings")
    assert row_of(sources, "cancer-outcomes-hospital-episodes").split()[-2:] == ["never", "yes"]
    claims = section(out, "Claims")
    assert row_of(claims, "cancer-outcomes-home").split()[1:3] == ["home", "yes"]
    assert row_of(claims, "outcomes-reference-data").split()[-1] == "no"
    events = section(out, "Events")[2:]
    # From both APIs, newest last: the core event is an hour old, the SDK's recorded now.
    assert len(events) == 2
    legacy, created = events
    assert legacy.split()[1:5] == ["(x3)", "Warning", "LegacyToolNote", "old-operator"]
    assert created.split()[1:4] == ["Normal", "WorkspaceCreated", "xlscsde.nhs.uk/lscsde-cli"]


@pytest.mark.parametrize(
    ("user", "workspace", "answer"),
    [
        (
            SAMPLE_USER,
            "cancer-outcomes",
            "yes, until {plus90} (90 days left; the binding ends then)",
        ),
        ("analyst@example.org", "diabetes-cohort", "no: binding expired on {minus1}"),
        (SAMPLE_USER, "genomics-pilot", "no: workspace opens on {plus14}"),
        (SAMPLE_USER, "flu-surveillance-2023", "no: workspace expired on {minus30}"),
    ],
)
async def test_binding_describe_says_whether_its_user_may_start_the_workspace_and_why_not(
    cli: Cli, sample: SampleData, user: str, workspace: str, answer: str
) -> None:
    day = today()
    dates = {
        f"{sign}{n}": (day + timedelta(days=n if sign == "plus" else -n)).isoformat()
        for sign in ("plus", "minus")
        for n in (1, 14, 30, 90)
    }

    result = await cli("bindings", "describe", binding_name(workspace, user))

    assert result.code == 0, result.err
    today_section = section(result.out, f"Today ({day})")
    assert today_section[1].split() == ["User:", user]
    assert today_section[2] == f"  May Start:  {answer.format(**dates)}"
    assert section(result.out, "Workspace")[1].split() == ["Name:", workspace]


async def test_binding_describe_of_a_binding_to_a_missing_workspace(
    cli: Cli, admin_api: client.ApiClient, namespace: str
) -> None:
    await kubectl_binding(admin_api, namespace, "to-nowhere", "ghost", "joe@example.org", 30)

    result = await cli("bindings", "describe", "to-nowhere")

    assert result.code == 0, result.err
    assert section(result.out, "Workspace")[1:] == ["  Name:    ghost", "  Exists:  no"]
    assert "  May Start:  no: workspace ghost does not exist" in result.out
    assert "xlscsde.nhs.uk/username missing" in result.out


async def test_binding_describe_counts_the_users_other_bindings_to_the_workspace(
    cli: Cli, sample: SampleData, admin_api: client.ApiClient, namespace: str
) -> None:
    # analyst's own binding to diabetes-cohort expired yesterday; kubectl adds a current one.
    await kubectl_binding(
        admin_api, namespace, "analyst-renewed", "diabetes-cohort", "Analyst@Example.org", 10
    )
    expired = binding_name("diabetes-cohort", "analyst@example.org")

    result = await cli("bindings", "describe", expired)

    today_section = section(result.out, f"Today ({today()})")
    assert any("analyst-renewed (expires" in line for line in today_section)
    assert any(
        line.startswith("  This Binding:") and "no: binding expired" in line
        for line in today_section
    )
    assert today_section[-1].startswith("  May Start:        yes, until")


async def test_binding_describe_shows_a_lookup_label_naming_another_user(
    cli: Cli, admin_api: client.ApiClient, namespace: str
) -> None:
    await hand_edited_binding(admin_api, namespace, "hand-edited")

    result = await cli("bindings", "describe", "hand-edited")

    label = next(line for line in result.out.splitlines() if line.startswith("Lookup Label:"))
    assert "bob___example.org" in label
    assert "stale: names another user than spec.username (dana@example.org)" in label


async def test_datasource_describe_lists_its_bindings_and_never_shows_secrets(
    cli: Cli, sample: SampleData, admin_api: client.ApiClient, namespace: str
) -> None:
    secret = "Server=db;Password=hunter2-do-not-show"
    body = {
        "metadata": {
            "name": "with-secret",
            "namespace": namespace,
            "annotations": {
                "kubectl.kubernetes.io/last-applied-configuration": f'{{"value": "{secret}"}}'
            },
        },
        "spec": {
            "type": "Uploaded",
            "connections": [
                {"type": "odbc", "name": "main", "connectionString": {"value": secret}}
            ],
        },
    }
    await AnalyticsDataSourceClient(admin_api).create(body)

    masked = await cli("datasources", "describe", "with-secret")
    bound = await cli("datasources", "describe", "primary-care-records")

    assert masked.code == 0, masked.err
    assert "hunter2" not in masked.out
    assert "Value:  **********" in masked.out
    assert section(masked.out, "Bindings")[0].split()[:2] == ["Bindings:", "<none>"]
    bindings = section(bound.out, "Bindings")
    assert row_of(bindings, "cancer-outcomes-primary-care-records").endswith("yes")
    assert "no: expired on" in row_of(bindings, "diabetes-cohort-primary-care-records")


async def test_crate_describe_shows_spec_status_and_events(cli: Cli, sample: SampleData) -> None:
    result = await cli("crates", "describe", "outcomes-crate")

    assert result.code == 0, result.err
    assert "    Url:         https://git.example.org/sde/outcomes-crate.git" in result.out
    assert "CrateCreated" in section(result.out, "Events")[2]


@pytest.mark.parametrize("command", ["workspaces", "bindings", "datasources", "crates"])
async def test_describing_a_missing_object_is_one_line_and_exit_1(
    cli: Cli, namespace: str, command: str
) -> None:
    result = await cli(command, "describe", "nothing-here")

    assert result.code == 1
    assert result.out == ""
    assert result.err.endswith(f" nothing-here not found in namespace {namespace}\n")
