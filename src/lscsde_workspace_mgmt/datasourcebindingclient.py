"""``AnalyticsDataSourceBindingClient`` over
:class:`lscsde_sdk.clients.AnalyticsDataSourceBindingClient`."""

from __future__ import annotations

import builtins

from lscsde_sdk import clients as sdk_clients

from ._convert import from_sdk, kubernetes_errors
from ._resource import ResourceClient
from .models import AnalyticsDataSourceBinding, AnalyticsDataSourceBindingStatus

__all__ = ["AnalyticsDataSourceBindingClient"]


class AnalyticsDataSourceBindingClient(
    ResourceClient[
        AnalyticsDataSourceBinding,
        AnalyticsDataSourceBindingStatus,
        sdk_clients.AnalyticsDataSourceBindingClient,
    ]
):
    """Reads and writes AnalyticsDataSourceBindings; finds a workspace's bindings.

    Every binding written carries the label ``xlscsde.nhs.uk/workspace`` naming its
    ``spec.workspace``. Creates record DataSourceBindingCreated; patches and replaces
    DataSourceBindingUpdated; deletes DataSourceBindingDeleted.
    """

    model = AnalyticsDataSourceBinding
    status_model = AnalyticsDataSourceBindingStatus
    sdk_client_type = sdk_clients.AnalyticsDataSourceBindingClient

    async def list_by_workspace(
        self, namespace: str, workspace: str
    ) -> builtins.list[AnalyticsDataSourceBinding]:
        """The bindings in ``namespace`` whose ``spec.workspace`` is ``workspace``, by name.

        The bindings labelled with the workspace and those without the label are read (two
        lists at once), then checked against ``spec.workspace`` itself. Nothing is written:
        the old client labelled the unlabelled bindings as a side effect; ``lscsde relabel``
        does that explicitly.
        """
        with kubernetes_errors():
            found = await self.sdk.list_by_workspace(namespace, workspace)
        return [from_sdk(binding, AnalyticsDataSourceBinding) for binding in found]

    async def create(  # type: ignore[override]
        self, body: AnalyticsDataSourceBinding, append_label: bool = True
    ) -> AnalyticsDataSourceBinding:
        """Create ``body`` in its ``metadata.namespace``, labelled with its workspace.

        The label is an index the lookups rely on, so it is always set whatever
        ``append_label`` says (the argument is kept for existing callers).
        """
        return await super().create(body)

    async def replace(  # type: ignore[override]
        self, body: AnalyticsDataSourceBinding, append_label: bool = True
    ) -> AnalyticsDataSourceBinding:
        """Replace the binding with ``body``, labelled with its workspace (always, as for
        :meth:`create`)."""
        return await super().replace(body)
