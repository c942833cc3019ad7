"""``KubernetesNamespacedCustomClient``: raw (dict in, dict out) access to one namespaced
custom resource kind, through lscsde_sdk's transport."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable, Mapping, Sequence
from logging import Logger
from typing import Any, ClassVar, TypeVar

from kubernetes_asyncio.client import ApiClient, CustomObjectsApi
from pydantic import BaseModel

from lscsde_sdk.core.redaction import Redaction
from lscsde_sdk.core.retry import Timeouts
from lscsde_sdk.core.transport import (
    JSON_PATCH,
    MERGE_PATCH,
    BodyConsumer,
    Request,
    Transport,
)

from ._convert import kubernetes_errors, to_api_dict
from .exceptions import InvalidParameterException

ConsumerT = TypeVar("ConsumerT", bound=BodyConsumer)

__all__ = ["KubernetesNamespacedCustomClient"]

# list() keyword arguments (kubernetes_asyncio's names) whose query parameter is not simply
# the camelCase of the name.
_QUERY_NAMES = {"_continue": "continue"}
# The list() keyword argument that is the request's timeout, not a query parameter.
_TIMEOUT = "_request_timeout"


def _query_name(keyword: str) -> str:
    if keyword in _QUERY_NAMES:
        return _QUERY_NAMES[keyword]
    head, *rest = keyword.split("_")
    return head + "".join(part.title() for part in rest)


def _query_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _json_body(body: Any) -> Any:
    # kubernetes_asyncio serialised models for the old library; here bodies are JSON already,
    # or pydantic models dumped the way the server reads them.
    if isinstance(body, BaseModel):
        return to_api_dict(body)
    if isinstance(body, Sequence) and not isinstance(body, str | bytes):
        return [_json_body(item) for item in body]
    if isinstance(body, Mapping):
        return {key: _json_body(value) for key, value in body.items()}
    return body


def _api_client_of(api: CustomObjectsApi) -> ApiClient:
    # Every kubernetes_asyncio API object carries its ApiClient; the type stubs omit it.
    client = getattr(api, "api_client", None)
    if not isinstance(client, ApiClient):
        raise TypeError(f"expected a kubernetes_asyncio CustomObjectsApi, got {type(api)}")
    return client


class KubernetesNamespacedCustomClient:
    """Gets, lists, patches, replaces, creates and deletes objects of one namespaced custom
    resource kind (``group``/``version``, ``plural``) as plain dicts.

    Requests go through :class:`lscsde_sdk.clients.Transport` over ``k8s_api.api_client``;
    failures raise kubernetes_asyncio's ``ApiException`` as they did before, with the kind's
    :attr:`secret_paths` (and the secrets the request carried) masked in its body.
    """

    #: Schema paths of the kind's secrets (those of its lscsde_sdk client).
    secret_paths: ClassVar[tuple[str, ...]] = ()

    def __init__(
        self,
        k8s_api: CustomObjectsApi,
        log: Logger,
        group: str,
        version: str,
        plural: str,
        kind: str,
    ) -> None:
        self.group = group
        self.version = version
        self.plural = plural
        self.kind = kind
        self.api = k8s_api
        self.log = log
        self.transport = Transport.of(_api_client_of(k8s_api))

    def get_api_version(self) -> str:
        """``group/version``."""
        return f"{self.group}/{self.version}"

    async def get(self, namespace: str, name: str) -> dict[str, Any]:
        """The object ``name`` in ``namespace``."""
        return await self._send(Request("GET", self._path(namespace, name)))

    async def list(self, namespace: str, **kwargs: Any) -> dict[str, Any]:
        """The list of objects in ``namespace`` (``items`` holds them).

        Keyword arguments are kubernetes_asyncio's list options (``label_selector``,
        ``field_selector``, ``limit``, ``_continue``, ``resource_version``, ...);
        ``_request_timeout`` sets the request's timeout in seconds.
        """
        return await self._send(self._list_request(namespace, kwargs))

    def _list_request(self, namespace: str, options: Mapping[str, Any]) -> Request:
        """The request of :meth:`list` with keyword arguments ``options``."""
        if options.get("watch"):
            raise InvalidParameterException(
                "list(watch=True) is not supported; watch with lscsde_sdk instead"
            )
        unknown = sorted(
            key
            for key in options
            if key.startswith("_") and key not in _QUERY_NAMES and key != _TIMEOUT
        )
        if unknown:
            raise InvalidParameterException(f"unsupported list options: {', '.join(unknown)}")
        timeout = options.get(_TIMEOUT)
        query = [
            (_query_name(key), _query_value(value))
            for key, value in options.items()
            if value is not None and key != _TIMEOUT
        ]
        return Request(
            "GET",
            self._path(namespace),
            query=query,
            timeouts=Timeouts(total=float(timeout)) if timeout is not None else None,
        )

    async def patch(self, namespace: str, name: str, body: Any) -> dict[str, Any]:
        """Patch the object: a list is a JSON patch, a mapping a merge patch."""
        return await self._patch(self._path(namespace, name), body)

    async def patch_status(self, namespace: str, name: str, body: Any) -> dict[str, Any]:
        """Patch the object's status subresource (a list is a JSON patch, a mapping a merge
        patch)."""
        return await self._patch(self._path(namespace, name, "status"), body)

    async def replace(self, namespace: str, name: str, body: Any) -> dict[str, Any]:
        """Replace the object with ``body``."""
        request = Request("PUT", self._path(namespace, name), body=_json_body(body))
        return await self._send(request)

    async def create(self, namespace: str, body: Any) -> dict[str, Any]:
        """Create ``body`` in ``namespace``."""
        request = Request("POST", self._path(namespace), body=_json_body(body))
        return await self._send(request)

    async def delete(self, namespace: str, name: str) -> dict[str, Any]:
        """Delete the object; the server's answer (a Status, or the object while finalizers
        hold it)."""
        return await self._send(Request("DELETE", self._path(namespace, name)))

    async def _patch(self, path: str, body: Any) -> dict[str, Any]:
        payload = _json_body(body)
        content_type = JSON_PATCH if isinstance(payload, list) else MERGE_PATCH
        return await self._send(Request("PATCH", path, body=payload, content_type=content_type))

    async def _send(self, request: Request) -> dict[str, Any]:
        answer = json.loads(await self._send_bytes(request) or b"null")
        return answer if isinstance(answer, dict) else {}

    async def _send_bytes(self, request: Request) -> bytes:
        """The raw body of the answer to ``request``."""
        with kubernetes_errors():
            return await self.transport.send(self._redacting(request))

    async def _send_to(self, request: Request, consumer: Callable[[], ConsumerT]) -> ConsumerT:
        """The ``consumer()`` the body of the answer to ``request`` was fed to as it arrived."""
        with kubernetes_errors():
            return await self.transport.send_to(self._redacting(request), consumer)

    def _redacting(self, request: Request) -> Request:
        """``request``, its errors masking the kind's secrets and those it carries."""
        if not self.secret_paths:
            return request
        redaction = Redaction(self.secret_paths).including(request.body)
        return dataclasses.replace(request, redaction=redaction)

    def _path(self, namespace: str, name: str | None = None, subresource: str | None = None) -> str:
        if not namespace:
            raise InvalidParameterException(f"a namespace is required to address {self.kind}")
        path = f"/apis/{self.group}/{self.version}/namespaces/{namespace}/{self.plural}"
        if name is None:
            return path
        if not name:
            raise InvalidParameterException(f"a name is required to address {self.kind}")
        return f"{path}/{name}/{subresource}" if subresource else f"{path}/{name}"
