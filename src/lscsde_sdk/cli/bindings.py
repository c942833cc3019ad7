"""``lscsde bindings list`` and ``lscsde bindings relabel``."""

from __future__ import annotations

import argparse
from typing import Any

from ..clients import (
    AnalyticsDataSourceBindingClient,
    AnalyticsWorkspaceBindingClient,
    LabelChange,
    LabelReport,
)
from ..models import AnalyticsWorkspaceBinding
from . import arguments
from .output import Column, Printer, api_list
from .parsing import CliParser, ClusterCommand, add_command, add_group
from .session import Session, check_empty_result

__all__ = ["register", "user_bindings"]

COLUMNS = (
    Column("NAME", min_width=12),
    Column("WORKSPACE", min_width=12),
    Column("USERNAME", min_width=12),
    Column("EXPIRES", shrink=False),
)
# The binding as kubectl names it (awsb/NAME, adsb/NAME), to leave room for the labels.
RELABEL_COLUMNS = (
    Column("BINDING", min_width=12),
    Column("LABEL", shrink=False),
    Column("CHANGE", min_width=12),
)
_NOUNS = {
    "AnalyticsWorkspaceBinding": "workspace binding",
    "AnalyticsDataSourceBinding": "data source binding",
}


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


def _change_text(change: LabelChange) -> str:
    return f"{change.old or '(none)'} → {change.new or '(removed)'}"


def _report_data(report: LabelReport) -> dict[str, Any]:
    return {
        "kind": report.kind,
        "namespace": report.namespace,
        "dryRun": report.dry_run,
        "changed": [
            {"name": c.name, "label": c.label, "old": c.old, "new": c.new} for c in report.changed
        ],
        "unchanged": report.unchanged,
        "failed": [{"name": name, "reason": reason} for name, reason in report.failed],
    }


async def relabel(args: argparse.Namespace, session: Session, printer: Printer) -> int:
    clients = [
        client_type(session.transport)
        for client_type in (AnalyticsWorkspaceBindingClient, AnalyticsDataSourceBindingClient)
    ]
    reports = [await client.relabel(session.namespace, dry_run=args.dry_run) for client in clients]
    rows = [
        [f"{client.info.short_names[0]}/{change.name}", change.label, _change_text(change)]
        for client, report in zip(clients, reports, strict=True)
        for change in report.changed
    ]
    if rows or not printer.tabular:
        printer.show({"items": [_report_data(report) for report in reports]}, RELABEL_COLUMNS, rows)
    failures = [(report, name, reason) for report in reports for name, reason in report.failed]
    for report, name, reason in failures:
        printer.note(f"failed: {_NOUNS.get(report.kind, report.kind)} {name}: {reason}")
    changed = sum(len(report.changed) for report in reports)
    unchanged = sum(report.unchanged for report in reports)
    verb = "would change" if args.dry_run else "changed"
    printer.note(
        f"{changed} label(s) {verb}, {unchanged} binding(s) already right, "
        f"{len(failures)} failed, in namespace {session.namespace}"
    )
    return 1 if failures else 0


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
    relabelling = add_command(
        group,
        "relabel",
        ClusterCommand(relabel),
        help="correct the lookup labels of both binding kinds",
        description=(
            "Give every workspace binding and data source binding of the namespace the labels "
            "the lookups select by (xlscsde.nhs.uk/username, xlscsde.nhs.uk/workspace): add "
            "missing ones, correct stale ones. Prints each change; exits 1 if an object "
            "could not be relabelled."
        ),
    )
    relabelling.add_argument("--dry-run", action="store_true", help="only show what would change")
