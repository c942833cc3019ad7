"""``lscsde access USERNAME``: the workspaces a user is bound to, and whether they may use
them today.

The lookup is the one JupyterHub makes (:func:`lscsde_sdk.access.user_workspaces` through
:class:`~lscsde_sdk.access.DirectReads`): the user's bindings selected by label, each bound
workspace read by name, the user's expiry being the earlier of the workspace's own and the
latest of their bindings to it.
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass
from datetime import date
from typing import Any, Final

from ..access import DirectReads, UserWorkspace, user_workspaces, with_effective_expiry
from ..clients import AnalyticsWorkspaceBindingClient, AnalyticsWorkspaceClient
from ..converters import days_until_expiry, is_available, today
from ..models import AnalyticsWorkspace
from . import arguments
from .output import Column, Printer
from .parsing import CliParser, ClusterCommand, add_command
from .session import Session, check_empty_result

__all__ = [
    "EXPIRED",
    "NOT_YET_AVAILABLE",
    "PERMITTED",
    "Access",
    "access_state",
    "register",
    "storage_of",
]

PERMITTED: Final = "permitted"
EXPIRED: Final = "expired"
NOT_YET_AVAILABLE: Final = "not yet available"

COLUMNS = (
    Column("WORKSPACE", min_width=12),
    Column("DISPLAY NAME", min_width=12),
    Column("STATE", shrink=False),
    Column("DAYS LEFT", shrink=False),
    Column("STORAGE", min_width=10),
)


def access_state(item: UserWorkspace, day: date) -> str:
    """Whether the user may use the workspace on ``day``, given their effective expiry."""
    if is_available(with_effective_expiry(item.workspace, item.expires), day):
        return PERMITTED
    spec = item.workspace.spec
    if spec is not None and day < spec.validity.available_from:
        return NOT_YET_AVAILABLE
    return EXPIRED


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
            access_state(item, day),
            max(0, days_until_expiry(item.expires, day)),
            storage_of(item.workspace),
        )

    def cells(self) -> list[str]:
        spec = self.item.workspace.spec
        paths = [entry["mountPath"] for entry in self.storage["additional"]]
        storage = " + ".join([self.storage["claim"] or "-", *paths])
        return [
            self.item.name,
            spec.display_name if spec else "",
            self.state,
            str(self.days_left),
            storage,
        ]

    def data(self) -> dict[str, Any]:
        spec = self.item.workspace.spec
        return {
            "name": self.item.name,
            "displayName": spec.display_name if spec else None,
            "state": self.state,
            "availableFrom": spec.validity.available_from.isoformat() if spec else None,
            "expires": self.item.expires.isoformat(),
            "daysLeft": self.days_left,
            "storage": self.storage,
            "workspace": self.item.workspace.to_api(),
        }


async def show_access(args: argparse.Namespace, session: Session, printer: Printer) -> int:
    reads = DirectReads(
        AnalyticsWorkspaceClient(session.transport),
        AnalyticsWorkspaceBindingClient(session.transport),
    )
    found = await user_workspaces(reads, session.namespace, args.username)
    if not found:
        await check_empty_result(session, printer, f"workspaces for {args.username}")
    day = today()
    shown = [Access.on(item, day) for item in found]
    printer.show(
        {
            "username": args.username,
            "namespace": session.namespace,
            "items": [entry.data() for entry in shown],
        },
        COLUMNS,
        [entry.cells() for entry in shown],
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
            "selected by label), each with its state today (permitted, expired, not yet "
            "available), the days left of the user's access (the earlier of the workspace's "
            "expiry and the latest of the user's bindings), and its storage."
        ),
    )
    parser.add_argument("username", metavar="USERNAME", type=arguments.username)
