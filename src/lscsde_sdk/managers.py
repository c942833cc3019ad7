"""The workspace-management operations JupyterHub and the AWMS operators use.

* :class:`AnalyticsWorkspaceManager`: a user's workspaces with their effective expiry, the
  KubeSpawner profiles of those usable today, and mounting a workspace's storage into a pod.
* :class:`AnalyticsDataSourceManager`: the data sources bound to a workspace.
* :class:`AnalyticsManager`: both, sharing one transport and one event recorder.

Each manager takes its options as keywords (``log``, ``events`` or ``reporting_controller``
and ``reporting_user``, ``informers``), owns its clients and exposes them
(``workspace_client``, ``binding_client``, ``datasource_client``, ``pvc_client``); all of them
send their requests through the manager's single
:class:`~lscsde_sdk.core.transport.Transport` (so ``manager.transport.counting()`` sees every
request). The clients record no events; their writes through ``workspace_writes``,
``binding_writes`` and ``datasource_writes`` (:class:`~lscsde_sdk.recording.Recording`) record
them with the manager's :class:`~lscsde_sdk.events.EventRecorder` (``events``).

Lookups read through :attr:`reads`: directly from the API server by default (cost
proportional to what the user owns), or from shared informers when the manager is given an
:class:`~lscsde_sdk.runtime.InformerFactory` (no requests at all). Constructing a
manager starts nothing; lookups never write.
"""

from __future__ import annotations

import logging
from datetime import date
from typing import TYPE_CHECKING, Any, Final

from kubernetes_asyncio.client import ApiClient, V1Pod

from . import converters
from .access import (
    BoundDataSource,
    CachedReads,
    DirectReads,
    Reads,
    datasources_for_workspace,
    user_workspaces,
    with_effective_expiry,
)
from .clients import (
    AnalyticsDataSourceBindingClient,
    AnalyticsDataSourceClient,
    AnalyticsWorkspaceBindingClient,
    AnalyticsWorkspaceClient,
)
from .converters import DateLike, to_date
from .core.transport import Transport
from .errors import InvalidParameterError, InvalidWorkspaceError, WorkspaceLabelMissingError
from .events import DEFAULT_REPORTING_CONTROLLER, DEFAULT_REPORTING_USER, EventRecorder
from .labels import WORKSPACE_POD_LABEL
from .models import AnalyticsWorkspace, AnalyticsWorkspaceStatus
from .profile_cache import ProfileCache
from .recording import Recording
from .reported import ReportedVersions
from .storage import PersistentVolumeClaimClient

if TYPE_CHECKING:
    from .runtime import InformerFactory

__all__ = [
    "PROVISIONED_STATUS",
    "WORKSPACE_POD_LABEL",
    "AnalyticsDataSourceManager",
    "AnalyticsManager",
    "AnalyticsWorkspaceManager",
]

#: ``status.statusText`` of a workspace whose storage has been provisioned.
PROVISIONED_STATUS: Final = "Provisioned"

_log = logging.getLogger(__name__)
# Shared by every manager of the process: hubs may build a manager per page view.
_REPORTED_INVALID = ReportedVersions()


def _today(day: DateLike | None) -> date:
    return to_date(day, "day") if day is not None else converters.today()


class _ManagerBase:
    """The transport, event recorder and PVC client every manager has."""

    def __init__(
        self,
        api: ApiClient | Transport,
        log: logging.Logger | None,
        reporting_controller: str,
        reporting_user: str,
        events: EventRecorder | None,
    ) -> None:
        self.log = log or _log
        self.transport = Transport.of(api)
        self.events = events or EventRecorder(
            self.transport,
            log=self.log,
            reporting_controller=reporting_controller,
            reporting_user=reporting_user,
        )
        self.pvc_client = PersistentVolumeClaimClient(self.transport, self.log)


