"""The tool runs as ``python -m lscsde_sdk`` and is declared as the ``lscsde`` script."""

from __future__ import annotations

import json
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

import lscsde_sdk
from lscsde_sdk.envtest import ControlPlane

ROOT = Path(__file__).resolve().parents[2]


def python_m(*argv: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "lscsde_sdk", *argv],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )


def test_the_console_script_is_declared() -> None:
    scripts = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["scripts"]

    assert scripts == {"lscsde": "lscsde_sdk.cli:main"}


def test_python_m_lscsde_sdk_prints_the_version() -> None:
    result = python_m("--version")

    assert result.returncode == 0
    assert result.stdout == f"lscsde {lscsde_sdk.__version__}\n"


def test_python_m_lscsde_sdk_reports_invalid_manifests_with_exit_1(tmp_path: Path) -> None:
    manifest = tmp_path / "crate.yaml"
    manifest.write_text("apiVersion: xlscsde.nhs.uk/v1\nkind: AnalyticsCrate\nspec: {bogus: 1}\n")

    result = python_m("validate", str(manifest))

    assert result.returncode == 1
    assert result.stdout.startswith(f"{manifest}:0 (AnalyticsCrate/?): spec: unknown field(s)")
    assert result.stderr == "error: 1 problem(s) in 1 file(s)\n"


@pytest.mark.integration
def test_python_m_lscsde_sdk_talks_to_the_api_server(control_plane: ControlPlane) -> None:
    result = python_m("--kubeconfig", str(control_plane.kubeconfig_path()), "crates", "list", "-Q")
    assert result.returncode == 2  # -Q is not an option: usage error, one line
    assert result.stderr.count("\n") == 1

    result = python_m(
        "--kubeconfig", str(control_plane.kubeconfig_path()), "-n", "default", "-o", "json",
        "workspaces", "list",
    )  # fmt: skip

    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["kind"] == "List"
