"""``AnalyticsDataSourceClient`` over :class:`lscsde_sdk.clients.AnalyticsDataSourceClient`."""

from __future__ import annotations

import builtins

from lscsde_sdk import clients as sdk_clients
from lscsde_sdk.access import DirectReads, datasources_for_workspace

from ._convert import from_sdk, kubernetes_errors
from ._resource import ResourceClient
from .datasourcebindingclient import AnalyticsDataSourceBindingClient
from .models import AnalyticsDataSource, AnalyticsDataSourceStatus

__all__ = ["AnalyticsDataSourceClient"]


class AnalyticsDataSourceClient(
    ResourceClient[
        AnalyticsDataSource, AnalyticsDataSourceStatus, sdk_clients.AnalyticsDataSourceClient
    ]
):
    """Reads and writes AnalyticsDataSources; finds the ones bound to a workspace.

    Creates, patches, replaces and deletes record DataSourceCreated, DataSourceUpdated and
    DataSourceDeleted through ``event_client``.
    """

    model = AnalyticsDataSource
    status_model = AnalyticsDataSourceStatus
    sdk_client_type = sdk_clients.AnalyticsDataSourceClient

    async def list_by_workspace(
        self,
        binding_client: AnalyticsDataSourceBindingClient,
        namespace: str,
        workspace: str,
    ) -> builtins.list[AnalyticsDataSource]:
        """The data sources in ``namespace`` bound to ``workspace``, by name (expired bindings
        included). The workspace's bindings are read as
        :meth:`AnalyticsDataSourceBindingClient.list_by_workspace` reads them, then the bound
        data sources by name; a binding to a missing data source is logged and skipped.
        Nothing is written."""
        reads = DirectReads(
            sdk_clients.AnalyticsWorkspaceClient(self.transport),
            sdk_clients.AnalyticsWorkspaceBindingClient(self.transport),
            self.sdk,
            binding_client.sdk,
        )
        with kubernetes_errors():
            found = await datasources_for_workspace(reads, namespace, workspace, log=self.log)
        return [from_sdk(item.datasource, AnalyticsDataSource) for item in found]
