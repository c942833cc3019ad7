"""``lscsde bindings list`` and ``lscsde bindings relabel``."""

from __future__ import annotations

import argparse

from ..clients import AnalyticsWorkspaceBindingClient
from ..models import AnalyticsWorkspaceBinding
from . import arguments
from .output import Column, Printer, api_list
from .parsing import CliParser, ClusterCommand, add_command, add_group
from .relabel import BINDING_KINDS, add_relabel_command
from .session import Session, check_empty_result

__all__ = ["register", "user_bindings"]

COLUMNS = (
    Column("NAME", min_width=12),
    Column("WORKSPACE", min_width=12),
    Column("USERNAME", min_width=12),
    Column("EXPIRES", shrink=False),
)


async def user_bindings(
    client: AnalyticsWorkspaceBindingClient,
    namespace: str,
    *,
    username: str | None = None,
    workspace: str | None = None,
) -> list[AnalyticsWorkspaceBinding]:
    """The namespace's workspace bindings for ``username`` (compared ignoring case, as
    JupyterHub compares them) and/or to ``workspace``, sorted by name.

    Every binding of the namespace is read and its fields compared, rather than selected by
    label: administrative commands must also find bindings whose labels are missing or
    stale (written by other tools; see ``lscsde bindings relabel``).
    """
    index = client.field_index("username")
    wanted_user = index.key(username) if username is not None else None
    found = [
        binding
        for binding in await client.list(namespace)
        if (wanted_user is None or index.key_of(binding) == wanted_user)
        and (
            workspace is None or (binding.spec is not None and binding.spec.workspace == workspace)
        )
    ]
    return sorted(found, key=lambda binding: binding.metadata.name or "")


def _row(binding: AnalyticsWorkspaceBinding) -> list[str]:
    spec = binding.spec
    return [
        binding.metadata.name or "",
        spec.workspace if spec else "",
        (spec.username if spec else None) or "",
        spec.expires.isoformat() if spec else "",
    ]


async def list_bindings(args: argparse.Namespace, session: Session, printer: Printer) -> int:
    bindings = await user_bindings(
        AnalyticsWorkspaceBindingClient(session.transport),
        session.namespace,
        username=args.user,
        workspace=args.workspace,
    )
    if not bindings:
        await check_empty_result(session, printer, "workspace bindings")
    printer.show(api_list(bindings), COLUMNS, [_row(binding) for binding in bindings])
    return 0


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
            "compared, so bindings with missing or stale labels are listed too."
        ),
    )
    listing.add_argument("--user", metavar="USERNAME", type=arguments.username)
    listing.add_argument("--workspace", metavar="W", help="only the bindings to workspace W")
    add_relabel_command(
        group,
        BINDING_KINDS,
        "binding",
        help="correct the lookup labels of both binding kinds",
        description=(
            "Give every workspace binding and data source binding of the namespace the labels "
            "the lookups select by (xlscsde.nhs.uk/username, xlscsde.nhs.uk/workspace): add "
            "missing ones, correct stale ones (lscsde relabel also does workspaces and data "
            "sources). Prints each change; exits 1 if an object could not be relabelled."
        ),
    )
