"""A list response validated while it arrives.

The API server streams a long list: the 6 MB list of 2,000 workspaces arrives over more than
a hundred milliseconds, and validating it takes about as long again. :class:`ListDecoder`
validates each item as soon as its bytes are complete, so the validation of a list overlaps
its transfer, and when the last byte arrives only the last item and the list's metadata are
left to validate.

Items are found by the bytes that begin every item after the first as the API server writes
a list of custom resources (compact JSON, keys in sorted order)::

    {"apiVersion":"<group/version>","items":[{...},{"apiVersion":"<group/version>","kind":"<Kind>","metadata":...

The same bytes can begin an object nested in an item (an owner reference, a managed-fields
entry, or an embedded object). Splitting there is harmless: the part before such a split
ends inside an unclosed object, which is not valid JSON, so its validation fails and the
decoder falls back to validating the whole body when it is complete. Any failure of an item
does the same, so the result, and every error, is exactly what validating the whole body
gives. A body that does not begin as above (another writer's layout) is validated whole.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Generic, TypeVar

from pydantic import ValidationError

from .lists import ResourceList

__all__ = ["ListDecoder"]

ItemT = TypeVar("ItemT")


class ListDecoder(Generic[ItemT]):
    """Validates a list of ``kind`` (``api_version``) fed in chunks (:meth:`feed`), item by
    item with ``validate_item``; :meth:`result` is the whole list, as ``validate_list`` makes
    it of the whole body. Both raise pydantic's ``ValidationError`` for input they refuse."""

    def __init__(
        self,
        api_version: str,
        kind: str,
        validate_item: Callable[[bytearray], ItemT],
        validate_list: Callable[[bytes | bytearray], ResourceList[ItemT]],
    ) -> None:
        version = json.dumps(api_version).encode()
        self._head = b'{"apiVersion":' + version + b',"items":['
        self._separator = (
            b',{"apiVersion":' + version + b',"kind":' + json.dumps(kind).encode() + b',"metadata":'
        )
        self._validate_item = validate_item
        self._validate_list = validate_list
        self._body = bytearray()
        self._items: list[ItemT] = []
        # None until the body's head is known; False once the whole body must decide.
        self._streaming: bool | None = None
        self._item_start = len(self._head)  # where the first item not yet validated begins
        self._search_from = self._item_start

    def feed(self, chunk: bytes) -> None:
        """Take the next ``chunk`` of the body and validate the items it completes."""
        body = self._body
        body += chunk
        if self._streaming is None:
            head = self._head
            if len(body) < len(head):
                if not head.startswith(body):
                    self._streaming = False
                return
            self._streaming = body.startswith(head)
        if not self._streaming:
            return
        separator, validate, items = self._separator, self._validate_item, self._items
        start = self._item_start
        end = body.find(separator, self._search_from)
        while end >= 0:
            try:
                items.append(validate(body[start:end]))
            except ValidationError:
                self._streaming = False
                return
            start = end + 1
            end = body.find(separator, start)
        self._item_start = start
        # A separator may be cut by the chunk's end: search again from where it could begin.
        self._search_from = max(start, len(body) - len(separator) + 1)

    @property
    def validated(self) -> int:
        """How many items have been validated so far."""
        return len(self._items)

    def result(self) -> ResourceList[ItemT]:
        """The list the whole body makes, once it has been fed."""
        if not self._streaming or not self._items:
            return self._validate_list(self._body)
        try:
            rest = self._validate_list(self._head + self._body[self._item_start :])
        except ValidationError:
            # The whole body's own error (its item indices are the list's), or its list.
            return self._validate_list(self._body)
        rest.items = self._items + (rest.items or [])
        return rest
