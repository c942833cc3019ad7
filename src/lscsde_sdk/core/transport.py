"""The single place where HTTP requests to the API server are made.

It reuses kubernetes_asyncio's configured ``ApiClient`` (TLS, authentication, token refresh,
connection pool) but skips its generic (de)serialisation: bodies are plain JSON dicts in and
bytes out, which pydantic validates directly.

Every request has timeouts (:class:`~lscsde_sdk.core.retry.Timeouts`) and goes through one
:class:`~lscsde_sdk.core.retry.RetryPolicy`, set per transport and overridable per request:

* a failure is repeated when it is worth repeating (connection failures, timeouts, and the
  policy's statuses: 429, 500, 503, 504 by default), waiting the policy's backoff or the
  server's ``Retry-After``; an answer that the request itself is invalid
  (:class:`~lscsde_sdk.errors.InvalidError`, which a refused apply is even with status 500)
  never is;
* a request that may already have taken effect (the server may have applied it before the
  connection broke, or before it answered 500/503/504) is repeated only when repeating it is
  harmless: reads, PUT, DELETE, merge and apply patches, and requests marked idempotent. A
  create is not: its caller decides (see :meth:`CustomResourceClient.create`);
* when no try succeeds, :class:`~lscsde_sdk.errors.RetriesExhaustedError` says how many were
  made and why each failed.

Errors show no credentials and no secrets: a failed answer's error is built with the
request's :class:`~lscsde_sdk.core.redaction.Redaction` applied, and a connection failure's
:class:`~lscsde_sdk.errors.ApiConnectionError` copies what aiohttp said (its error's class,
``str``, status) instead of chaining its error, whose ``repr`` shows the request's headers,
``Authorization`` among them.

One ``ApiClient`` has one Transport: :meth:`Transport.of` finds it (or makes it the first
time), so every client, recorder and informer built on that ``ApiClient`` shares its retry
policy, timeouts and :meth:`~Transport.counting`. The Transport's HTTP session rides on the
``ApiClient``'s connection pool; :meth:`Transport.aclose` closes it, and closing the
``ApiClient`` ends it too (its pool is gone), so nothing of the ``ApiClient`` is patched.
"""

from __future__ import annotations

import asyncio
import io
import json
import weakref
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Final, Protocol, TypeVar
from urllib.parse import urlencode

import aiohttp
from aiohttp.helpers import get_env_proxy_for_url
from yarl import URL

from .errors import (
    ApiConnectionError,
    InvalidError,
    LscsdeError,
    RetriesExhaustedError,
    api_error_from_response,
)
from .redaction import Redaction
from .retry import DEFAULT_RETRY, DEFAULT_TIMEOUTS, RetryPolicy, Timeouts

if TYPE_CHECKING:
    # Only for annotations: importing kubernetes_asyncio.client costs half a second.
    from kubernetes_asyncio.client import ApiClient

__all__ = [
    "APPLY_PATCH",
    "JSON",
    "JSON_PATCH",
    "MERGE_PATCH",
    "BodyConsumer",
    "Request",
    "RequestCounter",
    "Transport",
    "counting_all",
]

Query = Sequence[tuple[str, str]]


class BodyConsumer(Protocol):
    """Takes a response body in chunks as it arrives (see :meth:`Transport.send_to`)."""

    def feed(self, chunk: bytes) -> None: ...


ConsumerT = TypeVar("ConsumerT", bound=BodyConsumer)
ReadT = TypeVar("ReadT")

JSON = "application/json"
JSON_PATCH = "application/json-patch+json"
MERGE_PATCH = "application/merge-patch+json"
APPLY_PATCH = "application/apply-patch+yaml"

# aiohttp's limit for a bytes body it sends without a ResourceWarning.
_LARGEST_BYTES_BODY = 2**20
# Statuses the server sends before doing anything: repeating the request is always safe.
_NOT_APPLIED_STATUSES = frozenset({429})


@dataclass(frozen=True)
class Request:
    """One API request. ``retry``/``timeouts`` override the transport's for this request;
    ``idempotent`` overrides the rule by method (see the module doc); ``stream`` reads the
    answer incrementally (a watch), so only silence, not its total length, is bounded;
    ``redaction`` says what to mask in the error built from a failed answer. The body and
    headers never show in its repr (they may hold secrets)."""

    method: str
    path: str
    query: Query = ()
    body: Any = field(default=None, repr=False)
    content_type: str = JSON
    headers: dict[str, str] = field(default_factory=dict, repr=False)
    retry: RetryPolicy | None = None
    timeouts: Timeouts | None = None
    idempotent: bool | None = None
    stream: bool = False
    redaction: Redaction | None = None

    @property
    def repeatable(self) -> bool:
        """Whether sending it twice has the effect of sending it once."""
        if self.idempotent is not None:
            return self.idempotent
        if self.method in ("GET", "HEAD", "PUT", "DELETE"):
            return True
        return self.method == "PATCH" and self.content_type != JSON_PATCH


