"""The managers of lscsde_workspace_mgmt over :mod:`lscsde_sdk.managers`.

Each manager exposes the old attributes - ``event_client``, its resource clients,
``pvc_client`` and ``log`` - as the compat clients, while the operations themselves are
lscsde_sdk's managers' (sharing the same event client).
"""

from __future__ import annotations

from logging import Logger
from typing import Any

from kubernetes_asyncio.client import ApiClient, CustomObjectsApi, V1Pod

from lscsde_sdk import managers as sdk_managers
from lscsde_sdk.access import DirectReads
from lscsde_sdk.converters import DateLike
from lscsde_sdk.events import DEFAULT_REPORTING_USER

from ._convert import from_sdk, kubernetes_errors
from .datasourcebindingclient import AnalyticsDataSourceBindingClient
from .datasourceclient import AnalyticsDataSourceClient
from .eventclient import EventClient
from .models import AnalyticsWorkspace
from .objects import as_old_profile
from .pvclient import PersistentVolumeClaimClient
from .workspacebindingclient import AnalyticsWorkspaceBindingClient
from .workspaceclient import AnalyticsWorkspaceClient

__all__ = ["AnalyticsDataSourceManager", "AnalyticsManager", "AnalyticsWorkspaceManager"]

#: The reporting controller of the old managers when none is given.
DEFAULT_REPORTING_CONTROLLER = "xlscsde.nhs.uk/unspecified-controller"


class _Manager:
    """What both managers have: event client, PVC client and log."""

    def __init__(
        self,
        api_client: ApiClient,
        log: Logger,
        reporting_controller: str,
        reporting_user: str,
        event_client: EventClient | None,
    ) -> None:
        self.log = log
        self.event_client = event_client or EventClient(
            api_client,
            log,
            reporting_controller=reporting_controller,
            reporting_user=reporting_user,
        )
        self.custom_objects_api = CustomObjectsApi(api_client)
        self.pvc_client = PersistentVolumeClaimClient(api_client, log)


class AnalyticsWorkspaceManager(_Manager):
    """A user's workspaces, their KubeSpawner profiles, and mounting a workspace's storage
    into a pod. Events name ``reporting_controller`` and ``reporting_user``; an
    ``event_client`` given instead is used as it is."""

    def __init__(
        self,
        api_client: ApiClient,
        log: Logger,
        reporting_controller: str = DEFAULT_REPORTING_CONTROLLER,
        reporting_user: str = DEFAULT_REPORTING_USER,
        *,
        event_client: EventClient | None = None,
    ) -> None:
        super().__init__(api_client, log, reporting_controller, reporting_user, event_client)
        self.workspace_client = AnalyticsWorkspaceClient(
            self.custom_objects_api, log, event_client=self.event_client
        )
        self.binding_client = AnalyticsWorkspaceBindingClient(
            self.custom_objects_api, log, event_client=self.event_client
        )
        self.sdk = sdk_managers.AnalyticsWorkspaceManager(
            api_client, log=log, events=self.event_client
        )
        # One set of clients: the manager's operations go through the SDK clients behind the
        # compat ones, and storage through pvc_client (whose defaults callers may change).
        self.sdk.workspace_client = self.workspace_client.sdk
        self.sdk.binding_client = self.binding_client.sdk
        self.sdk.pvc_client = self.pvc_client.sdk
        self.sdk.reads = DirectReads(self.sdk.workspace_client, self.sdk.binding_client)

    async def get_workspaces_for_user(
        self, namespace: str, username: str
    ) -> dict[str, AnalyticsWorkspace]:
        """The workspaces ``username`` has a binding to, by name, each carrying the user's
        effective expiry (the earlier of the workspace's and the latest of the user's
        bindings to it), whether or not usable today."""
        with kubernetes_errors():
            found = await self.sdk.bound_workspaces(namespace, username)
        return {name: from_sdk(workspace, AnalyticsWorkspace) for name, workspace in found.items()}

    async def get_permitted_workspaces(
        self, namespace: str, username: str, date_now: DateLike | None = None
    ) -> list[dict[str, Any]]:
        """The KubeSpawner profiles (see ``AnalyticsWorkspaceConverter.to_workspace_dict``)
        of the workspaces ``username`` may use on ``date_now`` (default: today, evaluated on
        each call), sorted by display name: from ``availableFrom`` until, not including, the
        effective expiry. Workspaces not yet available or already expired are left out."""
        with kubernetes_errors():
            profiles = await self.sdk.permitted_profiles(namespace, username, day=date_now)
        return [as_old_profile(profile) for profile in profiles]

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
        pod, changing it in place (and returning it).

        The claim is ``spec.jupyterWorkspace.persistentVolumeClaim.name``, else
        ``status.persistentVolumeClaim``, else ``<storage_prefix><workspace>``, created with
        the spec's storage class, else ``storage_class_name``, if missing, and mounted at
        ``mount_path``, else ``<mount_prefix>/<workspace>``. Every ``additionalStorage`` entry
        is mounted at its ``mountPath`` too. The workspace's status records the claims and
        becomes ``Provisioned`` (patched only when that changes anything).

        Raises ``WorkspaceNotFoundException`` when the pod has no ``workspace`` label.
        """
        with kubernetes_errors():
            return await self.sdk.mount_workspace(
                pod,
                mount_prefix=mount_prefix,
                storage_class_name=storage_class_name,
                storage_prefix=storage_prefix,
                mount_path=mount_path,
                read_only=read_only,
            )


class AnalyticsDataSourceManager(_Manager):
    """The data source and data source binding clients, with an event client and a PVC
    client, made from one ``api_client``."""

    def __init__(
        self,
        api_client: ApiClient,
        log: Logger,
        reporting_controller: str = DEFAULT_REPORTING_CONTROLLER,
        reporting_user: str = DEFAULT_REPORTING_USER,
        *,
        event_client: EventClient | None = None,
    ) -> None:
        super().__init__(api_client, log, reporting_controller, reporting_user, event_client)
        self.datasource_client = AnalyticsDataSourceClient(
            self.custom_objects_api, log, event_client=self.event_client
        )
        self.binding_client = AnalyticsDataSourceBindingClient(
            self.custom_objects_api, log, event_client=self.event_client
        )


class AnalyticsManager:
    """Both managers, sharing one event client: ``workspace`` and ``datasource``."""

    def __init__(
        self,
        api_client: ApiClient,
        log: Logger,
        reporting_controller: str = DEFAULT_REPORTING_CONTROLLER,
        reporting_user: str = DEFAULT_REPORTING_USER,
    ) -> None:
        self.log = log
        self.event_client = EventClient(
            api_client,
            log,
            reporting_controller=reporting_controller,
            reporting_user=reporting_user,
        )
        self.workspace = AnalyticsWorkspaceManager(api_client, log, event_client=self.event_client)
        self.datasource = AnalyticsDataSourceManager(
            api_client, log, event_client=self.event_client
        )
