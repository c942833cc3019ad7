"""AnalyticsWorkspaceConverter: expiry arithmetic and the KubeSpawner profile."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
import yaml

from lscsde_sdk import converters
from lscsde_sdk.converters import (
    RESOURCE_NUMBER_KEYS,
    AnalyticsWorkspaceConverter,
    cpu_cores,
    days_until_expiry,
    describe_resources,
    format_bytes,
    format_cpu,
    is_available,
    kubespawner_override,
    memory_bytes,
    resource_quantity,
    to_date,
)
from lscsde_sdk.errors import (
    InvalidParameterError,
    InvalidQuantityError,
    InvalidWorkspaceError,
    LscsdeError,
)
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
    with pytest.raises(InvalidParameterError, match="expires"):
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
    profile = AnalyticsWorkspaceConverter().to_workspace_dict(ws, day=date(2026, 8, 1))

    assert list(profile) == [
        "display_name",
        "description",
        "workspace_definition",
        "kubespawner_override",
        "resources_display",
        "memory_guarantee_gib",
        "memory_limit_gib",
        "cpu_guarantee_cores",
        "cpu_limit_cores",
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
    # Spawn templates read ws_days_left.days.
    assert profile["ws_days_left"] == timedelta(days=30)
    assert profile["resources_display"] == {
        "requests": {"cpu": "0.5 CPU", "memory": "4 GiB"},
        "limits": {
            "cpu": "4 CPUs",
            "memory": "16 GiB",
            "nvidia.com/gpu": "1 \N{MULTIPLICATION SIGN} nvidia.com/gpu",
        },
    }
    # The same as numbers, for spawn forms of one's own.
    assert (profile["memory_guarantee_gib"], profile["memory_limit_gib"]) == (4.0, 16.0)
    assert (profile["cpu_guarantee_cores"], profile["cpu_limit_cores"]) == (0.5, 4.0)

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
        "extra_resource_limits": {"nvidia.com/gpu": "1"},
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
    profile = AnalyticsWorkspaceConverter().to_workspace_dict(ws, day="2026-01-01")
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
        workspace({"image": "lscsde/datascience-notebook-default:0.1.0"}), day="2026-01-06"
    )
    assert profile["kubespawner_override"] == {
        "image": "lscsde/datascience-notebook-default:0.1.0",
        "extra_labels": {"workspace": "outcomes"},
    }
    assert profile["workspace_definition"] == {"image": "lscsde/datascience-notebook-default:0.1.0"}
    assert profile["resources_display"] == {}
    assert all(profile[key] is None for key in RESOURCE_NUMBER_KEYS)
    assert profile["ws_days_left"] == timedelta(days=365)


def test_resource_numbers_are_gib_and_cores_as_kubernetes_reads_the_quantities() -> None:
    profile = AnalyticsWorkspaceConverter().to_workspace_dict(
        workspace(
            {
                "image": "a/b:1",
                "resources": {"requests": {"memory": "8G", "cpu": "250m"}, "limits": {"cpu": 2}},
            }
        ),
        day="2026-01-06",
    )
    assert {key: profile[key] for key in RESOURCE_NUMBER_KEYS} == {
        "memory_guarantee_gib": 8e9 / 2**30,  # 8G is decimal: about 7.45 GiB
        "memory_limit_gib": None,
        "cpu_guarantee_cores": 0.25,
        "cpu_limit_cores": 2.0,
    }


RESOURCE_KEYS = {
    "mem_guarantee",
    "mem_limit",
    "cpu_guarantee",
    "cpu_limit",
    "extra_resource_guarantees",
    "extra_resource_limits",
}


def override_for(resources: Any, name: str = "ws") -> dict[str, Any]:
    jupyter = JupyterWorkspaceSpec.model_validate({"image": "a/b:1", "resources": resources})
    override = kubespawner_override(name, jupyter, namespace="jupyterhub")
    return {k: v for k, v in override.items() if k in RESOURCE_KEYS}


@pytest.mark.parametrize(
    ("resources", "expected"),
    [
        # Limits only: no guarantees, and no KeyError for the missing requests.
        ({"limits": {"cpu": 2, "memory": "8G"}}, {"cpu_limit": 2.0, "mem_limit": 8 * 10**9}),
        # Requests only.
        ({"requests": {"cpu": "250m"}}, {"cpu_guarantee": 0.25}),
        # Memory without CPU and the other way round.
        (
            {"requests": {"memory": "512M"}, "limits": {"cpu": 0.5}},
            {"mem_guarantee": 512 * 10**6, "cpu_limit": 0.5},
        ),
        # Every other resource goes to KubeSpawner's extra resources, as a quantity string.
        ({"limits": {"nvidia.com/gpu": 1}}, {"extra_resource_limits": {"nvidia.com/gpu": "1"}}),
        (
            {"requests": {"ephemeral-storage": "2Gi", "hugepages-2Mi": "100Mi"}},
            {"extra_resource_guarantees": {"ephemeral-storage": "2Gi", "hugepages-2Mi": "100Mi"}},
        ),
        ({"requests": None, "limits": None}, {}),
        ({"requests": {}, "limits": {}}, {}),
        ({}, {}),
        (None, {}),
    ],
)
def test_resources_map_only_what_is_set(resources: Any, expected: dict[str, Any]) -> None:
    assert override_for(resources) == expected


def test_gpu_workspace_override() -> None:
    override = override_for(
        {
            "requests": {"cpu": "1", "memory": "8Gi", "nvidia.com/gpu": "2"},
            "limits": {"cpu": "4", "memory": "32Gi", "nvidia.com/gpu": 2},
        }
    )
    assert override == {
        "cpu_guarantee": 1.0,
        "mem_guarantee": 8 * 2**30,
        "extra_resource_guarantees": {"nvidia.com/gpu": "2"},
        "cpu_limit": 4.0,
        "mem_limit": 32 * 2**30,
        "extra_resource_limits": {"nvidia.com/gpu": "2"},
    }


def test_a_gpu_limit_alone_gets_no_invented_request() -> None:
    # Kubernetes takes the limit as the request; the override keeps what the workspace says.
    override = override_for({"limits": {"nvidia.com/gpu": "1"}})
    assert override == {"extra_resource_limits": {"nvidia.com/gpu": "1"}}


@pytest.mark.parametrize(
    ("memory", "expected"),
    [
        ("8G", 8_000_000_000),  # decimal, as Kubernetes reads it (KubeSpawner would say GiB)
        ("8Gi", 8_589_934_592),
        ("1.5Gi", 1_610_612_736),
        ("1e9", 1_000_000_000),
        ("500M", 500_000_000),
        ("128974848", 128_974_848),
        ("129e6", 129_000_000),
        ("123Mi", 128_974_848),
        ("2k", 2000),
        ("1Ki", 1024),
        (".5Ki", 512),
        ("1.G", 1_000_000_000),
        ("0", 0),
        (1073741824, 1073741824),
        (0.5e9, 500_000_000),
        # Fractions of a byte round up, as Kubernetes' Value() does.
        ("0.5", 1),
        ("1m", 1),
        ("1000001m", 1001),
        ("1.1Ki", 1127),  # 1126.4
        ("1e-20", 1),
        ("9223372036854775807", 2**63 - 1),
    ],
)
def test_memory_becomes_whole_bytes(memory: Any, expected: int) -> None:
    assert memory_bytes(memory) == expected
    value = override_for({"limits": {"memory": memory}})["mem_limit"]
    assert value == expected and type(value) is int


@pytest.mark.parametrize(
    ("cpu", "expected"),
    [("500m", 0.5), ("2", 2.0), (1, 1.0), (0.25, 0.25), ("1.5", 1.5), ("100u", 0.0001)],
)
def test_cpu_values_become_cores(cpu: Any, expected: float) -> None:
    assert cpu_cores(cpu) == expected
    value = override_for({"requests": {"cpu": cpu}})["cpu_guarantee"]
    assert value == expected and isinstance(value, float)


@pytest.mark.parametrize(
    ("value", "expected"),
    [(1, "1"), ("1", "1"), ("2k", "2k"), (0.5, "0.5"), ("10Gi", "10Gi"), (1e20, "1e+20")],
)
def test_other_resources_are_passed_as_quantity_strings(value: Any, expected: str) -> None:
    assert resource_quantity(value) == expected


@pytest.mark.parametrize(
    ("field", "value", "path", "reason"),
    [
        ("memory", "8 GB", "limits.memory", "expected a decimal number"),
        ("memory", "8GB", "limits.memory", "expected a decimal number"),
        ("memory", "lots", "limits.memory", "expected a decimal number"),
        ("memory", "", "limits.memory", "expected a decimal number"),
        ("memory", "8K", "limits.memory", "expected a decimal number"),  # k or Ki
        ("memory", "-1Gi", "limits.memory", "must not be negative"),
        ("memory", "8Ei", "limits.memory", "more bytes than Kubernetes can represent"),
        ("memory", True, "limits.memory", "not bool"),
        ("memory", None, "limits.memory", "not NoneType"),
        ("memory", ["8Gi"], "limits.memory", "not list"),
        ("cpu", "2 cores", "limits.cpu", "expected a decimal number"),
        ("cpu", "500mi", "limits.cpu", "expected a decimal number"),
        ("cpu", float("inf"), "limits.cpu", "finite"),
        ("cpu", "1e16", "limits.cpu", "more CPU than Kubernetes can represent"),
        ("nvidia.com/gpu", "one", "limits[nvidia.com/gpu]", "expected a decimal number"),
        ("nvidia.com/gpu", -1, "limits[nvidia.com/gpu]", "must not be negative"),
        ("ephemeral-storage", {"size": 1}, "limits.ephemeral-storage", "not dict"),
    ],
)
def test_malformed_quantities_name_the_workspace_and_field(
    field: str, value: Any, path: str, reason: str
) -> None:
    with pytest.raises(InvalidWorkspaceError) as raised:
        override_for({"requests": {"cpu": "1"}, "limits": {field: value}}, name="outcomes")
    error = raised.value
    assert isinstance(error, LscsdeError) and isinstance(error, ValueError)
    assert error.workspace == "jupyterhub/outcomes"
    assert error.field == f"spec.jupyterWorkspace.resources.{path}"
    assert error.value == value
    assert reason in str(error)
    assert "jupyterhub/outcomes" in str(error)
    assert error.field in str(error)
    assert repr(value) in str(error)
    assert isinstance(error.__cause__, InvalidQuantityError)


@pytest.mark.parametrize(
    ("resources", "field", "reason"),
    [
        ({"requests": "8Gi"}, "requests", "must be a map"),
        ({"limits": ["memory", "8Gi"]}, "limits", "must be a map"),
        ({"limits": {"memory": "1Gi"}, "limit": {"memory": "1Gi"}}, "limit", "only requests and"),
        ({"claims": [{"name": "gpu"}]}, "claims", "only requests and limits"),
    ],
)
def test_resources_of_the_wrong_shape_are_refused(
    resources: dict[str, Any], field: str, reason: str
) -> None:
    with pytest.raises(InvalidWorkspaceError, match=reason) as raised:
        override_for(resources, name="outcomes")
    assert raised.value.workspace == "jupyterhub/outcomes"
    assert raised.value.field == f"spec.jupyterWorkspace.resources.{field}"


def test_the_profile_refuses_a_malformed_workspace_by_name() -> None:
    ws = workspace({"image": "a/b:1", "resources": {"limits": {"memory": "16 Gi"}}})
    with pytest.raises(InvalidWorkspaceError) as raised:
        AnalyticsWorkspaceConverter().to_workspace_dict(ws, day="2026-01-06")
    assert str(raised.value) == (
        "workspace jupyterhub/outcomes: spec.jupyterWorkspace.resources.limits.memory = "
        "'16 Gi': expected a decimal number with an optional suffix "
        "(Ki Mi Gi Ti Pi Ei, n u m k M G T P E) or exponent (e3, E-2)"
    )


def test_errors_without_a_namespace_name_the_workspace_alone() -> None:
    jupyter = JupyterWorkspaceSpec.model_validate(
        {"image": "a/b:1", "resources": {"limits": {"cpu": "x"}}}
    )
    with pytest.raises(InvalidWorkspaceError) as raised:
        kubespawner_override("outcomes", jupyter)
    assert raised.value.workspace == "outcomes"


# -- friendly figures ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("amount", "text"),
    [
        (8 * 2**30, "8 GiB"),
        (8 * 10**9, "7.5 GiB"),  # 7.45 GiB
        (15 * 2**29, "7.5 GiB"),
        (512 * 2**20, "512 MiB"),
        (1536, "1.5 KiB"),
        (1000, "1000 B"),
        (0, "0 B"),
        (1024, "1 KiB"),
        (2**20 - 1, "1 MiB"),  # 1023.999 KiB rounds to 1024.0 KiB: shown as 1 MiB
        (2**63 - 1, "8 EiB"),
    ],
)
def test_format_bytes(amount: int, text: str) -> None:
    assert format_bytes(amount) == text


@pytest.mark.parametrize(
    ("cores", "text"),
    [
        (0.5, "0.5 CPU"),
        (1, "1 CPU"),
        (1.0, "1 CPU"),
        (2, "2 CPUs"),
        (1.5, "1.5 CPUs"),
        (0.0001, "0.001 CPU"),  # below a millicore: Kubernetes rounds up to 1m
        (0, "0 CPUs"),
    ],
)
def test_format_cpu(cores: float, text: str) -> None:
    assert format_cpu(cores) == text


def test_resources_display_lists_cpu_memory_then_the_rest_by_name() -> None:
    jupyter = JupyterWorkspaceSpec.model_validate(
        {
            "image": "a/b:1",
            "resources": {
                "requests": {"memory": "512Mi", "cpu": "250m"},
                "limits": {
                    "nvidia.com/gpu": 2,
                    "memory": "8G",
                    "ephemeral-storage": "10Gi",
                    "cpu": 2,
                },
            },
        }
    )
    display = describe_resources("ws", jupyter)
    assert display == {
        "requests": {"cpu": "0.25 CPU", "memory": "512 MiB"},
        "limits": {
            "cpu": "2 CPUs",
            "memory": "7.5 GiB",
            "ephemeral-storage": "10 GiB ephemeral-storage",
            "nvidia.com/gpu": "2 \N{MULTIPLICATION SIGN} nvidia.com/gpu",
        },
    }
    assert [list(section) for section in display.values()] == [
        ["cpu", "memory"],
        ["cpu", "memory", "ephemeral-storage", "nvidia.com/gpu"],
    ]


def test_virtual_machine_workspace_has_no_kubespawner_settings() -> None:
    profile = AnalyticsWorkspaceConverter().to_workspace_dict(workspace(), day="2026-01-06")
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


def test_profile_day_accepts_aware_datetimes() -> None:
    moment = datetime(2027, 1, 5, 23, 0, tzinfo=timezone(timedelta(hours=-5)))
    profile = AnalyticsWorkspaceConverter().to_workspace_dict(
        workspace({"image": "a/b:1"}), day=moment
    )
    assert profile["ws_days_left"] == timedelta(days=1)
