"""The generic async client every generated per-kind client is built on.

One class does the REST work for any custom resource kind; a generated client only binds the
kind's model and status classes (and, for a kind with field indexes, derives from
:class:`lscsde_sdk.indexing.IndexedClient`, which keeps their labels). Models go in and come
out; plain dicts are accepted wherever a model is, and are validated with the same rules
first.

Each verb (create, get, list_page, patch, replace, apply, delete, watch and the status
writes) sends one request, plus the transport's retries; a create whose outcome is unknown
is read back (see :meth:`CustomResourceClient.create`). ``list``/``iterate``/``pages`` send
one request per page; :meth:`~CustomResourceClient.update_status` reads, then writes, and
repeats both on conflict. A write records no event:
:class:`lscsde_sdk.recording.Recording` composes a client with a recorder. Reads never
write anything.
"""

from __future__ import annotations

import builtins
import dataclasses
import json
import logging
from collections.abc import (
    AsyncIterator,
    Callable,
    Mapping,
    Sequence,
)
from contextlib import asynccontextmanager
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING, Any, ClassVar, Final, Generic, Literal, TypeVar

from pydantic import ValidationError

from ..errors import (
    AlreadyExistsError,
    ApiConnectionError,
    NotFoundError,
    ObjectRequiredError,
    ServerError,
)
from ..model_base import ResourceModel, parsed_from_api, rule_violations
from ..resource import CustomResource, ResourceInfo
from .conflicts import CONFLICT_RETRY, retry_on_conflict
from .lists import ResourceList
from .paging import prefetching_pages
from .redaction import Redaction
from .retry import NO_RETRY, RetryPolicy, Timeouts
from .transport import APPLY_PATCH, JSON_PATCH, MERGE_PATCH, Request, Transport
from .watch_decoder import WatchDecoder, WatchEvent
from .watch_stream import WatchStream

if TYPE_CHECKING:
    # Only for annotations: importing kubernetes_asyncio.client costs half a second.
    from kubernetes_asyncio.client import ApiClient

__all__ = [
    "DEFAULT_FIELD_MANAGER",
    "CustomResourceClient",
    "PatchType",
    "PropagationPolicy",
    "ResourcePage",
]

ResourceT = TypeVar("ResourceT", bound=CustomResource)
StatusT = TypeVar("StatusT", bound=ResourceModel)
_T = TypeVar("_T")

FieldValidation = Literal["Strict", "Warn", "Ignore"]
PropagationPolicy = Literal["Foreground", "Background", "Orphan"]

#: The default field manager recorded by the API server for our writes.
DEFAULT_FIELD_MANAGER: Final = "lscsde-sdk"

