"""Objects kept as their JSON text: split from a list response as it arrives, or encoded
from models.

An informer's store keeps each object as the compact JSON text the server sent (a string
is one allocation the garbage collector never visits) and validates it into a model when it
is read. :class:`ListSplitter` takes a list response chunk by chunk, so that neither the
whole response nor its parsed form is ever held: each item is parsed once by the standard
library's C scanner (the one behind ``json.loads``) to find where it ends and to read its
name, namespace, resourceVersion and indexed fields, and the parsed dicts are dropped at
once. ``metadata.managedFields`` (server-side apply bookkeeping, often a third of an
object) is cut out of the text unless asked to keep it.
"""

from __future__ import annotations

import codecs
import json
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

from ..errors import LscsdeError
from ..indexing.fields import FieldIndex
from ..resource import CustomResource

__all__ = [
    "CompactList",
    "ListSplitter",
    "MalformedListError",
    "encode",
    "strip_managed_fields",
]

ResourceT = TypeVar("ResourceT", bound=CustomResource)

# The C scanner behind json.loads: one JSON value at a position -> (value, end).
_SCAN: Callable[[str, int], tuple[Any, int]] = json.JSONDecoder().scan_once  # type: ignore[attr-defined]
_WHITESPACE = re.compile(r"[ \t\n\r]*")
_MANAGED_FIELDS = '"managedFields":['
_NAME = ',"name":'
# The start of an object as kube-apiserver writes it.
_SERVER_ORDER = re.compile(r'\{"apiVersion":"[^"\\]*","kind":"[^"\\]*","metadata":\{')


class MalformedListError(LscsdeError, ValueError):
    """A list response that is not a Kubernetes list (the message quotes none of it)."""


@dataclass
class CompactList:
    """A complete list: its objects' keys, resourceVersions and JSON texts (same order),
    the key of each object in each field index (``index_keys[i][j]``: index ``i``, object
    ``j``), and the version the list was read at."""

    keys: list[str] = field(default_factory=list)
    versions: list[str | None] = field(default_factory=list)
    texts: list[str] = field(default_factory=list)
    index_keys: list[list[str | None]] = field(default_factory=list)
    resource_version: str | None = None


class _NeedMore(Exception):
    """The text ends before the value being read does: wait for the next chunk."""


# Where the splitter is in the list document.
_START, _MEMBER, _AFTER_MEMBER, _FIRST_ITEM, _ITEM, _AFTER_ITEM, _DONE = range(7)


class ListSplitter:
    """Splits one list response into a :class:`CompactList`, keyed for ``indexes``: feed it
    the body's chunks as they come (:meth:`feed`), then :meth:`finish`."""

    def __init__(self, indexes: Sequence[FieldIndex], *, keep_managed_fields: bool = False) -> None:
        self.indexes = tuple(indexes)
        self.keep_managed_fields = keep_managed_fields
        self._decoder = codecs.getincrementaldecoder("utf-8")()
        self._text = ""  # what has come and is not split yet
        self._state = _START
        self._list = CompactList(index_keys=[[] for _ in self.indexes])

    def split(self, body: bytes) -> CompactList:
        """A whole body at once."""
        self.feed(body)
        return self.finish()

    def feed(self, chunk: bytes) -> None:
        try:
            self._text += self._decoder.decode(chunk)
            self._advance(final=False)
        except (ValueError, LookupError, StopIteration, TypeError, AttributeError) as error:
            raise _malformed(error) from None

    def finish(self) -> CompactList:
        """The list, once the body has ended; :class:`MalformedListError` if it is not a
        complete list."""
        try:
            self._text += self._decoder.decode(b"", final=True)
            self._advance(final=True)
        except (ValueError, LookupError, StopIteration, TypeError, AttributeError) as error:
            raise _malformed(error) from None
        if self._state != _DONE:
            raise MalformedListError("a list response ended early")
        return self._list

    def _advance(self, *, final: bool) -> None:
        text, position = self._text, 0
        try:
            while True:
                position = self._step(text, position, final)
        except _NeedMore:
            pass
        self._text = text[position:]

    def _step(self, text: str, position: int, final: bool) -> int:
        """One step from ``position`` (raises :class:`_NeedMore` having consumed nothing)."""
        state = self._state
        position = _skip(text, position)
        if state == _DONE:
            raise MalformedListError("a list response has more after its end")
        if state == _START:
            if text[position] != "{":
                raise MalformedListError("a list response is not a JSON object")
            self._state = _MEMBER
            return position + 1
        if state == _MEMBER:
            if text[position] == "}":  # an empty object
                self._state = _DONE
                return position + 1
            name, after = _value(text, position, final)
            after = _skip(text, after)
            if not isinstance(name, str) or text[after] != ":":
                raise MalformedListError("a list response has a malformed member")
            after = _skip(text, after + 1)
            if name == "items" and text[after] == "[":
                self._state = _FIRST_ITEM
                return after + 1
            value, after = _value(text, after, final)
            if name == "metadata" and isinstance(value, dict):
                self._list.resource_version = value.get("resourceVersion")
            self._state = _AFTER_MEMBER
            return after
        if state in (_AFTER_MEMBER, _AFTER_ITEM):
            separator = text[position]
            if separator == ",":
                self._state = _MEMBER if state == _AFTER_MEMBER else _ITEM
            elif separator == ("}" if state == _AFTER_MEMBER else "]"):
                self._state = _DONE if state == _AFTER_MEMBER else _AFTER_MEMBER
            else:
                raise MalformedListError("a list response has a malformed separator")
            return position + 1
        if state == _FIRST_ITEM and text[position] == "]":
            self._state = _AFTER_MEMBER
            return position + 1
        item, end = _value(text, position, final)
        self._take(item, text[position:end])
        self._state = _AFTER_ITEM
        return end

    def _take(self, item: Any, text: str) -> None:
        metadata = item["metadata"]
        name = metadata["name"]
        if not isinstance(name, str):
            raise MalformedListError("a listed object has no metadata.name")
        namespace = metadata.get("namespace")
        listing = self._list
        listing.keys.append(f"{namespace}/{name}" if namespace else name)
        listing.versions.append(metadata.get("resourceVersion"))
        if not self.keep_managed_fields and "managedFields" in metadata:
            text = _without_managed_fields(text, item)
        listing.texts.append(text)
        for index, found in zip(self.indexes, listing.index_keys, strict=True):
            found.append(_index_key(item, index))


