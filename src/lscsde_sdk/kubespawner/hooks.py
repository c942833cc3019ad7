"""KubeSpawner's ``profile_list`` and ``modify_pod_hook`` for AWMS workspaces.

:class:`WorkspaceHooks` holds a :class:`~lscsde_sdk.kubespawner.config.SpawnerConfig` and,
from the first hook call on, what the hooks share for the rest of the process: one
kubernetes_asyncio ``ApiClient`` (in-cluster configuration when ``$KUBERNETES_SERVICE_HOST``
is set, else the kubeconfig; or the one passed in), one
:class:`~lscsde_sdk.core.transport.Transport`, one
:class:`~lscsde_sdk.runtime.InformerFactory` (when ``use_informers``) and one
:class:`~lscsde_sdk.managers.AnalyticsWorkspaceManager`. Constructing the hooks, and
importing this module, starts and loads nothing.

Everything is bound to the event loop of the first call (JupyterHub's). At hub shutdown
JupyterHub cancels the tasks still running, and a watcher task started with the informers
then stops them and closes the ``ApiClient`` the hooks loaded; ``await hooks.aclose()`` does
the same explicitly (tests, or a process that ends its loop another way).

KubeSpawner deep-copies configuration values into each spawner; the hooks object copies as
itself, so every spawner shares the one instance and its informers.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any, Final

from kubernetes_asyncio import config as kube_config
from kubernetes_asyncio.client import ApiClient, Configuration, V1ObjectMeta, V1Pod
from tornado.web import HTTPError

from ..converters import today
from ..core.transport import Transport
from ..errors import InvalidParameterError, LscsdeError
from ..managers import AnalyticsWorkspaceManager
from ..runtime import InformerFactory
from ..storage import mount_claim
from .config import SpawnerConfig
from .form import form_template_dir, profile_form_template
from .tolerations import AddedTolerations

__all__ = [
    "FORM_SETTINGS",
    "REPORTING_CONTROLLER",
    "REPORTING_USER",
    "NoWorkspaceAvailableError",
    "SpawnerSetupError",
    "WorkspaceHooks",
    "configure",
    "load_api_client",
]

#: Who the Kubernetes Events of the hooks' writes (workspace status) say reported them.
REPORTING_CONTROLLER: Final = "xlscsde.nhs.uk/jupyterhub"
REPORTING_USER: Final = "jupyterhub"

_log = logging.getLogger(__name__)


class NoWorkspaceAvailableError(LscsdeError, HTTPError):
    """The user may start no workspace (none at all, or not the one their hub username
    selects). An HTTP 403 whose message JupyterHub shows on the page instead of the spawn
    form (and returns from its REST API): ``jupyterhub_message`` is read by JupyterHub's
    error pages, the HTTP error's message by older hubs."""

    def __init__(self, message: str, *, username: str, workspace: str | None) -> None:
        self.message = message
        self.jupyterhub_message = message
        self.username = username
        self.workspace = workspace
        super().__init__(403, message, reason="No workspace available")


class SpawnerSetupError(LscsdeError):
    """The hub is set up in a way the hooks cannot work with (for example the shared claim
    does not exist, or pods would start outside the workspaces' namespace)."""


async def load_api_client() -> ApiClient:
    """A new ``ApiClient`` for where the process runs: in-cluster configuration (the pod's
    service account) when ``$KUBERNETES_SERVICE_HOST`` is set, else the kubeconfig
    (``$KUBECONFIG`` or ``~/.kube/config``). Leaves kubernetes_asyncio's global default
    configuration alone."""
    configuration = Configuration()
    if os.environ.get("KUBERNETES_SERVICE_HOST"):
        # Untyped in kubernetes_asyncio (unlike load_kube_config).
        kube_config.load_incluster_config(client_configuration=configuration)  # type: ignore[no-untyped-call]
    else:
        # $KUBECONFIG read now: kubernetes_asyncio reads it once, when first imported.
        await kube_config.load_kube_config(
            config_file=os.environ.get("KUBECONFIG") or None,
            client_configuration=configuration,
        )
    return ApiClient(configuration)


