"""``AnalyticsWorkspaceBindingClient`` over
:class:`lscsde_sdk.clients.AnalyticsWorkspaceBindingClient`."""

from __future__ import annotations

import builtins

from lscsde_sdk import clients as sdk_clients

from ._convert import from_sdk, kubernetes_errors
from ._resource import ResourceClient
from .models import AnalyticsWorkspaceBinding, AnalyticsWorkspaceBindingStatus

__all__ = ["AnalyticsWorkspaceBindingClient"]


class AnalyticsWorkspaceBindingClient(
    ResourceClient[
        AnalyticsWorkspaceBinding,
        AnalyticsWorkspaceBindingStatus,
        sdk_clients.AnalyticsWorkspaceBindingClient,
    ]
):
    """Reads and writes AnalyticsWorkspaceBindings; finds a user's bindings.

    Every binding written carries the label ``xlscsde.nhs.uk/username`` with the label form
    of its ``spec.username``. Creates record WorkspaceBindingCreated; patches and replaces
    WorkspaceBindingUpdated; deletes WorkspaceBindingDeleted.
    """

    model = AnalyticsWorkspaceBinding
    status_model = AnalyticsWorkspaceBindingStatus
    sdk_client_type = sdk_clients.AnalyticsWorkspaceBindingClient

    async def list_by_username(
        self, namespace: str, username: str
    ) -> builtins.list[AnalyticsWorkspaceBinding]:
        """The bindings in ``namespace`` whose ``spec.username`` is ``username`` (ignoring
        case), by name.

        The bindings labelled with the username's label form and those without the label
        are read (two lists at once), then checked against the username itself, so bindings
        written by any tool are found and users whose names share a label value never see
        each other's bindings. Nothing is written: the old client labelled the unlabelled
        bindings as a side effect; ``lscsde relabel`` does that explicitly.
        """
        with kubernetes_errors():
            found = await self.sdk.list_by_username(namespace, username)
        return [from_sdk(binding, AnalyticsWorkspaceBinding) for binding in found]

    async def create(  # type: ignore[override]
        self, body: AnalyticsWorkspaceBinding, append_label: bool = True
    ) -> AnalyticsWorkspaceBinding:
        """Create ``body`` in its ``metadata.namespace``, labelled with its username.

        The label is an index the lookups rely on, so it is always set whatever
        ``append_label`` says (the argument is kept for existing callers).
        """
        return await super().create(body)

    async def replace(  # type: ignore[override]
        self, body: AnalyticsWorkspaceBinding, append_label: bool = True
    ) -> AnalyticsWorkspaceBinding:
        """Replace the binding with ``body``, labelled with its username (always, as for
        :meth:`create`)."""
        return await super().replace(body)
