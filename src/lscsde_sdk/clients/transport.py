"""The single place where HTTP requests to the API server are made.

It reuses kubernetes_asyncio's configured ``ApiClient`` (TLS, authentication, token refresh,
connection pool) but skips its generic (de)serialisation: bodies are plain JSON dicts in and
bytes out, which pydantic validates directly. Retries, fault injection and watch streaming
wrap :meth:`Transport.send`.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any, cast

from kubernetes_asyncio.client import ApiClient

from ..errors import LscsdeError, api_error_from_response

Query = Sequence[tuple[str, str]]

JSON = "application/json"
JSON_PATCH = "application/json-patch+json"
MERGE_PATCH = "application/merge-patch+json"
APPLY_PATCH = "application/apply-patch+yaml"


@dataclass(frozen=True)
class Request:
    method: str
    path: str
    query: Query = ()
    body: Any = None
    content_type: str = JSON
    timeout: float | None = None
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class RequestCounter:
    """Counts requests by method; tests use it to prove calls do not grow with data."""

    by_method: dict[str, int] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return sum(self.by_method.values())

    def record(self, request: Request) -> None:
        self.by_method[request.method] = self.by_method.get(request.method, 0) + 1


class Transport:
    """Sends requests through a kubernetes_asyncio ``ApiClient``."""

    def __init__(self, api_client: ApiClient, *, user_agent: str | None = None) -> None:
        self.api_client = api_client
        self.user_agent = user_agent
        self.counters: list[RequestCounter] = []

    async def send(self, request: Request) -> bytes:
        """Send ``request``; the raw body of a 2xx answer, else a typed :class:`ApiError`."""
        async with self.open(request) as response:
            return await response.read()  # type: ignore[no-any-return]

    async def send_json(self, request: Request) -> Any:
        data = await self.send(request)
        return json.loads(data) if data else None

    @asynccontextmanager
    async def open(self, request: Request) -> AsyncIterator[Any]:
        """Open ``request`` and yield the aiohttp response once its status is 2xx.

        Streaming readers (watch) read the body incrementally from the yielded response.
        """
        for counter in self.counters:
            counter.record(request)
        headers = {"Accept": JSON, "Content-Type": request.content_type}
        headers.update(self.api_client.default_headers)
        if self.user_agent:
            headers["User-Agent"] = self.user_agent
        headers.update(request.headers)
        query = list(request.query)
        await self.api_client.update_params_for_auth(headers, query, ["BearerToken"])
        host = self.api_client.configuration.host
        if not host:
            raise LscsdeError("the ApiClient has no host configured (load a kubeconfig first)")
        response = await self.api_client.rest_client.request(
            request.method,
            host + request.path,
            # urlencode takes a list of pairs; repeated keys (e.g. dryRun) need a list.
            query_params=cast("dict[str, Any]", query),
            headers=headers,
            body=request.body,
            _preload_content=False,
            _request_timeout=request.timeout,
        )
        try:
            if not 200 <= response.status <= 299:
                raise api_error_from_response(
                    response.status,
                    await response.read(),
                    method=request.method,
                    path=request.path,
                    retry_after=response.headers.get("Retry-After"),
                )
            yield response
        finally:
            response.release()

    @asynccontextmanager
    async def counting(self) -> AsyncIterator[RequestCounter]:
        """Count the requests sent inside the ``async with`` block."""
        counter = RequestCounter()
        self.counters.append(counter)
        try:
            yield counter
        finally:
            self.counters.remove(counter)