_log = logging.getLogger(__name__)


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
    """CRUD, patch, apply, list, lookups and watch for one custom resource kind.

    ``api`` is a kubernetes_asyncio ``ApiClient`` (its one :class:`Transport` is used: see
    :meth:`Transport.of`) or a :class:`Transport`. ``log`` receives warnings about work
    that was skipped. ``retry`` and ``timeouts`` replace the transport's for this client's
    requests; ``conflict_retry`` is how read-modify-writes
    (:meth:`update_status`; an indexed client's ``relabel``) are repeated on conflict (see
    :mod:`lscsde_sdk.core.conflicts`).

    Errors built from the server's answers mask the kind's :attr:`secret_paths` and the
    secrets the request carried (see :mod:`lscsde_sdk.core.redaction`).
    """

    resource_type: ClassVar[type[CustomResource]]
    status_type: ClassVar[type[ResourceModel]]
    #: Schema paths of the kind's secrets (set by the generator).
    secret_paths: ClassVar[tuple[str, ...]] = ()

    def __init__(
        self,
        api: ApiClient | Transport,
        *,
        log: logging.Logger | None = None,
        field_manager: str = DEFAULT_FIELD_MANAGER,
        field_validation: FieldValidation = "Strict",
        retry: RetryPolicy | None = None,
        timeouts: Timeouts | None = None,
        conflict_retry: RetryPolicy = CONFLICT_RETRY,
    ) -> None:
        self.transport = Transport.of(api)
        self.log = log or _log
        self.field_manager = field_manager
        # Strict: the server rejects fields its schema does not know instead of dropping them.
        self.field_validation = field_validation
        self.retry = retry
        self.timeouts = timeouts
        self.conflict_retry = conflict_retry

    @property
    def info(self) -> ResourceInfo:
        return self.resource_type.__resource__

    # -- reading ---------------------------------------------------------------------------

    async def get(
        self, namespace: str, name: str, *, resource_version: str | None = None
    ) -> ResourceT:
        """The object ``name`` in ``namespace``; :class:`NotFoundError` if there is none.

        ``resource_version="0"`` accepts the API server's cached copy (it may lag the latest
        write by moments, as an informer's does) and spares the server a read from etcd."""
        query = [("resourceVersion", resource_version)] if resource_version is not None else []
        body = await self._send(Request("GET", self._object_path(namespace, name), query=query))
        return self._parse(body)

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
        request = self._list_request(
            namespace, label_selector, field_selector, limit, continue_token, resource_version
        )
        return self._parse_page(await self._send(request))

    async def pages(
        self,
        namespace: str | None,
        *,
        label_selector: str | None = None,
        field_selector: str | None = None,
        page_size: int | None = 500,
    ) -> AsyncIterator[ResourcePage[ResourceT]]:
        """Every page of matching objects (``page_size`` objects a page).

        The next page is requested before the current one is parsed, so the server prepares
        and sends it while this process validates: a long list costs little more than the
        server's time to send it.
        """

        def request(token: str | None) -> Request:
            return self._list_request(namespace, label_selector, field_selector, page_size, token)

        async for page in prefetching_pages(
            self._send, request, self._parse_page, lambda page: page.continue_token
        ):
            yield page

    async def iterate(
        self,
        namespace: str | None,
        *,
        label_selector: str | None = None,
        field_selector: str | None = None,
        page_size: int | None = 500,
    ) -> AsyncIterator[ResourceT]:
        """Every matching object, page by page (see :meth:`pages`)."""
        async for page in self.pages(
            namespace,
            label_selector=label_selector,
            field_selector=field_selector,
            page_size=page_size,
        ):
            for item in page.items:
                yield item

    async def list(
        self,
        namespace: str | None,
        *,
        label_selector: str | None = None,
        field_selector: str | None = None,
        page_size: int | None = 500,
    ) -> builtins.list[ResourceT]:
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
        request = Request(
            "POST",
            self.info.collection_path(namespace),
            query=self._write_query(dry_run),
            body=body,
        )
        policy = self.retry or self.transport.retry
        attempt = 1
        while True:
            try:
                created = self._parse(await self._send(request))
                break
            except (ApiConnectionError, ServerError) as error:
                # The transport repeats what cannot have taken effect; these may have.
                if not model.metadata.name or dry_run or attempt >= policy.attempts:
                    raise
                existing = await self._created_meanwhile(namespace, model.metadata.name, body)
                if existing is not None:
                    created = existing
                    break
                self.log.info("%s: not created, trying again", error)
                await self.transport.sleep(policy.backoff(attempt))
                attempt += 1
        return created

    async def replace(
        self, resource: ResourceT | Mapping[str, Any], *, dry_run: bool = False
    ) -> ResourceT:
        """Replace the whole object. With ``metadata.resourceVersion`` set, a concurrent change
        since that version raises :class:`ConflictError` instead of being overwritten. Fields
        this SDK does not know (read from a newer CRD) are sent back as they were read."""
        model = self._checked(self._coerce(resource))
        namespace = self._namespace_of(model)
        request = Request(
            "PUT",
            self._object_path(namespace, self._name_of(model)),
            query=self._write_query(dry_run),
            body=model.to_api(),
        )
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
        namespace = self._namespace_of(model)
        path = self._object_path(namespace, self._name_of(model), "status")
        request = Request("PUT", path, query=self._write_query(False), body=model.to_api())
        return self._parse(await self._send(request))

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
            body=model.to_apply(),
            content_type=APPLY_PATCH,
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
        answer = await self._send(Request("DELETE", self._object_path(namespace, name), body=body))
        return self._deleted(namespace, name, answer)

    # -- watching ----------------------------------------------------------------------------

    async def watch(
        self,
        namespace: str | None,
        *,
        label_selector: str | None = None,
        field_selector: str | None = None,
        resource_version: str | None = None,
        timeout_seconds: int | None = None,
    ) -> AsyncIterator[WatchEvent[ResourceT]]:
        """One watch request: the changes to matching objects as typed events, until the
        server ends the stream (after ``timeout_seconds``, or a time of its choosing).

        Without ``resource_version`` every current object comes first as ``ADDED``; with
        it, the changes after that version. ``BOOKMARK`` events carry only a version to
        resume from. Nothing is repeated and nothing resumes: an ``ERROR`` event raises its
        typed error (:class:`~lscsde_sdk.errors.GoneError` when the version is too old), a
        dropped connection or a stream silent for longer than the read timeout (see
        :class:`~lscsde_sdk.core.retry.Timeouts`) raises
        :class:`~lscsde_sdk.errors.ApiConnectionError`. :class:`lscsde_sdk.runtime.Watcher`
        resumes watches across all of that.
        """
        async with self.open_watch(
            namespace,
            label_selector=label_selector,
            field_selector=field_selector,
            resource_version=resource_version,
            timeout_seconds=timeout_seconds,
        ) as stream:
            async for event in stream:
                yield event

    @asynccontextmanager
    async def open_watch(
        self,
        namespace: str | None,
        *,
        label_selector: str | None = None,
        field_selector: str | None = None,
        resource_version: str | None = None,
        timeout_seconds: int | None = None,
    ) -> AsyncIterator[WatchStream[ResourceT]]:
        """:meth:`watch`, in two steps: entering returns once the server has accepted the
        watch (an error if it refused it), and the stream yields its events."""
        if timeout_seconds is not None and timeout_seconds < 1:
            raise ValueError(f"timeout_seconds must be at least 1, got {timeout_seconds}")
        query = [("watch", "true"), ("allowWatchBookmarks", "true")]
        for name, value in (
            ("resourceVersion", resource_version),
            ("labelSelector", label_selector),
            ("fieldSelector", field_selector),
            ("timeoutSeconds", None if timeout_seconds is None else str(timeout_seconds)),
        ):
            if value:
                query.append((name, value))
        path = self.info.collection_path(namespace)
        timeouts = self.timeouts or self.transport.timeouts
        redaction = Redaction(self.secret_paths) if self.secret_paths else None
        # One try: a watch is resumed from the right version by whoever watches, not here.
        request = Request(
            "GET",
            path,
            query=query,
            stream=True,
            timeouts=timeouts,
            retry=NO_RETRY,
            redaction=redaction,
        )
        async with self.transport.open(request) as response:
            yield WatchStream(
                response,
                WatchDecoder(self.resource_type),  # type: ignore[arg-type]
                path=path,
                silence=timeouts.read,
                count_bytes=self.transport.count_bytes,
                redaction=redaction,
            )

    # -- hooks for the write paths -------------------------------------------------------------

    def _checked(self, model: ResourceT) -> ResourceT:
        """``model``, checked against its schema's rules (what create, replace and apply
        send)."""
        found = rule_violations(model)
        if found:
            raise ValidationError.from_exception_data(type(model).__name__, found)
        return model

    # -- helpers ---------------------------------------------------------------------------

    async def _send(self, request: Request) -> bytes:
        return await self.transport.send(self._with_settings(request))

    def _with_settings(self, request: Request) -> Request:
        """``request`` with this client's retry policy and timeouts, unless it has its own,
        and what to mask in its errors: the kind's secrets, and those it carries."""
        redaction = request.redaction
        if redaction is None and self.secret_paths:
            redaction = Redaction(self.secret_paths).including(request.body)
        if self.retry is None and self.timeouts is None and redaction is request.redaction:
            return request
        return dataclasses.replace(
            request,
            retry=request.retry or self.retry,
            timeouts=request.timeouts or self.timeouts,
            redaction=redaction,
        )

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
        patch_type = patch_type_of(body, patch_type)
        if patch_type is PatchType.JSON:
            body = [dict(op) for op in body]
        request = self._patch_request(
            namespace, name, body, patch_type, subresource=subresource, dry_run=dry_run
        )
        return self._parse(await self._send(request))

    def _patch_request(
        self,
        namespace: str,
        name: str,
        body: Any,
        patch_type: PatchType = PatchType.MERGE,
        *,
        subresource: str | None = None,
        dry_run: bool = False,
    ) -> Request:
        # A JSON patch that tests something first (a resourceVersion) is safe to repeat.
        guarded = patch_type is PatchType.JSON and any(op.get("op") == "test" for op in body)
        return Request(
            "PATCH",
            self._object_path(namespace, name, subresource),
            query=self._write_query(dry_run),
            body=body,
            content_type=patch_type.value,
            idempotent=True if guarded else None,
        )

    def _list_request(
        self,
        namespace: str | None,
        label_selector: str | None,
        field_selector: str | None,
        limit: int | None,
        continue_token: str | None,
        resource_version: str | None = None,
    ) -> Request:
        query: builtins.list[tuple[str, str]] = []
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
        return Request("GET", self.info.collection_path(namespace), query=query)

    def _parse_page(self, body: bytes) -> ResourcePage[ResourceT]:
        page = parsed_from_api(self._list_type(), body)
        return ResourcePage(
            items=page.items or [],
            continue_token=page.metadata.continue_token or None,
            resource_version=page.metadata.resource_version,
            remaining_item_count=page.metadata.remaining_item_count,
        )

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

    def _parse(self, body: bytes) -> ResourceT:
        return self.resource_type.from_api_json(body)  # type: ignore[return-value]

    @classmethod
    def _list_type(cls) -> type[ResourceList[ResourceT]]:
        return ResourceList[cls.resource_type]  # type: ignore[name-defined]

    def _deleted(self, namespace: str, name: str, answer: bytes) -> dict[str, Any]:
        """What the server's answer to a delete says of the object: the object itself (kept
        by a finalizer), or a Status whose details carry its uid."""
        reference = self._reference(namespace, name)
        try:
            body = json.loads(answer) if answer else {}
        except ValueError:
            return reference
        if not isinstance(body, dict):
            return reference
        if body.get("kind") == self.info.kind:
            return body
        uid = (body.get("details") or {}).get("uid") if body.get("kind") == "Status" else None
        if uid:
            reference["metadata"]["uid"] = uid
        return reference

    def _reference(self, namespace: str, name: str) -> dict[str, Any]:
        # What is known of an object that could not be read: enough for an event's regarding.
        return {
            "apiVersion": self.info.api_version,
            "kind": self.info.kind,
            "metadata": {"namespace": namespace, "name": name},
        }


