"""``lscsde bindings list``, ``describe NAME`` and ``relabel``."""

from __future__ import annotations

import argparse

from ..clients import AnalyticsWorkspaceBindingClient
from ..models import AnalyticsWorkspaceBinding
from . import arguments
from .binding_search import binding_filter
from .describe_binding import describe_binding
from .listing import ObjectTable, add_list_options, run_list
from .lookup_labels import label_summary
from .output import FORMATS, Column, Printer
from .parsing import CliParser, ClusterCommand, add_command, add_group
from .relabel import BINDING_KINDS, add_relabel_command
from .session import Session

__all__ = ["TABLE", "binding_row", "register"]

COLUMNS = (
    Column("NAME"),
    Column("WORKSPACE"),
    Column("USERNAME"),
    Column("EXPIRES"),
    Column("LOOKUP LABEL", wide=True),
    Column("STATUS", shrink=True, min_width=8, wide=True),
    Column("COMMENTS", shrink=True, min_width=10, wide=True),
)


def binding_row(binding: AnalyticsWorkspaceBinding) -> list[str]:
    spec, status = binding.spec, binding.status
    return [
        binding.metadata.name or "",
        spec.workspace if spec else "",
        (spec.username if spec else None) or "",
        spec.expires.isoformat() if spec else "",
        label_summary(AnalyticsWorkspaceBindingClient.field_indexes, binding),
        (status.status_text if status else None) or "",
        (spec.comments if spec else None) or "",
    ]


TABLE = ObjectTable(COLUMNS, binding_row)


async def list_bindings(args: argparse.Namespace, session: Session, printer: Printer) -> int:
    client = AnalyticsWorkspaceBindingClient(session.transport)
    keep = binding_filter(client, username=args.user, workspace=args.workspace)
    return await run_list(args, session, printer, client, TABLE, "workspace bindings", keep)


def register(commands: argparse._SubParsersAction[CliParser]) -> None:
    group = add_group(commands, "bindings", help="AnalyticsWorkspaceBindings of the namespace")
    listing = add_command(
        group,
        "list",
        ClusterCommand(list_bindings),
        help="list workspace bindings",
        description=(
            "List the namespace's workspace bindings, optionally only those of one user "
            "(compared ignoring case) and/or to one workspace. Every binding is read and "
            "compared, so bindings with missing or stale labels are listed too. -o wide adds "
            "the state of the lookup label (right, missing, stale), the status and the "
            "comments."
        ),
        formats=FORMATS,
    )
    listing.add_argument("--user", metavar="USERNAME", type=arguments.username)
    listing.add_argument("--workspace", metavar="W", help="only the bindings to workspace W")
    add_list_options(listing)
    describing = add_command(
        group,
        "describe",
        ClusterCommand(describe_binding),
        help="a binding, its workspace, and whether its user may start it today",
        description=(
            "Show a workspace binding's spec, status and lookup label; its workspace; whether "
            "its user may start that workspace today and, if not, why (the binding expired, "
            "the workspace opens later or has expired, the workspace does not exist), taking "
            "the user's other bindings to it into account (read from all the namespace's "
            "bindings: an admin view); and its recent events."
        ),
        formats=("table",),
    )
    describing.add_argument("name", metavar="NAME", help="the binding's name")
    add_relabel_command(
        group,
        BINDING_KINDS,
        "binding",
        help="correct the lookup labels of both binding kinds",
        description=(
            "Give every workspace binding and data source binding of the namespace the labels "
            "the lookups select by (xlscsde.nhs.uk/username, xlscsde.nhs.uk/workspace): add "
            "missing ones, correct stale ones (lscsde relabel also does workspaces and data "
            "sources). Prints each change and why; exits 1 if an object could not be "
            "relabelled."
        ),
    )
