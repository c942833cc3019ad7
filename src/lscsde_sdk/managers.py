"""The workspace-management operations JupyterHub and the AWMS operators use.

* :class:`AnalyticsWorkspaceManager`: a user's workspaces with their effective expiry, the
  KubeSpawner profiles of those usable today, and mounting a workspace's storage into a pod.
* :class:`AnalyticsDataSourceManager`: the data sources bound to a workspace.
* :class:`AnalyticsManager`: both, sharing one transport and one event client.

Each manager owns its clients and exposes them (``workspace_client``, ``binding_client``,
``datasource_client``, ``pvc_client``, ``event_client``); all of them send their requests
through the manager's single :class:`~lscsde_sdk.clients.Transport` (so
``manager.transport.counting()`` sees every request) and record events through its
``event_client``.
"""

from __future__ import annotations

import logging
from datetime import date
from typing import Any, Final

from kubernetes_asyncio.client import ApiClient, V1Pod

from . import converters
from .clients import Transport
from .clients.datasources import (
    AnalyticsDataSourceBindingClient,
    AnalyticsDataSourceClient,
    BoundDataSource,
)
from .clients.workspaces import AnalyticsWorkspaceBindingClient, AnalyticsWorkspaceClient
from .converters import AnalyticsWorkspaceConverter, DateLike, is_available, to_date
from .errors import InvalidParameterException, WorkspaceNotFoundException
from .events import DEFAULT_REPORTING_CONTROLLER, DEFAULT_REPORTING_USER, EventClient
from .models import AnalyticsWorkspace
from .storage import PersistentVolumeClaimClient

__all__ = [
    "PROVISIONED_STATUS",
    "WORKSPACE_POD_LABEL",
    "AnalyticsDataSourceManager",
    "AnalyticsManager",
    "AnalyticsWorkspaceManager",
]

#: The pod label naming the workspace a pod runs (set through the profile's extra_labels).
WORKSPACE_POD_LABEL: Final = "workspace"
#: ``status.statusText`` of a workspace whose storage has been provisioned.
PROVISIONED_STATUS: Final = "Provisioned"

_log = logging.getLogger(__name__)


def _today(date_now: DateLike | None) -> date:
    return to_date(date_now, "date_now") if date_now is not None else converters.today()


class _ManagerBase:
    """The transport, event client and PVC client every manager has."""

    def __init__(
        self,
        api_client: ApiClient | Transport,
        log: logging.Logger | None,
        reporting_controller: str,
        reporting_user: str,
        event_client: EventClient | None,
    ) -> None:
        self.log = log or _log
        self.transport = api_client if isinstance(api_client, Transport) else Transport(api_client)
        self.event_client = event_client or EventClient(
            self.transport,
            self.log,
            reporting_controller=reporting_controller,
            reporting_user=reporting_user,
        )
        self.pvc_client = PersistentVolumeClaimClient(self.transport, self.log)


