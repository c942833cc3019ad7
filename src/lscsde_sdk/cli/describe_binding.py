"""``lscsde bindings describe NAME``: a workspace binding, and whether its user may start
its workspace today and, if not, why.

The answer takes the user's other bindings to the workspace into account (the latest expiry
counts), read from every binding of the namespace and compared by field, so bindings written
by kubectl or GitOps (without the SDK's labels) count too.
"""

from __future__ import annotations

import argparse
from datetime import date

from ..clients import AnalyticsWorkspaceBindingClient, AnalyticsWorkspaceClient
from ..converters import today
from ..errors import NotFoundError
from ..models import AnalyticsWorkspace, AnalyticsWorkspaceBinding
from .binding_search import user_bindings
from .describe import Description
from .lookup_labels import label_states
from .object_events import describe_events
from .output import Printer
from .session import Session
from .start_today import start_check

__all__ = ["describe_binding"]


async def _workspace(session: Session, name: str) -> AnalyticsWorkspace | None:
    try:
        return await AnalyticsWorkspaceClient(session.transport).get(session.namespace, name)
    except NotFoundError:
        return None


def _show_workspace(out: Description, name: str, workspace: AnalyticsWorkspace | None) -> None:
    out.heading("Workspace")
    out.field("Name", name, 2)
    if workspace is None or workspace.spec is None:
        out.field("Exists", "no", 2)
        return
    spec, status = workspace.spec, workspace.status
    out.field("Display Name", spec.display_name, 2)
    out.field("Available From", spec.validity.available_from, 2)
    out.field("Expires", spec.validity.expires, 2)
    out.field("Status", status.status_text if status else None, 2)


def _show_today(
    out: Description,
    binding: AnalyticsWorkspaceBinding,
    workspace: AnalyticsWorkspace | None,
    users_bindings: list[AnalyticsWorkspaceBinding],
    day: date,
) -> None:
    spec = binding.spec
    assert spec is not None
    out.heading(f"Today ({day})")
    own = start_check(workspace, spec.workspace, spec.expires, day)
    if not spec.username:
        out.field("May Start", "no: the binding names no user", 2)
        return
    out.field("User", spec.username, 2)
    others = [b for b in users_bindings if b.metadata.uid != binding.metadata.uid and b.spec]
    if not others:
        out.field("May Start", own.answer, 2)
        return
    latest = max(b.spec.expires for b in users_bindings if b.spec)
    out.field(
        "User's Bindings",
        [f"{b.metadata.name} (expires {b.spec.expires})" for b in users_bindings if b.spec],
        2,
    )
    out.field("This Binding", own.answer, 2)
    out.field("May Start", start_check(workspace, spec.workspace, latest, day).answer, 2)


async def describe_binding(args: argparse.Namespace, session: Session, printer: Printer) -> int:
    client = AnalyticsWorkspaceBindingClient(session.transport)
    binding = await client.get(session.namespace, args.name)
    out = Description(printer.width)
    out.resource(binding)
    out.field("Lookup Label", [s.explain() for s in label_states(client.field_indexes, binding)])
    spec = binding.spec
    if spec is not None:
        workspace = await _workspace(session, spec.workspace)
        _show_workspace(out, spec.workspace, workspace)
        users_bindings = (
            await user_bindings(
                client, session.namespace, username=spec.username, workspace=spec.workspace
            )
            if spec.username
            else [binding]
        )
        _show_today(out, binding, workspace, users_bindings, today())
    await describe_events(out, session.transport, binding)
    printer.out.write(out.text())
    return 0
