"""A hub configured the way the LSC SDE hub configures itself runs unchanged on
``lscsde_workspace_mgmt``, with the real KubeSpawner and a real API server.

:func:`jupyterhub_config` is a ``jupyterhub_config.py`` written in that hub's style (not its
code): it builds its own kubernetes_asyncio ``ApiClient``, casefolds both parts of the
``workspace\\user`` username, builds a new compat ``AnalyticsWorkspaceManager`` in every
``profile_list`` and pod-hook call, offers what ``get_permitted_workspaces`` returns for the
named workspace through a spawn form of its own, and mounts storage with ``mount_workspace``
and ``pvc_client.mount`` in ``modify_pod_hook``. The workspaces and bindings are created from
plain manifests, as kubectl and GitOps create them: no SDK labels, a username in another case.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
from jupyterhub.utils import maybe_future
from kubernetes_asyncio import config as kube_config
from kubernetes_asyncio.client import (
    ApiClient,
    Configuration,
    CoreV1Api,
    CustomObjectsApi,
    V1ObjectMeta,
    V1Pod,
)
from traitlets.config import Config

from lscsde_sdk.storage import PersistentVolumeClaimClient
from lscsde_workspace_mgmt.managers import AnalyticsWorkspaceManager

from .test_kubespawner import (
    IMAGE,
    days,
    hub_environment,  # noqa: F401 (autouse fixture: the hub's kubeconfig)
    make_spawner,
    mounts,
    select,
    serialised,
)

pytestmark = pytest.mark.integration

GROUP, VERSION = "xlscsde.nhs.uk", "v1"
GIB = 1024**3

#: A spawn form in the LSC SDE hub's style: it reads the profile's kubespawner_override.
LSC_SDE_FORM = """\
{% for profile in profile_list %}
<label><input type='radio' name='profile' value='{{ profile.slug }}'
  {% if profile.default %}checked{% endif %} />
  <b>{{ profile.display_name }}</b> {{ profile.description }}
  Image: {{ profile.kubespawner_override.image.split('/')[-1] }}
  Access expires in: {{ profile.ws_days_left.days }} days.
  Memory limit: {{ profile.kubespawner_override.mem_limit / 1024 / 1024 / 1024 }}Gi
  CPU limit: {{ profile.kubespawner_override.cpu_limit }}
