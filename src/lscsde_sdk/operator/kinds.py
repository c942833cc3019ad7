"""Typed kopf handlers for one kind: the decorators of :class:`Kind`.

Each decorator registers a kopf handler of the same name (``kopf.on.create``, ``on.update``,
``on.resume``, ``on.delete``, ``kopf.timer``, ``kopf.daemon``) for the kind, with kopf's
options. The function it decorates receives the object validated into the kind's model, the
way objects read from the server are (:meth:`~lscsde_sdk.model_base.ResourceModel.from_api`:
unknown fields kept), and a :class:`~lscsde_sdk.operator.context.Context`, instead of kopf's
``body``. Around each run:

* an object that does not validate is a :class:`kopf.PermanentError` naming the fields;
* the SDK's errors become kopf's (:mod:`lscsde_sdk.operator.errors`);
* the object being deleted meanwhile (its own GET or status write answers 404) ends the run
  quietly: there is nothing left to handle;
* the status changes the handler made go into kopf's patch (kopf applies it after the run).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from typing import TYPE_CHECKING, Any, Generic, TypedDict, TypeVar

import kopf
from typing_extensions import Unpack

from ..core.client import CustomResourceClient
from ..errors import NotFoundError, NotInReleaseError
from ..model_base import ResourceModel
from ..resource import CustomResource
from .context import Context, DaemonContext, Logger
from .errors import kopf_error

if TYPE_CHECKING:
    from .process import Operator

__all__ = ["DaemonHandler", "Handler", "HandlerOptions", "Kind", "Predicate"]

ResourceT = TypeVar("ResourceT", bound=CustomResource)
StatusT = TypeVar("StatusT", bound=ResourceModel)

#: A typed handler: ``async def handler(obj, ctx) -> None``.
Handler = Callable[[ResourceT, Context[ResourceT, StatusT]], Awaitable[None]]
#: A typed daemon: ``async def daemon(obj, ctx) -> None``, ``ctx`` a ``DaemonContext``.
DaemonHandler = Callable[[ResourceT, DaemonContext[ResourceT, StatusT]], Awaitable[None]]
#: A filter on the typed object (kopf's ``when``).
Predicate = Callable[[ResourceT], bool]
_Registered = Callable[..., Awaitable[None]]
_Decorator = Callable[[Handler[ResourceT, StatusT]], Handler[ResourceT, StatusT]]


class HandlerOptions(TypedDict, total=False):
    """kopf's options every typed handler takes, with kopf's meaning (``id`` defaults to
    the function's name; ``labels`` and ``annotations`` filter the objects)."""

    id: str
    retries: int
    backoff: float
    timeout: float
    labels: Mapping[str, str]
    annotations: Mapping[str, str]


class Kind(Generic[ResourceT, StatusT]):
    """The typed handler decorators of the kind of ``client_class`` (``operator.kind(
    AnalyticsWorkspaceClient)``, or ``operator.workspaces``). Their options are kopf's
    (:class:`HandlerOptions`, and those of each decorator); ``when`` is a predicate on the
    typed object."""

    def __init__(
        self,
        operator: Operator,
        client_class: type[CustomResourceClient[ResourceT, StatusT]],
    ) -> None:
        self.operator = operator
        self.client_class = client_class
        try:
            self.model: type[ResourceT] = client_class.resource_type  # type: ignore[assignment]
            info = self.model.__resource__
        except NotInReleaseError as error:
            # A kind the CRD release lacks: its handlers are not registered, and the
            # operator refuses to start (see Operator), rather than failing at import.
            self.absent: NotInReleaseError | None = error
            self._resource = ("", "", "")
        else:
            self.absent = None
            self._resource = (info.group, info.version, info.plural)

    def client(self) -> CustomResourceClient[ResourceT, StatusT]:
        """A client of the kind on the operator's connection (a context's :attr:`Context.writes`
        records events for its writes)."""
        return self.operator.cluster.client(self.client_class)

    # -- the decorators ---------------------------------------------------------------------

    def on_create(
        self, *, when: Predicate[ResourceT] | None = None, **options: Unpack[HandlerOptions]
    ) -> _Decorator[ResourceT, StatusT]:
        """``kopf.on.create``: the object was created (or first seen unhandled)."""
        return self._decorate(kopf.on.create, when, options)

    def on_update(
        self,
        *,
        field: str | None = None,
        when: Predicate[ResourceT] | None = None,
        **options: Unpack[HandlerOptions],
    ) -> _Decorator[ResourceT, StatusT]:
        """``kopf.on.update``: the object changed (only ``field``, e.g. ``"spec"``, if
        given; kopf never counts status changes)."""
        return self._decorate(kopf.on.update, when, options, field=field)

    def on_resume(
        self, *, when: Predicate[ResourceT] | None = None, **options: Unpack[HandlerOptions]
    ) -> _Decorator[ResourceT, StatusT]:
        """``kopf.on.resume``: the operator started and found the object already handled."""
        return self._decorate(kopf.on.resume, when, options)

    def on_delete(
        self,
        *,
        optional: bool = False,
        when: Predicate[ResourceT] | None = None,
        **options: Unpack[HandlerOptions],
    ) -> _Decorator[ResourceT, StatusT]:
        """``kopf.on.delete``: the object is being deleted (kopf holds it with a finalizer
        until the handler succeeds, unless ``optional``)."""
        return self._decorate(kopf.on.delete, when, options, optional=optional)

    def timer(
        self,
        interval: float,
        *,
        initial_delay: float | None = None,
        idle: float | None = None,
        sharp: bool | None = None,
        when: Predicate[ResourceT] | None = None,
        **options: Unpack[HandlerOptions],
    ) -> _Decorator[ResourceT, StatusT]:
        """``kopf.timer``: run every ``interval`` seconds for each object."""
        return self._decorate(
            kopf.timer,
            when,
            options,
            interval=interval,
            initial_delay=initial_delay,
            idle=idle,
            sharp=sharp,
        )

    def daemon(
        self,
        *,
        initial_delay: float | None = None,
        cancellation_timeout: float | None = None,
        when: Predicate[ResourceT] | None = None,
        **options: Unpack[HandlerOptions],
    ) -> Callable[[DaemonHandler[ResourceT, StatusT]], DaemonHandler[ResourceT, StatusT]]:
        """``kopf.daemon``: one long-running task per object, from its first sighting (or
        the operator's start) until it is deleted or the operator stops."""

        def register(
            handler: DaemonHandler[ResourceT, StatusT],
        ) -> DaemonHandler[ResourceT, StatusT]:
            if self._absent_for(handler):
                return handler
            kopf.daemon(
                *self._resource,
                **self._options(handler, when, options),
                initial_delay=initial_delay,
                cancellation_timeout=cancellation_timeout,
            )(self._daemon(handler))
            return handler

        return register

    # -- what runs around a handler -----------------------------------------------------------

    def _decorate(
        self,
        kopf_decorator: Callable[..., Callable[[_Registered], Any]],
        when: Predicate[ResourceT] | None,
        options: HandlerOptions,
        **specific: Any,
    ) -> _Decorator[ResourceT, StatusT]:
        def register(handler: Handler[ResourceT, StatusT]) -> Handler[ResourceT, StatusT]:
            if self._absent_for(handler):
                return handler
            kopf_decorator(*self._resource, **self._options(handler, when, options), **specific)(
                self._changing(handler)
            )
            return handler

        return register

    def _absent_for(self, handler: Callable[..., Any]) -> bool:
        """Whether the kind is not in the release (then the operator is told, for startup)."""
        if self.absent is None:
            return False
        self.operator.absent[handler.__name__] = self.absent
        return True

    def _options(
        self,
        handler: Callable[..., Any],
        when: Predicate[ResourceT] | None,
        options: HandlerOptions,
    ) -> dict[str, Any]:
        """kopf's options for ``handler``: ``options`` with the id defaulting to its name,
        ``when`` on the typed object, and the operator's registry."""
        return {
            **options,
            "id": options.get("id") or handler.__name__,
            "when": self._when(when),
            "registry": self.operator.registry,
        }

    def _changing(self, handler: Handler[ResourceT, StatusT]) -> _Registered:
        async def run(body: kopf.Body, patch: kopf.Patch, logger: Logger, **_: Any) -> None:
            resource = self._parse(body)
            context = Context(
                resource,
                cluster=self.operator.cluster,
                client=self.client(),
                recorder=self.operator.recorder,
                logger=logger,
                wakeups=self.operator.wakeups,
            )
            if await self._run(handler(resource, context), resource, logger):
                context._flush_into(patch)

        return run

    def _daemon(self, handler: DaemonHandler[ResourceT, StatusT]) -> _Registered:
        async def run(
            body: kopf.Body,
            patch: kopf.Patch,
            logger: Logger,
            stopped: kopf.DaemonStopped,
            **_: Any,
        ) -> None:
            resource = self._parse(body)
            uid = resource.metadata.uid or ""
            wake = self.operator.wakeups.add(uid)
            try:
                context = DaemonContext(
                    resource,
                    cluster=self.operator.cluster,
                    client=self.client(),
                    recorder=self.operator.recorder,
                    logger=logger,
                    wakeups=self.operator.wakeups,
                    wake=wake,
                    body=body,
                    stopped=stopped,
                )
                if await self._run(handler(resource, context), resource, logger):
                    context._flush_into(patch)
            finally:
                self.operator.wakeups.discard(uid, wake)

        return run

    async def _run(self, call: Awaitable[None], resource: ResourceT, logger: Logger) -> bool:
        """Run ``call`` with the SDK's errors mapped to kopf's; whether it completed (not:
        the object was deleted meanwhile)."""
        try:
            await call
        except NotFoundError as error:
            if not self._about(error, resource):
                raise  # another object: kopf retries
            logger.info("%s was deleted while it was being handled", self.model.__name__)
            return False
        except Exception as error:
            mapped = kopf_error(error)
            if mapped is None:
                raise
            raise mapped from error
        return True

    def _about(self, error: NotFoundError, resource: ResourceT) -> bool:
        """Whether ``error`` answered a request for ``resource`` itself (or its status)."""
        path = self.model.__resource__.object_path(resource.namespace, resource.name)
        return error.path in (path, f"{path}/status")

    def _parse(self, body: kopf.Body) -> ResourceT:
        try:
            return self.model.from_api(dict(body))
        except Exception as error:
            mapped = kopf_error(error)
            if mapped is None:
                raise
            raise mapped from None

    def _when(self, predicate: Predicate[ResourceT] | None) -> Callable[..., bool] | None:
        if predicate is None:
            return None

        def when(body: kopf.Body, **_: Any) -> bool:
            try:
                resource = self.model.from_api(dict(body))
            except Exception:
                return True  # let the handler run and report the object as invalid
            return predicate(resource)

        return when
