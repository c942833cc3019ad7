"""Typed kopf operators for the five AWMS kinds (install ``lscsde-sdk[kopf]``).

::

    import kopf  # noqa: F401  (kopf run imports this module and runs its handlers)

    from lscsde_sdk.models import AnalyticsDataSource, AnalyticsDataSourceStatus
    from lscsde_sdk.operator import Context, Operator

    operator = Operator("xlscsde.nhs.uk/datasource-operator")

    @operator.datasources.on_create()
    async def created(
        source: AnalyticsDataSource, ctx: Context[AnalyticsDataSource, AnalyticsDataSourceStatus]
    ) -> None:
        ctx.status.status_text = "Ready"  # written with kopf's patch, only if it changed
        await ctx.record("DataSourceReady", f"{source.name} is ready")

* :class:`Operator` - one connection per process (opened at kopf's startup, closed at its
  cleanup), an event recorder, and the typed handlers of each kind (``operator.workspaces``,
  ``.workspace_bindings``, ``.datasources``, ``.datasource_bindings``, ``.crates``,
  ``operator.kind(ClientClass)``);
* :class:`Kind` - ``on_create``, ``on_update``, ``on_resume``, ``on_delete``, ``timer``,
  ``daemon``: a handler receives the validated model and a :class:`Context`;
* :class:`Context` / :class:`DaemonContext` - the connection, the kind's client, a typed
  status written when changed, events, kopf's logger;
* :mod:`lscsde_sdk.operator.errors` - the SDK's errors as kopf's;
* :mod:`lscsde_sdk.operator.lifecycle` - the reference operator keeping workspaces' and
  bindings' ``statusText`` in step with their dates (``kopf run -m
  lscsde_sdk.operator.lifecycle``).

Importing :mod:`lscsde_sdk` or its CLI never imports kopf; importing this package does.
"""

from __future__ import annotations

try:
    import kopf  # noqa: F401
except ImportError as error:  # pragma: no cover - depends on the installation
    raise ImportError("lscsde_sdk.operator needs kopf: pip install 'lscsde-sdk[kopf]'") from error

from .context import Context, DaemonContext, Logger, Wakeups
from .errors import CONFLICT_DELAY, TEMPORARY_DELAY, kopf_error
from .kinds import DaemonHandler, Handler, HandlerOptions, Kind, Predicate
from .process import Operator, OperatorNotStartedError

__all__ = [
    "CONFLICT_DELAY",
    "TEMPORARY_DELAY",
    "Context",
    "DaemonContext",
    "DaemonHandler",
    "Handler",
    "HandlerOptions",
    "Kind",
    "Logger",
    "Operator",
    "OperatorNotStartedError",
    "Predicate",
    "Wakeups",
    "kopf_error",
]
