"""The bench's data: realistic AnalyticsWorkspaces and AnalyticsWorkspaceBindings.

One namespace is seeded once per bench run through the API (raw JSON POSTs, a bounded
number in flight) and shared by every scenario; scenarios about scale have a larger seed in
a namespace of their own, written straight into etcd (:mod:`bench.etcd_seed`) only when one
of them runs. The data is deterministic apart from
dates, which are relative to today so that every measured workspace is usable. Objects
carry the labels lscsde-sdk's writes give them (bindings ``xlscsde.nhs.uk/username``,
workspaces ``xlscsde.nhs.uk/workspace`` with their own name), as in a namespace the SDK
writes or ``lscsde relabel`` has labelled, so no peer changes the data.
"""

from __future__ import annotations

import asyncio
import random
import sys
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from dataclasses import asdict, dataclass
from datetime import date, timedelta
from typing import Any, TextIO

from lscsde_sdk.labels import USERNAME_LABEL, WORKSPACE_LABEL, format_as_label, name_label_value

from .cluster import RawApi

__all__ = [
    "FULL",
    "LARGE",
    "QUICK",
    "QUICK_LARGE",
    "SeedPlan",
    "SeededData",
    "binding_manifest",
    "bindings",
    "measured_binding_names",
    "seed",
    "workspace_manifest",
    "workspace_status",
]

GROUP_PATH = "/apis/xlscsde.nhs.uk/v1/namespaces/{namespace}"
REALISTIC_USER = "realistic.researcher@example.nhs.uk"
HEAVY_USER = "heavy.researcher@example.nhs.uk"
_TOPICS = (
    "Cancer outcomes",
    "Cardiovascular risk",
    "Diabetes prevention",
    "Maternity pathways",
    "Respiratory admissions",
    "Mental health services",
    "Frailty and falls",
    "Emergency care flow",
    "Stroke rehabilitation",
    "Childhood asthma",
    "Renal outcomes",
    "Population health",
)


