"""The envelope of a list response, validated from the response bytes in one call, and the
page a client makes of it.

Items are validated by pydantic-core straight from JSON into the kind's model: no
``json.loads`` first, no Python per item. :func:`list_without_managed_fields` does the same
but skips each item's ``metadata.managedFields``.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Annotated, Generic, TypeVar

from pydantic import BaseModel, ConfigDict, Field, create_model

from ..meta import ObjectMeta
from ..model_base import parsed_from_api
from ..resource import CustomResource
from ..unread import Unread

__all__ = [
    "ListMeta",
    "ResourceList",
    "ResourcePage",
    "lean_types",
    "list_type",
    "list_without_managed_fields",
    "restore_classes",
]

ItemT = TypeVar("ItemT")
ResourceT = TypeVar("ResourceT", bound=CustomResource)


class ListMeta(BaseModel):
    """``metadata`` of a list: where it was read, and how to get the next page."""

    model_config = ConfigDict(validate_by_name=True, validate_by_alias=True)

    resource_version: Annotated[str | None, Field(alias="resourceVersion")] = None
    continue_token: Annotated[str | None, Field(alias="continue")] = None
    remaining_item_count: Annotated[int | None, Field(alias="remainingItemCount")] = None


class ResourceList(BaseModel, Generic[ItemT]):
    """A list response: its metadata and items (``ResourceList[Kind]`` per kind)."""

    metadata: ListMeta = Field(default_factory=ListMeta)
    items: list[ItemT] | None = None


@dataclass(frozen=True)
class ResourcePage(Generic[ItemT]):
    """One page of a list: the items, and the token for the next page (``None`` at the end)."""

    items: list[ItemT]
    continue_token: str | None
    resource_version: str | None
    remaining_item_count: int | None = None


@functools.cache
def list_type(item_type: type[ItemT]) -> type[ResourceList[ItemT]]:
    """``ResourceList[item_type]``, made once (pydantic's lookup of a parametrised generic
    runs a hundred Python calls)."""
    return ResourceList[item_type]  # type: ignore[valid-type]


# -- lists that skip metadata.managedFields ------------------------------------------------
#
# Server-side apply bookkeeping is a third of a listed object's bytes and half the objects
# its model is built of (every one of them work for the garbage collector). pydantic-core
# reuses a complete model class's own validator wherever that class appears in a schema, so
# the only way to validate a kind without the field is through subclasses that declare it
# :class:`~lscsde_sdk.unread.Unread`. The items are then given back their own classes: the
# subclasses add no state, so they are the kind's and ObjectMeta's objects in every respect.


_UnreadManagedFields = Annotated[Unread | None, Field(alias="managedFields")]


class _MetadataWithoutManagedFields(ObjectMeta):
    managed_fields: _UnreadManagedFields = None  # type: ignore[assignment]


@functools.cache
def lean_types(
    resource_type: type[ResourceT],
) -> tuple[type[ResourceT], type[ResourceList[ResourceT]]]:
    """The subclass of ``resource_type`` that leaves ``metadata.managedFields`` unread, and the
    list of it; what they validate is given back its own classes by :func:`restore_classes`."""
    lean = create_model(
        resource_type.__name__,
        __base__=resource_type,
        __module__=resource_type.__module__,
        metadata=(
            _MetadataWithoutManagedFields,
            Field(default_factory=_MetadataWithoutManagedFields),
        ),
    )
    return lean, ResourceList[lean]  # type: ignore[valid-type]


def restore_classes(resource_type: type[ResourceT], page: ResourceList[ResourceT]) -> None:
    """Give the items of ``page``, validated by :func:`lean_types`, ``resource_type`` back."""
    for item in page.items or ():
        # object.__setattr__: a change of class, not of a field (pydantic's hook is bypassed).
        object.__setattr__(item, "__class__", resource_type)
        object.__setattr__(item.metadata, "__class__", ObjectMeta)
        # pydantic counts a default taken on error as set; the field was not read.
        item.metadata.__pydantic_fields_set__.discard("managed_fields")


def list_without_managed_fields(
    resource_type: type[ResourceT], body: bytes | bytearray
) -> ResourceList[ResourceT]:
    """``body`` (a list of ``resource_type`` as the API server sent it) validated with every
    item's ``metadata.managedFields`` left unread (``None``, and not among the fields set)."""
    page = parsed_from_api(lean_types(resource_type)[1], body)
    restore_classes(resource_type, page)
    return page
