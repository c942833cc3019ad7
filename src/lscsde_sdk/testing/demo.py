"""A local demo: a throwaway kube-apiserver, a workspace, a binding, a KubeSpawner profile.

``python -m lscsde_sdk.testing.demo`` (or ``nox -s demo``) starts a real kube-apiserver and
etcd (built from Go modules on first use), creates an AnalyticsWorkspace and a binding for a
user, prints the KubeSpawner profile JupyterHub would offer that user, mounts the workspace's
storage into a pod, prints the events recorded, and tears everything down.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from datetime import date, timedelta
from typing import Any

from kubernetes_asyncio.client import V1Container, V1ObjectMeta, V1Pod, V1PodSpec

from ..clients import Transport
from ..core.transport import Request
from ..managers import AnalyticsWorkspaceManager
from ..models import (
    AnalyticsWorkspace,
    AnalyticsWorkspaceBinding,
    AnalyticsWorkspaceBindingSpec,
    AnalyticsWorkspaceSpec,
    AnalyticsWorkspaceValidity,
    JupyterWorkspaceSpec,
    JupyterWorkspaceStorage,
    ObjectMeta,
)
from .controlplane import ControlPlane


def _section(title: str) -> None:
    print(f"\n== {title}")


async def run_demo(plane: ControlPlane, username: str) -> None:
    api = await plane.api_client()
    async with api:
        namespace = await plane.create_namespace("jupyterhub")
        manager = AnalyticsWorkspaceManager(
            api, reporting_controller="xlscsde.nhs.uk/lscsde-demo", reporting_user="demo"
        )
        today = date.today()

        _section(f"creating a workspace and a binding for {username} in {namespace}")
        workspace = await manager.workspace_client.create(
            AnalyticsWorkspace(
                metadata=ObjectMeta(name="cancer-outcomes", namespace=namespace),
                spec=AnalyticsWorkspaceSpec(
                    display_name="Cancer outcomes study",
                    description="Linked primary and secondary care data.",
                    validity=AnalyticsWorkspaceValidity(
                        available_from=today - timedelta(days=30),
                        expires=today + timedelta(days=365),
                    ),
                    jupyter_workspace=JupyterWorkspaceSpec(
                        image="lscsde/datascience-notebook-default:0.1.0",
                        extra_labels={"xlscsde.nhs.uk/study": "outcomes"},
                        resources={"requests": {"memory": "2G", "cpu": "500m"}},
                        additional_storage=[
                            JupyterWorkspaceStorage(
                                persistent_volume_claim="outcomes-reference-data",
                                mount_path="/home/jovyan/reference",
                            )
                        ],
                    ),
                ),
            )
        )
        binding = await manager.binding_client.create(
            AnalyticsWorkspaceBinding(
                metadata=ObjectMeta(name="outcomes-researcher1", namespace=namespace),
                spec=AnalyticsWorkspaceBindingSpec(
                    workspace=workspace.name,
                    username=username,
                    expires=today + timedelta(days=90),
                ),
            )
        )
        print(
            f"workspace {workspace.name}, binding {binding.name} labels {binding.metadata.labels}"
        )

        _section("the KubeSpawner profile_list entry for the user")
        profiles = await manager.get_permitted_workspaces(namespace, username)
        print(json.dumps(profiles, indent=2, default=str))

        _section("mounting the workspace storage into a pod (modify_pod_hook)")
        pod = V1Pod(
            metadata=V1ObjectMeta(
                name="jupyter-researcher1",
                namespace=namespace,
                labels={"workspace": workspace.name},
            ),
            spec=V1PodSpec(containers=[V1Container(name="notebook", image="notebook:1")]),
        )
        pod = await manager.mount_workspace(pod, "standard", "/home/jovyan")
        for mount in pod.spec.containers[0].volume_mounts:
            print(f"{mount.mount_path} <- claim volume {mount.name}")
        status = (await manager.workspace_client.get(namespace, workspace.name)).status
        print(f"workspace status: {status.to_api() if status else None}")

        _section("events recorded")
        events: dict[str, Any] = await Transport(api).send_json(
            Request("GET", f"/apis/events.k8s.io/v1/namespaces/{namespace}/events")
        )
        for event in events.get("items", ()):
            regarding = event["regarding"]
            print(f"{event['reason']:<26} {regarding['kind']}/{regarding['name']}: {event['note']}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m lscsde_sdk.testing.demo", description=__doc__)
    parser.add_argument("--username", default="researcher1@example.org")
    args = parser.parse_args(argv)
    print("starting kube-apiserver and etcd (the first run builds them: several minutes)")
    with ControlPlane(build_stream=sys.stderr) as plane:
        print(f"API server at {plane.server_url}")
        asyncio.run(run_demo(plane, args.username))
    print("\ncontrol plane stopped, temporary files removed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