def _malformed(error: Exception) -> MalformedListError:
    if isinstance(error, MalformedListError):
        return error
    return MalformedListError(f"a list response is not a Kubernetes list ({type(error).__name__})")


def _skip(text: str, position: int) -> int:
    """``position`` past any whitespace (the API server writes none; others may);
    :class:`_NeedMore` at the end of the text (at the end of the body: the list is
    complete, or it ended early)."""
    if position < len(text) and text[position] in " \t\n\r":
        position = _WHITESPACE.match(text, position).end()  # type: ignore[union-attr]
    if position >= len(text):
        raise _NeedMore
    return position


def _value(text: str, position: int, final: bool) -> tuple[Any, int]:
    """The JSON value at ``position`` and where it ends; :class:`_NeedMore` when the text
    ends inside it (or right after it: a number might go on in the next chunk)."""
    try:
        value, end = _SCAN(text, position)
    except (StopIteration, ValueError):
        if final:
            raise
        raise _NeedMore from None
    if end >= len(text) and not final:
        raise _NeedMore
    return value, end


def _index_key(item: dict[str, Any], index: FieldIndex) -> str | None:
    current: Any = item
    for step in index.field:
        if not isinstance(current, dict):
            return None
        current = current.get(step)
    return index.key(current) if isinstance(current, str) else None


def _without_managed_fields(text: str, item: dict[str, Any]) -> str:
    """``text`` (one object, parsed as ``item``) without its ``metadata.managedFields``
    member; ``text`` itself when that member cannot be cut out exactly."""
    start = text.find(_MANAGED_FIELDS)
    if start <= 0:
        return text
    metadata = item["metadata"]
    end = -1
    if _SERVER_ORDER.match(text) and _after_managed_fields(metadata) == "name":
        # As kube-apiserver writes objects: apiVersion, kind, then metadata, its keys in
        # order, so the first such member is metadata's, and ``name`` follows it. Nothing in
        # managed fields is a member called name (their keys are "f:..", "k:..", "v:..",
        # "i:.." and ".", and their entries' fields are fixed), so the first ',"name":'
        # after it ends it.
        end = text.find(_NAME, start)
    if end < 0:
        # Whoever wrote it: read the member, and cut it only if it is what metadata holds.
        try:
            found, end = _SCAN(text, start + len(_MANAGED_FIELDS) - 1)
        except StopIteration:
            return text
        if found != metadata["managedFields"]:
            return text
    # The member and one comma next to it.
    if text[start - 1] == ",":
        return text[: start - 1] + text[end:]
    if text[end] == ",":
        return text[:start] + text[end + 1 :]
    return text


def _after_managed_fields(metadata: dict[str, Any]) -> str | None:
    """The member that follows ``managedFields`` in ``metadata`` as it was written."""
    names = iter(metadata)
    for name in names:
        if name == "managedFields":
            return next(names, None)
    return None


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