@dataclass
class RequestCounter:
    """Counts requests (each try) and response bytes; tests use it to prove what calls cost."""

    by_method: dict[str, int] = field(default_factory=dict)
    bytes_received: int = 0
    #: Every request (each try), in the order sent.
    requests: list[Request] = field(default_factory=list)

    @property
    def total(self) -> int:
        return sum(self.by_method.values())

    @property
    def paths(self) -> list[tuple[str, str]]:
        """(method, path) of every request."""
        return [(request.method, request.path) for request in self.requests]

    @property
    def writes(self) -> int:
        """Requests that can change something (anything but GET and HEAD)."""
        return sum(n for method, n in self.by_method.items() if method not in ("GET", "HEAD"))

    def record(self, request: Request) -> None:
        self.by_method[request.method] = self.by_method.get(request.method, 0) + 1
        self.requests.append(request)


class Transport:
    """Sends requests through a kubernetes_asyncio ``ApiClient``.

    ``retry`` and ``timeouts`` apply to every request unless the request sets its own;
    ``sleep`` waits between tries (tests replace it to observe the waits).

    :meth:`of` is how objects built on an ``ApiClient`` get its one shared Transport;
    constructing one directly gives a Transport of its own (other settings for some
    requests), which :func:`counting_all` still counts.
    """

    def __init__(
        self,
        api_client: ApiClient,
        *,
        user_agent: str | None = None,
        retry: RetryPolicy = DEFAULT_RETRY,
        timeouts: Timeouts = DEFAULT_TIMEOUTS,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self.api_client = api_client
        self.user_agent = user_agent
        self.retry = retry
        self.timeouts = timeouts
        self.sleep = sleep
        self.counters: list[RequestCounter] = []
        self.closed = False

    @classmethod
    def of(cls, api: ApiClient | Transport) -> Transport:
        """The Transport of ``api``: ``api`` itself when it is one, else the one Transport of
        that ``ApiClient``, made with the default settings the first time it is asked for
        (and again after :meth:`aclose`). It lives as long as the ``ApiClient``."""
        if isinstance(api, Transport):
            return api
        found: Transport | None = getattr(api, _SHARED_ATTRIBUTE, None)
        if found is None or found.closed:
            found = cls(api)
            # Kept on the ApiClient itself: a registry would keep every ApiClient alive
            # through its Transport, and this lives and dies with it.
            setattr(api, _SHARED_ATTRIBUTE, found)
        return found

    async def aclose(self) -> None:
        """Close the HTTP session this SDK opened on the ``ApiClient``'s pool (the pool
        and the ``ApiClient`` stay open: they are the caller's). Requests after it raise
        :class:`~lscsde_sdk.errors.LscsdeError`; :meth:`of` then makes a new Transport."""
        self.closed = True
        connection = _CONNECTIONS.pop(self.api_client, None)
        if connection is not None:
            await connection.session.close()

    async def send(self, request: Request) -> bytes:
        """Send ``request``; the raw body of a 2xx answer, else a typed error."""
        _, body = await self._respond(request, self._read)
        self.count_bytes(len(body))
        return body

    async def send_to(self, request: Request, consumer: Callable[[], ConsumerT]) -> ConsumerT:
        """Send ``request`` as :meth:`send` does, feeding the body of the 2xx answer to a
        ``consumer()`` chunk by chunk as it arrives; that consumer, once the body is complete.
        Each try has a consumer of its own: a try cut short is repeated from the start."""

        async def read(request: Request, response: aiohttp.ClientResponse) -> ConsumerT:
            return await self._feed(request, response, consumer())

        _, fed = await self._respond(request, read)
        return fed

    async def send_json(self, request: Request) -> Any:
        data = await self.send(request)
        return json.loads(data) if data else None

    @asynccontextmanager
    async def open(self, request: Request) -> AsyncIterator[aiohttp.ClientResponse]:
        """Open ``request`` and yield the aiohttp response once its status is 2xx (tries are
        repeated as the module doc says). Streaming readers read the body from it."""
        response, _ = await self._respond(request, _unread)
        try:
            yield response
        finally:
            response.release()

    def count_bytes(self, size: int) -> None:
        """Add ``size`` bytes read from a streamed answer to the active counters."""
        for counter in self.counters:
            counter.bytes_received += size

    @asynccontextmanager
    async def counting(self) -> AsyncIterator[RequestCounter]:
        """Count the requests sent inside the ``async with`` block."""
        counter = RequestCounter()
        self.counters.append(counter)
        try:
            yield counter
        finally:
            self.counters.remove(counter)

    async def _respond(
        self, request: Request, read: Callable[[Request, aiohttp.ClientResponse], Awaitable[ReadT]]
    ) -> tuple[aiohttp.ClientResponse, ReadT]:
        """The first 2xx response to ``request`` and what ``read`` made of its body (reading
        is part of the try), repeating failed tries as the policy allows."""
        policy = request.retry or self.retry
        loop = asyncio.get_running_loop()
        started = loop.time()
        failures: list[LscsdeError] = []
        for attempt in range(1, policy.attempts + 1):
            try:
                response = await self._attempt(request)
                if 200 <= response.status <= 299:
                    return response, await read(request, response)
                body = await self._read(request, response)
            except ApiConnectionError as error:
                failures.append(error)
                repeat = not error.sent or request.repeatable
                retry_after = None
            else:
                api_error = api_error_from_response(
                    response.status,
                    body,
                    method=request.method,
                    path=request.path,
                    retry_after=response.headers.get("Retry-After"),
                    redaction=request.redaction,
                )
                failures.append(api_error)
                repeat = (
                    response.status in policy.statuses
                    and not isinstance(api_error, InvalidError)
                    and (request.repeatable or response.status in _NOT_APPLIED_STATUSES)
                )
                retry_after = api_error.retry_after_seconds
            if not repeat:
                raise failures[-1]
            if attempt == policy.attempts or (
                retry_after is not None and retry_after > policy.max_retry_after
            ):
                break
            delay = float(retry_after) if retry_after is not None else policy.backoff(attempt)
            await self.sleep(delay)
        if len(failures) == 1:
            raise failures[0]
        raise RetriesExhaustedError(
            request.method, request.path, tuple(failures), loop.time() - started
        ) from failures[-1]

    async def _attempt(self, request: Request) -> aiohttp.ClientResponse:
        if self.closed:
            raise LscsdeError("this Transport was closed (Transport.aclose)")
        connection = _connection(self.api_client)
        for counter in (*self.counters, *connection.counters):
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
        timeouts = request.timeouts or self.timeouts
        if request.stream:
            timeout = aiohttp.ClientTimeout(
                total=None, sock_connect=timeouts.connect, sock_read=timeouts.read
            )
        else:
            timeout = aiohttp.ClientTimeout(
                total=timeouts.total, connect=timeouts.connect, sock_connect=timeouts.connect
            )
        url = host + request.path
        if query:
            url += "?" + urlencode(query)
        sending = connection.session.request(
            request.method,
            url,
            headers=headers,
            data=None if request.body is None else _encoded(request.body),
            timeout=timeout,
            proxy=connection.proxy,
            proxy_headers=connection.proxy_headers,
            server_hostname=connection.server_hostname,
        )
        # The headers hold the credentials, and error trackers record the local variables of
        # the frames an error passed through: only the request being sent keeps them.
        del headers
        failure: ApiConnectionError | None = None
        try:
            response = await sending
        except aiohttp.ClientConnectorError as error:
            failure = _connection_error(request, url, "cannot connect", error, sent=False)
        except TimeoutError as error:
            failure = _connection_error(request, url, "no answer in time", error, timed_out=True)
        except (aiohttp.ClientError, OSError) as error:
            failure = _connection_error(request, url, "connection failed", error)
        if failure is not None:
            raise failure  # outside the except block: aiohttp's error is not its context
        return response

    @staticmethod
    async def _read(request: Request, response: aiohttp.ClientResponse) -> bytes:
        return await _reading(request, response, response.read())

    async def _feed(
        self, request: Request, response: aiohttp.ClientResponse, consumer: ConsumerT
    ) -> ConsumerT:
        async def feed() -> int:
            size = 0
            async for chunk in response.content.iter_any():
                size += len(chunk)
                consumer.feed(chunk)
            return size

        self.count_bytes(await _reading(request, response, feed()))
        return consumer


async def _unread(request: Request, response: aiohttp.ClientResponse) -> None:
    """Reads nothing: the caller reads the body (a stream)."""


async def _reading(
    request: Request, response: aiohttp.ClientResponse, reading: Awaitable[ReadT]
) -> ReadT:
    """What ``reading`` (of ``response``'s body) returns, its connection failures raised as
    :class:`~lscsde_sdk.errors.ApiConnectionError`; the response is released after it."""
    failure: ApiConnectionError | None = None
    url = str(response.url)
    try:
        return await reading
    except TimeoutError as error:
        failure = _connection_error(request, url, "answer not read in time", error, timed_out=True)
    except (aiohttp.ClientError, OSError) as error:
        failure = _connection_error(request, url, "answer cut short", error)
    finally:
        response.release()
    assert failure is not None  # each except sets it
    raise failure


def _connection_error(
    request: Request,
    url: str,
    what: str,
    error: BaseException,
    *,
    sent: bool = True,
    timed_out: bool = False,
) -> ApiConnectionError:
    """The error of a try that failed with aiohttp's (or the OS's) ``error``: what that says,
    copied (see the module doc), and not chained to it."""
    status = getattr(error, "status", None)
    return ApiConnectionError(
        request.method,
        request.path,
        what if timed_out else f"{what}: {describe_failure(error)}",
        sent=sent,
        timed_out=timed_out,
        cause=type(error).__name__,
        cause_status=status if isinstance(status, int) else None,
        url=url,
    )


def _encoded(body: Any) -> bytes | io.BytesIO:
    """``body`` to send (made again for every try): bytes as they are, anything else as JSON
    (which is YAML too, for apply patches). Past 1 MiB in a file object, which aiohttp sends
    in pieces; it warns of a bytes body that large (one write that may hold up the loop)."""
    data = body if isinstance(body, bytes) else json.dumps(body).encode()
    return io.BytesIO(data) if len(data) > _LARGEST_BYTES_BODY else data


@dataclass(frozen=True)
class _Connection:
    """How this SDK reaches the API server of one ``ApiClient``."""

    session: aiohttp.ClientSession
    # Not in the repr: a proxy's URL and headers may carry its credentials.
    proxy: str | None = field(repr=False)
    proxy_headers: Mapping[str, str] | None = field(repr=False)
    server_hostname: str | None
    #: Counters of :func:`counting_all`: every request of every Transport on the ApiClient.
    counters: list[RequestCounter] = field(default_factory=list)


@asynccontextmanager
async def counting_all(api_client: ApiClient) -> AsyncIterator[RequestCounter]:
    """Count the requests every :class:`Transport` sends through ``api_client`` inside the
    ``async with`` block (informers' and other clients' too)."""
    counter = RequestCounter()
    counters = _connection(api_client).counters
    counters.append(counter)
    try:
        yield counter
    finally:
        counters.remove(counter)


_SHARED_ATTRIBUTE: Final = "_lscsde_sdk_transport"

_CONNECTIONS: weakref.WeakKeyDictionary[ApiClient, _Connection] = weakref.WeakKeyDictionary()


def _connection(api_client: ApiClient) -> _Connection:
    """A session on the ``ApiClient``'s own connection pool (TLS set-up, limits) for this SDK.

    kubernetes_asyncio's session trusts the environment, so aiohttp looks up proxy variables
    and ``~/.netrc`` in a worker thread for every request: two thread hops that cost more than
    the request on a busy machine. This session does not; the proxy the environment names for
    the API server is looked up once, here. It uses the ``ApiClient``'s connector without
    owning it, so closing the ``ApiClient`` closes it too (aiohttp counts a session whose
    connector is closed as closed), and :meth:`Transport.aclose` closes it alone.
    """
    found = _CONNECTIONS.get(api_client)
    if found is not None and not found.session.closed:
        return found
    configuration = api_client.configuration
    rest = api_client.rest_client
    proxy = configuration.proxy or None
    proxy_headers = configuration.proxy_headers or None
    if proxy is None:
        try:
            environment_proxy = get_env_proxy_for_url(URL(str(configuration.host)))
        except LookupError:
            pass
        else:
            proxy = str(environment_proxy[0])
    session = aiohttp.ClientSession(
        connector=rest.pool_manager.connector,
        connector_owner=False,
        read_bufsize=2**21,  # long lines of big objects in watches, as kubernetes_asyncio
    )
    found = _Connection(session, proxy, proxy_headers, configuration.tls_server_name or None)
    _CONNECTIONS[api_client] = found
    return found


def describe_failure(error: BaseException) -> str:
    """``error`` for a message: its type and ``str``. Not its ``repr``: aiohttp's
    ``ClientResponseError`` repr shows the request's headers, the bearer token among them."""
    return f"{type(error).__name__}: {error}"
