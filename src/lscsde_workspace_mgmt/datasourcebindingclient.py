"""``AnalyticsDataSourceBindingClient`` over
:class:`lscsde_sdk.clients.AnalyticsDataSourceBindingClient`."""

from __future__ import annotations

import builtins
from logging import Logger

from kubernetes_asyncio.client import CustomObjectsApi
from pydantic import TypeAdapter

from lscsde_sdk import clients as sdk_clients
from lscsde_sdk import models as sdk_models

from ._convert import from_sdk, kubernetes_errors
from ._resource import ResourceClient
from .eventclient import EventClient
from .models import AnalyticsDataSourceBinding, AnalyticsDataSourceBindingStatus

__all__ = ["AnalyticsDataSourceBindingClient"]


class AnalyticsDataSourceBindingClient(
    ResourceClient[
        AnalyticsDataSourceBinding,
        AnalyticsDataSourceBindingStatus,
        sdk_models.AnalyticsDataSourceBinding,
        sdk_models.AnalyticsDataSourceBindingStatus,
    ]
):
    """Reads and writes AnalyticsDataSourceBindings; finds a workspace's bindings.

    Every binding written carries the label ``xlscsde.nhs.uk/workspace`` naming its
    ``spec.workspace``. Creates record DataSourceBindingCreated; patches and replaces
    DataSourceBindingUpdated; deletes DataSourceBindingDeleted.
    """

    adaptor = TypeAdapter(AnalyticsDataSourceBinding)
    sdk: sdk_clients.AnalyticsDataSourceBindingClient

    def __init__(
        self, k8s_api: CustomObjectsApi, log: Logger, event_client: EventClient | None
    ) -> None:
        super().__init__(
            k8s_api,
            log,
            event_client,
            model=AnalyticsDataSourceBinding,
            status_model=AnalyticsDataSourceBindingStatus,
            sdk_model=sdk_models.AnalyticsDataSourceBinding,
            sdk_status_model=sdk_models.AnalyticsDataSourceBindingStatus,
        )
        self.sdk = sdk_clients.AnalyticsDataSourceBindingClient(
            self.transport, events=event_client, log=log
        )

    async def list_by_workspace(
        self, namespace: str, workspace: str
    ) -> builtins.list[AnalyticsDataSourceBinding]:
        """The bindings in ``namespace`` whose ``spec.workspace`` is ``workspace``, by name.

        Bindings lacking the workspace label get it first; selection is by label and then by
        ``spec.workspace`` itself.
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