@dataclass(frozen=True)
class SeedPlan:
    """How much to create. The measured users' bindings come on top of ``bindings``."""

    workspaces: int
    bindings: int
    bindings_per_user: int = 4
    realistic_bindings: int = 3
    heavy_bindings: int = 100

    def __post_init__(self) -> None:
        if self.heavy_bindings > self.workspaces:
            raise ValueError(
                f"heavy_bindings={self.heavy_bindings} needs at least as many workspaces "
                f"(workspaces={self.workspaces}): each binding is to a different workspace"
            )

    @property
    def objects(self) -> int:
        return self.workspaces + self.bindings + self.realistic_bindings + self.heavy_bindings

    @property
    def users(self) -> int:
        """How many users the ``bindings`` are spread over (:func:`user_name` ``(0..users-1)``)."""
        return -(-self.bindings // self.bindings_per_user)


FULL = SeedPlan(workspaces=2_000, bindings=10_000)
QUICK = SeedPlan(workspaces=200, bindings=1_000)
#: The scale scenarios' seed (``informer_large``, ``informer_lookups``).
LARGE = SeedPlan(workspaces=10_000, bindings=100_000)
QUICK_LARGE = SeedPlan(workspaces=1_000, bindings=10_000)


@dataclass(frozen=True)
class SeededData:
    """What the scenarios need to know about the seeded namespace."""

    namespace: str
    plan: SeedPlan
    sample_workspace: str
    realistic_user: str
    heavy_user: str
    seconds: float

    @classmethod
    def seeded(cls, namespace: str, plan: SeedPlan, seconds: float) -> SeededData:
        """What ``plan`` put in ``namespace`` (in ``seconds``)."""
        return cls(
            namespace=namespace,
            plan=plan,
            sample_workspace=workspace_name(plan.workspaces // 2),
            realistic_user=REALISTIC_USER,
            heavy_user=HEAVY_USER,
            seconds=seconds,
        )

    @classmethod
    def unseeded(cls, plan: SeedPlan) -> SeededData:
        """For runs whose scenarios use no server: nothing was created."""
        return cls(
            namespace="",
            plan=plan,
            sample_workspace="",
            realistic_user="",
            heavy_user="",
            seconds=0.0,
        )

    def counts(self) -> dict[str, int]:
        """Sizes for scenario descriptions: ``{workspaces}``, ``{bindings}``, ``{users}``..."""
        sizes = {k: v for k, v in asdict(self.plan).items() if isinstance(v, int)}
        return {**sizes, "users": self.plan.users}


def workspace_name(index: int) -> str:
    return f"ws-{index:05d}"


def user_name(index: int) -> str:
    """The user of the seed's ordinary bindings number ``index * bindings_per_user`` on."""
    return f"researcher{index:05d}@example.nhs.uk"


def workspace_manifest(index: int, today: date) -> dict[str, Any]:
    """A Jupyter workspace as an operator team would write it, usable today."""
    name = workspace_name(index)
    topic = _TOPICS[index % len(_TOPICS)]
    return {
        "apiVersion": "xlscsde.nhs.uk/v1",
        "kind": "AnalyticsWorkspace",
        "metadata": {
            "name": name,
            "labels": {
                "app.kubernetes.io/managed-by": "awms-portal",
                WORKSPACE_LABEL: name_label_value(name),
                "xlscsde.nhs.uk/project": f"p-{index % 97:04d}",
                "xlscsde.nhs.uk/tier": ("standard", "gpu", "large-memory")[index % 3],
            },
            "annotations": {
                "xlscsde.nhs.uk/requested-by": f"pi{index % 211:03d}@example.nhs.uk",
                "xlscsde.nhs.uk/approval": f"DAC-{2024 + index % 3}-{index:05d}",
            },
        },
        "spec": {
            "displayName": f"{topic} study {index}",
            "description": (
                f"{topic} study {index}.\n"
                "Linked primary and secondary care records for the approved cohort,\n"
                "pseudonymised at source and refreshed monthly.\n"
                f"Data access committee reference DAC-{2024 + index % 3}-{index:05d}."
            ),
            "validity": {
                "availableFrom": (today - timedelta(days=30 + index % 365)).isoformat(),
                "expires": (today + timedelta(days=180 + index % 540)).isoformat(),
            },
            "jupyterWorkspace": {
                "image": f"lscsde/datascience-notebook-default:0.1.{index % 9}",
                "extraLabels": {"xlscsde.nhs.uk/study": f"study-{index:05d}"},
                "defaultUri": "/lab",
                "nodeSelector": {"xlscsde.nhs.uk/pool": "user", "kubernetes.io/os": "linux"},
                "tolerations": [
                    {
                        "key": "xlscsde.nhs.uk/pool",
                        "operator": "Equal",
                        "value": "user",
                        "effect": "NoSchedule",
                    },
                    {
                        "key": "kubernetes.azure.com/scalesetpriority",
                        "operator": "Equal",
                        "value": "spot",
                        "effect": "NoSchedule",
                    },
                ],
                "resources": {
                    "requests": {"cpu": "500m", "memory": "2Gi"},
                    "limits": {"cpu": "2", "memory": "8Gi"},
                },
                "persistentVolumeClaim": {
                    "name": f"{name}-home",
                    "storageClassName": "jupyter-default",
                },
                "additionalStorage": [
                    {
                        "persistentVolumeClaim": "reference-data",
                        "mountPath": "/home/jovyan/reference",
                        "storageClassName": "azurefile-csi",
                    },
                    {
                        "persistentVolumeClaim": f"{name}-shared",
                        "mountPath": "/home/jovyan/shared",
                    },
                ],
            },
        },
    }


def workspace_status(index: int) -> dict[str, Any]:
    """The status an operator would have written once the workspace was provisioned."""
    name = workspace_name(index)
    return {
        "status": {
            "statusText": "Provisioned",
            "persistentVolumeClaim": f"{name}-home",
            "additionalStorage": {"reference-data": "reference-data", "shared": f"{name}-shared"},
        }
    }


def binding_manifest(
    name: str, workspace: str, username: str, expires: date, comments: str
) -> dict[str, Any]:
    return {
        "apiVersion": "xlscsde.nhs.uk/v1",
        "kind": "AnalyticsWorkspaceBinding",
        "metadata": {"name": name, "labels": {USERNAME_LABEL: format_as_label(username)}},
        "spec": {
            "workspace": workspace,
            "username": username,
            "expires": expires.isoformat(),
            "comments": comments,
        },
    }


def bindings(plan: SeedPlan, today: date) -> Iterator[dict[str, Any]]:
    """The plan's binding manifests: the ordinary users', then the measured users'."""
    rng = random.Random(20250106)  # same data every run
    for number in range(plan.bindings):
        user = user_name(number // plan.bindings_per_user)
        yield binding_manifest(
            f"awsb-{number:05d}",
            workspace_name(rng.randrange(plan.workspaces)),
            user,
            today + timedelta(days=rng.randrange(-60, 400)),  # some already expired
            "Access approved by the data access committee.",
        )
    # The measured users' workspaces are spread over the namespace; all usable today.
    users = {"realistic": REALISTIC_USER, "heavy": HEAVY_USER}
    for measured, names in measured_binding_names(plan).items():
        user, count = users[measured], len(names)
        stride = max(plan.workspaces // max(count, 1), 1)
        for k, name in enumerate(names):
            yield binding_manifest(
                name,
                workspace_name((k * stride + 7) % plan.workspaces),
                user,
                today + timedelta(days=60 + k),
                f"Measured user, binding {k + 1} of {count}.",
            )


def measured_binding_names(plan: SeedPlan) -> dict[str, list[str]]:
    """The names of the measured users' bindings: ``"realistic"`` and ``"heavy"``."""
    counts = {"realistic": plan.realistic_bindings, "heavy": plan.heavy_bindings}
    return {user: [f"{user}-{k:03d}" for k in range(count)] for user, count in counts.items()}


class _Progress:
    def __init__(self, total: int, stream: TextIO) -> None:
        self.total = total
        self.done = 0
        self.started = time.monotonic()
        self._stream = stream

    def line(self) -> str:
        elapsed = max(time.monotonic() - self.started, 1e-9)
        return (
            f"seed: {self.done:,}/{self.total:,} objects created "
            f"({self.done / elapsed:,.0f}/s, {elapsed:.0f}s)"
        )

    @asynccontextmanager
    async def reporting(self, every: float) -> AsyncIterator[None]:
        async def report() -> None:
            while True:
                await asyncio.sleep(every)
                print(self.line(), file=self._stream, flush=True)

        task = asyncio.create_task(report())
        try:
            yield
        finally:
            task.cancel()
            print(self.line(), file=self._stream, flush=True)


async def _run_bounded(jobs: Iterator[Any], worker: Any, concurrency: int) -> None:
    """Run ``worker(job)`` for every job with at most ``concurrency`` in flight."""

    async def drain() -> None:
        for job in jobs:  # a shared iterator: each job is taken by exactly one drainer
            await worker(job)

    async with asyncio.TaskGroup() as group:
        for _ in range(concurrency):
            group.create_task(drain())


async def seed(
    api: RawApi,
    namespace: str,
    plan: SeedPlan,
    *,
    concurrency: int = 24,
    progress_every: float = 3.0,
    stream: TextIO | None = None,
) -> SeededData:
    """Create the plan's workspaces (with status) and bindings in ``namespace``."""
    stream = stream or sys.stderr
    today = date.today()
    base = GROUP_PATH.format(namespace=namespace)
    progress = _Progress(plan.objects, stream)

    async def create_workspace(index: int) -> None:
        await api.request("POST", f"{base}/analyticsworkspaces", workspace_manifest(index, today))
        await api.request(
            "PATCH",
            f"{base}/analyticsworkspaces/{workspace_name(index)}/status",
            workspace_status(index),
            content_type="application/merge-patch+json",
        )
        progress.done += 1

    async def create_binding(manifest: dict[str, Any]) -> None:
        await api.request("POST", f"{base}/analyticsworkspacebindings", manifest)
        progress.done += 1

    print(
        f"seed: {plan.workspaces:,} workspaces and {plan.objects - plan.workspaces:,} bindings "
        f"into namespace {namespace!r}, {concurrency} requests in flight",
        file=stream,
        flush=True,
    )
    async with progress.reporting(progress_every):
        await _run_bounded(iter(range(plan.workspaces)), create_workspace, concurrency)
        await _run_bounded(bindings(plan, today), create_binding, concurrency)
    return SeededData.seeded(namespace, plan, time.monotonic() - progress.started)
