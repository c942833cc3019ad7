"""AnalyticsWorkspaceConverter: expiry arithmetic and the KubeSpawner profile."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
import yaml

from lscsde_sdk import converters
from lscsde_sdk.converters import (
    AnalyticsWorkspaceConverter,
    days_until_expiry,
    is_available,
    kubespawner_override,
    to_date,
)
from lscsde_sdk.errors import InvalidParameterException
from lscsde_sdk.models import AnalyticsWorkspace, JupyterWorkspaceSpec

EXAMPLES = Path(__file__).parent.parent / "examples"


def load(name: str) -> AnalyticsWorkspace:
    data = yaml.safe_load((EXAMPLES / name).read_text(encoding="utf-8"))
    return AnalyticsWorkspace.from_api(data)


def workspace(jupyter: dict[str, Any] | None = None, **validity: str) -> AnalyticsWorkspace:
    spec: dict[str, Any] = {
        "displayName": "Outcomes",
        "description": "Outcomes study",
        "validity": {"availableFrom": "2025-01-06", "expires": "2027-01-06", **validity},
    }
    if jupyter is not None:
        spec["jupyterWorkspace"] = jupyter
    else:
        spec["virtualMachineWorkspace"] = {"maxHosts": 2}
    return AnalyticsWorkspace.model_validate(
        {"metadata": {"name": "outcomes", "namespace": "jupyterhub"}, "spec": spec}
    )


# -- dates -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (date(2026, 3, 1), date(2026, 3, 1)),
        (datetime(2026, 3, 1, 23, 59), date(2026, 3, 1)),
        (datetime(2026, 3, 1, 23, 59, tzinfo=UTC), date(2026, 3, 1)),
        ("2026-03-01", date(2026, 3, 1)),
        ("2026-03-01T10:00:00+00:00", date(2026, 3, 1)),
    ],
)
def test_to_date_accepts_dates_datetimes_and_iso_strings(value: Any, expected: date) -> None:
    assert to_date(value) == expected


@pytest.mark.parametrize("value", ["01/03/2026", "soon", 20260301, None])
def test_to_date_rejects_other_values(value: Any) -> None:
    with pytest.raises(InvalidParameterException, match="expires"):
        to_date(value, "expires")


def test_days_until_expiry_counts_whole_calendar_days() -> None:
    assert days_until_expiry("2026-03-10", date(2026, 3, 1)) == 9
    # The time of day does not matter: whole days between the two dates.
    assert days_until_expiry(date(2026, 3, 10), datetime(2026, 3, 1, 23, 30)) == 9
    assert days_until_expiry("2026-03-10", "2026-03-09") == 1  # last usable day
    assert days_until_expiry("2026-03-10", "2026-03-10") == 0  # the expiry date itself
    assert days_until_expiry("2026-03-10", "2026-03-12") == -2
    assert isinstance(days_until_expiry("2026-03-10", "2026-03-01"), int)


def test_days_until_expiry_defaults_to_today_at_call_time(monkeypatch: pytest.MonkeyPatch) -> None:
    assert days_until_expiry(date.today() + timedelta(days=5)) == 5
    assert converters.today() == date.today()

    # The default is looked up on each call, so a changed "today" is seen.
    monkeypatch.setattr(converters, "today", lambda: date.today() + timedelta(days=1))
    assert days_until_expiry(date.today() + timedelta(days=5)) == 4
    expiring = workspace({"image": "a/b:1"}, expires=str(date.today() + timedelta(days=2)))
    assert is_available(expiring)
    monkeypatch.setattr(converters, "today", lambda: date.today() + timedelta(days=2))
    assert not is_available(expiring)


def test_converter_method_matches_the_function() -> None:
    converter = AnalyticsWorkspaceConverter()
    assert converter.days_until_expiry("2026-03-10", date(2026, 3, 1)) == 9


@pytest.mark.parametrize(
    ("day", "available"),
    [
        ("2025-01-05", False),  # not yet available
        ("2025-01-06", True),  # first day
        ("2027-01-05", True),  # last day
        ("2027-01-06", False),  # the expiry date: no longer usable
        ("2028-01-01", False),
    ],
)
def test_is_available_from_available_from_until_expires(day: str, available: bool) -> None:
    assert is_available(workspace({"image": "a/b:1"}), day) is available


def test_is_available_is_false_without_spec() -> None:
    assert not is_available(AnalyticsWorkspace.model_validate({"metadata": {"name": "x"}}))


# -- the profile -----------------------------------------------------------------------------


def test_full_workspace_profile() -> None:
    ws = load("workspace-jupyter-full.yaml")
    profile = AnalyticsWorkspaceConverter().to_workspace_dict(ws, date_now=date(2026, 8, 1))

    assert list(profile) == [
        "display_name",
        "description",
        "workspace_definition",
        "kubespawner_override",
        "slug",
        "start_date",
        "end_date",
        "ws_days_left",
    ]
    assert profile["display_name"] == "Stroke registry analysis"
    assert profile["description"].startswith("Registry extract")
    assert profile["slug"] == "stroke-registry"
    assert profile["start_date"] == "2025-02-03"
    assert profile["end_date"] == "2026-08-31"
    assert profile["ws_days_left"] == 30

    definition = profile["workspace_definition"]
    assert definition["image"] == "lscsde/datascience-notebook-r:2.3.1"
    assert definition["extraLabels"]["xlscsde.nhs.uk/study"] == "stroke-registry"
    assert definition["persistentVolumeClaim"] == {
        "name": "stroke-registry-home",
        "storageClassName": "managed-csi",
    }
    assert definition["additionalStorage"][0]["mountPath"] == "/home/jovyan/reference"

    override = profile["kubespawner_override"]
    assert override == {
        "image": "lscsde/datascience-notebook-r:2.3.1",
        "extra_labels": {
            "xlscsde.nhs.uk/study": "stroke-registry",
            "xlscsde.nhs.uk/cost-centre": "4711",
            "workspace": "stroke-registry",
        },
        "mem_guarantee": 4 * 2**30,
        "mem_limit": 16 * 2**30,
        "cpu_guarantee": 0.5,
        "cpu_limit": 4.0,
        "default_url": "/lab/tree/README.ipynb",
        "node_selector": {"kubernetes.io/os": "linux", "xlscsde.nhs.uk/pool": "highmem"},
        "tolerations": [
            {
                "key": "xlscsde.nhs.uk/dedicated",
                "operator": "Equal",
                "value": "highmem",
                "effect": "NoSchedule",
            },
            {
                "key": "node.kubernetes.io/unreachable",
                "operator": "Exists",
                "effect": "NoExecute",
                "tolerationSeconds": 300,
            },
        ],
    }


def test_profile_does_not_share_state_with_the_workspace() -> None:
    ws = load("workspace-jupyter-full.yaml")
    profile = AnalyticsWorkspaceConverter().to_workspace_dict(ws, date_now="2026-01-01")
    profile["kubespawner_override"]["tolerations"][0]["value"] = "changed"
    profile["kubespawner_override"]["node_selector"]["kubernetes.io/os"] = "changed"
    profile["kubespawner_override"]["extra_labels"]["workspace"] = "changed"
    assert ws.spec is not None and ws.spec.jupyter_workspace is not None
    jupyter = ws.spec.jupyter_workspace
    assert jupyter.tolerations is not None and jupyter.tolerations[0]["value"] == "highmem"
    assert jupyter.node_selector == {"kubernetes.io/os": "linux", "xlscsde.nhs.uk/pool": "highmem"}
    assert jupyter.extra_labels is not None and "workspace" not in jupyter.extra_labels


def test_minimal_workspace_profile_has_no_optional_settings() -> None:
    profile = AnalyticsWorkspaceConverter().to_workspace_dict(
        workspace({"image": "lscsde/datascience-notebook-default:0.1.0"}), date_now="2026-01-06"
    )
    assert profile["kubespawner_override"] == {
        "image": "lscsde/datascience-notebook-default:0.1.0",
        "extra_labels": {"workspace": "outcomes"},
    }
    assert profile["workspace_definition"] == {"image": "lscsde/datascience-notebook-default:0.1.0"}
    assert profile["ws_days_left"] == 365


@pytest.mark.parametrize(
    ("resources", "expected"),
    [
        # Limits only: no guarantees, and no KeyError for the missing requests.
        ({"limits": {"cpu": 2, "memory": "8G"}}, {"cpu_limit": 2.0, "mem_limit": "8G"}),
        # Requests only.
        ({"requests": {"cpu": "250m"}}, {"cpu_guarantee": 0.25}),
        # Memory without CPU and the other way round.
        (
            {"requests": {"memory": "512M"}, "limits": {"cpu": 0.5}},
            {"mem_guarantee": "512M", "cpu_limit": 0.5},
        ),
        # Other resources are not KubeSpawner settings.
        ({"limits": {"nvidia.com/gpu": 1}}, {}),
        ({"requests": None, "limits": None}, {}),
        ({}, {}),
    ],
)
def test_resources_map_only_what_is_set(
    resources: dict[str, Any], expected: dict[str, Any]
) -> None:
    jupyter = JupyterWorkspaceSpec.model_validate({"image": "a/b:1", "resources": resources})
    override = kubespawner_override("ws", jupyter)
    keys = {"mem_guarantee", "mem_limit", "cpu_guarantee", "cpu_limit"}
    assert {k: v for k, v in override.items() if k in keys} == expected


@pytest.mark.parametrize(
    ("memory", "expected"),
    [
        ("8G", "8G"),  # KubeSpawner's own form passes unchanged
        ("1.5G", "1.5G"),
        (1073741824, 1073741824),
        ("8Gi", 8 * 2**30),  # Kubernetes forms KubeSpawner rejects become bytes
        ("500Mi", 500 * 2**20),
        ("1e9", 10**9),
        ("2k", 2000),
        ("1000", 1000),
        ("lots", "lots"),  # not a quantity: left for KubeSpawner to report
    ],
)
def test_memory_values_are_made_acceptable_to_kubespawner(memory: Any, expected: Any) -> None:
    jupyter = JupyterWorkspaceSpec.model_validate(
        {"image": "a/b:1", "resources": {"limits": {"memory": memory}}}
    )
    assert kubespawner_override("ws", jupyter)["mem_limit"] == expected


@pytest.mark.parametrize(
    ("cpu", "expected"), [("500m", 0.5), ("2", 2.0), (1, 1.0), (0.25, 0.25), ("1.5", 1.5)]
)
def test_cpu_values_become_cores(cpu: Any, expected: float) -> None:
    jupyter = JupyterWorkspaceSpec.model_validate(
        {"image": "a/b:1", "resources": {"requests": {"cpu": cpu}}}
    )
    value = kubespawner_override("ws", jupyter)["cpu_guarantee"]
    assert value == expected and isinstance(value, float)


def test_virtual_machine_workspace_has_no_kubespawner_settings() -> None:
    profile = AnalyticsWorkspaceConverter().to_workspace_dict(workspace(), date_now="2026-01-06")
    assert "kubespawner_override" not in profile
    assert "workspace_definition" not in profile
    assert profile["slug"] == "outcomes"
    assert profile["end_date"] == "2027-01-06"


def test_workspace_without_spec_gives_none_values() -> None:
    ws = AnalyticsWorkspace.model_validate({"metadata": {"name": "bare"}})
    profile = AnalyticsWorkspaceConverter().to_workspace_dict(ws)
    assert profile == {
        "display_name": None,
        "description": None,
        "slug": "bare",
        "start_date": None,
        "end_date": None,
        "ws_days_left": None,
    }


def test_profile_date_now_accepts_aware_datetimes() -> None:
    moment = datetime(2027, 1, 5, 23, 0, tzinfo=timezone(timedelta(hours=-5)))
    profile = AnalyticsWorkspaceConverter().to_workspace_dict(
        workspace({"image": "a/b:1"}), date_now=moment
    )
    assert profile["ws_days_left"] == 1
