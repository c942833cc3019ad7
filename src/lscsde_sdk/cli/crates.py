"""``lscsde crates list``."""

from __future__ import annotations

import argparse

from ..clients import AnalyticsCrateClient
from ..models import AnalyticsCrate
from .output import Column, Printer, api_list
from .parsing import CliParser, ClusterCommand, add_command, add_group
from .session import Session, check_empty_result

__all__ = ["register"]

COLUMNS = (
    Column("NAME", min_width=12),
    Column("DISPLAY NAME", min_width=12),
    Column("REPOSITORY", min_width=16),
    Column("STATUS", min_width=8),
)


def _row(crate: AnalyticsCrate) -> list[str]:
    spec, status = crate.spec, crate.status
    repo = spec.repo if spec else None
    return [
        crate.metadata.name or "",
        (spec.display_name if spec else None) or "",
        f"{repo.url} ({repo.branch})" if repo and repo.url else "",
        status.status_text if status else "",
    ]


async def list_crates(args: argparse.Namespace, session: Session, printer: Printer) -> int:
    crates = await AnalyticsCrateClient(session.transport).list(session.namespace)
    if not crates:
        await check_empty_result(session, printer, "crates")
    printer.show(api_list(crates), COLUMNS, [_row(crate) for crate in crates])
    return 0


def register(commands: argparse._SubParsersAction[CliParser]) -> None:
    group = add_group(commands, "crates", help="AnalyticsCrates of the namespace")
    add_command(group, "list", ClusterCommand(list_crates), help="list the namespace's crates")