class AnalyticsWorkspaceManager(_ManagerBase):
    """A user's workspaces, their KubeSpawner profiles, and mounting their storage.

    ``api_client`` is a kubernetes_asyncio ``ApiClient`` or a shared :class:`Transport`;
    ``reporting_controller`` and ``reporting_user`` configure the events (ignored when an
    ``event_client`` is given).
    """

    def __init__(
        self,
        api_client: ApiClient | Transport,
        log: logging.Logger | None = None,
        reporting_controller: str = DEFAULT_REPORTING_CONTROLLER,
        reporting_user: str = DEFAULT_REPORTING_USER,
        *,
        event_client: EventClient | None = None,
    ) -> None:
        super().__init__(api_client, log, reporting_controller, reporting_user, event_client)
        self.workspace_client = AnalyticsWorkspaceClient(
            self.transport, events=self.event_client, log=self.log
        )
        self.binding_client = AnalyticsWorkspaceBindingClient(
            self.transport, events=self.event_client, log=self.log
        )
        self.converter = AnalyticsWorkspaceConverter()

    async def get_workspaces_for_user(
        self, namespace: str, username: str
    ) -> dict[str, AnalyticsWorkspace]:
        """The workspaces ``username`` has a binding to, by name, each a copy carrying the
        user's effective expiry (see
        :meth:`~lscsde_sdk.clients.AnalyticsWorkspaceClient.list_by_username`), whether or
        not it can be used today."""
        workspaces = await self.workspace_client.list_by_username(
            self.binding_client, namespace, username
        )
        return {workspace.name: workspace for workspace in workspaces}

    async def get_permitted_workspaces(
        self, namespace: str, username: str, date_now: DateLike | None = None
    ) -> list[dict[str, Any]]:
        """The KubeSpawner profiles of the workspaces ``username`` may use on ``date_now``
        (default: today), sorted by display name.

        A workspace is permitted from its ``availableFrom`` date until, not including, its
        effective expiry: the earlier of its own ``expires`` and the latest ``expires`` of
        the user's bindings to it. Workspaces not yet available or expired are left out.
        The profiles' ``end_date`` and ``ws_days_left`` are those of the effective expiry.
        """
        today = _today(date_now)
        workspaces = await self.get_workspaces_for_user(namespace, username)
        usable = [ws for ws in workspaces.values() if is_available(ws, today)]
        usable.sort(key=lambda ws: ((ws.spec.display_name if ws.spec else "").casefold(), ws.name))
        return [self.converter.to_workspace_dict(ws, today) for ws in usable]

    async def mount_workspace(
        self,
        pod: V1Pod,
        storage_class_name: str | None,
        mount_prefix: str,
        storage_prefix: str = "",
        read_only: bool = False,
        mount_path: str = "",
    ) -> V1Pod:
        """Mount the storage of the workspace named by the pod's ``workspace`` label into the
        pod (changed in place and returned), creating missing claims.

        * The workspace's claim is ``spec.jupyterWorkspace.persistentVolumeClaim.name``, else
          the one recorded in ``status.persistentVolumeClaim``, else
          ``<storage_prefix><workspace>``; its storage class the spec's
          ``persistentVolumeClaim.storageClassName``, else ``storage_class_name``. It is
          mounted at ``mount_path``, else ``<mount_prefix>/<workspace>``.
        * Each ``additionalStorage`` entry's claim is mounted at its ``mountPath`` (else
          ``/mnt/<claim>``), created with its ``storageClassName`` (else
          ``storage_class_name``) if missing. Entries without a claim name are skipped.
        * ``read_only`` applies to every mount. Mounting again does not duplicate anything.
        * The workspace's status is patched, only where it differs, to
          ``persistentVolumeClaim: <claim>``, ``statusText: Provisioned`` and
          ``additionalStorage``: a map from each additional mount path to its claim name.

        Raises :class:`WorkspaceNotFoundException` if the pod has no ``workspace`` label and
        :class:`~lscsde_sdk.errors.NotFoundError` if that workspace does not exist.
        """
        metadata = pod.metadata
        namespace = metadata.namespace if metadata else None
        pod_name = metadata.name if metadata else None
        labels = (metadata.labels if metadata else None) or {}
        workspace_name = labels.get(WORKSPACE_POD_LABEL)
        if not workspace_name:
            raise WorkspaceNotFoundException(namespace, pod_name)
        if not namespace:
            raise InvalidParameterException(
                f"pod {pod_name!r} has no namespace; workspace {workspace_name!r} is looked up "
                "in the pod's namespace"
            )
        workspace = await self.workspace_client.get(namespace, workspace_name)
        jupyter = workspace.spec.jupyter_workspace if workspace.spec else None
        claim_spec = jupyter.persistent_volume_claim if jupyter else None
        status = workspace.status

        claim = (
            (claim_spec.name if claim_spec else None)
            or (status.persistent_volume_claim if status else None)
            or f"{storage_prefix}{workspace_name}"
        )
        storage_class = (
            claim_spec.storage_class_name if claim_spec else None
        ) or storage_class_name
        await self.pvc_client.mount(
            pod,
            claim,
            namespace,
            storage_class,
            mount_path or f"{mount_prefix}/{workspace_name}",
            read_only,
        )

        additional: dict[str, str] = {}
        for entry in (jupyter.additional_storage if jupyter else None) or []:
            if not entry.persistent_volume_claim:
                self.log.warning(
                    "workspace %s/%s: additionalStorage entry %s names no claim; skipped",
                    namespace,
                    workspace_name,
                    entry.to_api(),
                )
                continue
            path = entry.mount_path or f"/mnt/{entry.persistent_volume_claim}"
            await self.pvc_client.mount(
                pod,
                entry.persistent_volume_claim,
                namespace,
                entry.storage_class_name or storage_class_name,
                path,
                read_only,
            )
            additional[path] = entry.persistent_volume_claim

        operations = self._status_changes(workspace, claim, additional)
        if operations:
            await self.workspace_client.patch_status(namespace, workspace_name, operations)
        return pod

    @staticmethod
    def _status_changes(
        workspace: AnalyticsWorkspace, claim: str, additional: dict[str, str]
    ) -> list[dict[str, Any]]:
        """JSON-patch operations bringing the status to the mounted storage (none if it is)."""
        status = workspace.status
        if status is None:
            value: dict[str, Any] = {
                "statusText": PROVISIONED_STATUS,
                "persistentVolumeClaim": claim,
            }
            if additional:
                value["additionalStorage"] = additional
            return [{"op": "add", "path": "/status", "value": value}]
        operations: list[dict[str, Any]] = []
        if status.persistent_volume_claim != claim:
            operations.append(
                {"op": "add", "path": "/status/persistentVolumeClaim", "value": claim}
            )
        if status.status_text != PROVISIONED_STATUS:
            operations.append(
                {"op": "add", "path": "/status/statusText", "value": PROVISIONED_STATUS}
            )
        if (status.additional_storage or {}) != additional:
            if additional:
                operations.append(
                    {"op": "add", "path": "/status/additionalStorage", "value": additional}
                )
            else:
                operations.append({"op": "remove", "path": "/status/additionalStorage"})
        return operations


