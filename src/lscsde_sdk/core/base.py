"""What every verb of the generic client shares: the kind it is bound to, its settings, and
sending a request and validating the answer.

:class:`ClientBase` holds them; the verbs (:mod:`.verbs`), the pager (:mod:`.paging`) and
the watch (:mod:`.watching`) are built on it, and :class:`~lscsde_sdk.core.client.
CustomResourceClient` combines them.
"""

from __future__ import annotations

import dataclasses
import functools
import logging
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, ClassVar, Generic, TypeVar, cast

from pydantic import ValidationError

from ..model_base import ResourceModel, parsed_from_api
from ..resource import CustomResource, ResourceInfo
from ..rule_checks import rule_violations
from .conflicts import CONFLICT_RETRY
from .errors import ObjectRequiredError
from .list_decoder import ListDecoder
from .lists import (
    ResourceList,
    ResourcePage,
    lean_types,
    list_type,
    list_without_managed_fields,
    restore_classes,
)
from .redaction import Redaction
from .requests import DEFAULT_FIELD_MANAGER, FieldValidation, RequestBuilder
from .retry import RetryPolicy, Timeouts
from .transport import Request, Transport

if TYPE_CHECKING:
    # Only for annotations: importing kubernetes_asyncio.client costs half a second.
    from kubernetes_asyncio.client import ApiClient

__all__ = ["ClientBase"]

ResourceT = TypeVar("ResourceT", bound=CustomResource)
StatusT = TypeVar("StatusT", bound=ResourceModel)

_log = logging.getLogger("lscsde_sdk.core.client")


class ClientBase(Generic[ResourceT, StatusT]):
    """The kind (``resource_type``, ``status_type``, ``secret_paths``: set by the
    generator), the transport and the settings of a client (see
    :class:`~lscsde_sdk.core.client.CustomResourceClient` for what each means)."""

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

    @property
    def requests(self) -> RequestBuilder:
        """The requests of this kind, with this client's field manager and validation."""
        return RequestBuilder(self.info, self.field_manager, self.field_validation)

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

    def _parse(self, body: bytes) -> ResourceT:
        return self.resource_type.from_api_json(body)  # type: ignore[return-value]

    def _parse_page(self, body: bytes, keep_managed_fields: bool) -> ResourcePage[ResourceT]:
        page: ResourceList[ResourceT]
        if keep_managed_fields:
            page = parsed_from_api(self._list_type(), body)
        else:
            resource_type = cast("type[ResourceT]", self.resource_type)
            page = list_without_managed_fields(resource_type, body)
        return _page_of(page)

    async def _receive_page(
        self, request: Request, keep_managed_fields: bool
    ) -> ResourcePage[ResourceT]:
        """The page that answers the list ``request``, its items validated while the answer
        arrives (:class:`~lscsde_sdk.core.list_decoder.ListDecoder`)."""
        decoder = functools.partial(self._list_decoder, keep_managed_fields)
        fed = await self.transport.send_to(self._with_settings(request), decoder)
        page = fed.result()
        if not keep_managed_fields:
            restore_classes(cast("type[ResourceT]", self.resource_type), page)
        return _page_of(page)

    def _list_decoder(self, keep_managed_fields: bool) -> ListDecoder[ResourceT]:
        """A decoder of this kind's lists; without managed fields, its items still need
        :func:`~lscsde_sdk.core.lists.restore_classes`."""
        resource_type = cast("type[ResourceT]", self.resource_type)
        if keep_managed_fields:
            item_type, page_type = resource_type, self._list_type()
        else:
            item_type, page_type = lean_types(resource_type)
        return ListDecoder(
            self.info.api_version,
            self.info.kind,
            item_type.__pydantic_validator__.validate_json,
            functools.partial(parsed_from_api, page_type),
        )

    @classmethod
    def _list_type(cls) -> type[ResourceList[ResourceT]]:
        return list_type(cls.resource_type)

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

    def _checked(self, model: ResourceT) -> ResourceT:
        """``model``, checked against its schema's rules (what create, replace and apply
        send)."""
        found = rule_violations(model)
        if found:
            raise ValidationError.from_exception_data(type(model).__name__, found)
        return model

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


def _page_of(page: ResourceList[ResourceT]) -> ResourcePage[ResourceT]:
    return ResourcePage(
        items=page.items or [],
        continue_token=page.metadata.continue_token or None,
        resource_version=page.metadata.resource_version,
        remaining_item_count=page.metadata.remaining_item_count,
    )
