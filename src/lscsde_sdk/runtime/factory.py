"""Shared informers: one per kind, namespace and selector, created on first use."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any, TypeVar

from ..core.transport import Transport
from ..resource import CustomResource
from .informer import Informer
from .store import DEFAULT_CACHE_SIZE

if TYPE_CHECKING:
    from types import TracebackType

    # Only for annotations: importing kubernetes_asyncio.client costs half a second.
    from kubernetes_asyncio.client import ApiClient

    from ..core.client import CustomResourceClient

__all__ = ["InformerFactory"]

ResourceT = TypeVar("ResourceT", bound=CustomResource)
_Key = tuple[type[Any], str | None, str | None]


class InformerFactory:
    """Shared informers: one per client type, namespace and selector, created on first use.

    ``api`` is what their clients send requests through; ``keep_managed_fields`` and
    ``cache_size`` configure their stores. Informers start when first asked for through
    :meth:`synced` (or explicitly); :meth:`stop` stops them all.
    """

    def __init__(
        self,
        api: ApiClient | Transport,
        *,
        keep_managed_fields: bool = False,
        cache_size: int = DEFAULT_CACHE_SIZE,
        sync_timeout: float = 60.0,
    ) -> None:
        self.transport = Transport.of(api)
        self.keep_managed_fields = keep_managed_fields
        self.cache_size = cache_size
        self.sync_timeout = sync_timeout
        self._informers: dict[_Key, Informer[Any]] = {}
        self._starting: dict[_Key, asyncio.Lock] = {}

    def informer(
        self,
        client_type: type[CustomResourceClient[ResourceT, Any]],
        namespace: str | None,
        *,
        label_selector: str | None = None,
    ) -> Informer[ResourceT]:
        """The informer of ``client_type``'s kind in ``namespace`` (created, not started)."""
        key = (client_type, namespace, label_selector)
        informer = self._informers.get(key)
        if informer is None:
            informer = Informer(
                client_type(self.transport),
                namespace,
                label_selector=label_selector,
                keep_managed_fields=self.keep_managed_fields,
                cache_size=self.cache_size,
            )
            self._informers[key] = informer
        return informer

    async def synced(
        self,
        client_type: type[CustomResourceClient[ResourceT, Any]],
        namespace: str | None,
        *,
        label_selector: str | None = None,
    ) -> Informer[ResourceT]:
        """:meth:`informer`, started if it is not running, once it is synced. Concurrent
        callers share one start."""
        informer = self.informer(client_type, namespace, label_selector=label_selector)
        if informer.synced and informer.running:
            return informer
        key = (client_type, namespace, label_selector)
        lock = self._starting.setdefault(key, asyncio.Lock())
        async with lock:
            if not informer.running:
                informer.start()
            await informer.wait_synced(self.sync_timeout)
        return informer

    @property
    def informers(self) -> list[Informer[Any]]:
        return list(self._informers.values())

    async def stop(self) -> None:
        """Stop every informer."""
        await asyncio.gather(*(informer.stop() for informer in self._informers.values()))

    async def __aenter__(self) -> InformerFactory:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.stop()