</label>
{% endfor %}
"""


async def jupyterhub_config(c: Config, namespace: str, templates: Path) -> ApiClient:
    """What the hub's configuration file does, on top of z2jh's (the parts that matter here).
    Returns the ``ApiClient`` it built, for the caller to close."""
    # z2jh: the namespace, a home volume per user, the dedicated-node tolerations.
    c.KubeSpawner.namespace = namespace
    c.KubeSpawner.volumes = [
        {"name": "home", "persistentVolumeClaim": {"claimName": "claim-{username}"}}
    ]
    c.KubeSpawner.volume_mounts = [{"name": "home", "mountPath": "/home/jovyan"}]
    for key in ("hub.jupyter.org/dedicated", "hub.jupyter.org_dedicated"):
        c.KubeSpawner.tolerations.append(
            {"key": key, "operator": "Equal", "value": "user", "effect": "NoSchedule"}
        )

    # The hub's own part. The ApiClient is a global of the configuration file, not an
    # attribute: traitlets deep-copies the hooks (and their instance) into every spawner.
    # (In-cluster the hub loads the in-cluster configuration instead of a kubeconfig.)
    configuration = Configuration()
    await kube_config.load_kube_config(
        config_file=os.environ["KUBECONFIG"], client_configuration=configuration
    )
    api_client = ApiClient(configuration)

    class WorkspaceManager:
        def __init__(self) -> None:
            self.namespace = namespace

        async def get_workspaces(self, spawner: Any) -> list[dict[str, Any]]:
            workspace_name, _, username = str(spawner.user.name).casefold().partition("\\")
            mgr = AnalyticsWorkspaceManager(api_client=api_client, log=spawner.log)
            spawner.log.info(f"Getting permitted workspaces for {username} in {self.namespace}")
            workspaces = [
                workspace
                for workspace in await mgr.get_permitted_workspaces(self.namespace, username)
                if workspace["slug"] == workspace_name
            ]
            if len(workspaces) == 0:
                raise Exception("Could not find any permitted workspaces for user")
            return workspaces

        async def modify_pod_hook(self, spawner: Any, pod: V1Pod) -> V1Pod:
            metadata: V1ObjectMeta = pod.metadata
            if not metadata.namespace:
                metadata.namespace = self.namespace
            mgr = AnalyticsWorkspaceManager(api_client=api_client, log=spawner.log)
            if metadata.labels.get("workspace", ""):
                # The workspace's storage only: no personal volume to carry data across.
                pod.spec.volumes = []
                pod.spec.containers[0].volume_mounts = []
                await mgr.mount_workspace(
                    pod=pod,
                    storage_class_name="jupyter-default",
                    mount_prefix="/home/jovyan",
                    storage_prefix="jupyter-",
                )
            await mgr.pvc_client.mount(
                pod=pod,
                storage_name="jupyter-shared",
                namespace=self.namespace,
                storage_class_name="jupyter-default",
                mount_path="/home/jovyan/shared",
                read_only=True,
            )
            return pod

    workspace_manager = WorkspaceManager()
    c.KubeSpawner.start_timeout = 900
    c.KubeSpawner.modify_pod_hook = workspace_manager.modify_pod_hook
    c.KubeSpawner.profile_list = workspace_manager.get_workspaces
    c.KubeSpawner.additional_profile_form_template_paths = [str(templates)]
    return api_client


def manifest(kind: str, namespace: str, name: str, spec: dict[str, Any]) -> dict[str, Any]:
    return {
        "apiVersion": f"{GROUP}/{VERSION}",
        "kind": kind,
        "metadata": {"name": name, "namespace": namespace},
        "spec": spec,
    }


def workspace(namespace: str, name: str, display_name: str) -> dict[str, Any]:
    return manifest(
        "AnalyticsWorkspace",
        namespace,
        name,
        {
            "displayName": display_name,
            "description": f"The {display_name} study.",
            "validity": {"availableFrom": days(-30), "expires": days(60)},
            "jupyterWorkspace": {
                "image": IMAGE,
                "resources": {
                    "requests": {"cpu": "500m", "memory": "2Gi"},
                    "limits": {"cpu": "2", "memory": "8Gi"},
                },
            },
        },
    )


def binding(namespace: str, name: str, workspace: str, username: str) -> dict[str, Any]:
    return manifest(
        "AnalyticsWorkspaceBinding",
        namespace,
        name,
        {"workspace": workspace, "username": username, "expires": days(45)},
    )


async def apply_raw(api: ApiClient, manifests: list[dict[str, Any]]) -> None:
    """Create the objects as kubectl does: the manifests as they are, no SDK involved."""
    custom = CustomObjectsApi(api)
    for item in manifests:
        plural = {
            "AnalyticsWorkspace": "analyticsworkspaces",
            "AnalyticsWorkspaceBinding": "analyticsworkspacebindings",
        }[item["kind"]]
        await custom.create_namespaced_custom_object(
            GROUP, VERSION, item["metadata"]["namespace"], plural, item
        )


async def test_an_lsc_sde_style_hub_runs_unchanged_on_objects_written_without_the_sdk(
    admin_api: ApiClient, namespace: str, tmp_path: Path
) -> None:
    await apply_raw(
        admin_api,
        [
            workspace(namespace, "cancer-outcomes", "Cancer outcomes"),
            workspace(namespace, "stroke", "Stroke registry"),
            workspace(namespace, "diabetes", "Diabetes audit"),
            # Keycloak's case in one binding, lower case in the other; someone else's.
            binding(namespace, "joe-cancer-outcomes", "cancer-outcomes", "Joe.Bloggs@Example.org"),
            binding(namespace, "joe-stroke", "stroke", "joe.bloggs@example.org"),
            binding(namespace, "ann-diabetes", "diabetes", "ann@example.org"),
        ],
    )
    await CoreV1Api(admin_api).create_namespaced_persistent_volume_claim(
        namespace,
        {
            "metadata": {"name": "jupyter-shared"},
            "spec": {
                "accessModes": ["ReadWriteMany"],
                "resources": {"requests": {"storage": "10Gi"}},
                "storageClassName": "shared-files",
            },
        },
    )
    (tmp_path / "form.html").write_text(LSC_SDE_FORM, encoding="utf-8")
    c = Config()
    hub_api = await jupyterhub_config(c, namespace, tmp_path)
    try:
        spawner = make_spawner(c, "Cancer-Outcomes\\Joe.Bloggs@Example.org")

        # The profile list: the named workspace, in the old library's profile shape.
        profiles = await spawner.profile_list(spawner)
        assert [p["slug"] for p in profiles] == ["cancer-outcomes"]
        (profile,) = profiles
        assert profile["display_name"] == "Cancer outcomes"
        assert profile["ws_days_left"].days == 45  # the binding ends before the workspace
        assert profile["kubespawner_override"]["image"] == IMAGE
        assert profile["kubespawner_override"]["mem_limit"] == 8 * GIB
        assert profile["kubespawner_override"]["cpu_guarantee"] == 0.5

        # The spawn form is the hub's own, fed by those profiles.
        form = await spawner.get_options_form()
        assert "<b>Cancer outcomes</b>" in form
        assert "Image: datascience-notebook-r:2.3.1" in form
        assert "Access expires in: 45 days." in form
        assert "Memory limit: 8.0Gi" in form and "CPU limit: 2.0" in form

        # The pod KubeSpawner builds, then the hook, as KubeSpawner's start does.
        await select(spawner, "cancer-outcomes")
        pod = await spawner.get_pod_manifest()
        pod = await maybe_future(spawner.modify_pod_hook(spawner, pod))
        assert isinstance(pod, V1Pod)
        assert pod.metadata.namespace == namespace
        assert pod.metadata.labels["workspace"] == "cancer-outcomes"
        notebook = pod.spec.containers[0]
        assert notebook.image == IMAGE
        assert notebook.resources.requests == {"cpu": 0.5, "memory": 2 * GIB}
        assert notebook.resources.limits == {"cpu": 2.0, "memory": 8 * GIB}
        assert mounts(pod) == {
            "/home/jovyan/cancer-outcomes": ("jupyter-cancer-outcomes", False),
            "/home/jovyan/shared": ("jupyter-shared", True),
        }
        assert [t["key"] for t in serialised(pod)["spec"]["tolerations"]] == [
            "hub.jupyter.org/dedicated",
            "hub.jupyter.org_dedicated",
        ]
        claim = await PersistentVolumeClaimClient(admin_api).get(
            namespace, "jupyter-cancer-outcomes"
        )
        assert claim is not None and claim.spec.storage_class_name == "jupyter-default"
        status = (
            await CustomObjectsApi(admin_api).get_namespaced_custom_object(
                GROUP, VERSION, namespace, "analyticsworkspaces", "cancer-outcomes"
            )
        )["status"]
        assert status["persistentVolumeClaim"] == "jupyter-cancer-outcomes"
        assert status["statusText"] == "Provisioned"
        await CoreV1Api(admin_api).create_namespaced_service_account(
            namespace, {"metadata": {"name": "default"}}
        )
        await CoreV1Api(admin_api).create_namespaced_pod(namespace, pod, dry_run="All")

        # Another user's workspace is not offered, whatever the username names.
        other = make_spawner(c, "Diabetes\\Joe.Bloggs@Example.org")
        with pytest.raises(Exception, match="Could not find any permitted workspaces"):
            await other.profile_list(other)
    finally:
        await hub_api.close()