def _name(item: Any) -> str:
    return str(item.metadata.name)


def patch_type_of(body: Any, patch_type: PatchType | None) -> PatchType:
    """``patch_type``, or the type of ``body``: a mapping is a merge patch, a list of
    operations a JSON patch."""
    if patch_type is not None:
        return patch_type
    if isinstance(body, Mapping):
        return PatchType.MERGE
    if isinstance(body, Sequence) and not isinstance(body, str | bytes):
        return PatchType.JSON
    raise TypeError(
        f"a patch is a mapping (merge patch) or a list of operations (JSON patch), "
        f"got {type(body).__name__}"
    )


def merge_difference(old: Mapping[str, Any], new: Mapping[str, Any]) -> dict[str, Any]:
    """The RFC 7386 merge patch that turns ``old`` into ``new`` (``None`` removes a key;
    lists are replaced whole). Empty when they are equal."""
    patch: dict[str, Any] = {key: None for key in old if key not in new}
    for key, value in new.items():
        before = old.get(key)
        if isinstance(value, Mapping) and isinstance(before, Mapping):
            nested = merge_difference(before, value)
            if nested:
                patch[key] = nested
        elif key not in old or before != value:
            patch[key] = value
    return patch


def _subset(small: Mapping[str, Any], big: Mapping[str, Any]) -> bool:
    return all(big.get(key) == value for key, value in small.items())
