"""Finding workspace bindings by their fields, whoever wrote them.

Administrative commands (``bindings list --user``, ``grant``, ``revoke``, ``describe``) read
every binding of the namespace and compare ``spec.username`` and ``spec.workspace``
themselves, rather than select by label: they must also find bindings whose labels are
missing or stale (written by kubectl, GitOps or older tools; see ``lscsde relabel``).
"""

from __future__ import annotations

from collections.abc import Callable

from ..clients import AnalyticsWorkspaceBindingClient
from ..models import AnalyticsWorkspaceBinding

__all__ = ["binding_filter", "user_bindings"]


def binding_filter(
    client: AnalyticsWorkspaceBindingClient,
    *,
    username: str | None = None,
    workspace: str | None = None,
) -> Callable[[AnalyticsWorkspaceBinding], bool]:
    """Whether a binding is of ``username`` (compared ignoring case, as JupyterHub compares
    them) and/or to ``workspace``; compares the fields themselves, never labels."""
    index = client.field_index("username")
    wanted_user = index.key(username) if username is not None else None

    def accepts(binding: AnalyticsWorkspaceBinding) -> bool:
        return (wanted_user is None or index.key_of(binding) == wanted_user) and (
            workspace is None or (binding.spec is not None and binding.spec.workspace == workspace)
        )

    return accepts


async def user_bindings(
    client: AnalyticsWorkspaceBindingClient,
    namespace: str,
    *,
    username: str | None = None,
    workspace: str | None = None,
) -> list[AnalyticsWorkspaceBinding]:
    """The namespace's workspace bindings for ``username`` and/or to ``workspace`` (see
    :func:`binding_filter`), sorted by name: every binding of the namespace is read."""
    accepts = binding_filter(client, username=username, workspace=workspace)
    found = [binding for binding in await client.list(namespace) if accepts(binding)]
    return sorted(found, key=lambda binding: binding.metadata.name or "")
