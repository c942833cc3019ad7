"""``lscsde workspaces describe NAME``: a workspace and everything that decides who can use
it, on one screen.

* its spec, status and lookup label, and whether its own dates let anyone start it today;
* every workspace binding naming it (read from all the namespace's bindings and compared by
  ``spec.workspace``, so bindings kubectl or GitOps wrote count too): user, expiry, whether
  that user may start it today (taking the user's other bindings into account) and the
  state of the binding's lookup label;
* its data source bindings (all the namespace's, compared by ``spec.workspace``) and whether
  each applies today;
* its persistent volume claims (the one named in the spec or recorded in the status, the
  additional storage, and claims labelled with the workspace) and whether they exist;
* its recent events.
"""

from __future__ import annotations

import argparse
from datetime import date
from typing import Any, Final

from ..clients import (
    AnalyticsDataSourceBindingClient,
    AnalyticsDataSourceClient,
    AnalyticsWorkspaceBindingClient,
    AnalyticsWorkspaceClient,
)
from ..converters import today
from ..core.transport import Request
from ..errors import LscsdeError, NotFoundError
from ..labels import WORKSPACE_LABEL, workspace_label_value
from ..models import AnalyticsWorkspace, AnalyticsWorkspaceBinding
from .access import storage_of
from .binding_search import user_bindings
from .describe import Description
from .errors import describe_error
from .lookup_labels import label_states, label_summary
from .object_events import describe_events
from .output import Column, Printer
from .session import Session
from .start_today import applies_on, start_check

__all__ = ["describe_workspace"]

BINDING_COLUMNS: Final = (
    Column("NAME"),
    Column("USERNAME"),
    Column("EXPIRES"),
    Column("MAY START TODAY"),
    Column("LOOKUP LABEL"),
)
DATASOURCE_COLUMNS: Final = (
    Column("NAME"),
    Column("DATA SOURCE"),
    Column("EXPIRES"),
    Column("APPLIES TODAY"),
)
CLAIM_COLUMNS: Final = (
    Column("NAME"),
    Column("USE"),
    Column("EXISTS"),
    Column("PHASE"),
    Column("CAPACITY"),
)


def _binding_rows(
    client: AnalyticsWorkspaceBindingClient,
    workspace: AnalyticsWorkspace,
    bindings: list[AnalyticsWorkspaceBinding],
    day: date,
) -> list[list[str]]:
    username = client.field_index("username")
    latest: dict[str | None, date] = {}  # by user: the latest expiry of their bindings
    for binding in bindings:
        if binding.spec is not None:
            key = username.key_of(binding)
            latest[key] = max(binding.spec.expires, latest.get(key, binding.spec.expires))
    rows = []
    for binding in bindings:
        spec = binding.spec
        if spec is None:
            continue
        own = start_check(workspace, workspace.name, spec.expires, day)
        user = start_check(workspace, workspace.name, latest[username.key_of(binding)], day)
        shown = own.answer
        if not spec.username:
            shown = "no: the binding names no user"
        elif not own.allowed and user.allowed:
            shown += " (another of the user's bindings permits)"
        label = label_summary(client.field_indexes, binding)
        rows.append([binding.name, spec.username or "", str(spec.expires), shown, label])
    return rows


async def _datasource_rows(session: Session, name: str, day: date) -> list[list[str]]:
    transport, namespace = session.transport, session.namespace
    bindings = [
        binding
        for binding in await AnalyticsDataSourceBindingClient(transport).list(namespace)
        if binding.spec is not None and binding.spec.workspace == name
    ]
    names = sorted({b.spec.datasource for b in bindings if b.spec})
    existing = await AnalyticsDataSourceClient(transport).get_many(namespace, names)
    rows = []
    for binding in sorted(bindings, key=lambda b: b.name):
        spec = binding.spec
        assert spec is not None
        missing = None if spec.datasource in existing else f"data source {spec.datasource}"
        applies = applies_on(spec.expires, missing, day)
        rows.append([binding.name, spec.datasource, str(spec.expires or "never"), applies])
    return rows


async def _claim(session: Session, name: str) -> tuple[str, str, str]:
    """Whether the claim exists, its phase and its capacity."""
    path = f"/api/v1/namespaces/{session.namespace}/persistentvolumeclaims/{name}"
    try:
        claim: dict[str, Any] = await session.transport.send_json(Request("GET", path))
    except NotFoundError:
        return "no", "", ""
    except LscsdeError as error:
        return f"unknown: {describe_error(error).message}", "", ""
    status = claim.get("status") or {}
    return (
        "yes",
        str(status.get("phase") or ""),
        str((status.get("capacity") or {}).get("storage") or ""),
    )


async def _labelled_claims(session: Session, name: str) -> list[str]:
    path = f"/api/v1/namespaces/{session.namespace}/persistentvolumeclaims"
    selector = f"{WORKSPACE_LABEL}={workspace_label_value(name)}"
    try:
        found = await session.transport.send_json(
            Request("GET", path, query=[("labelSelector", selector)])
        )
    except LscsdeError:
        return []  # the named claims are still checked one by one
    return [str(item["metadata"]["name"]) for item in found.get("items") or []]


async def _claim_rows(session: Session, workspace: AnalyticsWorkspace) -> list[list[str]]:
    storage = storage_of(workspace)
    uses: dict[str, str] = {}
    if storage["claim"]:
        uses[storage["claim"]] = "home"
    for entry in storage["additional"]:
        uses.setdefault(entry["claim"], f"mounted at {entry['mountPath']}")
    for labelled in await _labelled_claims(session, workspace.name):
        uses.setdefault(labelled, f"labelled {WORKSPACE_LABEL}")
    rows = [[name, use, *await _claim(session, name)] for name, use in uses.items()]
    if not storage["claim"]:
        rows.insert(
            0, ["-", "home: none recorded yet (the hub creates it at first start)", "", "", ""]
        )
    return rows


async def describe_workspace(args: argparse.Namespace, session: Session, printer: Printer) -> int:
    transport, namespace = session.transport, session.namespace
    client = AnalyticsWorkspaceClient(transport)
    workspace = await client.get(namespace, args.name)
    day = today()
    out = Description(printer.width)
    out.resource(workspace)
    out.field("Lookup Label", [s.explain() for s in label_states(client.field_indexes, workspace)])
    # The workspace's own dates alone: as for a user whose binding outlasts it.
    until = workspace.spec.validity.expires if workspace.spec else day
    own = start_check(workspace, workspace.name, until, day)
    out.field(f"Open Today ({day})", own.answer)
    binding_client = AnalyticsWorkspaceBindingClient(transport)
    bindings = await user_bindings(binding_client, namespace, workspace=workspace.name)
    out.table(
        "Bindings",
        BINDING_COLUMNS,
        _binding_rows(binding_client, workspace, bindings, day),
        note="every binding of the namespace naming this workspace, whoever wrote it",
    )
    out.table(
        "Data Source Bindings",
        DATASOURCE_COLUMNS,
        await _datasource_rows(session, workspace.name, day),
    )
    out.table("Claims", CLAIM_COLUMNS, await _claim_rows(session, workspace))
    await describe_events(out, transport, workspace)
    printer.out.write(out.text())
    return 0
