"""The envelope of a list response, validated from the response bytes in one call, and the
page a client makes of it.

Items are validated by pydantic-core straight from JSON into the kind's model: no
``json.loads`` first, no Python per item.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Generic, TypeVar

from pydantic import BaseModel, ConfigDict, Field

__all__ = ["ListMeta", "ResourceList", "ResourcePage"]

ItemT = TypeVar("ItemT")


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
