"""AnalyticsWorkspace and AnalyticsWorkspaceBinding clients with the workspace-management logic.

* :class:`AnalyticsWorkspaceBindingClient` keeps the ``xlscsde.nhs.uk/username`` label of
  each binding it writes right, and finds a user's bindings by that label
  (:meth:`~AnalyticsWorkspaceBindingClient.list_by_username`).
* :class:`AnalyticsWorkspaceClient` finds the workspaces a user is bound to, each with the
  expiry that applies to that user (:meth:`~AnalyticsWorkspaceClient.list_by_username`).

Both record events for their changes (see :mod:`lscsde_sdk.clients.recording`).
"""

from __future__ import annotations

import builtins
from datetime import date

from .._generated import clients as generated
from ..labels import USERNAME_LABEL, username_label_value
from ..models import (
    AnalyticsWorkspace,
    AnalyticsWorkspaceBinding,
    AnalyticsWorkspaceBindingStatus,
    AnalyticsWorkspaceStatus,
)
from ._indexed import IndexLabelledClient, get_named
from .recording import RecordingClient

__all__ = [
    "AnalyticsWorkspaceBindingClient",
    "AnalyticsWorkspaceClient",
    "with_effective_expiry",
]


class AnalyticsWorkspaceBindingClient(
    IndexLabelledClient[AnalyticsWorkspaceBinding, AnalyticsWorkspaceBindingStatus],
    generated.AnalyticsWorkspaceBindingClient,
):
    """Reads and writes AnalyticsWorkspaceBindings, keeping their username label right.

    ``create``, ``replace`` and ``apply`` send the binding with the label
    ``xlscsde.nhs.uk/username`` set to the label form of ``spec.username`` (see
    :func:`lscsde_sdk.labels.format_as_label`), or without it when the username has no label
    form. A patch that leaves the label wrong (for example one that changes the username) is
    followed by a patch of the label.
    """

    index_label = USERNAME_LABEL

    def index_label_value(self, resource: AnalyticsWorkspaceBinding) -> str | None:
        return username_label_value(resource.spec.username if resource.spec else None)

    async def list_by_username(
        self, namespace: str, username: str
    ) -> builtins.list[AnalyticsWorkspaceBinding]:
        """The bindings in ``namespace`` whose ``spec.username`` is ``username`` (compared
        case-insensitively), sorted by name, whatever their expiry.

        Bindings without the username label are labelled first (when RBAC allows patching
        them; otherwise they are filtered here). Selection is by label, then by username, so
        users whose names share a label value (``a.b@c`` and ``a.b#c``) never see each other's
        bindings. A username with no label form is found by reading all bindings.
        """
        wanted = username.casefold()

        def matches(binding: AnalyticsWorkspaceBinding) -> bool:
            found = binding.spec.username if binding.spec else None
            return found is not None and found.casefold() == wanted

        return await self.select_by_index(namespace, username_label_value(username), matches)


def with_effective_expiry(
    workspace: AnalyticsWorkspace, binding_expires: date
) -> AnalyticsWorkspace:
    """A copy of ``workspace`` whose ``spec.validity.expires`` is the earlier of its own and
    ``binding_expires`` (the latest expiry of a user's bindings to it). The given object is
    not changed; a workspace without spec is returned as a plain copy."""
    copy = workspace.model_copy(deep=True)
    if copy.spec is not None and binding_expires < copy.spec.validity.expires:
        copy.spec.validity.expires = binding_expires
    return copy


class AnalyticsWorkspaceClient(
    RecordingClient[AnalyticsWorkspace, AnalyticsWorkspaceStatus],
    generated.AnalyticsWorkspaceClient,
):
    """Reads and writes AnalyticsWorkspaces; finds the workspaces a user is bound to."""

    async def list_by_username(
        self,
        binding_client: AnalyticsWorkspaceBindingClient,
        namespace: str,
        username: str,
    ) -> builtins.list[AnalyticsWorkspace]:
        """The workspaces in ``namespace`` that ``username`` has a binding to, sorted by name.

        Each is a copy whose ``spec.validity.expires`` is the user's effective expiry: the
        earlier of the workspace's own expiry and the latest expiry among the user's bindings
        to it (see :func:`with_effective_expiry`). Write such a copy back only if that is
        meant: it carries the user's expiry, not the workspace's. Expired and not yet
        available workspaces are included; callers decide what is usable when.

        Requests: the binding lookup of
        :meth:`AnalyticsWorkspaceBindingClient.list_by_username`, then at most one list of
        workspaces whatever the number of bindings. A binding to a workspace that does not
        exist is logged and skipped.
        """
        bindings = await binding_client.list_by_username(namespace, username)
        latest: dict[str, date] = {}
        for binding in bindings:
            if binding.spec is None:
                continue
            name, expires = binding.spec.workspace, binding.spec.expires
            latest[name] = max(expires, latest.get(name, expires))
        workspaces = await get_named(self, namespace, latest)
        found = []
        for name in sorted(latest):
            workspace = workspaces.get(name)
            if workspace is None:
                self.log.warning(
                    "workspace %s/%s, which user %s has a binding to, does not exist; skipped",
                    namespace,
                    name,
                    username,
                )
                continue
            found.append(with_effective_expiry(workspace, latest[name]))
        return found