@dataclass
class _Runtime:
    """What the hooks share once started, on one event loop."""

    api_client: ApiClient
    owns_api_client: bool
    manager: AnalyticsWorkspaceManager
    informers: InformerFactory | None
    watcher: asyncio.Task[None] | None = None


class WorkspaceHooks:
    """KubeSpawner hooks that offer a user their AWMS workspaces and mount their storage.

    ``config`` defaults to ``SpawnerConfig()``; ``api_client`` replaces the lazily loaded
    one (its owner closes it; :meth:`aclose` does not); ``log`` receives what the hooks do.
    See the module doc for what is shared and how it stops.
    """

    def __init__(
        self,
        config: SpawnerConfig | None = None,
        *,
        api_client: ApiClient | None = None,
        log: logging.Logger | None = None,
    ) -> None:
        self.config = config or SpawnerConfig()
        self.log = log or _log
        self._api_client = api_client
        self._starting: asyncio.Task[_Runtime] | None = None

    def __deepcopy__(self, memo: dict[int, Any]) -> WorkspaceHooks:
        # traitlets deep-copies config values into each spawner (a bound method copies its
        # instance): sharing this one keeps one ApiClient and one set of informers.
        return self

    @property
    def profile_form_template(self) -> str:
        """The spawn form (see :mod:`lscsde_sdk.kubespawner.form`)."""
        return profile_form_template()

    # -- the hooks ---------------------------------------------------------------------------

    async def profile_list(self, spawner: Any) -> list[dict[str, Any]]:
        """KubeSpawner ``profile_list``: the profiles of the workspaces the spawner's user may
        start today (see
        :meth:`~lscsde_sdk.managers.AnalyticsWorkspaceManager.permitted_profiles`),
        only JupyterHub workspaces, and only the one the hub username selects when it selects
        one. A workspace's ``tolerations`` are added to the hub's own
        (:class:`~lscsde_sdk.kubespawner.tolerations.AddedTolerations`).

        Raises :class:`NoWorkspaceAvailableError` when that leaves nothing. A user bound to
        the workspace their username selects is told why they cannot start it: their access
        expired on a date, or starts on a date, or the workspace is not a JupyterHub one, or
        its settings need checking. Anyone else gets the same sentence whether or not the
        workspace exists."""
        hub_username = str(spawner.user.name)
        try:
            username, selected = self.config.parse_username(hub_username)
        except InvalidParameterError as error:
            raise NoWorkspaceAvailableError(
                f"Your username {hub_username!r} does not name a workspace: {error.message}.",
                username=hub_username,
                workspace=None,
            ) from error
        namespace = self.config.resolve_namespace(getattr(spawner, "namespace", None))
        manager = await self.manager()
        day = today()
        profiles = [
            profile
            for profile in await manager.permitted_profiles(namespace, username, day=day)
            if profile.get("kubespawner_override")  # not a virtual-machine workspace
            and (selected is None or profile["slug"] == selected)
        ]
        for profile in profiles:
            override = profile["kubespawner_override"]
            if override.get("tolerations"):
                override["tolerations"] = AddedTolerations(override["tolerations"])
        if profiles:
            return profiles
        if selected is None:
            message = (
                f"There is no workspace {username} can start today. Ask your workspace "
                "administrator for access to one."
            )
        else:
            message = await self._refusal(manager, namespace, username, selected, day)
        self.log.info("no profiles for %r in %s: %s", hub_username, namespace, message)
        raise NoWorkspaceAvailableError(message, username=username, workspace=selected)

    async def _refusal(
        self,
        manager: AnalyticsWorkspaceManager,
        namespace: str,
        username: str,
        selected: str,
        day: date,
    ) -> str:
        """Why ``username`` cannot start ``selected`` on ``day``: the reason when they are
        bound to it, else one sentence that does not say whether it exists."""
        workspace = (await manager.bound_workspaces(namespace, username)).get(selected)
        spec = workspace.spec if workspace is not None else None
        if spec is None:
            return (
                f"Workspace {selected!r} is not available to {username}. Ask your workspace "
                "administrator for access to it."
            )
        validity = spec.validity  # expires: the user's effective expiry
        if day >= validity.expires:
            return (
                f"Your access to workspace {selected!r} expired on "
                f"{validity.expires.isoformat()}. Ask your workspace administrator to "
                "extend it."
            )
        if day < validity.available_from:
            return (
                f"Workspace {selected!r} opens on {validity.available_from.isoformat()}: you "
                "can start it from that day."
            )
        if spec.jupyter_workspace is None:
            return f"Workspace {selected!r} is not a JupyterHub workspace."
        # Open and theirs, yet not offered: its resources could not be read (logged).
        return (
            f"Workspace {selected!r} cannot be started at the moment. Ask your workspace "
            "administrator to check its settings."
        )

    async def modify_pod_hook(self, spawner: Any, pod: V1Pod) -> V1Pod:
        """KubeSpawner ``modify_pod_hook``: the pod (changed in place) with its namespace set,
        its other volumes and mounts removed (``clear_volumes``), the storage of the workspace
        its ``workspace`` label names mounted (claims created when missing, see
        :meth:`~lscsde_sdk.managers.AnalyticsWorkspaceManager.mount_workspace`), and the
        shared claim mounted. Running it again on its result changes nothing.

        Raises :class:`SpawnerSetupError` when the spawner starts pods in another namespace
        than the workspaces' or the shared claim does not exist (it is never created).
        """
        spawner_namespace = getattr(spawner, "namespace", None)
        namespace = self.config.resolve_namespace(spawner_namespace)
        if spawner_namespace and spawner_namespace != namespace:
            raise SpawnerSetupError(
                f"KubeSpawner starts pods in namespace {spawner_namespace!r} but the "
                f"workspaces are in {namespace!r}; set c.KubeSpawner.namespace or "
                "SpawnerConfig.namespace so they agree"
            )
        manager = await self.manager()
        shared = self.config.shared_claim
        # Checked before anything is created, so a hub missing it creates no claims.
        if shared is not None and await manager.pvc_client.get(namespace, shared.name) is None:
            raise SpawnerSetupError(
                f"the shared persistent volume claim {shared.name!r} does not exist in "
                f"namespace {namespace!r} (the hooks mount it but never create it)"
            )
        if pod.metadata is None:
            pod.metadata = V1ObjectMeta()
        pod.metadata.namespace = namespace
        if self.config.clear_volumes:
            _clear_volumes(pod)
        await manager.mount_workspace(
            pod,
            storage_class_name=self.config.storage_class,
            mount_prefix=self.config.mount_prefix,
            storage_prefix=self.config.storage_prefix,
        )
        if shared is not None:
            mount_claim(pod, shared.name, shared.mount_path, shared.read_only)
        return pod

    # -- what the hooks share ------------------------------------------------------------------

    async def manager(self) -> AnalyticsWorkspaceManager:
        """The shared manager, created on first use on the running loop. Its ``transport``
        carries every request of the hooks and their informers."""
        return (await self._runtime()).manager

    @property
    def informers(self) -> InformerFactory | None:
        """The shared informer factory once created (``None`` before the first hook call, and
        without ``use_informers``)."""
        task = self._starting
        if task is None or not task.done() or task.cancelled() or task.exception() is not None:
            return None
        return task.result().informers

    async def aclose(self) -> None:
        """Stop the informers and close the ``ApiClient`` the hooks loaded (not one passed
        in). The next hook call starts afresh."""
        task, self._starting = self._starting, None
        if task is None:
            return
        if not task.done():
            task.cancel()
        try:
            runtime = await task
        except (asyncio.CancelledError, Exception):
            return  # never started: nothing to stop
        if runtime.watcher is not None and not runtime.watcher.done():
            runtime.watcher.cancel()  # it shuts the runtime down as it ends
            with contextlib.suppress(asyncio.CancelledError):
                await runtime.watcher
        else:
            await _shut_down(runtime)

    async def _runtime(self) -> _Runtime:
        loop = asyncio.get_running_loop()
        task = self._starting
        stale = task is not None and (
            task.get_loop() is not loop
            or (task.done() and (task.cancelled() or task.exception() is not None))
        )
        if task is None or stale:
            if task is not None and task.get_loop() is not loop:
                self.log.debug("the event loop changed; starting the hooks' clients afresh")
            task = self._starting = loop.create_task(self._start(), name="lscsde hooks")
        # Shielded: a cancelled spawn must not cancel the start other spawns wait for.
        return await asyncio.shield(task)

    async def _start(self) -> _Runtime:
        owns = self._api_client is None
        api_client = self._api_client or await load_api_client()
        transport = Transport.of(api_client)
        informers = InformerFactory(transport) if self.config.use_informers else None
        manager = AnalyticsWorkspaceManager(
            transport,
            log=self.log,
            reporting_controller=REPORTING_CONTROLLER,
            reporting_user=REPORTING_USER,
            informers=informers,
        )
        runtime = _Runtime(api_client, owns, manager, informers)
        if owns or informers is not None:
            runtime.watcher = asyncio.create_task(
                _shut_down_when_cancelled(runtime), name="lscsde hooks shutdown"
            )
        return runtime


