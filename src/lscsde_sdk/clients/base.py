"""The generic async client every generated per-kind client is built on.

One class does the REST work for any custom resource kind: the generated clients only bind
the kind's model and status classes. Models go in and come out; plain dicts are accepted
wherever a model is, and are validated with the same rules first.
"""

from __future__ import annotations

import builtins
from collections.abc import AsyncIterator, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, ClassVar, Generic, Literal, TypeVar

from kubernetes_asyncio.client import ApiClient

from ..errors import ObjectRequiredError
from ..model_base import ResourceModel
from ..resource import CustomResource, ResourceInfo
from .transport import APPLY_PATCH, JSON_PATCH, MERGE_PATCH, Request, Transport

ResourceT = TypeVar("ResourceT", bound=CustomResource)
StatusT = TypeVar("StatusT", bound=ResourceModel)

FieldValidation = Literal["Strict", "Warn", "Ignore"]
PropagationPolicy = Literal["Foreground", "Background", "Orphan"]

#: The default field manager recorded by the API server for our writes.
DEFAULT_FIELD_MANAGER = "lscsde-sdk"


class ResourceChange(StrEnum):
    """What a successful write did to an object (the verb of its event)."""

    CREATED = "Created"
    UPDATED = "Updated"
    DELETED = "Deleted"


class PatchType(StrEnum):
    """How the server interprets a patch body."""

    JSON = JSON_PATCH  # RFC 6902 list of operations
    MERGE = MERGE_PATCH  # RFC 7386 merge of a partial object (null deletes)


@dataclass(frozen=True)
class ResourcePage(Generic[ResourceT]):
    """One page of a list: the items, and the token for the next page (``None`` at the end)."""

    items: list[ResourceT]
    continue_token: str | None
    resource_version: str | None
    remaining_item_count: int | None = None


