"""The lifecycle operator: keeps each workspace's and workspace binding's ``status.statusText``
in step with its dates, and records an event at each change.

Run it in the namespace that holds the objects, with its Role (``deploy/rbac/lifecycle.yaml``)::

    kopf run --standalone --namespace jupyterhub -m lscsde_sdk.operator.lifecycle

The phases and dates are those of the lookups (:mod:`lscsde_sdk.validity`): a workspace is
``Not yet available`` before its ``availableFrom`` date, ``Available`` from then, and
``Expired`` from its ``expires`` date; a binding is ``Available`` until its own ``expires``
date and ``Expired`` from then. A workspace whose storage the JupyterHub pod hook reported as
``Provisioned`` is available: that status is left as it is until the workspace expires.

One kopf daemon per object writes its status: on start (so it catches up with whatever
happened while the operator was down), when the object's dates change (its create and update
handlers wake it: a change made before kopf finished handling the creation is a creation to
kopf), and at each local midnight that changes the phase, sleeping until then (at most
:data:`MAX_SLEEP` at a time, so clock changes are noticed). It writes only when the status is
not in step (one merge patch of ``status.statusText``; after its own first write, kopf's copy
may lag it, so it reads the object once before writing again), and then records an event
(``WorkspaceAvailable``, ``WorkspaceBindingExpired``, ...). Objects are never listed or polled:
kopf's watch keeps each daemon's copy current.

Importing this module registers the operator with kopf's default registry (``kopf run``
imports it for that); :data:`operator` is that operator.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from datetime import datetime
from typing import Final, TypeVar

from ..converters import today
from ..managers import PROVISIONED_STATUS
from ..models import (
    AnalyticsWorkspace,
    AnalyticsWorkspaceBinding,
    AnalyticsWorkspaceBindingStatus,
    AnalyticsWorkspaceStatus,
)
from ..resource import CustomResource
from ..validity import Phase, Validity, binding_validity, seconds_until, workspace_validity
from .context import Context, DaemonContext
from .process import Operator

__all__ = [
    "MAX_SLEEP",
    "REPORTING_CONTROLLER",
    "binding_dates_changed",
    "binding_lifecycle",
    "keep_in_step",
    "operator",
    "workspace_dates_changed",
    "workspace_lifecycle",
]

#: The controller named in the events this operator records.
REPORTING_CONTROLLER: Final = "xlscsde.nhs.uk/lifecycle-operator"
#: The longest a daemon sleeps before looking at its object's dates again, in seconds.
MAX_SLEEP: Final = 3600.0

ResourceT = TypeVar("ResourceT", bound=CustomResource)
StatusT = TypeVar("StatusT", AnalyticsWorkspaceStatus, AnalyticsWorkspaceBindingStatus)

#: Other writers' statuses that are in step with a phase (the pod hook's ``Provisioned``).
_WORKSPACE_ALSO: Final[dict[Phase, frozenset[str]]] = {
    Phase.AVAILABLE: frozenset({PROVISIONED_STATUS})
}

operator = Operator(REPORTING_CONTROLLER)


@operator.workspaces.on_create()
@operator.workspaces.on_update(field="spec")
async def workspace_dates_changed(
    workspace: AnalyticsWorkspace, ctx: Context[AnalyticsWorkspace, AnalyticsWorkspaceStatus]
) -> None:
    ctx.wake_daemons()


@operator.workspace_bindings.on_create()
@operator.workspace_bindings.on_update(field="spec")
async def binding_dates_changed(
    binding: AnalyticsWorkspaceBinding,
    ctx: Context[AnalyticsWorkspaceBinding, AnalyticsWorkspaceBindingStatus],
) -> None:
    ctx.wake_daemons()


@operator.workspaces.daemon()
async def workspace_lifecycle(
    workspace: AnalyticsWorkspace,
    ctx: DaemonContext[AnalyticsWorkspace, AnalyticsWorkspaceStatus],
) -> None:
    await keep_in_step(ctx, workspace_validity, "Workspace", _WORKSPACE_ALSO)


@operator.workspace_bindings.daemon()
async def binding_lifecycle(
    binding: AnalyticsWorkspaceBinding,
    ctx: DaemonContext[AnalyticsWorkspaceBinding, AnalyticsWorkspaceBindingStatus],
) -> None:
    await keep_in_step(ctx, binding_validity, "WorkspaceBinding")


async def keep_in_step(
    ctx: DaemonContext[ResourceT, StatusT],
    validity_of: Callable[[ResourceT], Validity | None],
    noun: str,
    also: dict[Phase, frozenset[str]] | None = None,
) -> None:
    """The daemon's loop (see the module doc) until kopf stops it. ``noun`` starts the
    events' reasons; ``also`` names other statuses in step with a phase."""
    while True:
        resource = ctx.refresh()
        validity = validity_of(resource)
        day = today()
        if validity is not None and resource.metadata.deletion_timestamp is None:
            phase = validity.phase(day)
            accepted = (also or {}).get(phase, ())
            if ctx.has_written and not _in_step(ctx.status.status_text, phase, accepted):
                # kopf's copy may not show this daemon's last write yet: ask the server.
                resource = await ctx.reread()
                validity = validity_of(resource) or validity
                phase = validity.phase(day)
                accepted = (also or {}).get(phase, ())
            text = ctx.status.status_text
            if _in_step(text, phase, accepted):
                ctx.logger.debug("statusText %r is in step with the dates (%s)", text, phase.name)
            else:
                ctx.status.status_text = phase.value
                await ctx.write_status()
                ctx.logger.info("statusText %r -> %r", text, phase.value)
                await ctx.record(
                    f"{noun}{phase.name.title().replace('_', '')}", _note(resource, validity, phase)
                )
        change = validity.next_change(day) if validity is not None else None
        wait = MAX_SLEEP if change is None else min(MAX_SLEEP, seconds_until(change, _now()))
        if await ctx.sleep(wait):
            return


def _in_step(status_text: str | None, phase: Phase, also: Collection[str]) -> bool:
    return status_text == phase.value or status_text in also


def _note(resource: CustomResource, validity: Validity, phase: Phase) -> str:
    until = f"until {validity.expires.isoformat()} (not included)"
    since = f"from {validity.available_from.isoformat()} " if validity.available_from else ""
    return f"{resource.name} is {phase.value.lower()}: usable {since}{until}"


def _now() -> datetime:
    return datetime.now()
