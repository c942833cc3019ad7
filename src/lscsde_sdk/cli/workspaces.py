"""``lscsde workspaces list``, ``get NAME`` and ``describe NAME``."""

from __future__ import annotations

import argparse

from ..clients import AnalyticsWorkspaceClient
from ..models import AnalyticsWorkspace
from .access import storage_of
from .describe_workspace import describe_workspace
from .listing import ListView, ObjectTable, Scope, add_list_options, run_list
from .output import FORMATS, Column, Printer
from .parsing import CliParser, ClusterCommand, add_command, add_group
from .session import Session

__all__ = ["TABLE", "register", "workspace_row"]

COLUMNS = (
    Column("NAME"),
    Column("DISPLAY NAME", shrink=True, min_width=12),
    Column("AVAILABLE"),
    Column("EXPIRES"),
    Column("STATUS", shrink=True, min_width=8),
    Column("IMAGE", wide=True),
    Column("CLAIM", wide=True),
    Column("DESCRIPTION", shrink=True, min_width=12, wide=True),
)


def workspace_row(workspace: AnalyticsWorkspace) -> list[str]:
    spec, status = workspace.spec, workspace.status
    jupyter = spec.jupyter_workspace if spec else None
    return [
        workspace.metadata.name or "",
        spec.display_name if spec else "",
        spec.validity.available_from.isoformat() if spec else "",
        spec.validity.expires.isoformat() if spec else "",
        status.status_text if status else "",
        jupyter.image if jupyter else "",
        storage_of(workspace)["claim"] or "",
        spec.description if spec else "",
    ]


TABLE = ObjectTable(COLUMNS, workspace_row)


async def list_workspaces(args: argparse.Namespace, session: Session, printer: Printer) -> int:
    client = AnalyticsWorkspaceClient(session.transport)
    return await run_list(args, session, printer, client, TABLE, "workspaces")


async def get_workspace(args: argparse.Namespace, session: Session, printer: Printer) -> int:
    workspace = await AnalyticsWorkspaceClient(session.transport).get(session.namespace, args.name)
    if printer.tabular or printer.format == "name":
        ListView(printer, TABLE, Scope(session.namespace)).show([workspace])
    else:
        printer.show(printer.resource(workspace))
    return 0


def register(commands: argparse._SubParsersAction[CliParser]) -> None:
    group = add_group(commands, "workspaces", help="AnalyticsWorkspaces of the namespace")
    listing = add_command(
        group,
        "list",
        ClusterCommand(list_workspaces),
        help="list the namespace's workspaces",
        description=(
            "List the namespace's workspaces (-A: every namespace's). -o wide adds the image, "
            "the claim and the description."
        ),
        formats=FORMATS,
    )
    add_list_options(listing)
    get = add_command(
        group, "get", ClusterCommand(get_workspace), help="show one workspace", formats=FORMATS
    )
    get.add_argument("name", metavar="NAME", help="the workspace's name")
    describing = add_command(
        group,
        "describe",
        ClusterCommand(describe_workspace),
        help="a workspace with its bindings, data sources, claims and events",
        description=(
            "Show a workspace's spec and status, and what an administrator needs to see why "
            "a user can or cannot start it: every workspace binding naming it (read from all "
            "the namespace's bindings, whoever wrote them: an admin view, which needs list "
            "on analyticsworkspacebindings) with whether today permits it, its data source "
            "bindings, its persistent volume claims and whether they exist, and its recent "
            "events."
        ),
        formats=("table",),
    )
    describing.add_argument("name", metavar="NAME", help="the workspace's name")