class AnalyticsDataSourceManager(_ManagerBase):
    """The data sources bound to a workspace, with the expiry of their bindings."""

    def __init__(
        self,
        api_client: ApiClient | Transport,
        log: logging.Logger | None = None,
        reporting_controller: str = DEFAULT_REPORTING_CONTROLLER,
        reporting_user: str = DEFAULT_REPORTING_USER,
        *,
        event_client: EventClient | None = None,
    ) -> None:
        super().__init__(api_client, log, reporting_controller, reporting_user, event_client)
        self.datasource_client = AnalyticsDataSourceClient(
            self.transport, events=self.event_client, log=self.log
        )
        self.binding_client = AnalyticsDataSourceBindingClient(
            self.transport, events=self.event_client, log=self.log
        )

    async def get_datasources_for_workspace(
        self, namespace: str, workspace: str
    ) -> dict[str, BoundDataSource]:
        """Every data source bound to ``workspace``, by name, with its bindings and their
        latest expiry (``None``: a binding never expires), expired ones included."""
        bound = await self.datasource_client.list_bound_to_workspace(
            self.binding_client, namespace, workspace
        )
        return {item.name: item for item in bound}

    async def get_active_datasources(
        self, namespace: str, workspace: str, date_now: DateLike | None = None
    ) -> list[BoundDataSource]:
        """The data sources bound to ``workspace`` by a binding that still applies on
        ``date_now`` (default: today; a binding stops applying on its ``expires`` date),
        sorted by name."""
        today = _today(date_now)
        bound = await self.get_datasources_for_workspace(namespace, workspace)
        return [bound[name] for name in sorted(bound) if bound[name].active_on(today)]


class AnalyticsManager:
    """Both managers over one transport and one event client."""

    def __init__(
        self,
        api_client: ApiClient | Transport,
        log: logging.Logger | None = None,
        reporting_controller: str = DEFAULT_REPORTING_CONTROLLER,
        reporting_user: str = DEFAULT_REPORTING_USER,
    ) -> None:
        self.log = log or _log
        self.transport = api_client if isinstance(api_client, Transport) else Transport(api_client)
        self.event_client = EventClient(
            self.transport,
            self.log,
            reporting_controller=reporting_controller,
            reporting_user=reporting_user,
        )
        self.workspace = AnalyticsWorkspaceManager(
            self.transport, self.log, event_client=self.event_client
        )
        self.datasource = AnalyticsDataSourceManager(
            self.transport, self.log, event_client=self.event_client
        )
