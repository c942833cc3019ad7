"""``lscsde access USERNAME``: a user's workspaces as JupyterHub sees them."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from lscsde_sdk.cli.sample_data import SAMPLE_USER, SampleData
from lscsde_sdk.converters import today

from .conftest import Cli

pytestmark = pytest.mark.integration


async def test_access_shows_state_days_left_and_storage_of_each_bound_workspace(
    cli: Cli, sample: SampleData
) -> None:
    result = await cli("access", SAMPLE_USER)

    assert result.code == 0, result.err
    assert result.out_lines[0].split() == [
        "WORKSPACE", "DISPLAY", "NAME", "STATE", "DAYS", "LEFT", "STORAGE",
    ]  # fmt: skip
    rows = {line.split("  ")[0]: line for line in result.out_lines[1:]}
    assert len(rows) == 4  # training-sandbox is someone else's
    assert "permitted" in rows["cancer-outcomes"]
    assert "permitted" in rows["diabetes-cohort"]
    assert "expired" in rows["flu-surveillance-2023"]
    assert "not yet available" in rows["genomics-pilot"]


async def test_access_as_json_carries_the_effective_expiry_and_the_storage(
    cli: Cli, sample: SampleData, namespace: str
) -> None:
    result = await cli("access", SAMPLE_USER, "-o", "json")

    shown = json.loads(result.out)
    assert shown["username"] == SAMPLE_USER and shown["namespace"] == namespace
    items = {item["name"]: item for item in shown["items"]}
    day = today()
    # The user's binding ends before the workspace does: access ends with the binding.
    assert items["cancer-outcomes"]["expires"] == (day + timedelta(days=90)).isoformat()
    assert items["cancer-outcomes"]["daysLeft"] == 90
    assert items["cancer-outcomes"]["storage"] == {
        "claim": "cancer-outcomes-home",
        "additional": [{"mountPath": "/home/jovyan/reference", "claim": "outcomes-reference-data"}],
    }
    # The workspace ends before the binding: access ends with the workspace.
    assert items["diabetes-cohort"]["daysLeft"] == 120
    # Without a claim in the spec, the one the status records.
    assert items["diabetes-cohort"]["storage"]["claim"] == "diabetes-cohort-pvc"
    assert items["flu-surveillance-2023"]["state"] == "expired"
    assert items["flu-surveillance-2023"]["daysLeft"] == 0
    assert items["genomics-pilot"]["state"] == "not yet available"
    assert items["genomics-pilot"]["workspace"]["kind"] == "AnalyticsWorkspace"


async def test_a_user_without_bindings_has_no_workspaces(
    cli: Cli, sample: SampleData, namespace: str
) -> None:
    result = await cli("access", "nobody@example.org")

    assert result.code == 0
    assert result.err == f"No workspaces for nobody@example.org found in namespace {namespace}.\n"


@pytest.mark.parametrize(
    ("username", "message"),
    [
        ("", "a username cannot be empty"),
        ("alice\n@example.org", "a username cannot contain control characters"),
        ("a" * 254, "a username has at most 253 characters; this one has 254"),
        (" alice", "a username cannot start or end with spaces"),
    ],
)
async def test_an_invalid_username_is_a_usage_error(cli: Cli, username: str, message: str) -> None:
    result = await cli("access", username)

    assert result.code == 2
    assert len(result.err_lines) == 1
    assert result.err.startswith(f"error: argument USERNAME: {message}")