async def _shut_down_when_cancelled(runtime: _Runtime) -> None:
    """Wait until cancelled (JupyterHub cancels every task at shutdown), then shut down."""
    try:
        await asyncio.Event().wait()
    finally:
        await _shut_down(runtime)


async def _shut_down(runtime: _Runtime) -> None:
    if runtime.informers is not None:
        await runtime.informers.stop()
    if runtime.owns_api_client:
        await Transport.of(runtime.api_client).aclose()
        await runtime.api_client.close()


def _clear_volumes(pod: V1Pod) -> None:
    """Remove the pod's volumes and every container's mounts and devices using them."""
    spec = pod.spec
    if spec is None:
        return
    spec.volumes = []
    containers: Iterable[Any] = [*(spec.containers or []), *(spec.init_containers or [])]
    for container in containers:
        container.volume_mounts = []
        container.volume_devices = None


#: The KubeSpawner settings that choose the spawn form.
FORM_SETTINGS: Final = ("profile_form_template", "additional_profile_form_template_paths")


def _is_set(section: Any, key: str) -> bool:
    from traitlets.config.loader import LazyConfigValue  # there in a hub, like tornado

    # Reading an unset key of a traitlets Config creates an empty LazyConfigValue in it.
    value = section.get(key) if key in section else None
    return value is not None and not (isinstance(value, LazyConfigValue) and not value.to_dict())


