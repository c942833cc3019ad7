"""The generic client's one-shot watch: one request, typed events until the server ends it.

Nothing here resumes a watch: :class:`lscsde_sdk.runtime.Watcher` does, on top of
:meth:`Watching.open_watch`.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import TypeVar

from ..model_base import ResourceModel
from ..resource import CustomResource
from .base import ClientBase
from .redaction import Redaction
from .watch_decoder import WatchDecoder, WatchEvent
from .watch_stream import WatchStream

__all__ = ["Watching"]

ResourceT = TypeVar("ResourceT", bound=CustomResource)
StatusT = TypeVar("StatusT", bound=ResourceModel)


class Watching(ClientBase[ResourceT, StatusT]):
    """``watch`` and ``open_watch`` of a kind."""

    async def watch(
        self,
        namespace: str | None,
        *,
        label_selector: str | None = None,
        field_selector: str | None = None,
        resource_version: str | None = None,
        timeout_seconds: int | None = None,
    ) -> AsyncIterator[WatchEvent[ResourceT]]:
        """One watch request: the changes to matching objects as typed events, until the
        server ends the stream (after ``timeout_seconds``, or a time of its choosing).

        Without ``resource_version`` every current object comes first as ``ADDED``; with
        it, the changes after that version. ``BOOKMARK`` events carry only a version to
        resume from. Nothing is repeated and nothing resumes: an ``ERROR`` event raises its
        typed error (:class:`~lscsde_sdk.errors.GoneError` when the version is too old), a
        dropped connection or a stream silent for longer than the read timeout (see
        :class:`~lscsde_sdk.core.retry.Timeouts`) raises
        :class:`~lscsde_sdk.errors.ApiConnectionError`. :class:`lscsde_sdk.runtime.Watcher`
        resumes watches across all of that.
        """
        async with self.open_watch(
            namespace,
            label_selector=label_selector,
            field_selector=field_selector,
            resource_version=resource_version,
            timeout_seconds=timeout_seconds,
        ) as stream:
            async for event in stream:
                yield event

    @asynccontextmanager
    async def open_watch(
        self,
        namespace: str | None,
        *,
        label_selector: str | None = None,
        field_selector: str | None = None,
        resource_version: str | None = None,
        timeout_seconds: int | None = None,
    ) -> AsyncIterator[WatchStream[ResourceT]]:
        """:meth:`watch`, in two steps: entering returns once the server has accepted the
        watch (an error if it refused it), and the stream yields its events."""
        timeouts = self.timeouts or self.transport.timeouts
        redaction = Redaction(self.secret_paths) if self.secret_paths else None
        request = self.requests.watch(
            namespace,
            label_selector=label_selector,
            field_selector=field_selector,
            resource_version=resource_version,
            timeout_seconds=timeout_seconds,
            timeouts=timeouts,
            redaction=redaction,
        )
        async with self.transport.open(request) as response:
            yield WatchStream(
                response,
                WatchDecoder(self.resource_type),  # type: ignore[arg-type]
                path=request.path,
                silence=timeouts.read,
                count_bytes=self.transport.count_bytes,
                redaction=redaction,
            )
