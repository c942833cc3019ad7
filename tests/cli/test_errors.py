"""Every failure is one ``error: ...`` line on stderr and an exit code, never a traceback."""

from __future__ import annotations

import argparse
import asyncio
import importlib
from pathlib import Path

import pytest
import yaml

from lscsde_sdk.cli.errors import request_target
from lscsde_sdk.cli.sample_data import SampleData
from lscsde_sdk.envtest import ControlPlane, pick_free_ports

from .conftest import Cli, run_cli


def one_error_line(err: str) -> str:
    lines = err.splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("error: "), err
    assert "Traceback" not in err
    return lines[0]


# -- usage ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        ([], "error: the following arguments are required: COMMAND (see: lscsde --help)"),
        (["frobnicate"], "error: argument COMMAND: invalid choice: 'frobnicate'"),
        (["workspaces"], "error: the following arguments are required: COMMAND"),
        (["crates", "list", "-o", "xml"], "error: argument -o/--output: invalid choice: 'xml'"),
        (["workspaces", "get"], "error: the following arguments are required: NAME"),
        (["crates", "list", "--bogus"], "error: unrecognized arguments: --bogus"),
    ],
)
def test_bad_arguments_exit_2_with_one_line(argv: list[str], message: str) -> None:
    result = run_cli(argv)

    assert result.code == 2
    assert result.out == ""
    assert one_error_line(result.err).startswith(message)


def test_help_goes_to_stdout_and_exits_0() -> None:
    result = run_cli(["grant", "--help"])

    assert result.code == 0
    assert result.out.startswith("usage: lscsde grant ")
    assert "--until DATE" in result.out
    assert result.err == ""


# -- kubeconfig ----------------------------------------------------------------------------


def test_a_missing_kubeconfig_exits_2(tmp_path: Path) -> None:
    missing = tmp_path / "nope.yaml"

    result = run_cli(["--kubeconfig", str(missing), "workspaces", "list"])

    assert result.code == 2
    assert one_error_line(result.err) == (
        f"error: no kubeconfig at {missing} (give --kubeconfig PATH or set $KUBECONFIG)"
    )


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("- a list\n", "{path} is not a kubeconfig"),
        (
            "key: [unclosed\n",
            "cannot read the kubeconfig {path}: line 2, column 1: expected ',' or ']'",
        ),
        ("contexts: []\n", "the kubeconfig {path} has no current context (give --context NAME)"),
    ],
)
def test_a_kubeconfig_that_cannot_be_used_exits_2(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "kubeconfig.yaml"
    path.write_text(text)

    result = run_cli(["--kubeconfig", str(path), "workspaces", "list"])

    assert result.code == 2
    assert one_error_line(result.err).startswith(f"error: {message.format(path=path)}")


@pytest.mark.integration
async def test_a_context_given_by_name_needs_no_current_context(
    control_plane: ControlPlane, namespace: str, tmp_path: Path
) -> None:
    document = yaml.safe_load(control_plane.kubeconfig_path().read_text())
    del document["current-context"]
    path = tmp_path / "kubeconfig.yaml"
    path.write_text(yaml.safe_dump(document))
    context = document["contexts"][0]["name"]

    result = await asyncio.to_thread(
        run_cli,
        ["--kubeconfig", str(path), "--context", context, "-n", namespace, "crates", "list"],
    )

    assert result.code == 0, result.err


@pytest.mark.integration
def test_an_unknown_context_exits_2(control_plane: ControlPlane) -> None:
    kubeconfig = control_plane.kubeconfig_path()

    result = run_cli(["--kubeconfig", str(kubeconfig), "--context", "prod", "crates", "list"])

    assert result.code == 2
    assert one_error_line(result.err) == (
        f"error: context 'prod' not found in the kubeconfig {kubeconfig} "
        "(contexts: admin@lscsde-test)"
    )


# -- the server ----------------------------------------------------------------------------


@pytest.mark.integration
def test_an_unreachable_server_exits_2_naming_its_url(
    control_plane: ControlPlane, tmp_path: Path
) -> None:
    document = yaml.safe_load(control_plane.kubeconfig_path().read_text())
    (port,) = pick_free_ports(1)  # nothing listens there
    url = f"https://127.0.0.1:{port}"
    document["clusters"][0]["cluster"]["server"] = url
    kubeconfig = tmp_path / "kubeconfig"
    kubeconfig.write_text(yaml.safe_dump(document))

    result = run_cli(["--kubeconfig", str(kubeconfig), "workspaces", "list"])

    assert result.code == 2
    line = one_error_line(result.err)
    assert line.startswith(f"error: cannot reach the API server at {url}: cannot connect: ")
    assert "4 attempts in" in line


@pytest.mark.integration
async def test_no_permission_exits_1_naming_the_missing_permission(
    user_cli: Cli, namespace: str, user_name: str
) -> None:
    listing = await user_cli("workspaces", "list")
    granting = await user_cli("grant", "alice", "study", "--until", "2099-01-01")

    assert listing.code == 1
    line = one_error_line(listing.err)
    assert f'User "{user_name}" cannot list resource "analyticsworkspaces"' in line
    assert line.endswith(
        f"; missing RBAC permission: list analyticsworkspaces.xlscsde.nhs.uk in namespace "
        f"{namespace}"
    )
    assert granting.code == 1
    assert one_error_line(granting.err).endswith(
        f"missing RBAC permission: get analyticsworkspaces.xlscsde.nhs.uk in namespace {namespace}"
    )


@pytest.mark.integration
async def test_a_user_allowed_to_read_but_not_write_is_told_what_is_missing(
    control_plane: ControlPlane,
    sample: SampleData,
    user_cli: Cli,
    namespace: str,
    user_name: str,
) -> None:
    await control_plane.grant(
        namespace,
        user_name,
        [
            {
                "apiGroups": ["xlscsde.nhs.uk"],
                "resources": ["analyticsworkspaces", "analyticsworkspacebindings"],
                "verbs": ["get", "list"],
            }
        ],
    )

    result = await user_cli("grant", "zed", "cancer-outcomes", "--until", "2099-01-01")

    assert result.code == 1
    assert one_error_line(result.err).endswith(
        f"missing RBAC permission: create analyticsworkspacebindings.xlscsde.nhs.uk in "
        f"namespace {namespace}"
    )


# -- pure helpers ----------------------------------------------------------------------------


def test_request_targets_are_read_from_paths() -> None:
    target = request_target("GET", "/apis/xlscsde.nhs.uk/v1/namespaces/ns/analyticscrates/c")
    assert target is not None
    assert (target.verb, target.resource, target.namespace, target.name, target.noun) == (
        "get",
        "analyticscrates.xlscsde.nhs.uk",
        "ns",
        "c",
        "crate",
    )
    namespace = request_target("GET", "/api/v1/namespaces/ns")
    assert namespace is not None and (namespace.verb, namespace.name) == ("get", "ns")
    assert request_target("GET", "/healthz") is None


def test_an_unexpected_failure_is_one_line_without_traceback(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def explode(args: argparse.Namespace, printer: object) -> int:
        raise RuntimeError("boom")

    # The module, not the function of the same name the package exports.
    monkeypatch.setattr(importlib.import_module("lscsde_sdk.cli.main"), "_run", explode)
    monkeypatch.delenv("LSCSDE_DEBUG", raising=False)

    result = run_cli(["validate", "x.yaml"])

    assert result.code == 1
    assert one_error_line(result.err) == (
        "error: unexpected RuntimeError: boom (set LSCSDE_DEBUG=1 to see where)"
    )
