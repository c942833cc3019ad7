"""lscsde_sdk.kubespawner with the real KubeSpawner and a real API server, no hub process.

Each test builds ``KubeSpawner(_mock=True)`` (as KubeSpawner's own tests do) from a traitlets
``Config`` set up with ``configure(c, ...)``, the way ``jupyterhub_config.py`` does, and drives
it through what JupyterHub calls: the options form, ``load_user_options``,
``get_pod_manifest`` and the pod hook.
"""

from __future__ import annotations

import asyncio
import copy
import logging
from collections.abc import AsyncIterator, Iterator
from datetime import date, timedelta
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import kubespawner
import pytest
import pytest_asyncio
from jupyterhub.utils import maybe_future
from kubernetes_asyncio.client import ApiClient, CoreV1Api, V1Pod
from kubernetes_asyncio.config import kube_config as kube_config_module
from traitlets.config import Config

from lscsde_sdk.envtest import ControlPlane
from lscsde_sdk.kubespawner import (
    NoWorkspaceAvailableError,
    SharedClaim,
    SpawnerConfig,
    SpawnerSetupError,
    WorkspaceHooks,
    configure,
    plain_username,
    workspace_username,
)
from lscsde_sdk.managers import AnalyticsWorkspaceManager
from lscsde_sdk.storage import MANAGED_BY_LABEL, PersistentVolumeClaimClient
from lscsde_sdk.testing import eventually

pytestmark = pytest.mark.integration

RESEARCHER = "researcher@example.org"
IMAGE = "lscsde/datascience-notebook-r:2.3.1"
GIB = 1024**3
#: Serialises models to JSON; made without __init__, so it has no connection pool to close.
SERIALISER = ApiClient.__new__(ApiClient)


def days(n: int) -> str:
    return (date.today() + timedelta(days=n)).isoformat()


def jupyter_workspace(
    namespace: str,
    name: str,
    *,
    display_name: str,
    available_from: str | None = None,
    expires: str | None = None,
    **jupyter: Any,
) -> dict[str, Any]:
    return {
        "metadata": {"name": name, "namespace": namespace},
        "spec": {
            "displayName": display_name,
            "description": f"The {name} study.",
            "validity": {
                "availableFrom": available_from or days(-30),
                "expires": expires or days(60),
            },
            "jupyterWorkspace": {"image": IMAGE, **jupyter},
        },
    }


def stroke_workspace(namespace: str) -> dict[str, Any]:
    """A workspace using every setting KubeSpawner takes from a profile."""
    return jupyter_workspace(
        namespace,
        "stroke",
        display_name="Stroke registry",
        extraLabels={"xlscsde.nhs.uk/study": "stroke"},
        defaultUri="/lab/tree/README.ipynb",
        nodeSelector={"xlscsde.nhs.uk/pool": "gpu"},
        tolerations=[
            {"key": "nvidia.com/gpu", "operator": "Exists", "effect": "NoSchedule"},
        ],
        resources={
            "requests": {"cpu": "500m", "memory": "4Gi"},
            "limits": {"cpu": "4", "memory": "16Gi", "nvidia.com/gpu": "1"},
        },
        additionalStorage=[
            {"mountPath": "/home/jovyan/reference", "persistentVolumeClaim": "stroke-reference"},
            {"mountPath": "/home/jovyan/outputs", "persistentVolumeClaim": "stroke-outputs"},
        ],
    )


async def bind(
    manager: AnalyticsWorkspaceManager,
    namespace: str,
    workspace: str,
    username: str = RESEARCHER,
    expires: str | None = None,
) -> None:
    await manager.binding_client.create(
        {
            "metadata": {"name": f"{workspace}-{username.split('@')[0]}", "namespace": namespace},
            "spec": {"workspace": workspace, "username": username, "expires": expires or days(90)},
        }
    )


async def create(manager: AnalyticsWorkspaceManager, *workspaces: dict[str, Any]) -> None:
    for manifest in workspaces:
        await manager.workspace_client.create(manifest)


class HubUser(SimpleNamespace):
    """What KubeSpawner reads of JupyterHub's User (as in KubeSpawner's own tests)."""

    def __init__(self, name: str) -> None:
        super().__init__(name=name, id=7, url=f"/user/{name}/", escaped_name=name)


