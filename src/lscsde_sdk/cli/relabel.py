"""``lscsde relabel`` (every labelled kind) and the shared body of ``lscsde bindings relabel``.

The SDK's lookups select by labels its writes keep (see :mod:`lscsde_sdk.labels`); objects
written by other tools lack them or carry stale ones until these commands correct them.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from functools import partial
from typing import Any

from ..clients import (
    AnalyticsDataSourceBindingClient,
    AnalyticsDataSourceClient,
    AnalyticsWorkspaceBindingClient,
    AnalyticsWorkspaceClient,
)
from ..indexing.client import IndexedClient
from ..indexing.labels import LabelChange, LabelReport
from .lookup_labels import change_reason
from .output import Column, Printer
from .parsing import CliParser, ClusterCommand, add_command
from .progress import Progress
from .session import Session

__all__ = ["BINDING_KINDS", "LABELLED_KINDS", "add_relabel_command", "register", "relabel"]

ClientType = type[IndexedClient[Any, Any]]

#: The kinds whose objects carry lookup labels, in the order they are corrected.
LABELLED_KINDS: tuple[ClientType, ...] = (
    AnalyticsWorkspaceClient,
    AnalyticsWorkspaceBindingClient,
    AnalyticsDataSourceClient,
    AnalyticsDataSourceBindingClient,
)
BINDING_KINDS: tuple[ClientType, ...] = (
    AnalyticsWorkspaceBindingClient,
    AnalyticsDataSourceBindingClient,
)
_NOUNS = {
    "AnalyticsWorkspace": "workspace",
    "AnalyticsWorkspaceBinding": "workspace binding",
    "AnalyticsDataSource": "data source",
    "AnalyticsDataSourceBinding": "data source binding",
}


def _columns(heading: str) -> tuple[Column, ...]:
    # The object as kubectl names it (aws/NAME, awsb/NAME, ...), to leave room for the labels.
    return (Column(heading), Column("LABEL"), Column("CHANGE"), Column("WHY"))


def _change_text(change: LabelChange) -> str:
    return f"{change.old or '(none)'} → {change.new or '(removed)'}"


def _fields(client: IndexedClient[Any, Any]) -> dict[str, str]:
    """Each label of the kind's field indexes -> the dotted path it is made from."""
    return {index.label: ".".join(index.field) for index in client.field_indexes if index.label}


def _report_data(report: LabelReport, fields: dict[str, str]) -> dict[str, Any]:
    return {
        "kind": report.kind,
        "namespace": report.namespace,
        "dryRun": report.dry_run,
        "changed": [
            {
                "name": c.name,
                "label": c.label,
                "old": c.old,
                "new": c.new,
                "field": fields.get(c.label),
                "value": c.value,
                "why": change_reason(c, fields.get(c.label, "")),
            }
            for c in report.changed
        ],
        "unchanged": report.unchanged,
        "failed": [{"name": name, "reason": reason} for name, reason in report.failed],
    }


async def relabel(
    kinds: Sequence[ClientType],
    noun: str,
    args: argparse.Namespace,
    session: Session,
    printer: Printer,
) -> int:
    """Relabel the objects of ``kinds`` in the session's namespace; print each change and
    why (a missing label, or a stale one naming another user, workspace or data source than
    the field it is made from), then a summary counting ``noun``s already right. Draws a
    counter on stderr while it works, when stderr is a terminal. Exits 1 if an object could
    not be relabelled."""
    clients = [client_type(session.transport) for client_type in kinds]
    reports = []
    for client in clients:
        progress = Progress(
            printer.err,
            f"{'checking' if args.dry_run else 'relabelling'} {_NOUNS[client.info.kind]}s",
        )
        try:
            reports.append(
                await client.relabel(
                    session.namespace, dry_run=args.dry_run, progress=progress.update
                )
            )
        finally:
            progress.done()
    fields = [_fields(client) for client in clients]
    rows = [
        [
            f"{client.info.short_names[0]}/{change.name}",
            change.label,
            _change_text(change),
            change_reason(change, by_label.get(change.label, "")),
        ]
        for client, report, by_label in zip(clients, reports, fields, strict=True)
        for change in report.changed
    ]
    if rows or not printer.tabular:
        printer.show(
            {"items": [_report_data(r, f) for r, f in zip(reports, fields, strict=True)]},
            _columns(noun.upper()),
            rows,
        )
    failures = [(report, name, reason) for report in reports for name, reason in report.failed]
    for report, name, reason in failures:
        printer.note(f"failed: {_NOUNS.get(report.kind, report.kind)} {name}: {reason}")
    changed = sum(len(report.changed) for report in reports)
    unchanged = sum(report.unchanged for report in reports)
    verb = "would change" if args.dry_run else "changed"
    printer.note(
        f"{changed} label(s) {verb}, {unchanged} {noun}(s) already right, "
        f"{len(failures)} failed, in namespace {session.namespace}"
    )
    return 1 if failures else 0


def add_relabel_command(
    commands: argparse._SubParsersAction[CliParser],
    kinds: Sequence[ClientType],
    noun: str,
    *,
    help: str,
    description: str,
) -> None:
    """Declare ``relabel`` under ``commands``, relabelling the objects of ``kinds``."""
    relabelling = add_command(
        commands,
        "relabel",
        ClusterCommand(partial(relabel, kinds, noun)),
        help=help,
        description=description,
    )
    relabelling.add_argument("--dry-run", action="store_true", help="only show what would change")


def register(commands: argparse._SubParsersAction[CliParser]) -> None:
    add_relabel_command(
        commands,
        LABELLED_KINDS,
        "object",
        help="correct the lookup labels of workspaces, data sources and both binding kinds",
        description=(
            "Give every workspace, workspace binding, data source and data source binding of "
            "the namespace the labels the lookups select by (xlscsde.nhs.uk/workspace, "
            "xlscsde.nhs.uk/username, xlscsde.nhs.uk/datasource): add missing ones, correct "
            "stale ones. Run it once after objects were written by other tools (kubectl, an "
            "older library). Prints each change and why: a missing label, or a stale one "
            "naming another user, workspace or data source than the object's field (a hand "
            "edit). Exits 1 if an object could not be relabelled."
        ),
    )
