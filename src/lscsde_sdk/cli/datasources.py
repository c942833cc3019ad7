"""``lscsde datasources list [--workspace W]``."""

from __future__ import annotations

import argparse
from typing import Any

from ..access import BoundDataSource
from ..clients import AnalyticsDataSourceClient
from ..converters import today
from ..managers import AnalyticsDataSourceManager
from ..models import AnalyticsDataSource
from .output import Column, Printer, api_list
from .parsing import CliParser, ClusterCommand, add_command, add_group
from .session import Session, check_empty_result

__all__ = ["register"]

COLUMNS = (
    Column("NAME", min_width=12),
    Column("DISPLAY NAME", min_width=12),
    Column("TYPE", min_width=8),
    Column("STATUS", min_width=8),
)
BOUND_COLUMNS = (
    Column("NAME", min_width=12),
    Column("DISPLAY NAME", min_width=12),
    Column("TYPE", min_width=8),
    Column("BINDINGS", min_width=10),
    Column("EXPIRES", shrink=False),
    Column("ACTIVE", shrink=False),
)


def _row(datasource: AnalyticsDataSource) -> list[str]:
    spec, status = datasource.spec, datasource.status
    return [
        datasource.metadata.name or "",
        (spec.display_name if spec else None) or "",
        (spec.type if spec else None) or "",
        (status.status_text if status else None) or "",
    ]


def _bound_row(bound: BoundDataSource) -> list[str]:
    name, display_name, kind, _ = _row(bound.datasource)
    return [
        name,
        display_name,
        kind,
        ", ".join(binding.metadata.name or "" for binding in bound.bindings),
        bound.expires.isoformat() if bound.expires else "never",
        "yes" if bound.active_on(today()) else "no",
    ]


def _bound_data(bound: BoundDataSource) -> dict[str, Any]:
    return {
        "name": bound.name,
        "expires": bound.expires.isoformat() if bound.expires else None,
        "active": bound.active_on(today()),
        "datasource": bound.datasource.to_api(),
        "bindings": [binding.to_api() for binding in bound.bindings],
    }


async def list_datasources(args: argparse.Namespace, session: Session, printer: Printer) -> int:
    if args.workspace is None:
        found = await AnalyticsDataSourceClient(session.transport).list(session.namespace)
        if not found:
            await check_empty_result(session, printer, "data sources")
        printer.show(api_list(found), COLUMNS, [_row(item) for item in found])
        return 0
    manager = AnalyticsDataSourceManager(session.transport)
    by_name = await manager.get_datasources_for_workspace(session.namespace, args.workspace)
    bound = [by_name[name] for name in sorted(by_name)]
    if not bound:
        await check_empty_result(
            session, printer, f"data sources bound to workspace {args.workspace}"
        )
    printer.show(
        {"items": [_bound_data(item) for item in bound]},
        BOUND_COLUMNS,
        [_bound_row(item) for item in bound],
    )
    return 0


def register(commands: argparse._SubParsersAction[CliParser]) -> None:
    group = add_group(commands, "datasources", help="AnalyticsDataSources of the namespace")
    listing = add_command(
        group,
        "list",
        ClusterCommand(list_datasources),
        help="list the namespace's data sources",
        description=(
            "List the namespace's data sources; with --workspace, those bound to that "
            "workspace, with their bindings and until when they apply."
        ),
    )
    listing.add_argument(
        "--workspace", metavar="W", help="only the data sources bound to workspace W"
    )