class AnalyticsWorkspaceManager(_ManagerBase):
    """A user's workspaces, their KubeSpawner profiles, and mounting their storage.

    ``api`` is a kubernetes_asyncio ``ApiClient`` or a shared :class:`Transport`;
    ``reporting_controller`` and ``reporting_user`` configure the events of writes (ignored
    when an ``events`` recorder is given); ``informers`` makes lookups read from shared
    informers (see the module doc).
    """

    def __init__(
        self,
        api: ApiClient | Transport,
        *,
        log: logging.Logger | None = None,
        events: EventRecorder | None = None,
        reporting_controller: str = DEFAULT_REPORTING_CONTROLLER,
        reporting_user: str = DEFAULT_REPORTING_USER,
        informers: InformerFactory | None = None,
    ) -> None:
        super().__init__(api, log, reporting_controller, reporting_user, events)
        self.workspace_client = AnalyticsWorkspaceClient(self.transport, log=self.log)
        self.binding_client = AnalyticsWorkspaceBindingClient(self.transport, log=self.log)
        #: Writes through the clients that record their events with :attr:`events`.
        self.workspace_writes = Recording(self.workspace_client, self.events)
        self.binding_writes = Recording(self.binding_client, self.events)
        #: The profiles :meth:`permitted_profiles` returns, each workspace version converted once.
        self.profiles = ProfileCache()
        self.reads: Reads = (
            CachedReads(informers)
            if informers is not None
            else DirectReads(self.workspace_client, self.binding_client)
        )

    async def bound_workspaces(
        self, namespace: str, username: str
    ) -> dict[str, AnalyticsWorkspace]:
        """The workspaces ``username`` has a binding to, by name, each a copy carrying the
        user's effective expiry in ``spec.validity.expires`` (the earlier of the workspace's
        own and the latest of the user's bindings to it), whether or not it can be used
        today."""
        found = await user_workspaces(self.reads, namespace, username, log=self.log)
        return {item.name: with_effective_expiry(item.workspace, item.expires) for item in found}

    async def permitted_profiles(
        self, namespace: str, username: str, *, day: DateLike | None = None
    ) -> list[dict[str, Any]]:
        """The KubeSpawner profiles of the workspaces ``username`` may use on ``day``
        (default: today), sorted by display name.

        A workspace is permitted from its ``availableFrom`` date until, not including, its
        effective expiry. Workspaces not yet available or expired are left out, and so is a
        workspace whose resources cannot be turned into KubeSpawner settings: a warning, logged
        once per version of that workspace in the process, not on every call. The profiles'
        ``end_date`` and ``ws_days_left`` are those of the effective expiry.
        """
        today = _today(day)
        usable = [
            item
            for item in await user_workspaces(self.reads, namespace, username, log=self.log)
            if item.workspace.spec is not None
            and item.workspace.spec.validity.available_from <= today < item.expires
        ]
        usable.sort(key=lambda item: (_display_name(item.workspace).casefold(), item.name))
        profiles = []
        for item in usable:
            try:
                profiles.append(self.profiles.profile(item.workspace, today, expires=item.expires))
            except InvalidWorkspaceError as error:
                if _REPORTED_INVALID.first_report(item.workspace):
                    self.log.warning(
                        "workspace left out of every user's profiles until corrected "
                        "(logged once per version, this is resourceVersion %s): %s",
                        item.workspace.metadata.resource_version,
                        error,
                    )
        return profiles

    async def mount_workspace(
        self,
        pod: V1Pod,
        *,
        mount_prefix: str,
        storage_class_name: str | None = None,
        storage_prefix: str = "",
        mount_path: str = "",
        read_only: bool = False,
    ) -> V1Pod:
        """Mount the storage of the workspace named by the pod's ``workspace`` label into the
        pod (changed in place and returned), creating missing claims.

        * The workspace's claim is ``spec.jupyterWorkspace.persistentVolumeClaim.name``, else
          the one recorded in ``status.persistentVolumeClaim``, else
          ``<storage_prefix><workspace>``; its storage class the spec's
          ``persistentVolumeClaim.storageClassName``, else ``storage_class_name`` (``None``:
          see :func:`lscsde_sdk.storage.default_storage_class`). It is mounted at
          ``mount_path``, else ``<mount_prefix>/<workspace>``.
        * Each ``additionalStorage`` entry's claim is mounted at its ``mountPath`` (else
          ``/mnt/<claim>``), created with its ``storageClassName`` (else
          ``storage_class_name``) if missing. Entries without a claim name are skipped.
        * Claims the SDK creates are labelled with the workspace they belong to.
        * ``read_only`` applies to every mount. Mounting again does not duplicate anything.
        * The workspace's status is brought to ``persistentVolumeClaim: <claim>``,
          ``statusText: Provisioned`` and ``additionalStorage`` (each additional mount path
          to its claim name) when it differs, conditional on the version read and re-read
          when an operator changed the workspace meanwhile.

        Raises :class:`~lscsde_sdk.errors.WorkspaceLabelMissingError` if the pod has no
        ``workspace`` label and :class:`~lscsde_sdk.errors.NotFoundError` if that workspace
        does not exist.
        """
        metadata = pod.metadata
        namespace = metadata.namespace if metadata else None
        pod_name = metadata.name if metadata else None
        labels = (metadata.labels if metadata else None) or {}
        workspace_name = labels.get(WORKSPACE_POD_LABEL)
        if not workspace_name:
            raise WorkspaceLabelMissingError(namespace, pod_name)
        if not namespace:
            raise InvalidParameterError(
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
            namespace,
            claim,
            storage_class_name=storage_class,
            mount_path=mount_path or f"{mount_prefix}/{workspace_name}",
            read_only=read_only,
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
                namespace,
                entry.persistent_volume_claim,
                storage_class_name=entry.storage_class_name or storage_class_name,
                mount_path=path,
                read_only=read_only,
            )
            additional[path] = entry.persistent_volume_claim

        if _provisioned(status, claim, additional) is not None:
            await self.workspace_client.update_status(
                namespace, workspace_name, lambda current: _provisioned(current, claim, additional)
            )
        return pod