class CustomResourceClient(Generic[ResourceT, StatusT]):
    """CRUD, patch, apply and list for one custom resource kind."""

    resource_type: ClassVar[type[CustomResource]]
    status_type: ClassVar[type[ResourceModel]]

    def __init__(
        self,
        api: ApiClient | Transport,
        *,
        field_manager: str = DEFAULT_FIELD_MANAGER,
        field_validation: FieldValidation = "Strict",
    ) -> None:
        self.transport = api if isinstance(api, Transport) else Transport(api)
        self.field_manager = field_manager
        # Strict: the server rejects fields its schema does not know instead of dropping them.
        self.field_validation = field_validation

    @property
    def info(self) -> ResourceInfo:
        return self.resource_type.__resource__

    # -- reading ---------------------------------------------------------------------------

    async def get(self, namespace: str, name: str) -> ResourceT:
        """The object ``name`` in ``namespace``; :class:`NotFoundError` if there is none."""
        data = await self.transport.send_json(Request("GET", self._object_path(namespace, name)))
        return self._parse(data)

    async def list_page(
        self,
        namespace: str | None,
        *,
        label_selector: str | None = None,
        field_selector: str | None = None,
        limit: int | None = None,
        continue_token: str | None = None,
        resource_version: str | None = None,
    ) -> ResourcePage[ResourceT]:
        """One page of objects; ``namespace=None`` lists across all namespaces."""
        query: list[tuple[str, str]] = []
        if label_selector:
            query.append(("labelSelector", label_selector))
        if field_selector:
            query.append(("fieldSelector", field_selector))
        if limit is not None:
            if limit < 1:
                raise ValueError(f"limit must be a positive number of items, got {limit}")
            query.append(("limit", str(limit)))
        if continue_token:
            query.append(("continue", continue_token))
        if resource_version is not None:
            query.append(("resourceVersion", resource_version))
        path = self.info.collection_path(namespace)
        data = await self.transport.send_json(Request("GET", path, query=query))
        metadata = data.get("metadata") or {}
        # Items in a list response carry no apiVersion/kind; the list type implies them.
        items = [self._parse(item) for item in data.get("items") or ()]
        return ResourcePage(
            items=items,
            continue_token=metadata.get("continue") or None,
            resource_version=metadata.get("resourceVersion"),
            remaining_item_count=metadata.get("remainingItemCount"),
        )

    async def iterate(
        self,
        namespace: str | None,
        *,
        label_selector: str | None = None,
        field_selector: str | None = None,
        page_size: int | None = 500,
    ) -> AsyncIterator[ResourceT]:
        """Every matching object, fetching pages of ``page_size`` as they are consumed."""
        token: str | None = None
        while True:
            page = await self.list_page(
                namespace,
                label_selector=label_selector,
                field_selector=field_selector,
                limit=page_size,
                continue_token=token,
            )
            for item in page.items:
                yield item
            token = page.continue_token
            if not token:
                return

    async def list(
        self,
        namespace: str | None,
        *,
        label_selector: str | None = None,
        field_selector: str | None = None,
        page_size: int | None = 500,
    ) -> list[ResourceT]:
        """Every matching object (all pages)."""
        return [
            item
            async for item in self.iterate(
                namespace,
                label_selector=label_selector,
                field_selector=field_selector,
                page_size=page_size,
            )
        ]

    # -- writing ---------------------------------------------------------------------------

    async def create(
        self, resource: ResourceT | Mapping[str, Any], *, dry_run: bool = False
    ) -> ResourceT:
        """Create ``resource`` in its ``metadata.namespace``.

        :class:`AlreadyExistsError` if the name is taken."""
        model = self._before_write(self._coerce(resource))
        namespace = self._namespace_of(model)
        request = Request(
            "POST",
            self.info.collection_path(namespace),
            query=self._write_query(dry_run),
            body=model.to_api(),
        )
        created = self._parse(await self.transport.send_json(request))
        return await self._after_write(ResourceChange.CREATED, created, dry_run=dry_run)

    async def replace(
        self, resource: ResourceT | Mapping[str, Any], *, dry_run: bool = False
    ) -> ResourceT:
        """Replace the whole object. With ``metadata.resourceVersion`` set, a concurrent change
        since that version raises :class:`ConflictError` instead of being overwritten."""
        model = self._before_write(self._coerce(resource))
        namespace = self._namespace_of(model)
        request = Request(
            "PUT",
            self._object_path(namespace, self._name_of(model)),
            query=self._write_query(dry_run),
            body=model.to_api(),
        )
        replaced = self._parse(await self.transport.send_json(request))
        return await self._after_write(ResourceChange.UPDATED, replaced, dry_run=dry_run)

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

    async def replace_status(self, resource: ResourceT | Mapping[str, Any]) -> ResourceT:
        """Replace the status subresource from ``resource.status`` (spec changes are ignored)."""
        model = self._coerce(resource)
        namespace = self._namespace_of(model)
        path = self._object_path(namespace, self._name_of(model), "status")
        request = Request("PUT", path, query=self._write_query(False), body=model.to_api())
        return self._parse(await self.transport.send_json(request))

    async def apply(
        self,
        resource: ResourceT | Mapping[str, Any],
        *,
        field_manager: str | None = None,
        force: bool = False,
        dry_run: bool = False,
    ) -> ResourceT:
        """Server-side apply: create or update the fields this manager owns.

        Only fields set on ``resource`` are sent, so the manager claims exactly those. With
        ``force`` the manager takes fields other managers own instead of raising a conflict.
        """
        model = self._before_write(self._coerce(resource))
        namespace = self._namespace_of(model)
        query = [("fieldManager", field_manager or self.field_manager)]
        query += [("fieldValidation", self.field_validation)]
        if force:
            query.append(("force", "true"))
        if dry_run:
            query.append(("dryRun", "All"))
        request = Request(
            "PATCH",
            self._object_path(namespace, self._name_of(model)),
            query=query,
            body=model.to_api(),
            content_type=APPLY_PATCH,
        )
        applied = self._parse(await self.transport.send_json(request))
        return await self._after_write(ResourceChange.UPDATED, applied, dry_run=dry_run)

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
    ) -> None:
        """Delete the object. ``resource_version``/``uid`` make it conditional: the server
        answers :class:`ConflictError` if the object changed or was replaced."""
        body: dict[str, Any] = {"apiVersion": "v1", "kind": "DeleteOptions"}
        preconditions = {
            key: value
            for key, value in (("resourceVersion", resource_version), ("uid", uid))
            if value
        }
        if preconditions:
            body["preconditions"] = preconditions
        if propagation_policy:
            body["propagationPolicy"] = propagation_policy
        if grace_period_seconds is not None:
            body["gracePeriodSeconds"] = grace_period_seconds
        if dry_run:
            # With a DeleteOptions body the server reads no options from the query string.
            body["dryRun"] = ["All"]
        await self.transport.send(Request("DELETE", self._object_path(namespace, name), body=body))

    # -- hooks for subclasses ----------------------------------------------------------------

    def _before_write(self, model: ResourceT) -> ResourceT:
        """Adjust an object before create, replace or apply sends it; the default sends it as
        given. Overrides return a changed copy and leave the caller's object alone."""
        return model

    async def _after_write(
        self, change: ResourceChange, resource: ResourceT, *, dry_run: bool
    ) -> ResourceT:
        """Called with the server's answer after a successful create (``CREATED``) or replace,
        patch or apply (``UPDATED``) of the object itself; what it returns is what the write
        returns. The default returns ``resource``.

        Status writes do not call it. :meth:`delete` does not either, as the server answers a
        delete with no object; subclasses that report deletions do so in their ``delete``."""
        return resource

    # -- helpers ---------------------------------------------------------------------------

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
        if patch_type is None:
            if isinstance(body, Mapping):
                patch_type = PatchType.MERGE
            elif isinstance(body, Sequence) and not isinstance(body, str | bytes):
                patch_type = PatchType.JSON
            else:
                raise TypeError(
                    f"a patch is a mapping (merge patch) or a list of operations (JSON patch), "
                    f"got {type(body).__name__}"
                )
        if patch_type is PatchType.JSON:
            body = [dict(op) for op in body]
        request = Request(
            "PATCH",
            self._object_path(namespace, name, subresource),
            query=self._write_query(dry_run),
            body=body,
            content_type=patch_type.value,
        )
        patched = self._parse(await self.transport.send_json(request))
        if subresource is None:
            # Status writes are the controller's report of what it observed, not a change to
            # the object; they record no event.
            return await self._after_write(ResourceChange.UPDATED, patched, dry_run=dry_run)
        return patched

    def _write_query(self, dry_run: bool) -> builtins.list[tuple[str, str]]:
        query = [("fieldManager", self.field_manager), ("fieldValidation", self.field_validation)]
        if dry_run:
            query.append(("dryRun", "All"))
        return query

    def _object_path(self, namespace: str | None, name: str, subresource: str | None = None) -> str:
        if not name:
            raise ObjectRequiredError(f"a {self.info.kind} name is required")
        if self.info.namespaced and not namespace:
            raise ObjectRequiredError(f"{self.info.kind} {name!r}: a namespace is required")
        return self.info.object_path(namespace, name, subresource)

    def _namespace_of(self, model: ResourceT) -> str | None:
        if self.info.namespaced and not model.metadata.namespace:
            raise ObjectRequiredError(
                f"{self.info.kind} {model.metadata.name!r}: metadata.namespace is required"
            )
        return model.metadata.namespace

    def _name_of(self, model: ResourceT) -> str:
        if not model.metadata.name:
            raise ObjectRequiredError(f"{self.info.kind}: metadata.name is required")
        return model.metadata.name

    def _coerce(self, resource: ResourceT | Mapping[str, Any]) -> ResourceT:
        if isinstance(resource, self.resource_type):
            return resource
        if isinstance(resource, Mapping):
            return self.resource_type.model_validate(resource)  # type: ignore[return-value]
        raise TypeError(
            f"expected a {self.resource_type.__name__} or a mapping, got {type(resource).__name__}"
        )

    def _coerce_status(self, status: ResourceModel | Mapping[str, Any]) -> ResourceModel:
        if isinstance(status, self.status_type):
            return status
        if isinstance(status, Mapping):
            return self.status_type.model_validate(status)
        raise TypeError(
            f"expected a {self.status_type.__name__} or a mapping, got {type(status).__name__}"
        )

    def _parse(self, data: Any) -> ResourceT:
        return self.resource_type.from_api(data)  # type: ignore[return-value]
