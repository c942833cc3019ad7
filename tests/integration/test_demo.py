"""The demo (``nox -s demo``: ``lscsde dev up --exit-after-seed``) runs end to end: its own
control plane, the CRDs, the sample data, the sample user's profiles, and nothing left
running afterwards."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from lscsde_sdk.cli.devstate import ProcessRef
from lscsde_sdk.cli.sample_data import SAMPLE_USER

from ..cli.conftest import run_cli

# Every test here starts the dev control plane in processes of its own.
pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("control_plane_binaries")]


def test_the_demo_seeds_shows_the_users_profiles_and_stops() -> None:
    result = run_cli(["dev", "up", "--exit-after-seed"])

    assert result.code == 0, result.err
    start = result.out_lines.index(f"{SAMPLE_USER} may start:")
    table = result.out_lines[start + 1 : start + 4]
    assert table[0].split()[:2] == ["WORKSPACE", "DISPLAY"]
    assert [row.split()[0] for row in table[1:]] == ["cancer-outcomes", "diabetes-cohort"]
    assert "2 CPUs, 4 GiB" in table[1]  # the workspace's limits, as the spawn form shows them
    assert result.out_lines[1] == (
        "objects: 5 workspaces, 7 workspace bindings, 2 data sources, "
        "3 data source bindings, 1 crate"
    )
    assert result.err_lines[-1] == "stopping (--exit-after-seed)"


def test_the_demo_as_json_names_processes_that_are_gone_afterwards() -> None:
    result = run_cli(["dev", "up", "--exit-after-seed", "-o", "json"])

    assert result.code == 0, result.err
    shown = json.loads(result.out)
    assert shown["mode"] == "foreground"
    assert [p["slug"] for p in shown["permitted"]] == ["cancer-outcomes", "diabetes-cohort"]
    assert shown["permitted"][0]["daysLeft"] == 90
    assert set(shown["processes"]) == {"etcd", "kube-apiserver"}
    assert not any(ProcessRef(pid).alive() for pid in shown["processes"].values())
    assert not Path(shown["kubeconfig"]).exists()
