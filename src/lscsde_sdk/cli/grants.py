"""``lscsde grant USERNAME WORKSPACE --until DATE`` and ``lscsde revoke USERNAME WORKSPACE``.

Both find the user's bindings to the workspace by reading every binding of the namespace
(see :func:`lscsde_sdk.cli.bindings.user_bindings`): a revoke must not miss a binding whose
label another tool left wrong. Their writes record Kubernetes Events (reporting controller
``xlscsde.nhs.uk/lscsde-cli``, naming the kubeconfig user).
"""

from __future__ import annotations

import argparse
import hashlib
import re
from datetime import date
from typing import Any, Final

from ..clients import AnalyticsWorkspaceBindingClient, AnalyticsWorkspaceClient
from ..converters import days_until_expiry
from ..events import EventRecorder
from ..models import (
    AnalyticsWorkspaceBinding,
    AnalyticsWorkspaceBindingSpec,
    ObjectMeta,
)
from ..recording import Recording
from . import arguments
from .binding_search import user_bindings
from .bindings import TABLE
from .errors import CliError
from .listing import ListView, Scope
from .output import FORMATS, Printer
from .parsing import CliParser, ClusterCommand, add_command
from .session import Session

__all__ = ["REPORTING_CONTROLLER", "binding_name", "register"]

#: The controller named in the events the command line tool records.
REPORTING_CONTROLLER: Final = "xlscsde.nhs.uk/lscsde-cli"
#: The longest object name the API server accepts (a DNS subdomain).
_MAX_NAME: Final = 253
_HASH_CHARS: Final = 8
_NOT_NAME_CHARS: Final = re.compile(r"[^a-z0-9]+")


def binding_name(workspace: str, username: str) -> str:
    """The name ``grant`` gives the binding of ``username`` to ``workspace``:
    ``<workspace>-<username>`` when the username is already lower-case letters, digits and
    dashes, else with the other characters as dashes and 8 hex digits of a hash of both names
    appended, so that two users never share a name (``researcher@example.org`` ->
    ``<workspace>-researcher-example-org-1a2b3c4d``). Usernames differing only in case give
    the same name, as they are the same user to JupyterHub. Always a valid object name of at
    most 253 characters."""
    user = username.casefold()
    slug = _NOT_NAME_CHARS.sub("-", user).strip("-")
    base = f"{workspace}-{slug}" if slug else workspace
    if slug == user and len(base) <= _MAX_NAME:
        return base
    digest = hashlib.sha256(f"{workspace}\n{user}".encode()).hexdigest()[:_HASH_CHARS]
    return f"{base[: _MAX_NAME - _HASH_CHARS - 1].rstrip('-.')}-{digest}"


def _recording(client: AnalyticsWorkspaceBindingClient, session: Session) -> Recording[Any]:
    """``client``'s writes, each recording its event as the session's user."""
    recorder = EventRecorder(
        session.transport,
        reporting_controller=REPORTING_CONTROLLER,
        reporting_user=session.user,
    )
    return Recording(client, recorder)


async def grant(args: argparse.Namespace, session: Session, printer: Printer) -> int:
    namespace, until = session.namespace, args.until
    client = AnalyticsWorkspaceBindingClient(session.transport)
    writes = _recording(client, session)
    # An unknown workspace is an error (NotFoundError names it).
    workspace = await AnalyticsWorkspaceClient(session.transport).get(namespace, args.workspace)
    existing = await user_bindings(
        client, namespace, username=args.username, workspace=args.workspace
    )
    written: list[AnalyticsWorkspaceBinding] = []
    if existing:
        for binding in existing:
            if binding.spec is not None and binding.spec.expires == until:
                printer.note(f"workspace binding {binding.name} unchanged: already until {until}")
                written.append(binding)
                continue
            patch = {
                "metadata": {"resourceVersion": binding.metadata.resource_version},
                "spec": {"expires": until.isoformat()},
            }
            written.append(await writes.patch(namespace, binding.name, patch))
            printer.note(f"workspace binding {binding.name} updated: until {until}")
    else:
        created = await writes.create(
            AnalyticsWorkspaceBinding(
                metadata=ObjectMeta(
                    name=binding_name(args.workspace, args.username), namespace=namespace
                ),
                spec=AnalyticsWorkspaceBindingSpec(
                    workspace=args.workspace,
                    username=args.username,
                    expires=until,
                    comments=f"granted with lscsde by {session.user}",
                ),
            )
        )
        written.append(created)
        printer.note(f"workspace binding {created.name} created: until {until}")
    _note_workspace_expiry(
        printer, workspace.spec.validity.expires if workspace.spec else None, until, args.workspace
    )
    ListView(printer, TABLE, Scope(namespace)).show(written)
    return 0


def _note_workspace_expiry(printer: Printer, own: date | None, until: date, name: str) -> None:
    if own is not None and own < until:
        left = days_until_expiry(own)
        printer.note(
            f"note: workspace {name} itself expires on {own} ({max(left, 0)} days from today); "
            "access ends then"
        )


async def revoke(args: argparse.Namespace, session: Session, printer: Printer) -> int:
    namespace = session.namespace
    client = AnalyticsWorkspaceBindingClient(session.transport)
    writes = _recording(client, session)
    existing = await user_bindings(
        client, namespace, username=args.username, workspace=args.workspace
    )
    if not existing:
        raise CliError(
            f"{args.username} has no binding to workspace {args.workspace} in namespace "
            f"{namespace}; nothing to revoke"
        )
    for binding in existing:
        await writes.delete(
            namespace,
            binding.name,
            uid=binding.metadata.uid,  # not a binding created meanwhile under the same name
        )
        printer.note(f"workspace binding {binding.name} deleted")
    ListView(printer, TABLE, Scope(namespace)).show(existing)
    return 0


def register(commands: argparse._SubParsersAction[CliParser]) -> None:
    granting = add_command(
        commands,
        "grant",
        ClusterCommand(grant),
        help="let a user use a workspace until a date",
        description=(
            "Create the AnalyticsWorkspaceBinding that lets USERNAME use WORKSPACE until DATE "
            "(access ends on that date), named after both. If the user already has bindings "
            "to the workspace, their expiry is set to DATE instead."
        ),
        formats=FORMATS,
    )
    granting.add_argument("username", metavar="USERNAME", type=arguments.username)
    granting.add_argument("workspace", metavar="WORKSPACE")
    granting.add_argument(
        "--until",
        metavar="DATE",
        required=True,
        type=arguments.future_date,
        help="the date (YYYY-MM-DD, after today) on which access ends",
    )
    revoking = add_command(
        commands,
        "revoke",
        ClusterCommand(revoke),
        help="delete a user's bindings to a workspace",
        description=(
            "Delete every AnalyticsWorkspaceBinding of USERNAME (compared ignoring case) to "
            "WORKSPACE. Exits 1 if there is none."
        ),
        formats=FORMATS,
    )
    revoking.add_argument("username", metavar="USERNAME", type=arguments.username)
    revoking.add_argument("workspace", metavar="WORKSPACE")
