"""``AnalyticsWorkspaceClient`` over :class:`lscsde_sdk.clients.AnalyticsWorkspaceClient`."""

from __future__ import annotations

import builtins

from lscsde_sdk import clients as sdk_clients
from lscsde_sdk.access import DirectReads, user_workspaces, with_effective_expiry

from ._convert import from_sdk, kubernetes_errors
from ._resource import ResourceClient
from .models import AnalyticsWorkspace, AnalyticsWorkspaceStatus
from .workspacebindingclient import AnalyticsWorkspaceBindingClient

__all__ = ["AnalyticsWorkspaceClient"]


class AnalyticsWorkspaceClient(
    ResourceClient[
        AnalyticsWorkspace, AnalyticsWorkspaceStatus, sdk_clients.AnalyticsWorkspaceClient
    ]
):
    """Reads and writes AnalyticsWorkspaces; finds the ones a user is bound to.

    Creates, patches, replaces and deletes record WorkspaceCreated, WorkspaceUpdated and
    WorkspaceDeleted through ``event_client``.
    """

    model = AnalyticsWorkspace
    status_model = AnalyticsWorkspaceStatus
    sdk_client_type = sdk_clients.AnalyticsWorkspaceClient

    async def list_by_username(
        self,
        binding_client: AnalyticsWorkspaceBindingClient,
        namespace: str,
        username: str,
    ) -> builtins.list[AnalyticsWorkspace]:
        """The workspaces in ``namespace`` that ``username`` has a binding to, by name.

        Each carries the user's effective expiry in ``spec.validity.expires``: the earlier of
        the workspace's own and the latest of the user's bindings to it. The user's
        bindings are read as :meth:`AnalyticsWorkspaceBindingClient.list_by_username` reads
        them, then the bound workspaces by name; a binding to a missing workspace is logged
        and skipped. Nothing is written.
        """
        reads = DirectReads(self.sdk, binding_client.sdk)
        with kubernetes_errors():
            found = await user_workspaces(reads, namespace, username, log=self.log)
        return [
            from_sdk(with_effective_expiry(item.workspace, item.expires), AnalyticsWorkspace)
            for item in found
        ]
