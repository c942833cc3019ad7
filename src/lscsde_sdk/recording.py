"""Writes that record Kubernetes Events, composed explicitly over a client.

A client's write is one request and records nothing. :class:`Recording` wraps a client and a
recorder (:class:`~lscsde_sdk.events.EventRecorder`): each of its writes is the client's
write, then one event about the object as written (``WorkspaceCreated``,
``DataSourceBindingDeleted``, ...; a second request, POST of an Event). A dry run records
nothing, and neither do status writes (a controller's report, not a change): use
:attr:`Recording.client` for those and for reads. Recording an event never fails the write
(see :meth:`EventRecorder.record`)::

    writes = Recording(AnalyticsWorkspaceClient(api), EventRecorder(api))
    await writes.create(workspace)  # POST the workspace, then POST WorkspaceCreated
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Generic, Protocol, TypeVar

from .core.client import CustomResourceClient, PatchType, PropagationPolicy
from .events import ResourceChange
from .model_base import ResourceModel
from .resource import CustomResource

__all__ = ["ChangeRecorder", "Recording"]

ResourceT = TypeVar("ResourceT", bound=CustomResource)


class ChangeRecorder(Protocol):
    """What records an event about a change (:class:`lscsde_sdk.events.EventRecorder`)."""

    async def record_change(self, subject: Any, change: ResourceChange) -> Any: ...


class Recording(Generic[ResourceT]):
    """``client``'s object writes, each followed by an event recorded with ``recorder``:
    ``<Kind>Created`` after :meth:`create`, ``<Kind>Updated`` after :meth:`replace`,
    :meth:`patch`, :meth:`json_patch`, :meth:`merge_patch` and :meth:`apply`,
    ``<Kind>Deleted`` after :meth:`delete`. Arguments and answers are the client's."""

    def __init__(self, client: CustomResourceClient[ResourceT, Any], recorder: ChangeRecorder):
        self.client = client
        self.recorder = recorder

    async def create(
        self, resource: ResourceT | Mapping[str, Any], *, dry_run: bool = False
    ) -> ResourceT:
        created = await self.client.create(resource, dry_run=dry_run)
        return await self._recorded(created, ResourceChange.CREATED, dry_run)

    async def replace(
        self, resource: ResourceT | Mapping[str, Any], *, dry_run: bool = False
    ) -> ResourceT:
        replaced = await self.client.replace(resource, dry_run=dry_run)
        return await self._recorded(replaced, ResourceChange.UPDATED, dry_run)

    async def patch(
        self,
        namespace: str,
        name: str,
        patch: Mapping[str, Any] | Sequence[Mapping[str, Any]],
        *,
        patch_type: PatchType | None = None,
        dry_run: bool = False,
    ) -> ResourceT:
        patched = await self.client.patch(
            namespace, name, patch, patch_type=patch_type, dry_run=dry_run
        )
        return await self._recorded(patched, ResourceChange.UPDATED, dry_run)

    async def json_patch(
        self,
        namespace: str,
        name: str,
        operations: Sequence[Mapping[str, Any]],
        *,
        dry_run: bool = False,
    ) -> ResourceT:
        patched = await self.client.json_patch(namespace, name, operations, dry_run=dry_run)
        return await self._recorded(patched, ResourceChange.UPDATED, dry_run)

    async def merge_patch(
        self,
        namespace: str,
        name: str,
        partial: Mapping[str, Any] | ResourceModel,
        *,
        dry_run: bool = False,
    ) -> ResourceT:
        patched = await self.client.merge_patch(namespace, name, partial, dry_run=dry_run)
        return await self._recorded(patched, ResourceChange.UPDATED, dry_run)

    async def apply(
        self,
        resource: ResourceT | Mapping[str, Any],
        *,
        field_manager: str | None = None,
        force: bool = False,
        dry_run: bool = False,
    ) -> ResourceT:
        applied = await self.client.apply(
            resource, field_manager=field_manager, force=force, dry_run=dry_run
        )
        return await self._recorded(applied, ResourceChange.UPDATED, dry_run)

    async def delete(
        self,
        namespace: str,
        name: str,
        *,
        resource_version: str | None = None,
        uid: str | None = None,
        propagation_policy: PropagationPolicy | None = None,
        grace_period_seconds: int | None = None,
        dry_run: bool = False,
    ) -> dict[str, Any]:
        """The client's delete; the event is about what its answer says of the object."""
        deleted = await self.client.delete(
            namespace,
            name,
            resource_version=resource_version,
            uid=uid,
            propagation_policy=propagation_policy,
            grace_period_seconds=grace_period_seconds,
            dry_run=dry_run,
        )
        if not dry_run:
            await self.recorder.record_change(deleted, ResourceChange.DELETED)
        return deleted

    async def _recorded(
        self, resource: ResourceT, change: ResourceChange, dry_run: bool
    ) -> ResourceT:
        if not dry_run:
            await self.recorder.record_change(resource, change)
        return resource
