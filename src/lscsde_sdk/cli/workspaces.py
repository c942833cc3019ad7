"""``lscsde workspaces list`` and ``lscsde workspaces get NAME``."""

from __future__ import annotations

import argparse
from collections.abc import Sequence

from ..clients import AnalyticsWorkspaceClient
from ..models import AnalyticsWorkspace
from .output import Column, Printer, api_list
from .parsing import CliParser, ClusterCommand, add_command, add_group
from .session import Session, check_empty_result

__all__ = ["register", "workspace_row"]

COLUMNS = (
    Column("NAME", min_width=12),
    Column("DISPLAY NAME", min_width=12),
    Column("AVAILABLE", shrink=False),
    Column("EXPIRES", shrink=False),
    Column("STATUS", min_width=8),
)


def workspace_row(workspace: AnalyticsWorkspace) -> list[str]:
    spec, status = workspace.spec, workspace.status
    return [
        workspace.metadata.name or "",
        spec.display_name if spec else "",
        spec.validity.available_from.isoformat() if spec else "",
        spec.validity.expires.isoformat() if spec else "",
        status.status_text if status else "",
    ]


def _show(printer: Printer, workspaces: Sequence[AnalyticsWorkspace], data: object) -> None:
    printer.show(data, COLUMNS, [workspace_row(workspace) for workspace in workspaces])


async def list_workspaces(args: argparse.Namespace, session: Session, printer: Printer) -> int:
    workspaces = await AnalyticsWorkspaceClient(session.transport).list(session.namespace)
    if not workspaces:
        await check_empty_result(session, printer, "workspaces")
    _show(printer, workspaces, api_list(workspaces))
    return 0


async def get_workspace(args: argparse.Namespace, session: Session, printer: Printer) -> int:
    workspace = await AnalyticsWorkspaceClient(session.transport).get(session.namespace, args.name)
    _show(printer, [workspace], workspace.to_api())
    return 0


def register(commands: argparse._SubParsersAction[CliParser]) -> None:
    group = add_group(commands, "workspaces", help="AnalyticsWorkspaces of the namespace")
    add_command(
        group, "list", ClusterCommand(list_workspaces), help="list the namespace's workspaces"
    )
    get = add_command(group, "get", ClusterCommand(get_workspace), help="show one workspace")
    get.add_argument("name", metavar="NAME", help="the workspace's name")
