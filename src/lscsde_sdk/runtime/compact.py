"""Objects kept as their JSON text: split from list pages, encoded from models.

An informer's store keeps each object as the compact JSON text the server sent (a string
is one allocation the garbage collector never visits) and validates it into a model when it
is read. Splitting a list page into those texts costs about what ``json.loads`` costs: each
item is parsed once by the standard library's C scanner to find where it ends and read its
name, namespace, resourceVersion and indexed fields, and the parsed dicts are dropped at
once. ``metadata.managedFields`` (server-side apply bookkeeping, often a third of an
object) is cut out of the text unless asked to keep it.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

from ..core.indexes import FieldIndex
from ..errors import LscsdeError
from ..resource import CustomResource

__all__ = [
    "CompactList",
    "CompactPage",
    "MalformedListError",
    "PageSplitter",
    "encode",
    "strip_managed_fields",
]

ResourceT = TypeVar("ResourceT", bound=CustomResource)

# The C scanner behind json.loads: one JSON value at a position -> (value, end).
_SCAN: Callable[[str, int], tuple[Any, int]] = json.JSONDecoder().scan_once  # type: ignore[attr-defined]
_WHITESPACE = re.compile(r"[ \t\n\r]*")
_MANAGED_FIELDS = '"managedFields":'


class MalformedListError(LscsdeError, ValueError):
    """A list response that is not a Kubernetes list (the message quotes none of it)."""


@dataclass
class CompactPage:
    """One list page: its objects' keys, resourceVersions and JSON texts (same order), the
    key of each object in each field index (``index_keys[i][j]``: index ``i``, object
    ``j``), and the page's own metadata."""

    keys: list[str] = field(default_factory=list)
    versions: list[str | None] = field(default_factory=list)
    texts: list[str] = field(default_factory=list)
    index_keys: list[list[str | None]] = field(default_factory=list)
    continue_token: str | None = None
    resource_version: str | None = None


@dataclass(frozen=True)
class CompactList:
    """A complete list, as the pages it came in, read at ``resource_version``."""

    pages: list[CompactPage]
    resource_version: str | None


class PageSplitter:
    """Splits list bodies into :class:`CompactPage` s, keyed for ``indexes``."""

    def __init__(self, indexes: Sequence[FieldIndex], *, keep_managed_fields: bool = False) -> None:
        self.indexes = tuple(indexes)
        self.keep_managed_fields = keep_managed_fields

    def __call__(self, body: bytes) -> CompactPage:
        try:
            return self._split(body.decode())
        except (ValueError, LookupError, StopIteration, TypeError, AttributeError) as error:
            if isinstance(error, MalformedListError):
                raise
            raise MalformedListError(
                f"a list response is not a Kubernetes list ({type(error).__name__})"
            ) from None

    def _split(self, text: str) -> CompactPage:
        page = CompactPage(index_keys=[[] for _ in self.indexes])
        position = _skip(text, 0)
        if text[position] != "{":
            raise MalformedListError("a list response is not a JSON object")
        position = _skip(text, position + 1)
        while text[position] != "}":
            name, position = _SCAN(text, position)
            position = _skip(text, position)
            if not isinstance(name, str) or text[position] != ":":
                raise MalformedListError("a list response has a malformed member")
            position = _skip(text, position + 1)
            if name == "items" and text[position] == "[":
                position = self._items(text, position + 1, page)
            else:
                value, position = _SCAN(text, position)
                if name == "metadata" and isinstance(value, dict):
                    page.continue_token = value.get("continue") or None
                    page.resource_version = value.get("resourceVersion")
            position = _skip(text, position)
            if text[position] == ",":
                position = _skip(text, position + 1)
        return page

    def _items(self, text: str, position: int, page: CompactPage) -> int:
        keys, versions, texts, index_keys = page.keys, page.versions, page.texts, page.index_keys
        indexes = tuple(zip(self.indexes, index_keys, strict=True))
        keep = self.keep_managed_fields
        position = _skip(text, position)
        if text[position] == "]":
            return position + 1
        while True:
            item, end = _SCAN(text, position)
            metadata = item["metadata"]
            name = metadata["name"]
            if not isinstance(name, str):
                raise MalformedListError("a listed object has no metadata.name")
            namespace = metadata.get("namespace")
            keys.append(f"{namespace}/{name}" if namespace else name)
            versions.append(metadata.get("resourceVersion"))
            item_text = text[position:end]
            if not keep and "managedFields" in metadata:
                item_text = _without_managed_fields(item_text, metadata["managedFields"])
            texts.append(item_text)
            for index, found in indexes:
                found.append(_index_key(item, index))
            position = _skip(text, end)
            if text[position] == "]":
                return position + 1
            if text[position] != ",":
                raise MalformedListError("a list response has malformed items")
            position = _skip(text, position + 1)


def _skip(text: str, position: int) -> int:
    # The API server writes no whitespace; anything else may.
    if text[position] in " \t\n\r":
        return _WHITESPACE.match(text, position).end()  # type: ignore[union-attr]
    return position


def _index_key(item: dict[str, Any], index: FieldIndex) -> str | None:
    current: Any = item
    for step in index.field:
        if not isinstance(current, dict):
            return None
        current = current.get(step)
    return index.key(current) if isinstance(current, str) else None


def _without_managed_fields(text: str, value: Any) -> str:
    """``text`` (one object) without its ``metadata.managedFields`` member, which holds
    ``value``; ``text`` itself when that member cannot be cut out exactly."""
    start = text.find(_MANAGED_FIELDS)
    if start < 0:
        return text
    try:
        found, end = _SCAN(text, start + len(_MANAGED_FIELDS))
    except StopIteration:
        return text
    # The server writes metadata first and its keys in order, so the first such member is
    # metadata's; the comparison proves it whoever wrote the text.
    if found != value:
        return text
    if text[end] == ",":
        return text[:start] + text[end + 1 :]
    if text[start - 1] == ",":
        return text[: start - 1] + text[end:]
    return text


def encode(resource: CustomResource) -> bytes:
    """``resource`` as compact JSON (its fields as the API names them, the ones it has)."""
    return resource.__pydantic_serializer__.to_json(resource, by_alias=True, exclude_unset=True)


def strip_managed_fields(resource: ResourceT) -> ResourceT:
    """Drop ``metadata.managedFields`` from an object kept in memory. Changes it in place
    and returns it."""
    metadata = resource.metadata
    if metadata.managed_fields is not None:
        metadata.__dict__["managed_fields"] = None
        metadata.__pydantic_fields_set__.discard("managed_fields")
    return resource
