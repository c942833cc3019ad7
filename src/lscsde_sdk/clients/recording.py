"""Clients that report their changes as Kubernetes Events and delete in two steps.

:class:`RecordingClient` is the base of the hand-written per-kind clients. Given an
:class:`~lscsde_sdk.events.EventRecorder` it records, after each successful write:

* ``create`` → ``<Kind>Created``;
* ``replace``, ``patch``, ``json_patch``, ``merge_patch``, ``apply`` → ``<Kind>Updated``;
* ``delete`` → ``<Kind>Deleted``.

Status writes (``patch_status``, ``replace_status``) record nothing: they are a controller's
report of what it observed, not a change to the object. Dry runs record nothing either. A
failure to record an event is logged and never fails the write.

``delete`` first sets ``status.statusText`` to ``Deleting`` so that watchers see the object is
going away, then deletes it.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any, Final

from kubernetes_asyncio.client import ApiClient

from ..errors import ConflictError, ForbiddenError, NotFoundError
from .base import (
    DEFAULT_FIELD_MANAGER,
    CustomResourceClient,
    FieldValidation,
    PatchType,
    PropagationPolicy,
    ResourceChange,
    ResourceT,
    StatusT,
)
from .transport import Transport

if TYPE_CHECKING:
    # Only for annotations: lscsde_sdk.events imports this package.
    from ..events import EventRecorder

__all__ = ["DELETING_STATUS", "RecordingClient"]

#: ``status.statusText`` of an object that is being deleted.
DELETING_STATUS: Final = "Deleting"

_log = logging.getLogger(__name__)


class RecordingClient(CustomResourceClient[ResourceT, StatusT]):
    """A per-kind client that records an event for each change it makes.

    ``events`` records the events (``None``: none are recorded); ``log`` receives warnings
    about work that was skipped (default: this module's logger).
    """

    def __init__(
        self,
        api: ApiClient | Transport,
        *,
        events: EventRecorder | None = None,
        log: logging.Logger | None = None,
        field_manager: str = DEFAULT_FIELD_MANAGER,
        field_validation: FieldValidation = "Strict",
    ) -> None:
        super().__init__(api, field_manager=field_manager, field_validation=field_validation)
        self.events = events
        self.log = log or _log

    async def _after_write(
        self, change: ResourceChange, resource: ResourceT, *, dry_run: bool
    ) -> ResourceT:
        resource = await super()._after_write(change, resource, dry_run=dry_run)
        if self.events is not None and not dry_run:
            await self.events.record_change(resource, change)
        return resource

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
        mark_deleting: bool = True,
    ) -> None:
        """Mark the object ``Deleting`` (unless ``mark_deleting`` is false), delete it and
        record ``<Kind>Deleted``.

        Only ``namespace`` and ``name`` are needed. ``resource_version`` makes the whole
        operation conditional: the mark is refused with :class:`ConflictError` if the object
        changed since that version, and the delete is then conditional on the version the
        mark produced. With ``uid``, an object that is not the one named is neither marked nor
        deleted (:class:`ConflictError` from the delete). A missing object raises
        :class:`NotFoundError` from the delete.
        """
        marked = None
        if mark_deleting:
            marked = await self.mark_deleting(
                namespace, name, resource_version=resource_version, uid=uid, dry_run=dry_run
            )
            if marked is not None and resource_version is not None:
                # The mark changed the object; the caller's precondition was checked by it.
                resource_version = marked.metadata.resource_version
        await super().delete(
            namespace,
            name,
            resource_version=resource_version,
            uid=uid,
            propagation_policy=propagation_policy,
            grace_period_seconds=grace_period_seconds,
            dry_run=dry_run,
        )
        if self.events is not None and not dry_run:
            subject: Any = marked if marked is not None else self._reference(namespace, name)
            await self.events.record_change(subject, ResourceChange.DELETED)

    async def mark_deleting(
        self,
        namespace: str,
        name: str,
        *,
        resource_version: str | None = None,
        uid: str | None = None,
        dry_run: bool = False,
    ) -> ResourceT | None:
        """Set ``status.statusText`` to ``Deleting``; the updated object, or ``None`` when it
        does not exist, is not the object ``uid`` names, or RBAC does not allow writing its
        status (the delete goes on and reports the first two itself).

        With ``resource_version`` the mark is refused with :class:`ConflictError` if the
        object changed since that version.
        """
        version = resource_version
        try:
            if uid is not None:
                # The server ignores a uid in a patch, so check it on a read and make the mark
                # conditional on the version read: no other object can be marked.
                current = await self.get(namespace, name)
                if current.metadata.uid != uid:
                    return None
                version = version or current.metadata.resource_version
            body: dict[str, Any] = {"status": {"statusText": DELETING_STATUS}}
            if version:
                body["metadata"] = {"resourceVersion": version}
            return await self._patch(
                namespace, name, body, PatchType.MERGE, subresource="status", dry_run=dry_run
            )
        except NotFoundError:
            return None
        except ConflictError:
            if resource_version is not None:
                raise  # the caller's precondition failed
            # Only the version read for the uid check went stale: skip the mark.
            return None
        except ForbiddenError as exc:
            self.log.warning(
                "could not mark %s %s/%s as %s before deleting it: %s",
                self.info.kind,
                namespace,
                name,
                DELETING_STATUS,
                exc,
            )
            return None

    def _reference(self, namespace: str, name: str) -> dict[str, Any]:
        # What is known of an object that could not be read: enough for an event's regarding.
        return {
            "apiVersion": self.info.api_version,
            "kind": self.info.kind,
            "metadata": {"namespace": namespace, "name": name},
        }
