"""The verbs of the generic client: get, create, replace, patch, apply, delete and the
status writes, each one request (plus the transport's retries).

Two verbs do more, and say so: :meth:`Verbs.create` reads the object back after a failure
that leaves open whether it was created, and :meth:`Verbs.update_status` is a read then a
conditional write, repeated on conflict.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any, TypeVar

from ..model_base import ResourceModel
from ..resource import CustomResource
from .base import ClientBase
from .conflicts import retry_on_conflict
from .errors import AlreadyExistsError, ApiConnectionError, NotFoundError, ServerError
from .requests import PatchType, PropagationPolicy, merge_difference, patch_type_of

__all__ = ["Verbs"]

ResourceT = TypeVar("ResourceT", bound=CustomResource)
StatusT = TypeVar("StatusT", bound=ResourceModel)


class Verbs(ClientBase[ResourceT, StatusT]):
    """Reading one object and writing objects and their status."""

    async def get(
        self, namespace: str, name: str, *, resource_version: str | None = None
    ) -> ResourceT:
        """The object ``name`` in ``namespace``; :class:`NotFoundError` if there is none.

        ``resource_version="0"`` accepts the API server's cached copy (it may lag the latest
        write by moments, as an informer's does) and spares the server a read from etcd."""
        return self._parse(await self._send(self.requests.get(namespace, name, resource_version)))

    async def create(
        self, resource: ResourceT | Mapping[str, Any], *, dry_run: bool = False
    ) -> ResourceT:
        """Create ``resource`` in its ``metadata.namespace``.

        :class:`AlreadyExistsError` if the name is taken. A create is never repeated blindly:
        when a try fails in a way that leaves open whether the object was created (the
        connection broke after sending, or the server answered 500/503/504), the object is
        read back. If it is there with what was sent, that is the answer; if it is not there,
        the create is tried again (as the retry policy allows); if another object took the
        name, :class:`AlreadyExistsError`.
        """
        model = self._checked(self._coerce(resource))
        namespace = self._namespace_of(model)
        body = model.to_api()
        request = self.requests.create(namespace, body, dry_run)
        policy = self.retry or self.transport.retry
        attempt = 1
        while True:
            try:
                return self._parse(await self._send(request))
            except (ApiConnectionError, ServerError) as error:
                # The transport repeats what cannot have taken effect; these may have.
                if not model.metadata.name or dry_run or attempt >= policy.attempts:
                    raise
                existing = await self._created_meanwhile(namespace, model.metadata.name, body)
                if existing is not None:
                    return existing
                self.log.info("%s: not created, trying again", error)
                await self.transport.sleep(policy.backoff(attempt))
                attempt += 1

    async def _created_meanwhile(
        self, namespace: str | None, name: str, sent: Mapping[str, Any]
    ) -> ResourceT | None:
        """After an ambiguous create: the object if it exists with what was sent, ``None`` if
        it does not exist; :class:`AlreadyExistsError` if another object has the name."""
        try:
            existing = await self.get(namespace or "", name)
        except NotFoundError:
            return None
        mine = existing.to_api()
        if mine.get("spec") == sent.get("spec") and _subset(
            (sent.get("metadata") or {}).get("labels") or {},
            (mine.get("metadata") or {}).get("labels") or {},
        ):
            return existing
        raise AlreadyExistsError(
            409,
            "AlreadyExists",
            f"{self.info.kind} {namespace}/{name} exists with other content; the create may "
            "have failed because another writer created it first",
        )

    async def replace(
        self, resource: ResourceT | Mapping[str, Any], *, dry_run: bool = False
    ) -> ResourceT:
        """Replace the whole object. With ``metadata.resourceVersion`` set, a concurrent change
        since that version raises :class:`ConflictError` instead of being overwritten. Fields
        this SDK does not know (read from a newer CRD) are sent back as they were read."""
        model = self._checked(self._coerce(resource))
        namespace = self._namespace_of(model)
        request = self.requests.replace(namespace, self._name_of(model), model.to_api(), dry_run)
        return self._parse(await self._send(request))

    async def patch(
        self,
        namespace: str,
        name: str,
        patch: Mapping[str, Any] | Sequence[Mapping[str, Any]],
        *,
        patch_type: PatchType | None = None,
        dry_run: bool = False,
    ) -> ResourceT:
        """Patch the object. A list is a JSON patch, a mapping a merge patch, unless
        ``patch_type`` says otherwise."""
        return await self._patch(
            namespace, name, patch, patch_type, subresource=None, dry_run=dry_run
        )

    async def json_patch(
        self,
        namespace: str,
        name: str,
        operations: Sequence[Mapping[str, Any]],
        *,
        dry_run: bool = False,
    ) -> ResourceT:
        """Apply RFC 6902 operations.

        For example ``[{"op": "replace", "path": "/spec/x", "value": 1}]``."""
        return await self._patch(
            namespace, name, operations, PatchType.JSON, subresource=None, dry_run=dry_run
        )

    async def merge_patch(
        self,
        namespace: str,
        name: str,
        partial: Mapping[str, Any] | ResourceModel,
        *,
        dry_run: bool = False,
    ) -> ResourceT:
        """Merge ``partial`` into the object (RFC 7386; a ``None`` value removes a field)."""
        body = partial.to_api() if isinstance(partial, ResourceModel) else partial
        return await self._patch(
            namespace, name, body, PatchType.MERGE, subresource=None, dry_run=dry_run
        )

    async def apply(
        self,
        resource: ResourceT | Mapping[str, Any],
        *,
        field_manager: str | None = None,
        force: bool = False,
        dry_run: bool = False,
    ) -> ResourceT:
        """Server-side apply: create or update the fields this manager owns.

        Only fields set on ``resource`` are sent, so the manager claims exactly those, minus
        what only the server manages (``status``, ``metadata.managedFields``, ``uid``,
        ``resourceVersion``, ...: see :meth:`CustomResource.to_apply`), so an object read from
        the server can be applied as it is. With ``force`` the manager takes fields other
        managers own instead of raising a conflict.
        """
        model = self._checked(self._coerce(resource))
        request = self.requests.apply(
            self._namespace_of(model),
            self._name_of(model),
            model.to_apply(),
            field_manager=field_manager,
            force=force,
            dry_run=dry_run,
        )
        return self._parse(await self._send(request))

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
        """Delete the object; what the server's answer says of it: the object itself, when a
        finalizer keeps it, else a reference to it (apiVersion, kind, namespace, name, and
        the uid the server reported).

        ``resource_version``/``uid`` make it conditional: the server answers
        :class:`ConflictError` if the object changed or was replaced.
        """
        request = self.requests.delete(
            namespace,
            name,
            resource_version=resource_version,
            uid=uid,
            propagation_policy=propagation_policy,
            grace_period_seconds=grace_period_seconds,
            dry_run=dry_run,
        )
        return self.requests.deleted(namespace, name, await self._send(request))

    # -- the status subresource ------------------------------------------------------------

    async def patch_status(
        self,
        namespace: str,
        name: str,
        status: StatusT | Mapping[str, Any] | Sequence[Mapping[str, Any]],
        *,
        patch_type: PatchType | None = None,
        dry_run: bool = False,
    ) -> ResourceT:
        """Patch the status subresource.

        A status model, or a mapping of status fields, is validated and merged into
        ``status``. With an explicit ``patch_type``, or a list (JSON patch), ``status`` is the
        raw patch of the whole object, sent as given (the server applies only its status part).
        """
        body: Any
        if isinstance(status, ResourceModel) or (
            isinstance(status, Mapping) and patch_type is None
        ):
            body = {"status": self._coerce_status(status).to_api()}
        else:
            body = status
        return await self._patch(
            namespace, name, body, patch_type, subresource="status", dry_run=dry_run
        )

    async def update_status(
        self,
        namespace: str,
        name: str,
        change: Callable[[StatusT | None], StatusT | Mapping[str, Any] | None],
    ) -> ResourceT:
        """Read the object, compute its new status with ``change(copy of current status)``
        and write it, conditional on the version read; when someone else changed the object
        meanwhile, read it again and repeat, as :attr:`conflict_retry` says
        (:func:`~lscsde_sdk.core.conflicts.retry_on_conflict`; when it runs out,
        :class:`~lscsde_sdk.errors.ConflictRetriesExhaustedError`). ``change`` may be called
        more than once and must only compute; returning ``None`` leaves the status as it is.

        The status becomes exactly what ``change`` returns (the write is the merge patch from
        the current status to it, so fields and map keys it dropped are removed). Returns the
        object as written (or as read, when nothing changed).

        RBAC: ``get`` on ``<plural>`` (the read) and ``patch`` on ``<plural>/status`` (the
        write). :meth:`patch_status` needs only the latter, and sends one request.
        """

        async def attempt() -> ResourceT:
            current = await self.get(namespace, name)
            status: ResourceModel | None = getattr(current, "status", None)
            wanted = change(status.model_copy(deep=True) if status is not None else None)  # type: ignore[arg-type]
            if wanted is None:
                return current
            new = self._coerce_status(wanted).to_api()
            old = status.to_api() if status is not None else None
            difference = merge_difference(old, new) if old is not None else new
            if not difference:
                return current
            body = {
                "metadata": {"resourceVersion": current.metadata.resource_version},
                "status": difference,
            }
            return await self._patch(
                namespace, name, body, PatchType.MERGE, subresource="status", dry_run=False
            )

        return await retry_on_conflict(
            attempt,
            policy=self.conflict_retry,
            what=f"{self.info.kind} {namespace}/{name}",
            log=self.log,
        )

    async def replace_status(self, resource: ResourceT | Mapping[str, Any]) -> ResourceT:
        """Replace the status subresource from ``resource.status`` (spec changes are ignored)."""
        model = self._coerce(resource)
        request = self.requests.replace(
            self._namespace_of(model), self._name_of(model), model.to_api(), False, "status"
        )
        return self._parse(await self._send(request))

    async def _patch(
        self,
        namespace: str,
        name: str,
        body: Any,
        patch_type: PatchType | None,
        *,
        subresource: str | None,
        dry_run: bool,
    ) -> ResourceT:
        request = self.requests.patch(
            namespace,
            name,
            body,
            patch_type_of(body, patch_type),
            subresource=subresource,
            dry_run=dry_run,
        )
        return self._parse(await self._send(request))


def _subset(small: Mapping[str, Any], big: Mapping[str, Any]) -> bool:
    return all(big.get(key) == value for key, value in small.items())
