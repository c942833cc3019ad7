"""``lscsde crates list`` and ``lscsde crates describe NAME``."""

from __future__ import annotations

import argparse

from ..clients import AnalyticsCrateClient
from ..models import AnalyticsCrate
from .describe import Description
from .listing import ObjectTable, add_list_options, run_list
from .object_events import describe_events
from .output import FORMATS, Column, Printer
from .parsing import CliParser, ClusterCommand, add_command, add_group
from .session import Session

__all__ = ["TABLE", "register"]

COLUMNS = (
    Column("NAME"),
    Column("DISPLAY NAME", shrink=True, min_width=12),
    Column("REPOSITORY"),
    Column("STATUS", shrink=True, min_width=8),
    Column("PATH", wide=True),
    Column("COMMIT", wide=True),
    Column("WORKSPACE", wide=True),
    Column("DESCRIPTION", shrink=True, min_width=12, wide=True),
)


def _row(crate: AnalyticsCrate) -> list[str]:
    spec, status = crate.spec, crate.status
    repo = spec.repo if spec else None
    return [
        crate.metadata.name or "",
        (spec.display_name if spec else None) or "",
        f"{repo.url} ({repo.branch})" if repo and repo.url else "",
        status.status_text if status else "",
        spec.path if spec else "",
        (status.commit_id if status else None) or "",
        (status.workspace if status else None) or "",
        (spec.description if spec else None) or "",
    ]


TABLE = ObjectTable(COLUMNS, _row)


async def list_crates(args: argparse.Namespace, session: Session, printer: Printer) -> int:
    client = AnalyticsCrateClient(session.transport)
    return await run_list(args, session, printer, client, TABLE, "crates")


async def describe_crate(args: argparse.Namespace, session: Session, printer: Printer) -> int:
    crate = await AnalyticsCrateClient(session.transport).get(session.namespace, args.name)
    out = Description(printer.width)
    out.resource(crate)
    await describe_events(out, session.transport, crate)
    printer.out.write(out.text())
    return 0


def register(commands: argparse._SubParsersAction[CliParser]) -> None:
    group = add_group(commands, "crates", help="AnalyticsCrates of the namespace")
    listing = add_command(
        group,
        "list",
        ClusterCommand(list_crates),
        help="list the namespace's crates",
        description=(
            "List the namespace's crates. -o wide adds the metadata path, the commit and "
            "workspace the status records, and the description."
        ),
        formats=FORMATS,
    )
    add_list_options(listing)
    describing = add_command(
        group,
        "describe",
        ClusterCommand(describe_crate),
        help="a crate with its events",
        description="Show a crate's spec and status, and its recent events.",
        formats=("table",),
    )
    describing.add_argument("name", metavar="NAME", help="the crate's name")
