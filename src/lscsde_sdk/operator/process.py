"""One operator process: its connection to the cluster, its event recorder, and the typed
handlers of each kind (:class:`Operator`)."""

from __future__ import annotations

import logging
import os
from contextlib import AsyncExitStack
from functools import cached_property
from typing import Any, TypeVar

import kopf

from ..clients import (
    AnalyticsCrateClient,
    AnalyticsDataSourceBindingClient,
    AnalyticsDataSourceClient,
    AnalyticsWorkspaceBindingClient,
    AnalyticsWorkspaceClient,
)
from ..connection import Cluster, connect
from ..core.client import CustomResourceClient
from ..errors import LscsdeError, NotInReleaseError
from ..events import EventRecorder, validate_reporting_controller
from ..model_base import ResourceModel
from ..models import (
    AnalyticsCrate,
    AnalyticsCrateStatus,
    AnalyticsDataSource,
    AnalyticsDataSourceBinding,
    AnalyticsDataSourceBindingStatus,
    AnalyticsDataSourceStatus,
    AnalyticsWorkspace,
    AnalyticsWorkspaceBinding,
    AnalyticsWorkspaceBindingStatus,
    AnalyticsWorkspaceStatus,
)
from ..resource import CustomResource
from .context import Wakeups
from .kinds import Kind

__all__ = ["Operator", "OperatorNotStartedError"]

ResourceT = TypeVar("ResourceT", bound=CustomResource)
StatusT = TypeVar("StatusT", bound=ResourceModel)


class OperatorNotStartedError(LscsdeError):
    """The operator's connection was asked for outside kopf's run (before its startup or
    after its cleanup)."""


class Operator:
    """Typed kopf handlers sharing one connection per process.

    Constructing it registers two activities with kopf's ``registry`` (default: kopf's own,
    which ``kopf run`` uses): at startup it connects (:func:`lscsde_sdk.connect`, with
    ``kubeconfig`` and ``context`` if given: the in-cluster service account in a pod, else
    the kubeconfig) and makes an event recorder reporting as ``reporting_controller``; at
    cleanup it closes the connection. Handlers reach both through their context.

    An operator with handlers for a kind that the CRD release this SDK was generated from
    lacks imports, but refuses to start (:attr:`absent`).

    Unless ``scan_cluster``, it also turns kopf's cluster scanning off
    (``settings.scanning.disabled``): kopf then neither lists namespaces nor watches CRDs,
    which needs cluster-wide permissions the operators' Roles do not have, and serves the
    namespaces it is given (``--namespace``) and the kinds it finds at startup.
    """

    def __init__(
        self,
        reporting_controller: str,
        *,
        registry: kopf.OperatorRegistry | None = None,
        kubeconfig: str | os.PathLike[str] | None = None,
        context: str | None = None,
        scan_cluster: bool = False,
        log: logging.Logger | None = None,
    ) -> None:
        self.reporting_controller = validate_reporting_controller(reporting_controller)
        self.registry = registry if registry is not None else kopf.get_default_registry()
        self.kubeconfig = kubeconfig
        self.context = context
        self.scan_cluster = scan_cluster
        self.log = log or logging.getLogger(__name__)
        #: The sleeping typed daemons of each object (see ``Context.wake_daemons``).
        self.wakeups = Wakeups()
        #: Handlers not registered because their kind is not in the CRD release, by name:
        #: the operator then refuses to start.
        self.absent: dict[str, NotInReleaseError] = {}
        self._stack: AsyncExitStack | None = None
        self._cluster: Cluster | None = None
        self._recorder: EventRecorder | None = None
        # Named after the controller: several operators may share a registry (one process).
        kopf.on.startup(id=f"connect {reporting_controller}", registry=self.registry)(self._start)
        kopf.on.cleanup(id=f"disconnect {reporting_controller}", registry=self.registry)(self._stop)

    @property
    def cluster(self) -> Cluster:
        """The process's connection (open from kopf's startup until its cleanup)."""
        if self._cluster is None:
            raise OperatorNotStartedError(
                f"the operator {self.reporting_controller} is not running (no connection)"
            )
        return self._cluster

    @property
    def recorder(self) -> EventRecorder:
        """The process's event recorder (events.k8s.io, or core/v1 where only that is
        allowed)."""
        if self._recorder is None:
            raise OperatorNotStartedError(
                f"the operator {self.reporting_controller} is not running (no recorder)"
            )
        return self._recorder

    def kind(
        self, client_class: type[CustomResourceClient[ResourceT, StatusT]]
    ) -> Kind[ResourceT, StatusT]:
        """The typed handler decorators of the kind of ``client_class``."""
        return Kind(self, client_class)

    @cached_property
    def workspaces(self) -> Kind[AnalyticsWorkspace, AnalyticsWorkspaceStatus]:
        return self.kind(AnalyticsWorkspaceClient)

    @cached_property
    def workspace_bindings(
        self,
    ) -> Kind[AnalyticsWorkspaceBinding, AnalyticsWorkspaceBindingStatus]:
        return self.kind(AnalyticsWorkspaceBindingClient)

    @cached_property
    def datasources(self) -> Kind[AnalyticsDataSource, AnalyticsDataSourceStatus]:
        return self.kind(AnalyticsDataSourceClient)

    @cached_property
    def datasource_bindings(
        self,
    ) -> Kind[AnalyticsDataSourceBinding, AnalyticsDataSourceBindingStatus]:
        return self.kind(AnalyticsDataSourceBindingClient)

    @cached_property
    def crates(self) -> Kind[AnalyticsCrate, AnalyticsCrateStatus]:
        return self.kind(AnalyticsCrateClient)

    async def _start(self, settings: kopf.OperatorSettings, **_: Any) -> None:
        if self.absent:
            raise kopf.PermanentError(
                "handlers for kinds this SDK's CRD release lacks: "
                + "; ".join(f"{name}: {error}" for name, error in self.absent.items())
            )
        if not self.scan_cluster:
            settings.scanning.disabled = True
        stack = AsyncExitStack()
        cluster = await stack.enter_async_context(connect(self.kubeconfig, self.context))
        self._stack, self._cluster = stack, cluster
        self._recorder = cluster.recorder(
            reporting_controller=self.reporting_controller, log=self.log
        )
        self.log.info(
            "%s connected to %s with the %s",
            self.reporting_controller,
            cluster.credentials.server,
            cluster.credentials.source,
        )

    async def _stop(self, **_: Any) -> None:
        stack, self._stack = self._stack, None
        self._cluster = self._recorder = None
        if stack is not None:
            await stack.aclose()
