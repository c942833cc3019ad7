"""``AnalyticsWorkspaceBindingClient`` over
:class:`lscsde_sdk.clients.AnalyticsWorkspaceBindingClient`."""

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
from .models import AnalyticsWorkspaceBinding, AnalyticsWorkspaceBindingStatus

__all__ = ["AnalyticsWorkspaceBindingClient"]


class AnalyticsWorkspaceBindingClient(
    ResourceClient[
        AnalyticsWorkspaceBinding,
        AnalyticsWorkspaceBindingStatus,
        sdk_models.AnalyticsWorkspaceBinding,
        sdk_models.AnalyticsWorkspaceBindingStatus,
    ]
):
    """Reads and writes AnalyticsWorkspaceBindings; finds a user's bindings.

    Every binding written carries the label ``xlscsde.nhs.uk/username`` with the label form
    of its ``spec.username``. Creates record WorkspaceBindingCreated; patches and replaces
    WorkspaceBindingUpdated; deletes WorkspaceBindingDeleted.
    """

    adaptor = TypeAdapter(AnalyticsWorkspaceBinding)
    sdk: sdk_clients.AnalyticsWorkspaceBindingClient

    def __init__(
        self, k8s_api: CustomObjectsApi, log: Logger, event_client: EventClient | None
    ) -> None:
        super().__init__(
            k8s_api,
            log,
            event_client,
            model=AnalyticsWorkspaceBinding,
            status_model=AnalyticsWorkspaceBindingStatus,
            sdk_model=sdk_models.AnalyticsWorkspaceBinding,
            sdk_status_model=sdk_models.AnalyticsWorkspaceBindingStatus,
        )
        self.sdk = sdk_clients.AnalyticsWorkspaceBindingClient(
            self.transport, events=event_client, log=log
        )

    async def list_by_username(
        self, namespace: str, username: str
    ) -> builtins.list[AnalyticsWorkspaceBinding]:
        """The bindings in ``namespace`` whose ``spec.username`` is ``username`` (ignoring
        case), by name.

        Bindings lacking the username label get it first; selection is by label and then by
        the username itself, so users whose names share a label value never see each other's
        bindings. A username with no label form is found by reading every binding.
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
