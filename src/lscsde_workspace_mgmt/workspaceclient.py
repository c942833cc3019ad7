"""``AnalyticsWorkspaceClient`` over :class:`lscsde_sdk.clients.AnalyticsWorkspaceClient`."""

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
from .models import AnalyticsWorkspace, AnalyticsWorkspaceStatus
from .workspacebindingclient import AnalyticsWorkspaceBindingClient

__all__ = ["AnalyticsWorkspaceClient"]


class AnalyticsWorkspaceClient(
    ResourceClient[
        AnalyticsWorkspace,
        AnalyticsWorkspaceStatus,
        sdk_models.AnalyticsWorkspace,
        sdk_models.AnalyticsWorkspaceStatus,
    ]
):
    """Reads and writes AnalyticsWorkspaces; finds the ones a user is bound to.

    Creates, patches, replaces and deletes record WorkspaceCreated, WorkspaceUpdated and
    WorkspaceDeleted through ``event_client``.
    """

    adaptor = TypeAdapter(AnalyticsWorkspace)
    sdk: sdk_clients.AnalyticsWorkspaceClient

    def __init__(
        self, k8s_api: CustomObjectsApi, log: Logger, event_client: EventClient | None
    ) -> None:
        super().__init__(
            k8s_api,
            log,
            event_client,
            model=AnalyticsWorkspace,
            status_model=AnalyticsWorkspaceStatus,
            sdk_model=sdk_models.AnalyticsWorkspace,
            sdk_status_model=sdk_models.AnalyticsWorkspaceStatus,
        )
        self.sdk = sdk_clients.AnalyticsWorkspaceClient(
            self.transport, events=event_client, log=log
        )

    async def list_by_username(
        self,
        binding_client: AnalyticsWorkspaceBindingClient,
        namespace: str,
        username: str,
    ) -> builtins.list[AnalyticsWorkspace]:
        """The workspaces in ``namespace`` that ``username`` has a binding to, by name.

        Each carries the user's effective expiry in ``spec.validity.expires``: the earlier of
        the workspace's own and the latest of the user's bindings to it. Two list requests
        (plus one label patch per binding that lacks its label) whatever the number of
        bindings; a binding to a missing workspace is logged and skipped.
        """
        with kubernetes_errors():
            found = await self.sdk.list_by_username(binding_client.sdk, namespace, username)
        return [from_sdk(workspace, AnalyticsWorkspace) for workspace in found]
