"""``lscsde crds install`` and ``lscsde crds diff`` against the session's API server.

The tests change one CRD in a way no other test depends on (a short name) and always put it
back as the SDK ships it.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

import pytest
import pytest_asyncio
import yaml
from kubernetes_asyncio import client

from lscsde_sdk.cli.crds import CRD_API, install_crds
from lscsde_sdk.clients import Request, Transport

from .conftest import Cli

pytestmark = pytest.mark.integration

WORKSPACES_CRD = "analyticsworkspaces.xlscsde.nhs.uk"
HELM_LABEL = {"app.kubernetes.io/managed-by": "Helm"}


@pytest_asyncio.fixture(loop_scope="session")
async def drifted(admin_api: client.ApiClient) -> AsyncIterator[dict[str, Any]]:
    """The workspaces CRD with an extra short name and a label another tool set; put back
    as shipped afterwards."""
    transport = Transport(admin_api)
    path = f"{CRD_API}/{WORKSPACES_CRD}"
    crd = await transport.send_json(Request("GET", path))
    crd["spec"]["names"]["shortNames"] = [*crd["spec"]["names"]["shortNames"], "awsx"]
    crd["metadata"]["labels"] = {**(crd["metadata"].get("labels") or {}), **HELM_LABEL}
    changed = await transport.send_json(Request("PUT", path, body=crd))
    try:
        yield changed
    finally:
        restored = await transport.send_json(Request("GET", path))
        restored["metadata"].pop("labels", None)
        await transport.send_json(Request("PUT", path, body=restored))
        await install_crds(transport)


async def test_install_on_a_cluster_that_has_them_changes_nothing(cli: Cli) -> None:
    result = await cli("crds", "install")

    assert result.code == 0, result.err
    assert [line.split() for line in result.out_lines[1:]] == [
        ["analyticscrates.xlscsde.nhs.uk", "unchanged"],
        ["analyticsdatasources.xlscsde.nhs.uk", "unchanged"],
        ["analyticsdatasourcebindings.xlscsde.nhs.uk", "unchanged"],
        ["analyticsworkspaces.xlscsde.nhs.uk", "unchanged"],
        ["analyticsworkspacebindings.xlscsde.nhs.uk", "unchanged"],
    ]
    assert result.err_lines[-1] == "waiting until the 5 CRDs are Established"


async def test_diff_without_drift_exits_0(cli: Cli) -> None:
    result = await cli("crds", "diff")

    assert result.code == 0
    assert result.out.startswith("no drift: the server's CRDs match the SDK's")


async def test_diff_reports_drift_and_install_repairs_it_keeping_other_labels(
    cli: Cli, drifted: dict[str, Any], admin_api: client.ApiClient
) -> None:
    before = await cli("crds", "diff")
    as_json = await cli("crds", "diff", "-o", "json")
    installed = await cli("crds", "install", "-o", "yaml")
    after = await cli("crds", "diff")

    assert before.code == 1
    assert before.out_lines == [line for line in before.out_lines if "AnalyticsWorkspace" in line]
    assert "names.shortNames" in before.out
    report = json.loads(as_json.out)
    assert as_json.code == 1 and report["ok"] is False
    assert {finding["kind"] for finding in report["findings"]} == {"AnalyticsWorkspace"}
    results = {item["kind"]: item["result"] for item in yaml.safe_load(installed.out)["items"]}
    assert results.pop("AnalyticsWorkspace") == "updated"
    assert set(results.values()) == {"unchanged"}
    assert installed.err_lines[3] == f"CustomResourceDefinition {WORKSPACES_CRD} updated"
    assert after.code == 0
    stored = await Transport(admin_api).send_json(Request("GET", f"{CRD_API}/{WORKSPACES_CRD}"))
    assert stored["spec"]["names"]["shortNames"] == ["aws"]
    assert stored["metadata"]["labels"].items() >= HELM_LABEL.items()


@pytest.mark.parametrize("command", ["diff", "install"])
async def test_crds_without_permission_name_the_missing_permission(
    user_cli: Cli, command: str
) -> None:
    result = await user_cli("crds", command)

    assert result.code == 1
    assert len(result.err_lines) == 1
    assert result.err.startswith("error: permission denied: ")
    assert result.err.rstrip().endswith(
        "missing RBAC permission: get customresourcedefinitions.apiextensions.k8s.io (cluster-wide)"
    )
