"""AnalyticsDataSource and AnalyticsDataSourceBinding clients with the data-source logic.

* :class:`AnalyticsDataSourceBindingClient` keeps the ``xlscsde.nhs.uk/workspace`` label of
  each binding it writes right, and finds a workspace's bindings by that label
  (:meth:`~AnalyticsDataSourceBindingClient.list_by_workspace`).
* :class:`AnalyticsDataSourceClient` finds the data sources bound to a workspace, with the
  expiry of their bindings (:meth:`~AnalyticsDataSourceClient.list_bound_to_workspace`).

Both record events for their changes (see :mod:`lscsde_sdk.clients.recording`).
"""

from __future__ import annotations

import builtins
from dataclasses import dataclass
from datetime import date

from .._generated import clients as generated
from ..labels import WORKSPACE_LABEL, workspace_label_value
from ..models import (
    AnalyticsDataSource,
    AnalyticsDataSourceBinding,
    AnalyticsDataSourceBindingStatus,
    AnalyticsDataSourceStatus,
)
from ._indexed import IndexLabelledClient, get_named
from .recording import RecordingClient

__all__ = [
    "AnalyticsDataSourceBindingClient",
    "AnalyticsDataSourceClient",
    "BoundDataSource",
]


class AnalyticsDataSourceBindingClient(
    IndexLabelledClient[AnalyticsDataSourceBinding, AnalyticsDataSourceBindingStatus],
    generated.AnalyticsDataSourceBindingClient,
):
    """Reads and writes AnalyticsDataSourceBindings, keeping their workspace label right.

    ``create``, ``replace`` and ``apply`` send the binding with the label
    ``xlscsde.nhs.uk/workspace`` set to :func:`lscsde_sdk.labels.workspace_label_value` of
    ``spec.workspace`` (the name itself when it fits in a label). A patch that leaves the
    label wrong (for example one that moves the binding to another workspace) is followed by
    a patch of the label.
    """

    index_label = WORKSPACE_LABEL

    def index_label_value(self, resource: AnalyticsDataSourceBinding) -> str | None:
        return workspace_label_value(resource.spec.workspace) if resource.spec else None

    async def list_by_workspace(
        self, namespace: str, workspace: str
    ) -> builtins.list[AnalyticsDataSourceBinding]:
        """The bindings in ``namespace`` whose ``spec.workspace`` is ``workspace``, sorted by
        name, whatever their expiry.

        Bindings without the workspace label are labelled first (when RBAC allows patching
        them; otherwise they are filtered here); selection is by label, then by
        ``spec.workspace``.
        """

        def matches(binding: AnalyticsDataSourceBinding) -> bool:
            return binding.spec is not None and binding.spec.workspace == workspace

        return await self.select_by_index(namespace, workspace_label_value(workspace), matches)


@dataclass(frozen=True)
class BoundDataSource:
    """A data source together with the bindings that make it available to one workspace."""

    datasource: AnalyticsDataSource
    bindings: tuple[AnalyticsDataSourceBinding, ...]
    #: The latest of the bindings' expiry dates; ``None`` if one of them never expires.
    expires: date | None

    @property
    def name(self) -> str:
        return self.datasource.name

    def active_on(self, day: date) -> bool:
        """Whether a binding still applies on ``day``: bindings stop applying on their
        ``expires`` date."""
        return self.expires is None or day < self.expires


def _latest_expiry(bindings: builtins.list[AnalyticsDataSourceBinding]) -> date | None:
    dates = [binding.spec.expires if binding.spec else None for binding in bindings]
    if any(expires is None for expires in dates):
        return None
    return max(expires for expires in dates if expires is not None)


class AnalyticsDataSourceClient(
    RecordingClient[AnalyticsDataSource, AnalyticsDataSourceStatus],
    generated.AnalyticsDataSourceClient,
):
    """Reads and writes AnalyticsDataSources; finds the data sources bound to a workspace."""

    async def list_bound_to_workspace(
        self,
        binding_client: AnalyticsDataSourceBindingClient,
        namespace: str,
        workspace: str,
    ) -> builtins.list[BoundDataSource]:
        """The data sources in ``namespace`` bound to ``workspace``, sorted by name, each with
        its bindings and their latest expiry (expired ones included; see
        :meth:`BoundDataSource.active_on`).

        Requests: the binding lookup of
        :meth:`AnalyticsDataSourceBindingClient.list_by_workspace`, then at most one list of
        data sources whatever the number of bindings. A binding to a data source that does
        not exist is logged and skipped.
        """
        by_source: dict[str, builtins.list[AnalyticsDataSourceBinding]] = {}
        for binding in await binding_client.list_by_workspace(namespace, workspace):
            if binding.spec is not None:
                by_source.setdefault(binding.spec.datasource, []).append(binding)
        datasources = await get_named(self, namespace, by_source)
        found = []
        for name in sorted(by_source):
            datasource = datasources.get(name)
            if datasource is None:
                self.log.warning(
                    "data source %s/%s, bound to workspace %s, does not exist; skipped",
                    namespace,
                    name,
                    workspace,
                )
                continue
            bindings = by_source[name]
            found.append(BoundDataSource(datasource, tuple(bindings), _latest_expiry(bindings)))
        return found

    async def list_by_workspace(
        self,
        binding_client: AnalyticsDataSourceBindingClient,
        namespace: str,
        workspace: str,
    ) -> builtins.list[AnalyticsDataSource]:
        """The data sources of :meth:`list_bound_to_workspace`, without their bindings."""
        bound = await self.list_bound_to_workspace(binding_client, namespace, workspace)
        return [item.datasource for item in bound]
