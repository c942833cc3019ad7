"""The pager: every page of a list, the next one requested while the current one is parsed.

Listed objects leave out ``metadata.managedFields`` (server-side apply bookkeeping, which
kubectl hides too) unless the caller passes ``keep_managed_fields=True``: skipping it halves
the objects a list builds. Writing such an object back leaves the server's managedFields as
they are. A ``get`` returns the whole object.

A list in one request (``list_page``, and ``pages`` without a page size) is validated while
the API server sends it (:class:`~lscsde_sdk.core.list_decoder.ListDecoder`). Of a list in
pages, the server prepares and sends the next page while this process validates the
previous one. Either way a long list costs little more than the server's time to send it.
:func:`prefetching_pages` does the latter for any request and parser; :class:`Paging` gives
the generic client ``list_page``, ``pages``, ``iterate`` and ``list`` on them.

Continuing a paged list costs the API server more than a whole list when it has no snapshot
of its watch cache at the list's version (Kubernetes before 1.34 always; from 1.34 after an
etcd compaction until the kind is written again): it reads those pages from etcd, at about
four times the cost of the first page on a quiet kind (measured on the test control plane).
``page_size=None`` asks for the whole list in one request, which the cache answers; it is
what :meth:`Paging.list` sends unless given a page size (a list is held in memory whole
anyway).
"""

from __future__ import annotations

import asyncio
import builtins
import json
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import TypeVar

from ..model_base import ResourceModel
from ..resource import CustomResource
from .base import ClientBase
from .lists import ResourcePage
from .transport import Request

__all__ = ["Paging", "prefetching_pages"]

PageT = TypeVar("PageT")
ResourceT = TypeVar("ResourceT", bound=CustomResource)
StatusT = TypeVar("StatusT", bound=ResourceModel)

_LIST_METADATA = b',"metadata":'
# Loop turns a prefetch needs to send its request on a kept-alive connection (measured: with
# one turn the request usually went out only after the parse; with a handful, before).
_TURNS_TO_SEND = 10


async def prefetching_pages(
    send: Callable[[Request], Awaitable[bytes]],
    request: Callable[[str | None], Request],
    parse: Callable[[bytes], PageT],
    continue_token: Callable[[PageT], str | None],
) -> AsyncIterator[PageT]:
    """Each page ``parse`` makes of the answers to ``request(token)``, from the first
    (``token`` ``None``) until a page's ``continue_token`` is empty.

    The next page's request is sent before the current page is parsed, with the token read
    from the end of the raw answer (the server writes a list's metadata last); when the
    parsed page says otherwise, that request is cancelled and the right one sent.
    """
    body = await send(request(None))
    prefetch: asyncio.Task[bytes] | None = None
    try:
        while True:
            guess = _continue_token_of(body)
            prefetch = asyncio.create_task(_sent(send, request(guess))) if guess else None
            if prefetch is not None:
                # Parsing blocks the loop: first let the prefetch get its request onto the
                # wire (a few loop turns: take a pooled connection, write the request).
                for _ in range(_TURNS_TO_SEND):
                    await asyncio.sleep(0)
            page = parse(body)
            token = continue_token(page)
            if token != guess:  # the peek was wrong (or found nothing): ask for the right page
                if prefetch is not None:
                    prefetch.cancel()
                prefetch = asyncio.create_task(_sent(send, request(token))) if token else None
            yield page
            if prefetch is None:
                return
            body = await prefetch
            prefetch = None
    finally:
        if prefetch is not None:
            prefetch.cancel()


async def _sent(send: Callable[[Request], Awaitable[bytes]], request: Request) -> bytes:
    return await send(request)


def _continue_token_of(body: bytes) -> str | None:
    """A cheap look at a list's continue token without parsing its items: the API server
    writes the list's ``metadata`` last. ``None`` when it cannot be read that way (the
    caller then waits for the parsed page, which is authoritative)."""
    start = body.rfind(_LIST_METADATA, max(0, len(body) - 4096))
    if start < 0:
        return None
    tail = body[start + len(_LIST_METADATA) :].rstrip()
    try:
        metadata = json.loads(tail[:-1]) if tail.endswith(b"}") else None
    except ValueError:
        return None
    token = metadata.get("continue") if isinstance(metadata, dict) else None
    return token if isinstance(token, str) and token else None


class Paging(ClientBase[ResourceT, StatusT]):
    """Lists of a kind: one page, or every page prefetched."""

    async def list_page(
        self,
        namespace: str | None,
        *,
        label_selector: str | None = None,
        field_selector: str | None = None,
        limit: int | None = None,
        continue_token: str | None = None,
        resource_version: str | None = None,
        keep_managed_fields: bool = False,
    ) -> ResourcePage[ResourceT]:
        """One page of objects (one request); ``namespace=None`` lists across all
        namespaces."""
        request = self.requests.list(
            namespace, label_selector, field_selector, limit, continue_token, resource_version
        )
        return await self._receive_page(request, keep_managed_fields)

    async def pages(
        self,
        namespace: str | None,
        *,
        label_selector: str | None = None,
        field_selector: str | None = None,
        page_size: int | None = 500,
        keep_managed_fields: bool = False,
    ) -> AsyncIterator[ResourcePage[ResourceT]]:
        """Every page of matching objects (``page_size`` objects a page, one request each;
        ``None``: one page of all of them, validated while it arrives).

        The next page is requested before the current one is parsed, so the server prepares
        and sends it while this process validates: a long list costs little more than the
        server's time to send it.
        """

        def request(token: str | None) -> Request:
            return self.requests.list(namespace, label_selector, field_selector, page_size, token)

        if page_size is None:  # one request: validated while it arrives
            yield await self._receive_page(request(None), keep_managed_fields)
            return

        def parse(body: bytes) -> ResourcePage[ResourceT]:
            return self._parse_page(body, keep_managed_fields)

        async for page in prefetching_pages(
            self._send, request, parse, lambda page: page.continue_token
        ):
            yield page

    async def iterate(
        self,
        namespace: str | None,
        *,
        label_selector: str | None = None,
        field_selector: str | None = None,
        page_size: int | None = 500,
        keep_managed_fields: bool = False,
    ) -> AsyncIterator[ResourceT]:
        """Every matching object, page by page (see :meth:`pages`)."""
        async for page in self.pages(
            namespace,
            label_selector=label_selector,
            field_selector=field_selector,
            page_size=page_size,
            keep_managed_fields=keep_managed_fields,
        ):
            for item in page.items:
                yield item

    async def list(
        self,
        namespace: str | None,
        *,
        label_selector: str | None = None,
        field_selector: str | None = None,
        page_size: int | None = None,
        keep_managed_fields: bool = False,
    ) -> builtins.list[ResourceT]:
        """Every matching object: one request by default, which the API server answers from
        its watch cache whatever the state of the cache's snapshots (see the module doc);
        ``page_size`` pages it as :meth:`pages` does."""
        return [
            item
            async for item in self.iterate(
                namespace,
                label_selector=label_selector,
                field_selector=field_selector,
                page_size=page_size,
                keep_managed_fields=keep_managed_fields,
            )
        ]