def configure(
    c: Any,
    config: SpawnerConfig | None = None,
    *,
    hooks: WorkspaceHooks | None = None,
    spawn_form: bool = True,
) -> WorkspaceHooks:
    """Set ``c.KubeSpawner.profile_list`` and ``modify_pod_hook`` (in
    ``jupyterhub_config.py``, ``c`` is the hub's configuration) to those of ``hooks``, by
    default new :class:`WorkspaceHooks` of ``config``; returns the hooks.

    The spawn form: a form of the hub's own is never replaced. When neither
    ``c.KubeSpawner.profile_form_template`` nor ``additional_profile_form_template_paths``
    is set, the SDK's form is offered by setting ``additional_profile_form_template_paths``
    to its directory (:func:`~lscsde_sdk.kubespawner.form.form_template_dir`), so a form
    assigned to either setting later in the file wins too. Where either is set already,
    neither is touched. ``spawn_form=False`` leaves the form settings alone in any case.
    """
    if hooks is None:
        hooks = WorkspaceHooks(config)
    elif config is not None and config is not hooks.config:
        raise InvalidParameterError("give configure() a config or hooks, not both")
    spawner = c.KubeSpawner
    spawner.profile_list = hooks.profile_list
    spawner.modify_pod_hook = hooks.modify_pod_hook
    if spawn_form and not any(_is_set(spawner, key) for key in FORM_SETTINGS):
        spawner.additional_profile_form_template_paths = [form_template_dir()]
    return hooks
