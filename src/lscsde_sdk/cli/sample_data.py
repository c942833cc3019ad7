"""Sample data for ``lscsde dev up`` (and ``nox -s demo``), written through the SDK.

Dates are relative to the day it runs, so the states stay the same: for the sample user
``researcher@example.org`` one workspace is permitted with the user's binding ending first,
one permitted until the workspace's own expiry, one expired and one not yet available; other
users have bindings too, and a workspace the sample user is not bound to. Two data sources
are bound to workspaces (one binding expired), and there is one crate where the CRD release
has crates (an earlier release, generated without AnalyticsCrate, seeds and counts the rest).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any, Final

from .._generated import ABSENT_KINDS
from ..clients import (
    AnalyticsCrateClient,
    AnalyticsDataSourceBindingClient,
    AnalyticsDataSourceClient,
    AnalyticsWorkspaceBindingClient,
    AnalyticsWorkspaceClient,
)
from ..converters import today
from ..core.transport import Request, Transport
from ..errors import AlreadyExistsError
from ..events import EventRecorder
from ..managers import AnalyticsWorkspaceManager
from ..recording import Recording
from .grants import REPORTING_CONTROLLER, binding_name

__all__ = [
    "DEV_NAMESPACE",
    "SAMPLE_USER",
    "SampleData",
    "ensure_namespace",
    "permitted_profiles",
    "sample_counts",
    "seed_sample_data",
]

#: The namespace ``dev up`` seeds (JupyterHub's usual one).
DEV_NAMESPACE: Final = "jupyterhub"
#: The user whose permitted workspaces ``dev up`` shows.
SAMPLE_USER: Final = "researcher@example.org"
_IMAGE: Final = "lscsde/datascience-notebook-default:0.1.0"


@dataclass(frozen=True)
class SampleData:
    """The names of what :func:`seed_sample_data` created."""

    namespace: str
    workspaces: tuple[str, ...]
    workspace_bindings: tuple[str, ...]
    datasources: tuple[str, ...]
    datasource_bindings: tuple[str, ...]
    crates: tuple[str, ...]


def _workspace(
    namespace: str,
    name: str,
    display_name: str,
    description: str,
    available_from: date,
    expires: date,
    **jupyter: Any,
) -> dict[str, Any]:
    return {
        "metadata": {"name": name, "namespace": namespace},
        "spec": {
            "displayName": display_name,
            "description": description,
            "validity": {
                "availableFrom": available_from.isoformat(),
                "expires": expires.isoformat(),
            },
            "jupyterWorkspace": {"image": _IMAGE, **jupyter},
        },
    }


def _workspaces(namespace: str, day: date) -> list[dict[str, Any]]:
    days = timedelta(days=1)
    return [
        _workspace(
            namespace,
            "cancer-outcomes",
            "Cancer outcomes study",
            "Linked primary and secondary care data for cancer outcomes.",
            day - 30 * days,
            day + 365 * days,
            extraLabels={"xlscsde.nhs.uk/study": "outcomes"},
            resources={
                "requests": {"cpu": "500m", "memory": "2Gi"},
                "limits": {"cpu": "2", "memory": "4Gi"},
            },
            persistentVolumeClaim={"name": "cancer-outcomes-home"},
            additionalStorage=[
                {
                    "persistentVolumeClaim": "outcomes-reference-data",
                    "mountPath": "/home/jovyan/reference",
                }
            ],
        ),
        _workspace(
            namespace,
            "diabetes-cohort",
            "Diabetes cohort analysis",
            "Longitudinal cohort of patients with type 2 diabetes.",
            day - 90 * days,
            day + 120 * days,
            resources={"limits": {"cpu": "4", "memory": "16Gi", "nvidia.com/gpu": "1"}},
        ),
        _workspace(
            namespace,
            "flu-surveillance-2023",
            "Flu surveillance 2023",
            "Seasonal influenza surveillance; the study has ended.",
            day - 400 * days,
            day - 30 * days,
        ),
        _workspace(
            namespace,
            "genomics-pilot",
            "Genomics pilot",
            "Opens when the data sharing agreement starts.",
            day + 14 * days,
            day + 200 * days,
        ),
        _workspace(
            namespace,
            "training-sandbox",
            "Training sandbox",
            "Synthetic data for training new analysts.",
            day - 10 * days,
            day + 60 * days,
        ),
    ]


# (username, workspace, days from today until the binding expires)
_WORKSPACE_BINDINGS: Final = (
    (SAMPLE_USER, "cancer-outcomes", 90),
    (SAMPLE_USER, "diabetes-cohort", 365),
    (SAMPLE_USER, "flu-surveillance-2023", 30),
    (SAMPLE_USER, "genomics-pilot", 200),
    ("analyst@example.org", "cancer-outcomes", 45),
    ("analyst@example.org", "diabetes-cohort", -1),
    ("trainee@example.org", "training-sandbox", 30),
)


def _datasources(namespace: str) -> list[dict[str, Any]]:
    return [
        {
            "metadata": {"name": "hospital-episodes", "namespace": namespace},
            "spec": {
                "type": "Uploaded",
                "displayName": "Hospital episode statistics",
                "description": "Admitted patient care episodes.",
                "publisher": {"organisation": "Example NHS Trust"},
                "connections": [
                    {
                        "type": "odbc",
                        "name": "warehouse",
                        "connectionString": {"secretName": "hospital-episodes-odbc"},
                    }
                ],
            },
        },
        {
            "metadata": {"name": "primary-care-records", "namespace": namespace},
            "spec": {
                "type": "Databricks",
                "displayName": "Primary care records",
                "description": "Coded primary care events.",
                "connections": [
                    {
                        "type": "databricks",
                        "name": "sql-warehouse",
                        "databricksConnection": {
                            "hostName": "adb-0000000000000000.0.azuredatabricks.net",
                            "httpPath": "/sql/1.0/warehouses/sample",
                            "personalAccessToken": {"secretName": "primary-care-pat"},
                        },
                    }
                ],
            },
        },
    ]


# (data source, workspace, days from today until the binding expires; None: never)
_DATASOURCE_BINDINGS: Final = (
    ("hospital-episodes", "cancer-outcomes", None),
    ("primary-care-records", "cancer-outcomes", 30),
    ("primary-care-records", "diabetes-cohort", -5),
)


async def ensure_namespace(transport: Transport, name: str) -> None:
    """Create the namespace ``name`` unless it exists."""
    body = {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name}}
    try:
        await transport.send(Request("POST", "/api/v1/namespaces", body=body))
    except AlreadyExistsError:
        pass


async def seed_sample_data(
    transport: Transport, namespace: str, *, day: date | None = None
) -> SampleData:
    """Create the sample objects (see the module doc) in ``namespace``, which must exist,
    recording events as ``lscsde dev up``. ``day`` is "today" (default: the local date)."""
    day = day or today()
    events = EventRecorder(
        transport, reporting_controller=REPORTING_CONTROLLER, reporting_user="lscsde dev up"
    )
    workspaces = AnalyticsWorkspaceClient(transport)
    created = [
        (await Recording(workspaces, events).create(body)).name
        for body in _workspaces(namespace, day)
    ]
    # The operator records where a workspace's claim is once it provisioned it.
    await workspaces.patch_status(
        namespace,
        "diabetes-cohort",
        {"statusText": "Provisioned", "persistentVolumeClaim": "diabetes-cohort-pvc"},
    )

    bindings = Recording(AnalyticsWorkspaceBindingClient(transport), events)
    workspace_bindings = []
    for username, workspace, days_left in _WORKSPACE_BINDINGS:
        binding = await bindings.create(
            {
                "metadata": {"name": binding_name(workspace, username), "namespace": namespace},
                "spec": {
                    "workspace": workspace,
                    "username": username,
                    "expires": (day + timedelta(days=days_left)).isoformat(),
                },
            }
        )
        workspace_bindings.append(binding.name)

    datasources = Recording(AnalyticsDataSourceClient(transport), events)
    sources = [(await datasources.create(body)).name for body in _datasources(namespace)]
    source_bindings = Recording(AnalyticsDataSourceBindingClient(transport), events)
    datasource_bindings = []
    for datasource, workspace, expires_in in _DATASOURCE_BINDINGS:
        spec: dict[str, Any] = {"workspace": workspace, "datasource": datasource}
        if expires_in is not None:
            spec["expires"] = (day + timedelta(days=expires_in)).isoformat()
        source_binding = await source_bindings.create(
            {
                "metadata": {"name": f"{workspace}-{datasource}", "namespace": namespace},
                "spec": spec,
            }
        )
        datasource_bindings.append(source_binding.name)

    crates: tuple[str, ...] = ()
    if "AnalyticsCrate" not in ABSENT_KINDS:
        crate = await Recording(AnalyticsCrateClient(transport), events).create(
            {
                "metadata": {"name": "outcomes-crate", "namespace": namespace},
                "spec": {
                    "displayName": "Cancer outcomes RO-Crate",
                    "description": "Metadata of the cancer outcomes data sets.",
                    "repo": {"url": "https://git.example.org/sde/outcomes-crate.git"},
                },
            }
        )
        crates = (crate.name,)
    return SampleData(
        namespace=namespace,
        workspaces=tuple(created),
        workspace_bindings=tuple(workspace_bindings),
        datasources=tuple(sources),
        datasource_bindings=tuple(datasource_bindings),
        crates=crates,
    )


async def sample_counts(transport: Transport, namespace: str) -> dict[str, int]:
    """How many objects of each kind of the CRD release ``namespace`` holds, by kind."""
    counts = {}
    for client_type in (
        AnalyticsWorkspaceClient,
        AnalyticsWorkspaceBindingClient,
        AnalyticsDataSourceClient,
        AnalyticsDataSourceBindingClient,
        AnalyticsCrateClient,
    ):
        if client_type.__name__.removesuffix("Client") in ABSENT_KINDS:
            continue
        client = client_type(transport)
        counts[client.info.kind] = len(await client.list(namespace))
    return counts


async def permitted_profiles(
    transport: Transport, namespace: str, username: str = SAMPLE_USER
) -> list[dict[str, Any]]:
    """The KubeSpawner profiles ``username`` may start today
    (:meth:`AnalyticsWorkspaceManager.permitted_profiles`)."""
    manager = AnalyticsWorkspaceManager(transport)
    return await manager.permitted_profiles(namespace, username)