def _display_name(workspace: AnalyticsWorkspace) -> str:
    return workspace.spec.display_name if workspace.spec else ""


def _provisioned(
    status: AnalyticsWorkspaceStatus | None, claim: str, additional: dict[str, str]
) -> AnalyticsWorkspaceStatus | None:
    """``status`` as provisioned storage leaves it, or ``None`` when it is already so."""
    wanted = status.model_copy(deep=True) if status is not None else AnalyticsWorkspaceStatus()
    wanted.persistent_volume_claim = claim
    wanted.status_text = PROVISIONED_STATUS
    wanted.additional_storage = additional or None
    if status is not None and wanted.to_api() == status.to_api():
        return None
    return wanted


class AnalyticsDataSourceManager(_ManagerBase):
    """The data sources bound to a workspace, with the expiry of their bindings."""

    def __init__(
        self,
        api: ApiClient | Transport,
        *,
        log: logging.Logger | None = None,
        events: EventRecorder | None = None,
        reporting_controller: str = DEFAULT_REPORTING_CONTROLLER,
        reporting_user: str = DEFAULT_REPORTING_USER,
        informers: InformerFactory | None = None,
    ) -> None:
        super().__init__(api, log, reporting_controller, reporting_user, events)
        self.datasource_client = AnalyticsDataSourceClient(self.transport, log=self.log)
        self.binding_client = AnalyticsDataSourceBindingClient(self.transport, log=self.log)
        #: Writes through the clients that record their events with :attr:`events`.
        self.datasource_writes = Recording(self.datasource_client, self.events)
        self.binding_writes = Recording(self.binding_client, self.events)
        self.reads: Reads = (
            CachedReads(informers)
            if informers is not None
            else DirectReads(
                AnalyticsWorkspaceClient(self.transport, log=self.log),
                AnalyticsWorkspaceBindingClient(self.transport, log=self.log),
                self.datasource_client,
                self.binding_client,
            )
        )

    async def bound_datasources(self, namespace: str, workspace: str) -> dict[str, BoundDataSource]:
        """Every data source bound to ``workspace``, by name, with its bindings and their
        latest expiry (``None``: a binding never expires), expired ones included."""
        bound = await datasources_for_workspace(self.reads, namespace, workspace, log=self.log)
        return {item.name: item for item in bound}

    async def active_datasources(
        self, namespace: str, workspace: str, *, day: DateLike | None = None
    ) -> list[BoundDataSource]:
        """The data sources bound to ``workspace`` by a binding that still applies on ``day``
        (default: today; a binding stops applying on its ``expires`` date), sorted by name."""
        today = _today(day)
        bound = await self.bound_datasources(namespace, workspace)
        return [bound[name] for name in sorted(bound) if bound[name].active_on(today)]


class AnalyticsManager:
    """Both managers over one transport and one event recorder: :attr:`workspace` and
    :attr:`datasource`."""

    def __init__(
        self,
        api: ApiClient | Transport,
        *,
        log: logging.Logger | None = None,
        reporting_controller: str = DEFAULT_REPORTING_CONTROLLER,
        reporting_user: str = DEFAULT_REPORTING_USER,
        informers: InformerFactory | None = None,
    ) -> None:
        self.log = log or _log
        self.transport = Transport.of(api)
        self.events = EventRecorder(
            self.transport,
            log=self.log,
            reporting_controller=reporting_controller,
            reporting_user=reporting_user,
        )
        self.workspace = AnalyticsWorkspaceManager(
            self.transport, log=self.log, events=self.events, informers=informers
        )
        self.datasource = AnalyticsDataSourceManager(
            self.transport, log=self.log, events=self.events, informers=informers
        )