@pytest.fixture(autouse=True)
def hub_environment(control_plane: ControlPlane, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    # KubeSpawner loads the kubeconfig when constructed (its own client is never used here);
    # the hooks' lazily loaded client reads the same file.
    kubeconfig = str(control_plane.kubeconfig_path())
    monkeypatch.setenv("KUBECONFIG", kubeconfig)
    # KubeSpawner's loader reads kubernetes_asyncio's default location (taken from
    # $KUBECONFIG when kubernetes_asyncio was first imported, before this fixture ran).
    monkeypatch.setattr(kube_config_module, "KUBE_CONFIG_DEFAULT_LOCATION", kubeconfig)
    monkeypatch.delenv("KUBERNETES_SERVICE_HOST", raising=False)
    monkeypatch.delenv("POD_NAMESPACE", raising=False)
    monkeypatch.delenv("DEFAULT_STORAGE_CLASS", raising=False)
    yield


@pytest.fixture
def manager(admin_api: ApiClient) -> AnalyticsWorkspaceManager:
    return AnalyticsWorkspaceManager(admin_api)


@pytest_asyncio.fixture(loop_scope="session")
async def lsc_hooks(namespace: str, admin_api: ApiClient) -> AsyncIterator[WorkspaceHooks]:
    """The hooks as the LSC SDE hub sets them up, on the test's namespace."""
    hooks = WorkspaceHooks(
        SpawnerConfig(
            namespace=namespace,
            parse_username=workspace_username,
            storage_class="jupyter-default",
            storage_prefix="jupyter-",
            shared_claim=SharedClaim("jupyter-shared", "/home/jovyan/shared", read_only=True),
            clear_volumes=True,
        ),
        api_client=admin_api,
    )
    try:
        yield hooks
    finally:
        await hooks.aclose()


def hub_config(namespace: str, hooks: WorkspaceHooks, **kubespawner_settings: Any) -> Config:
    """``jupyterhub_config.py`` as the README shows it."""
    c = Config()
    configure(c, hooks=hooks)
    c.KubeSpawner.namespace = namespace
    for key, value in kubespawner_settings.items():
        setattr(c.KubeSpawner, key, value)
    return c


def make_spawner(c: Config, hub_username: str) -> Any:
    return kubespawner.KubeSpawner(_mock=True, user=HubUser(hub_username), config=c)


async def select(spawner: Any, slug: str | None) -> None:
    spawner.user_options = {"profile": slug} if slug else {}
    await spawner.load_user_options()


async def build_pod(spawner: Any) -> V1Pod:
    """The pod KubeSpawner would create: its manifest, then the hook, as ``_start`` does."""
    pod = await spawner.get_pod_manifest()
    result = await maybe_future(spawner.modify_pod_hook(spawner, pod))
    assert isinstance(result, V1Pod)
    return result


def serialised(obj: Any) -> Any:
    """A model (or a pod mixing models and dicts) as the JSON KubeSpawner sends."""
    return SERIALISER.sanitize_for_serialization(obj)


def mounts(pod: V1Pod) -> dict[str, tuple[str, bool]]:
    """Mount path -> (claim, read-only) of the notebook container. (KubeSpawner's pods mix
    models and plain dicts from configuration: compared as the API server will get them.)"""
    spec = serialised(pod)["spec"]
    claims = {
        volume["name"]: volume.get("persistentVolumeClaim", {}).get(
            "claimName", f"<{volume['name']}: not a claim>"
        )
        for volume in spec.get("volumes", [])
    }
    return {
        mount["mountPath"]: (claims[mount["name"]], bool(mount.get("readOnly")))
        for mount in spec["containers"][0].get("volumeMounts", [])
    }


async def create_shared_claim(admin_api: ApiClient, namespace: str) -> None:
    await PersistentVolumeClaimClient(admin_api).create_if_not_exists(
        namespace, "jupyter-shared", storage_class_name="shared-files"
    )


# -- the happy path -------------------------------------------------------------------------------


async def test_a_workspace_user_gets_their_workspace_pod(
    admin_api: ApiClient,
    namespace: str,
    manager: AnalyticsWorkspaceManager,
    lsc_hooks: WorkspaceHooks,
) -> None:
    await manager.workspace_client.create(stroke_workspace(namespace))
    await manager.workspace_client.create(
        jupyter_workspace(namespace, "diabetes", display_name="Diabetes audit")
    )
    await bind(manager, namespace, "stroke")
    await bind(manager, namespace, "diabetes")
    await create_shared_claim(admin_api, namespace)
    c = hub_config(
        namespace,
        lsc_hooks,
        # What the Helm chart adds and the LSC hub clears: a home volume of its own.
        volumes=[{"name": "home", "persistentVolumeClaim": {"claimName": "claim-{username}"}}],
        volume_mounts=[{"name": "home", "mountPath": "/home/jovyan"}],
    )
    spawner = make_spawner(c, f"stroke\\{RESEARCHER}")

    # The spawner was configured with this very hooks object (not a deep copy of it).
    assert spawner.profile_list.__self__ is lsc_hooks
    assert spawner.modify_pod_hook.__self__ is lsc_hooks

    # The profile list is narrowed to the workspace the hub username names.
    profiles = await spawner.profile_list(spawner)
    assert [p["slug"] for p in profiles] == ["stroke"]
    (profile,) = profiles
    assert profile["display_name"] == "Stroke registry"
    assert profile["ws_days_left"] == timedelta(days=60)
    assert profile["resources_display"] == {
        "requests": {"cpu": "0.5 CPU", "memory": "4 GiB"},
        "limits": {
            "cpu": "4 CPUs",
            "memory": "16 GiB",
            "nvidia.com/gpu": "1 \N{MULTIPLICATION SIGN} nvidia.com/gpu",
        },
    }

    # Selecting it applies the overrides to the spawner.
    await select(spawner, "stroke")
    assert spawner.image == IMAGE
    assert spawner.cpu_guarantee == 0.5
    assert spawner.cpu_limit == 4.0
    assert spawner.mem_guarantee == 4 * GIB
    assert spawner.mem_limit == 16 * GIB
    assert spawner.extra_resource_limits == {"nvidia.com/gpu": "1"}
    assert spawner.extra_labels == {"workspace": "stroke", "xlscsde.nhs.uk/study": "stroke"}
    assert spawner.node_selector == {"xlscsde.nhs.uk/pool": "gpu"}
    assert spawner.tolerations == [
        {"key": "nvidia.com/gpu", "operator": "Exists", "effect": "NoSchedule"}
    ]
    assert spawner.default_url == "/lab/tree/README.ipynb"

    # KubeSpawner's manifest carries them.
    manifest = await spawner.get_pod_manifest()
    notebook = manifest.spec.containers[0]
    assert notebook.image == IMAGE
    assert notebook.resources.requests == {"cpu": 0.5, "memory": 4 * GIB}
    assert notebook.resources.limits == {"cpu": 4.0, "memory": 16 * GIB, "nvidia.com/gpu": "1"}
    assert manifest.metadata.labels["workspace"] == "stroke"
    assert manifest.metadata.labels["xlscsde.nhs.uk/study"] == "stroke"
    assert manifest.spec.node_selector == {"xlscsde.nhs.uk/pool": "gpu"}
    assert {"key": "nvidia.com/gpu", "operator": "Exists", "effect": "NoSchedule"} in [
        serialised(t) for t in manifest.spec.tolerations
    ]
    env = {item.name: item.value for item in notebook.env}
    assert env["JUPYTERHUB_DEFAULT_URL"] == "/lab/tree/README.ipynb"
    assert mounts(manifest)["/home/jovyan"][0].startswith("claim-")  # the chart's home volume

    # The hook: namespace, the chart's volume gone, the workspace's claims and the shared one.
    pod = await maybe_future(spawner.modify_pod_hook(spawner, manifest))
    assert pod is manifest
    assert pod.metadata.namespace == namespace
    assert mounts(pod) == {
        "/home/jovyan/stroke": ("jupyter-stroke", False),
        "/home/jovyan/reference": ("stroke-reference", False),
        "/home/jovyan/outputs": ("stroke-outputs", False),
        "/home/jovyan/shared": ("jupyter-shared", True),
    }
    assert [v.name for v in pod.spec.volumes] == [
        "jupyter-stroke",
        "stroke-reference",
        "stroke-outputs",
        "jupyter-shared",
    ]

    # The claims exist on the server, created for the workspace and labelled with it.
    pvcs = PersistentVolumeClaimClient(admin_api)
    for name in ("jupyter-stroke", "stroke-reference", "stroke-outputs"):
        claim = await pvcs.get(namespace, name)
        assert claim is not None, name
        assert claim.metadata.labels["xlscsde.nhs.uk/workspace"] == "stroke"
        assert claim.metadata.labels[MANAGED_BY_LABEL] == "lscsde-sdk"
        assert claim.spec.storage_class_name == "jupyter-default"
    shared = await pvcs.get(namespace, "jupyter-shared")
    assert shared is not None and shared.spec.storage_class_name == "shared-files"  # untouched
    status = (await manager.workspace_client.get(namespace, "stroke")).status
    assert status is not None
    assert status.status_text == "Provisioned"
    assert status.persistent_volume_claim == "jupyter-stroke"

    # Idempotent: running the hook again on its result gives the same pod, and writes nothing.
    before = copy.deepcopy(serialised(pod))
    version = (await manager.workspace_client.get(namespace, "stroke")).metadata.resource_version
    again = await maybe_future(spawner.modify_pod_hook(spawner, pod))
    assert serialised(again) == before
    after = await manager.workspace_client.get(namespace, "stroke")
    assert after.metadata.resource_version == version

    # The API server accepts the pod as KubeSpawner would create it.
    await CoreV1Api(admin_api).create_namespaced_service_account(
        namespace,
        {"metadata": {"name": "default"}},  # no controller manager makes it here
    )
    await CoreV1Api(admin_api).create_namespaced_pod(namespace, pod, dry_run="All")


async def test_without_clearing_the_pods_own_volumes_stay(
    admin_api: ApiClient, namespace: str, manager: AnalyticsWorkspaceManager
) -> None:
    await manager.workspace_client.create(
        jupyter_workspace(namespace, "diabetes", display_name="Diabetes audit")
    )
    await bind(manager, namespace, "diabetes")
    hooks = WorkspaceHooks(SpawnerConfig(namespace=namespace), api_client=admin_api)
    try:
        c = hub_config(
            namespace,
            hooks,
            volumes=[{"name": "scratch", "emptyDir": {}}],
            volume_mounts=[{"name": "scratch", "mountPath": "/scratch"}],
        )
        spawner = make_spawner(c, RESEARCHER)
        await select(spawner, None)  # the default profile: the only one

        pod = await build_pod(spawner)
        twice = await maybe_future(spawner.modify_pod_hook(spawner, copy.deepcopy(pod)))

        assert mounts(pod) == {
            "/scratch": ("<scratch: not a claim>", False),
            "/home/jovyan/diabetes": ("jupyter-diabetes", False),
        }
        assert serialised(twice) == serialised(pod)
        claim = await PersistentVolumeClaimClient(admin_api).get(namespace, "jupyter-diabetes")
        assert claim is not None
        assert claim.spec.storage_class_name is None  # the cluster's default class
    finally:
        await hooks.aclose()


# -- what is offered, and what is not -------------------------------------------------------------


async def test_only_workspaces_open_today_are_offered_and_startable(
    namespace: str, manager: AnalyticsWorkspaceManager, lsc_hooks: WorkspaceHooks
) -> None:
    for manifest in (
        jupyter_workspace(namespace, "current", display_name="B current"),
        jupyter_workspace(namespace, "also-current", display_name="A also current"),
        jupyter_workspace(namespace, "expired", display_name="Expired", expires=days(0)),
        jupyter_workspace(namespace, "future", display_name="Future", available_from=days(1)),
        jupyter_workspace(namespace, "binding-expired", display_name="Binding expired"),
        {
            "metadata": {"name": "desktop", "namespace": namespace},
            "spec": {
                "displayName": "A virtual desktop",
                "description": "Not a JupyterHub workspace.",
                "validity": {"availableFrom": days(-1), "expires": days(30)},
                "virtualMachineWorkspace": {"maxHosts": 1},
            },
        },
    ):
        await manager.workspace_client.create(manifest)
    for name in ("current", "also-current", "expired", "future", "desktop"):
        await bind(manager, namespace, name)
    await bind(manager, namespace, "binding-expired", expires=days(0))
    spawner = make_spawner(hub_config(namespace, lsc_hooks), RESEARCHER)  # plain: no selection

    profiles = await spawner.profile_list(spawner)

    assert [p["slug"] for p in profiles] == ["also-current", "current"]  # by display name
    for slug in ("expired", "future", "binding-expired", "desktop", "no-such-workspace"):
        with pytest.raises(ValueError, match=f"No such profile: {slug}"):
            await select(spawner, slug)
    await select(spawner, "current")
    assert spawner.extra_labels["workspace"] == "current"


async def test_a_user_without_workspaces_gets_a_message_not_a_form(
    namespace: str, manager: AnalyticsWorkspaceManager, lsc_hooks: WorkspaceHooks
) -> None:
    await manager.workspace_client.create(
        jupyter_workspace(namespace, "current", display_name="Current")
    )
    await bind(manager, namespace, "current", username="someone-else@example.org")
    spawner = make_spawner(hub_config(namespace, lsc_hooks), RESEARCHER)

    # JupyterHub asks for the form first (GET /hub/spawn) ...
    with pytest.raises(NoWorkspaceAvailableError) as raised:
        await spawner.get_options_form()
    error = raised.value
    assert error.status_code == 403
    assert error.jupyterhub_message == (
        f"There is no workspace {RESEARCHER} can start today. Ask your workspace "
        "administrator for access to one."
    )
    assert error.username == RESEARCHER and error.workspace is None
    assert_jupyterhub_shows(error)

    # ... and a start through the REST API (no form) fails the same way: nothing starts.
    with pytest.raises(NoWorkspaceAvailableError):
        await select(spawner, None)


async def refusal(spawner: Any, selected: str) -> str:
    """The message JupyterHub shows instead of the spawn form, for ``selected``."""
    with pytest.raises(NoWorkspaceAvailableError) as raised:
        await spawner.get_options_form()
    assert raised.value.workspace == selected
    assert_jupyterhub_shows(raised.value)
    return raised.value.jupyterhub_message


async def test_a_bound_user_is_told_why_their_workspace_cannot_start_today(
    namespace: str, manager: AnalyticsWorkspaceManager, lsc_hooks: WorkspaceHooks
) -> None:
    await create(
        manager,
        jupyter_workspace(namespace, "stroke", display_name="Stroke"),
        jupyter_workspace(namespace, "diabetes", display_name="Diabetes"),
        jupyter_workspace(namespace, "cardiology", display_name="Cardiology", expires=days(-2)),
        jupyter_workspace(namespace, "renal", display_name="Renal", available_from=days(5)),
        jupyter_workspace(
            namespace, "broken", display_name="Broken", resources={"limits": {"cpu": "many"}}
        ),
        {
            "metadata": {"name": "desktop", "namespace": namespace},
            "spec": {
                "displayName": "A virtual desktop",
                "description": "Not a JupyterHub workspace.",
                "validity": {"availableFrom": days(-1), "expires": days(30)},
                "virtualMachineWorkspace": {"maxHosts": 1},
            },
        },
    )
    await bind(manager, namespace, "stroke")
    await bind(manager, namespace, "diabetes", expires=days(-7))  # their binding expired
    await bind(manager, namespace, "cardiology")  # the workspace itself expired
    await bind(manager, namespace, "renal")  # not open yet
    await bind(manager, namespace, "broken")
    await bind(manager, namespace, "desktop")
    c = hub_config(namespace, lsc_hooks)

    for selected, message in (
        (
            "diabetes",
            f"Your access to workspace 'diabetes' expired on {days(-7)}. "
            "Ask your workspace administrator to extend it.",
        ),
        (
            "cardiology",
            f"Your access to workspace 'cardiology' expired on {days(-2)}. "
            "Ask your workspace administrator to extend it.",
        ),
        ("renal", f"Workspace 'renal' opens on {days(5)}: you can start it from that day."),
        ("desktop", "Workspace 'desktop' is not a JupyterHub workspace."),
        (
            "broken",
            "Workspace 'broken' cannot be started at the moment. Ask your workspace "
            "administrator to check its settings.",
        ),
    ):
        spawner = make_spawner(c, f"{selected}\\{RESEARCHER}")
        assert (await refusal(spawner, selected)) == message
        with pytest.raises(NoWorkspaceAvailableError):
            await select(spawner, "stroke")  # nothing is offered, not even their other one

    # The same user, naming the workspace they may use today, may start it.
    spawner = make_spawner(c, f"stroke\\{RESEARCHER}")
    assert [p["slug"] for p in await spawner.profile_list(spawner)] == ["stroke"]


async def test_anyone_else_is_refused_without_learning_whether_the_workspace_exists(
    namespace: str, manager: AnalyticsWorkspaceManager, lsc_hooks: WorkspaceHooks
) -> None:
    await create(
        manager,
        jupyter_workspace(namespace, "stroke", display_name="Stroke"),
        jupyter_workspace(namespace, "diabetes", display_name="Diabetes", expires=days(-3)),
    )
    await bind(manager, namespace, "stroke")
    await bind(manager, namespace, "diabetes", username="someone-else@example.org")
    c = hub_config(namespace, lsc_hooks)

    # Exists (open, and expired) but not theirs; does not exist at all.
    messages = {
        selected: await refusal(make_spawner(c, f"{selected}\\{RESEARCHER}"), selected)
        for selected in ("diabetes", "cardiology")
    }
    assert messages["cardiology"] == (
        f"Workspace 'cardiology' is not available to {RESEARCHER}. Ask your workspace "
        "administrator for access to it."
    )
    assert messages["diabetes"] == messages["cardiology"].replace("cardiology", "diabetes")

    # A name with an empty workspace part is refused too, with the reason.
    spawner = make_spawner(c, f"\\{RESEARCHER}")
    with pytest.raises(NoWorkspaceAvailableError, match="workspace part is empty"):
        await spawner.get_options_form()


async def test_the_workspace_part_of_the_username_selects_in_any_case(
    namespace: str, manager: AnalyticsWorkspaceManager, lsc_hooks: WorkspaceHooks
) -> None:
    await create(
        manager,
        jupyter_workspace(namespace, "cancer-outcomes", display_name="Cancer outcomes"),
        jupyter_workspace(namespace, "stroke", display_name="Stroke"),
    )
    await bind(manager, namespace, "cancer-outcomes", username="joe.bloggs@example.org")
    await bind(manager, namespace, "stroke", username="joe.bloggs@example.org")
    c = hub_config(namespace, lsc_hooks)

    for hub_username in (
        "cancer-outcomes\\joe.bloggs@example.org",
        "Cancer-Outcomes\\joe.bloggs@example.org",
        "CANCER-OUTCOMES\\Joe.Bloggs@Example.ORG",
    ):
        spawner = make_spawner(c, hub_username)
        profiles = await spawner.profile_list(spawner)
        assert [p["slug"] for p in profiles] == ["cancer-outcomes"], hub_username
        await select(spawner, "cancer-outcomes")
        assert spawner.extra_labels["workspace"] == "cancer-outcomes"


async def test_plain_usernames_are_offered_all_their_workspaces(
    admin_api: ApiClient, namespace: str, manager: AnalyticsWorkspaceManager
) -> None:
    for name in ("stroke", "diabetes"):
        await manager.workspace_client.create(
            jupyter_workspace(namespace, name, display_name=name.title())
        )
        await bind(manager, namespace, name)
    for parser in (plain_username, workspace_username):
        hooks = WorkspaceHooks(
            SpawnerConfig(namespace=namespace, parse_username=parser), api_client=admin_api
        )
        try:
            spawner = make_spawner(hub_config(namespace, hooks), RESEARCHER)
            profiles = await spawner.profile_list(spawner)
            assert [p["slug"] for p in profiles] == ["diabetes", "stroke"], parser
        finally:
            await hooks.aclose()

    # With plain usernames a backslash is part of the name: no binding has that one.
    hooks = WorkspaceHooks(SpawnerConfig(namespace=namespace), api_client=admin_api)
    try:
        spawner = make_spawner(hub_config(namespace, hooks), f"stroke\\{RESEARCHER}")
        with pytest.raises(NoWorkspaceAvailableError, match="There is no workspace"):
            await spawner.profile_list(spawner)
    finally:
        await hooks.aclose()


def assert_jupyterhub_shows(error: NoWorkspaceAvailableError) -> None:
    """JupyterHub's own error handling puts the message on the page (and in the REST API's
    JSON), not a traceback: its HTML error page, and the spawn form's error line."""
    from jinja2 import TemplateNotFound
    from jupyterhub.handlers.base import BaseHandler
    from jupyterhub.utils import format_exception

    rendered: dict[str, Any] = {}

    class Page:
        """The parts of a request handler that BaseHandler.write_error uses."""

        _jupyterhub_user = None
        log = SimpleNamespace(warning=print, debug=lambda *args: None)

        def set_header(self, name: str, value: str) -> None: ...
        def clear_header(self, name: str) -> None: ...
        def write(self, html: str) -> None:
            rendered["html"] = html

        def render_template(self, name: str, sync: bool = False, **ns: Any) -> str:
            if name != "error.html":
                raise TemplateNotFound(name)
            rendered.update(ns)
            return "<html/>"

    BaseHandler.write_error(Page(), error.status_code, exc_info=(type(error), error, None))
    assert rendered["status_code"] == 403
    assert rendered["status_message"] == "No workspace available"
    assert rendered["message"] == error.message
    assert format_exception(error) == (error.message, None)


# -- how it runs in a hub -------------------------------------------------------------------------


async def test_with_informers_the_profile_list_costs_no_requests(
    admin_api: ApiClient, namespace: str, manager: AnalyticsWorkspaceManager
) -> None:
    await manager.workspace_client.create(stroke_workspace(namespace))
    await bind(manager, namespace, "stroke")
    hooks = WorkspaceHooks(
        SpawnerConfig(namespace=namespace, parse_username=workspace_username),
        api_client=admin_api,
    )
    assert hooks.informers is None  # nothing started before the first hook call
    try:
        spawner = make_spawner(hub_config(namespace, hooks), f"stroke\\{RESEARCHER}")
        await spawner.get_options_form()  # warm-up: starts and syncs the informers
        factory = hooks.informers
        assert factory is not None and len(factory.informers) == 2
        assert factory.transport is (await hooks.manager()).transport

        async with factory.transport.counting() as counter:
            form = await spawner.get_options_form()
            await select(spawner, "stroke")
            for _ in range(10):
                await spawner.profile_list(make_spawner(spawner.config, RESEARCHER))
        assert counter.total == 0, counter.paths
        assert "Stroke registry" in form

        # A new binding reaches the informers without a restart.
        await manager.workspace_client.create(
            jupyter_workspace(namespace, "diabetes", display_name="Diabetes audit")
        )
        await bind(manager, namespace, "diabetes")
        plain = make_spawner(spawner.config, RESEARCHER)

        async def with_diabetes() -> list[str] | None:
            slugs = [p["slug"] for p in await plain.profile_list(plain)]
            return slugs if "diabetes" in slugs else None

        assert await eventually(with_diabetes) == ["diabetes", "stroke"]
    finally:
        await hooks.aclose()
    assert hooks.informers is None
    assert all(not informer.running for informer in factory.informers)


async def test_without_informers_each_profile_list_asks_the_server(
    admin_api: ApiClient, namespace: str, manager: AnalyticsWorkspaceManager
) -> None:
    await manager.workspace_client.create(stroke_workspace(namespace))
    await bind(manager, namespace, "stroke")
    hooks = WorkspaceHooks(
        SpawnerConfig(namespace=namespace, use_informers=False), api_client=admin_api
    )
    try:
        spawner = make_spawner(hub_config(namespace, hooks), RESEARCHER)
        transport = (await hooks.manager()).transport
        async with transport.counting() as counter:
            await spawner.profile_list(spawner)
        # The user's bindings by label and the unlabelled ones, then their workspace.
        assert counter.by_method == {"GET": 3}
        assert hooks.informers is None
    finally:
        await hooks.aclose()


async def test_the_client_is_loaded_lazily_and_closed_when_the_hub_cancels_its_tasks(
    namespace: str, manager: AnalyticsWorkspaceManager, monkeypatch: pytest.MonkeyPatch
) -> None:
    await manager.workspace_client.create(stroke_workspace(namespace))
    await bind(manager, namespace, "stroke")
    # The hub's namespace comes from the environment, as in the Helm chart.
    monkeypatch.setenv("POD_NAMESPACE", namespace)
    hooks = WorkspaceHooks(SpawnerConfig(parse_username=workspace_username))
    spawner = make_spawner(hub_config(namespace, hooks), f"stroke\\{RESEARCHER}")

    profiles = await spawner.profile_list(spawner)  # loads $KUBECONFIG now

    assert [p["slug"] for p in profiles] == ["stroke"]
    manager_in_use = await hooks.manager()
    assert manager_in_use is await hooks.manager()  # one per process
    api_client = manager_in_use.transport.api_client
    factory = hooks.informers
    assert factory is not None and all(informer.running for informer in factory.informers)

    # At shutdown JupyterHub cancels every task still running; here, just the hooks' ones.
    shutdown = [task for task in asyncio.all_tasks() if task.get_name() == "lscsde hooks shutdown"]
    assert len(shutdown) == 1
    for task in shutdown:
        task.cancel()
    await asyncio.wait(shutdown)

    assert all(not informer.running for informer in factory.informers)
    assert api_client.rest_client.pool_manager.closed
    await hooks.aclose()  # still safe afterwards


async def test_misconfigured_hubs_get_a_clear_error_before_anything_is_created(
    admin_api: ApiClient,
    namespace: str,
    manager: AnalyticsWorkspaceManager,
    lsc_hooks: WorkspaceHooks,
) -> None:
    await manager.workspace_client.create(stroke_workspace(namespace))
    await bind(manager, namespace, "stroke")
    spawner = make_spawner(hub_config(namespace, lsc_hooks), f"stroke\\{RESEARCHER}")
    await select(spawner, "stroke")
    pod = await spawner.get_pod_manifest()

    # The shared claim is mounted, never created: without it the spawn stops here.
    with pytest.raises(SpawnerSetupError, match="'jupyter-shared' does not exist"):
        await spawner.modify_pod_hook(spawner, pod)
    pvcs = PersistentVolumeClaimClient(admin_api)
    for name in ("jupyter-shared", "jupyter-stroke", "stroke-reference"):
        assert await pvcs.get(namespace, name) is None

    # Pods started in another namespace than the workspaces' could not mount their claims.
    elsewhere = make_spawner(hub_config("jupyter-users", lsc_hooks), f"stroke\\{RESEARCHER}")
    with pytest.raises(SpawnerSetupError, match="'jupyter-users'"):
        await elsewhere.modify_pod_hook(elsewhere, pod)


# -- the spawn form --------------------------------------------------------------------------------


async def test_the_spawn_form_shows_each_workspace_and_what_it_gets(
    namespace: str, manager: AnalyticsWorkspaceManager, lsc_hooks: WorkspaceHooks
) -> None:
    await manager.workspace_client.create(stroke_workspace(namespace))
    await manager.workspace_client.create(
        jupyter_workspace(
            namespace,
            "diabetes",
            display_name="Diabetes <audit> & review",
            expires=days(1),
        )
    )
    await bind(manager, namespace, "stroke")
    await bind(manager, namespace, "diabetes")
    spawner = make_spawner(hub_config(namespace, lsc_hooks), RESEARCHER)

    # Rendered the way JupyterHub gets it: the options form KubeSpawner builds from the
    # profile list and our template.
    form = await spawner.get_options_form()

    stroke = form[form.index('value="stroke"') :]
    diabetes = form[form.index('value="diabetes"') : form.index('value="stroke"')]
    assert "<h3>Stroke registry</h3>" in stroke
    assert "The stroke study." in stroke
    assert "60 days of access left (access ends on " + days(60) + ")" in stroke
    assert "Guaranteed:" in stroke and "0.5 CPU," in stroke and "4 GiB memory" in stroke
    assert "Up to:" in stroke and "4 CPUs," in stroke and "16 GiB memory," in stroke
    assert "1 \N{MULTIPLICATION SIGN} nvidia.com/gpu" in stroke
    # Workspace text is escaped: KubeSpawner's Jinja environment does not autoescape.
    assert "<h3>Diabetes &lt;audit&gt; &amp; review</h3>" in diabetes
    assert "1 day of access left" in diabetes
    assert "Guaranteed" not in diabetes  # no resources set, none shown
    # The first profile is the default; a saved choice wins when it is still offered.
    assert 'value="diabetes" checked' in form and 'value="stroke" checked' not in form
    spawner.user_options = {"profile": "stroke"}
    form = await spawner.get_options_form()
    assert 'value="stroke" checked' in form and 'value="diabetes" checked' not in form
    spawner.user_options = {"profile": "gone"}
    form = await spawner.get_options_form()
    assert 'value="diabetes" checked' in form

    # The selection the form posts is what KubeSpawner loads.
    options = spawner.options_from_form({"profile": ["stroke"]})
    assert options == {"profile": "stroke"}
    spawner.user_options = options
    await spawner.load_user_options()
    assert spawner.image == IMAGE


async def test_a_form_of_the_hubs_own_is_kept_and_can_show_the_numbers(
    namespace: str,
    manager: AnalyticsWorkspaceManager,
    lsc_hooks: WorkspaceHooks,
    tmp_path: Path,
) -> None:
    await manager.workspace_client.create(stroke_workspace(namespace))
    await bind(manager, namespace, "stroke")
    (tmp_path / "form.html").write_text(
        "{% for p in profile_list %}"
        "{{ p.display_name }}: {{ p.memory_guarantee_gib }}-{{ p.memory_limit_gib }} GiB, "
        "{{ p.cpu_guarantee_cores }}-{{ p.cpu_limit_cores }} cores, "
        "{{ p.ws_days_left.days }} days{% endfor %}",
        encoding="utf-8",
    )
    own_form = "Stroke registry: 4.0-16.0 GiB, 0.5-4.0 cores, 60 days"

    # A form directory assigned before configure() is left alone ...
    c = Config()
    c.KubeSpawner.additional_profile_form_template_paths = [str(tmp_path)]
    configure(c, hooks=lsc_hooks)
    c.KubeSpawner.namespace = namespace
    assert await make_spawner(c, RESEARCHER).get_options_form() == own_form

    # ... and one assigned after it replaces the SDK's, as does a literal template.
    c = hub_config(namespace, lsc_hooks, additional_profile_form_template_paths=[str(tmp_path)])
    assert await make_spawner(c, RESEARCHER).get_options_form() == own_form
    c = hub_config(namespace, lsc_hooks, profile_form_template="{{ profile_list | length }}")
    assert await make_spawner(c, RESEARCHER).get_options_form() == "1"

    # Without a form of the hub's own, the SDK's.
    form = await make_spawner(hub_config(namespace, lsc_hooks), RESEARCHER).get_options_form()
    assert 'id="lscsde-workspaces"' in form


async def test_a_gpu_workspace_keeps_the_hubs_tolerations_z2jh_style(
    admin_api: ApiClient,
    namespace: str,
    manager: AnalyticsWorkspaceManager,
    lsc_hooks: WorkspaceHooks,
) -> None:
    await manager.workspace_client.create(stroke_workspace(namespace))  # tolerates the GPU taint
    await manager.workspace_client.create(
        jupyter_workspace(namespace, "diabetes", display_name="Diabetes audit")
    )
    await bind(manager, namespace, "stroke")
    await bind(manager, namespace, "diabetes")
    await create_shared_claim(admin_api, namespace)
    # As z2jh's jupyterhub_config.py sets them: singleuser.extraTolerations and
    # singleuser.nodeSelector assigned, then the dedicated-node tolerations appended.
    c = Config()
    c.KubeSpawner.tolerations = [
        {"key": "example.org/spot", "operator": "Exists", "effect": "NoSchedule"}
    ]
    c.KubeSpawner.node_selector = {"example.org/zone": "a"}
    for key in ("hub.jupyter.org/dedicated", "hub.jupyter.org_dedicated"):
        c.KubeSpawner.tolerations.append(
            {"key": key, "operator": "Equal", "value": "user", "effect": "NoSchedule"}
        )
    configure(c, hooks=lsc_hooks)
    c.KubeSpawner.namespace = namespace
    hubs = [
        {"key": "example.org/spot", "operator": "Exists", "effect": "NoSchedule"},
        {
            "key": "hub.jupyter.org/dedicated",
            "operator": "Equal",
            "value": "user",
            "effect": "NoSchedule",
        },
        {
            "key": "hub.jupyter.org_dedicated",
            "operator": "Equal",
            "value": "user",
            "effect": "NoSchedule",
        },
    ]
    gpu = {"key": "nvidia.com/gpu", "operator": "Exists", "effect": "NoSchedule"}

    # A new spawner per start, as JupyterHub makes one.
    gpu_spawner = make_spawner(c, f"stroke\\{RESEARCHER}")
    await select(gpu_spawner, "stroke")
    gpu_pod = await build_pod(gpu_spawner)
    plain_spawner = make_spawner(c, f"diabetes\\{RESEARCHER}")
    await select(plain_spawner, "diabetes")
    plain_pod = await build_pod(plain_spawner)

    # Added to the hub's, as the node selector is merged with the hub's.
    assert serialised(gpu_pod)["spec"]["tolerations"] == [*hubs, gpu]
    assert gpu_pod.spec.node_selector == {
        "example.org/zone": "a",
        "xlscsde.nhs.uk/pool": "gpu",
    }
    assert serialised(plain_pod)["spec"]["tolerations"] == hubs
    assert plain_pod.spec.node_selector == {"example.org/zone": "a"}
    # The configuration itself is unchanged for the next spawner.
    assert make_spawner(c, RESEARCHER).tolerations == hubs

    # The API server accepts the pod as KubeSpawner would create it.
    await CoreV1Api(admin_api).create_namespaced_service_account(
        namespace, {"metadata": {"name": "default"}}
    )
    await CoreV1Api(admin_api).create_namespaced_pod(namespace, gpu_pod, dry_run="All")


async def test_a_malformed_workspace_is_logged_once_per_version_not_per_page_view(
    admin_api: ApiClient,
    namespace: str,
    manager: AnalyticsWorkspaceManager,
    caplog: pytest.LogCaptureFixture,
) -> None:
    await create(
        manager,
        jupyter_workspace(namespace, "stroke", display_name="Stroke"),
        jupyter_workspace(
            namespace,
            "broken",
            display_name="Broken",
            resources={"limits": {"memory": "lots"}},
        ),
    )
    for username in (RESEARCHER, "other@example.org"):
        await bind(manager, namespace, "stroke", username=username)
        await bind(manager, namespace, "broken", username=username)
    hooks = WorkspaceHooks(
        SpawnerConfig(namespace=namespace, use_informers=False), api_client=admin_api
    )

    def reports() -> list[str]:
        return [
            record.getMessage()
            for record in caplog.records
            if record.levelno == logging.WARNING and f"{namespace}/broken" in record.getMessage()
        ]

    try:
        c = hub_config(namespace, hooks)
        with caplog.at_level(logging.WARNING):
            for username in (RESEARCHER, "other@example.org") * 5:
                spawner = make_spawner(c, username)
                slugs = [p["slug"] for p in await spawner.profile_list(spawner)]
                assert "broken" not in slugs
            # A hub building a manager for every page view (as the LSC SDE hub does).
            for _ in range(5):
                await AnalyticsWorkspaceManager(admin_api).permitted_profiles(namespace, RESEARCHER)
            (report,) = reports()
            version = (await manager.workspace_client.get(namespace, "broken")).metadata
            assert f"resourceVersion {version.resource_version}" in report
            assert "spec.jupyterWorkspace.resources.limits.memory = 'lots'" in report

            # Still wrong after an edit: the new version is reported, once.
            await manager.workspace_client.patch(
                namespace, "broken", {"spec": {"description": "edited"}}
            )
            spawner = make_spawner(c, RESEARCHER)

            async def reported_again() -> bool:  # once the server's cache has the new version
                await spawner.profile_list(spawner)
                return len(reports()) == 2

            await eventually(reported_again, within=30, interval=0.1)
            for _ in range(5):
                await spawner.profile_list(spawner)
            assert len(reports()) == 2
    finally:
        await hooks.aclose()
