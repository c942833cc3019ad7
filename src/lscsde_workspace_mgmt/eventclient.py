"""``EventClient``: lscsde_sdk's event client, taking the compat models as well.

Events go to events.k8s.io/v1 and are built to pass the server's validation (see
:mod:`lscsde_sdk.events`). Unlike the old client, recording an event never raises: a failure
is logged as a warning, so an event can no longer fail the change it reports.
"""

from __future__ import annotations

from logging import Logger
from typing import Any

from kubernetes_asyncio.client import ApiClient, EventsV1Api

from lscsde_sdk import events as sdk_events
from lscsde_sdk.events import ResourceChange

from ._base import CompatModel
from ._convert import to_api_dict
from .models import (
    AnalyticsCrate,
    AnalyticsDataSource,
    AnalyticsDataSourceBinding,
    AnalyticsWorkspace,
    AnalyticsWorkspaceBinding,
)

__all__ = ["EventClient"]

#: The reporting controller of the old EventClient when none is given.
DEFAULT_REPORTING_CONTROLLER = "xlscsde.nhs.uk/undefined-controller"

Subject = CompatModel | sdk_events.EventSubject
Recorded = dict[str, Any] | None


class EventClient(sdk_events.EventRecorder):
    """Records events about workspaces, data sources, their bindings and crates.

    ``reporting_controller`` names the component in each event (a qualified name such as
    ``xlscsde.nhs.uk/jupyterhub``), ``reporting_user`` the user named in the default notes; the
    reporting instance is ``$HOSTNAME`` (or ``$COMPUTERNAME``), read now. Every method also
    accepts lscsde_sdk models and plain API object mappings.
    """

    def __init__(
        self,
        api_client: ApiClient,
        log: Logger,
        reporting_controller: str = DEFAULT_REPORTING_CONTROLLER,
        reporting_user: str = sdk_events.DEFAULT_REPORTING_USER,
    ) -> None:
        super().__init__(
            api_client,
            log=log,
            reporting_controller=reporting_controller,
            reporting_user=reporting_user,
        )
        # The old client's attribute, for code that reached for the raw events API.
        self.api = EventsV1Api(api_client)

    async def emit(
        self,
        subject: Subject,
        reason: str,
        note: str,
        type: sdk_events.EventType = "Normal",
        action: str | None = None,
    ) -> dict[str, Any]:
        """Create the event and return it as stored; raises on failure (see ``record``)."""
        # Every other method ends here: compat models become the API object they stand for.
        if isinstance(subject, CompatModel):
            subject = to_api_dict(subject)
        return await super().emit(subject, reason, note, type=type, action=action)

    # The old methods, typed for the compat models; recording is lscsde_sdk's.

    async def RegisterWorkspaceEvent(
        self, workspace: AnalyticsWorkspace | Subject, reason: str, note: str
    ) -> Recorded:
        """Records an event about a workspace with the given reason and note."""
        return await self.record(_subject(workspace), reason, note)

    async def RegisterWorkspaceBindingEvent(
        self, binding: AnalyticsWorkspaceBinding | Subject, reason: str, note: str
    ) -> Recorded:
        """Records an event about a workspace binding with the given reason and note."""
        return await self.record(_subject(binding), reason, note)

    async def RegisterDataSourceEvent(
        self, datasource: AnalyticsDataSource | Subject, reason: str, note: str
    ) -> Recorded:
        """Records an event about a data source with the given reason and note."""
        return await self.record(_subject(datasource), reason, note)

    async def RegisterDataSourceBindingEvent(
        self, binding: AnalyticsDataSourceBinding | Subject, reason: str, note: str
    ) -> Recorded:
        """Records an event about a data source binding with the given reason and note."""
        return await self.record(_subject(binding), reason, note)

    async def RegisterCrateEvent(
        self, crate: AnalyticsCrate | Subject, reason: str, note: str
    ) -> Recorded:
        """Records an event about a crate with the given reason and note."""
        return await self.record(_subject(crate), reason, note)

    async def WorkspaceCreated(
        self, workspace: AnalyticsWorkspace | Subject, note: str | None = None
    ) -> Recorded:
        """Records WorkspaceCreated."""
        return await self.record_change(
            _subject(workspace), ResourceChange.CREATED, note, kind="AnalyticsWorkspace"
        )

    async def WorkspaceUpdated(
        self, workspace: AnalyticsWorkspace | Subject, note: str | None = None
    ) -> Recorded:
        """Records WorkspaceUpdated."""
        return await self.record_change(
            _subject(workspace), ResourceChange.UPDATED, note, kind="AnalyticsWorkspace"
        )

    async def WorkspaceDeleted(
        self, workspace: AnalyticsWorkspace | Subject, note: str | None = None
    ) -> Recorded:
        """Records WorkspaceDeleted."""
        return await self.record_change(
            _subject(workspace), ResourceChange.DELETED, note, kind="AnalyticsWorkspace"
        )

    async def WorkspaceBindingCreated(
        self, binding: AnalyticsWorkspaceBinding | Subject, note: str | None = None
    ) -> Recorded:
        """Records WorkspaceBindingCreated."""
        return await self.record_change(
            _subject(binding), ResourceChange.CREATED, note, kind="AnalyticsWorkspaceBinding"
        )

    async def WorkspaceBindingUpdated(
        self, binding: AnalyticsWorkspaceBinding | Subject, note: str | None = None
    ) -> Recorded:
        """Records WorkspaceBindingUpdated."""
        return await self.record_change(
            _subject(binding), ResourceChange.UPDATED, note, kind="AnalyticsWorkspaceBinding"
        )

    async def WorkspaceBindingDeleted(
        self, binding: AnalyticsWorkspaceBinding | Subject, note: str | None = None
    ) -> Recorded:
        """Records WorkspaceBindingDeleted."""
        return await self.record_change(
            _subject(binding), ResourceChange.DELETED, note, kind="AnalyticsWorkspaceBinding"
        )

    async def DataSourceCreated(
        self, datasource: AnalyticsDataSource | Subject, note: str | None = None
    ) -> Recorded:
        """Records DataSourceCreated."""
        return await self.record_change(
            _subject(datasource), ResourceChange.CREATED, note, kind="AnalyticsDataSource"
        )

    async def DataSourceUpdated(
        self, datasource: AnalyticsDataSource | Subject, note: str | None = None
    ) -> Recorded:
        """Records DataSourceUpdated."""
        return await self.record_change(
            _subject(datasource), ResourceChange.UPDATED, note, kind="AnalyticsDataSource"
        )

    async def DataSourceDeleted(
        self, datasource: AnalyticsDataSource | Subject, note: str | None = None
    ) -> Recorded:
        """Records DataSourceDeleted."""
        return await self.record_change(
            _subject(datasource), ResourceChange.DELETED, note, kind="AnalyticsDataSource"
        )

    async def DataSourceBindingCreated(
        self, binding: AnalyticsDataSourceBinding | Subject, note: str | None = None
    ) -> Recorded:
        """Records DataSourceBindingCreated."""
        return await self.record_change(
            _subject(binding), ResourceChange.CREATED, note, kind="AnalyticsDataSourceBinding"
        )

    async def DataSourceBindingUpdated(
        self, binding: AnalyticsDataSourceBinding | Subject, note: str | None = None
    ) -> Recorded:
        """Records DataSourceBindingUpdated."""
        return await self.record_change(
            _subject(binding), ResourceChange.UPDATED, note, kind="AnalyticsDataSourceBinding"
        )

    async def DataSourceBindingDeleted(
        self, binding: AnalyticsDataSourceBinding | Subject, note: str | None = None
    ) -> Recorded:
        """Records DataSourceBindingDeleted."""
        return await self.record_change(
            _subject(binding), ResourceChange.DELETED, note, kind="AnalyticsDataSourceBinding"
        )

    async def CrateCreated(
        self, crate: AnalyticsCrate | Subject, note: str | None = None
    ) -> Recorded:
        """Records CrateCreated."""
        return await self.record_change(
            _subject(crate), ResourceChange.CREATED, note, kind="AnalyticsCrate"
        )

    async def CrateUpdated(
        self, crate: AnalyticsCrate | Subject, note: str | None = None
    ) -> Recorded:
        """Records CrateUpdated."""
        return await self.record_change(
            _subject(crate), ResourceChange.UPDATED, note, kind="AnalyticsCrate"
        )

    async def CrateDeleted(
        self, crate: AnalyticsCrate | Subject, note: str | None = None
    ) -> Recorded:
        """Records CrateDeleted."""
        return await self.record_change(
            _subject(crate), ResourceChange.DELETED, note, kind="AnalyticsCrate"
        )


def _subject(subject: Subject) -> sdk_events.EventSubject:
    return to_api_dict(subject) if isinstance(subject, CompatModel) else subject
