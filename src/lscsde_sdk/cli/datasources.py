"""``lscsde datasources list [--workspace W]`` and ``lscsde datasources describe NAME``."""

from __future__ import annotations

import argparse
from typing import Any

from ..access import BoundDataSource
from ..clients import AnalyticsDataSourceClient
from ..converters import today
from ..managers import AnalyticsDataSourceManager
from ..models import AnalyticsDataSource
from .describe_datasource import describe_datasource
from .errors import EXIT_UNUSABLE, CliError
from .listing import ObjectTable, Scope, add_list_options, list_objects, run_list
from .output import FORMATS, Column, Printer, resource_name
from .parsing import CliParser, ClusterCommand, add_command, add_group
from .session import Session, check_empty_result

__all__ = ["TABLE", "register"]

COLUMNS = (
    Column("NAME"),
    Column("DISPLAY NAME", shrink=True, min_width=12),
    Column("TYPE"),
    Column("STATUS", shrink=True, min_width=8),
    Column("PUBLISHER", shrink=True, min_width=10, wide=True),
    Column("CONNECTIONS", wide=True),
    Column("DESCRIPTION", shrink=True, min_width=12, wide=True),
)
BOUND_COLUMNS = (
    Column("NAME"),
    Column("DISPLAY NAME", shrink=True, min_width=12),
    Column("TYPE"),
    Column("BINDINGS"),
    Column("EXPIRES"),
    Column("ACTIVE"),
    Column("DESCRIPTION", shrink=True, min_width=12, wide=True),
)


def _row(datasource: AnalyticsDataSource) -> list[str]:
    spec, status = datasource.spec, datasource.status
    publisher = spec.publisher if spec else None
    connections = [
        f"{connection.name or '?'} ({connection.type or '?'})"
        for connection in (spec.connections if spec else None) or []
    ]
    return [
        datasource.metadata.name or "",
        (spec.display_name if spec else None) or "",
        (spec.type if spec else None) or "",
        (status.status_text if status else None) or "",
        (publisher.organisation if publisher else None) or "",
        ", ".join(connections),
        (spec.description if spec else None) or "",
    ]


TABLE = ObjectTable(COLUMNS, _row)


def _bound_row(bound: BoundDataSource) -> list[str]:
    name, display_name, kind, *_, description = _row(bound.datasource)
    return [
        name,
        display_name,
        kind,
        ", ".join(binding.metadata.name or "" for binding in bound.bindings),
        bound.expires.isoformat() if bound.expires else "never",
        "yes" if bound.active_on(today()) else "no",
        description,
    ]


def _bound_data(bound: BoundDataSource, printer: Printer) -> dict[str, Any]:
    return {
        "name": bound.name,
        "expires": bound.expires.isoformat() if bound.expires else None,
        "active": bound.active_on(today()),
        "datasource": printer.resource(bound.datasource),
        "bindings": [printer.resource(binding) for binding in bound.bindings],
    }


async def _bound_to(args: argparse.Namespace, session: Session, printer: Printer) -> int:
    if args.all_namespaces or args.watch:
        option = "-A/--all-namespaces" if args.all_namespaces else "-w/--watch"
        raise CliError(
            f"{option} cannot be combined with --workspace (a workspace is bound to data "
            "sources of its own namespace, at one moment)",
            EXIT_UNUSABLE,
        )
    manager = AnalyticsDataSourceManager(session.transport)
    by_name = await manager.bound_datasources(session.namespace, args.workspace)
    bound = [by_name[name] for name in sorted(by_name)]
    scope = Scope.of(args, session)
    if scope.label_selector or scope.field_selector:
        selected = await list_objects(AnalyticsDataSourceClient(session.transport), scope)
        names = {item.metadata.name for item in selected}
        bound = [item for item in bound if item.name in names]
    if not bound:
        await check_empty_result(
            session, printer, f"data sources bound to workspace {args.workspace}"
        )
    printer.show(
        {"items": [_bound_data(item, printer) for item in bound]},
        BOUND_COLUMNS,
        [_bound_row(item) for item in bound],
        [resource_name(item.datasource) for item in bound],
    )
    return 0


async def list_datasources(args: argparse.Namespace, session: Session, printer: Printer) -> int:
    if args.workspace is not None:
        return await _bound_to(args, session, printer)
    client = AnalyticsDataSourceClient(session.transport)
    return await run_list(args, session, printer, client, TABLE, "data sources")


def register(commands: argparse._SubParsersAction[CliParser]) -> None:
    group = add_group(commands, "datasources", help="AnalyticsDataSources of the namespace")
    listing = add_command(
        group,
        "list",
        ClusterCommand(list_datasources),
        help="list the namespace's data sources",
        description=(
            "List the namespace's data sources; with --workspace, those bound to that "
            "workspace, with their bindings and until when they apply. -o wide adds the "
            "publisher, the connections (names and types; never their secrets) and the "
            "description."
        ),
        formats=FORMATS,
    )
    listing.add_argument(
        "--workspace", metavar="W", help="only the data sources bound to workspace W"
    )
    add_list_options(listing)
    describing = add_command(
        group,
        "describe",
        ClusterCommand(describe_datasource),
        help="a data source with its bindings and events",
        description=(
            "Show a data source's spec (secrets masked) and status, the data source bindings "
            "naming it (read from all the namespace's bindings, whoever wrote them: an admin "
            "view) with whether each applies today, and its recent events."
        ),
        formats=("table",),
    )
    describing.add_argument("name", metavar="NAME", help="the data source's name")
