"""``lscsde access USERNAME``: the workspaces a user is bound to, and whether they may use
them today.

The lookup is the one JupyterHub makes (:func:`lscsde_sdk.access.user_workspaces` through
:class:`~lscsde_sdk.access.DirectReads`): the user's bindings selected by label together with
the bindings that carry no label, each checked against the username, each bound
workspace read by name, the user's expiry being the earlier of the workspace's own and the
latest of their bindings to it.
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass
from datetime import date
from typing import Any

from ..access import DirectReads, UserWorkspace, user_workspaces
from ..clients import AnalyticsWorkspaceBindingClient, AnalyticsWorkspaceClient
from ..converters import days_until_expiry, today
from ..models import AnalyticsWorkspace
from . import arguments
from .listing import NAMESPACE_COLUMN
from .output import FORMATS, Column, Printer, resource_name
from .parsing import CliParser, ClusterCommand, add_command
from .session import Session, check_empty_result
from .start_today import start_check

__all__ = ["Access", "register", "storage_of"]

COLUMNS = (
    Column("WORKSPACE"),
    Column("DISPLAY NAME", shrink=True, min_width=12),
    Column("STATE"),
    Column("DAYS LEFT"),
    Column("STORAGE"),
    Column("AVAILABLE", wide=True),
    Column("EXPIRES", wide=True),
    Column("IMAGE", wide=True),
    Column("DESCRIPTION", shrink=True, min_width=12, wide=True),
)


def storage_of(workspace: AnalyticsWorkspace) -> dict[str, Any]:
    """The workspace's claim (named in its spec, else recorded in its status; ``None`` when
    neither says) and its additional storage, each mount path with its claim."""
    spec = workspace.spec
    jupyter = spec.jupyter_workspace if spec else None
    named = jupyter.persistent_volume_claim if jupyter else None
    status = workspace.status
    claim = (named.name if named else None) or (status.persistent_volume_claim if status else None)
    additional = [
        {
            "mountPath": entry.mount_path or f"/mnt/{entry.persistent_volume_claim}",
            "claim": entry.persistent_volume_claim,
        }
        for entry in (jupyter.additional_storage if jupyter else None) or []
        if entry.persistent_volume_claim
    ]
    return {"claim": claim, "additional": additional}


@dataclass(frozen=True)
class Access:
    """One workspace of the user, as ``access`` shows it."""

    item: UserWorkspace
    state: str
    days_left: int
    storage: dict[str, Any]

    @classmethod
    def on(cls, item: UserWorkspace, day: date) -> Access:
        return cls(
            item,
            start_check(item.workspace, item.name, item.expires, day).state,
            max(0, days_until_expiry(item.expires, day)),
            storage_of(item.workspace),
        )

    @property
    def namespace(self) -> str:
        return self.item.workspace.metadata.namespace or ""

    def cells(self) -> list[str]:
        spec = self.item.workspace.spec
        jupyter = spec.jupyter_workspace if spec else None
        paths = [entry["mountPath"] for entry in self.storage["additional"]]
        storage = " + ".join([self.storage["claim"] or "-", *paths])
        return [
            self.item.name,
            spec.display_name if spec else "",
            self.state,
            str(self.days_left),
            storage,
            spec.validity.available_from.isoformat() if spec else "",
            self.item.expires.isoformat(),
            jupyter.image if jupyter else "",
            spec.description if spec else "",
        ]

    def data(self, printer: Printer) -> dict[str, Any]:
        spec = self.item.workspace.spec
        return {
            "name": self.item.name,
            "namespace": self.namespace,
            "displayName": spec.display_name if spec else None,
            "state": self.state,
            "availableFrom": spec.validity.available_from.isoformat() if spec else None,
            "expires": self.item.expires.isoformat(),
            "daysLeft": self.days_left,
            "storage": self.storage,
            "workspace": printer.resource(self.item.workspace),
        }


async def _namespaces_of(bindings: AnalyticsWorkspaceBindingClient, username: str) -> list[str]:
    """The namespaces holding bindings of ``username``, found as the lookup finds them (by
    label and among the unlabelled bindings, across all namespaces)."""
    found = await bindings.list_by_index("username", None, username)
    return sorted({binding.namespace for binding in found if binding.namespace})


async def show_access(args: argparse.Namespace, session: Session, printer: Printer) -> int:
    bindings = AnalyticsWorkspaceBindingClient(session.transport)
    reads = DirectReads(AnalyticsWorkspaceClient(session.transport), bindings)
    namespaces = (
        await _namespaces_of(bindings, args.username)
        if args.all_namespaces
        else [session.namespace]
    )
    found = [item for ns in namespaces for item in await user_workspaces(reads, ns, args.username)]
    if not found:
        if not args.all_namespaces:
            await check_empty_result(session, printer, f"workspaces for {args.username}")
        elif printer.tabular:
            printer.note(f"No workspaces for {args.username} found in any namespace.")
    day = today()
    shown = [Access.on(item, day) for item in found]
    columns = (NAMESPACE_COLUMN, *COLUMNS) if args.all_namespaces else COLUMNS
    printer.show(
        {
            "username": args.username,
            "namespace": None if args.all_namespaces else session.namespace,
            "items": [entry.data(printer) for entry in shown],
        },
        columns,
        [
            [entry.namespace, *entry.cells()] if args.all_namespaces else entry.cells()
            for entry in shown
        ],
        [resource_name(entry.item.workspace) for entry in shown],
    )
    return 0


def register(commands: argparse._SubParsersAction[CliParser]) -> None:
    parser = add_command(
        commands,
        "access",
        ClusterCommand(show_access),
        help="the workspaces a user is bound to, and whether they may use them today",
        description=(
            "The workspaces USERNAME has a binding to, as JupyterHub looks them up (bindings "
            "selected by label, and those without one), each with its state today (permitted, "
            "expired, not yet available), the days left of the user's access (the earlier of "
            "the workspace's expiry and the latest of the user's bindings), and its storage. "
            "-o wide adds the dates, the image and the description; -A looks in every "
            "namespace where the user has bindings."
        ),
        formats=FORMATS,
    )
    parser.add_argument("username", metavar="USERNAME", type=arguments.username)
    parser.add_argument(
        "-A",
        "--all-namespaces",
        action="store_true",
        help="every namespace where the user has bindings (adds a NAMESPACE column)",
    )
