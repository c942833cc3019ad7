"""Who may use what: a user's workspaces, with the expiry that applies to them, and the data
sources bound to a workspace.

The lookups read through a :class:`Reads`: :class:`DirectReads` asks the API server (cost
proportional to what the user owns and to the bindings that carry no label: two lists at once,
the user's bindings by label and the unlabelled ones, then the bound workspaces, with a GET
each when they are few and one list by their name labels when they are many),
:class:`CachedReads` answers from informers' memory (no request at all). Neither writes
anything.
"""

from __future__ import annotations

import logging
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Protocol, TypeVar

from .clients import (
    AnalyticsDataSourceBindingClient,
    AnalyticsDataSourceClient,
    AnalyticsWorkspaceBindingClient,
    AnalyticsWorkspaceClient,
)
from .errors import InvalidParameterError
from .indexing.client import GET_MANY_CONCURRENCY
from .models import (
    AnalyticsDataSource,
    AnalyticsDataSourceBinding,
    AnalyticsWorkspace,
    AnalyticsWorkspaceBinding,
)
from .runtime import InformerFactory, Store

__all__ = [
    "BoundDataSource",
    "CachedReads",
    "DirectReads",
    "Reads",
    "UserWorkspace",
    "datasources_for_workspace",
    "effective_expiries",
    "user_workspaces",
    "with_effective_expiry",
]

_log = logging.getLogger(__name__)
_Named = TypeVar("_Named", AnalyticsWorkspace, AnalyticsDataSource)


class Reads(Protocol):
    """Where the lookups read from."""

    async def user_bindings(
        self, namespace: str, username: str
    ) -> list[AnalyticsWorkspaceBinding]: ...

    async def workspaces_named(
        self, namespace: str, names: Collection[str]
    ) -> dict[str, AnalyticsWorkspace]: ...

    async def workspace_datasource_bindings(
        self, namespace: str, workspace: str
    ) -> list[AnalyticsDataSourceBinding]: ...

    async def datasources_named(
        self, namespace: str, names: Collection[str]
    ) -> dict[str, AnalyticsDataSource]: ...


class CachedReads:
    """Reads from shared informers (:class:`~lscsde_sdk.runtime.InformerFactory`): no
    request once an informer is synced (the first read of a namespace starts its informers
    and waits for their first list). Exact whatever the objects' labels say: bindings are
    indexed by their ``spec.username`` itself."""

    def __init__(self, informers: InformerFactory) -> None:
        self.informers = informers

    async def user_bindings(self, namespace: str, username: str) -> list[AnalyticsWorkspaceBinding]:
        informer = await self.informers.synced(AnalyticsWorkspaceBindingClient, namespace)
        return informer.store.by_index("username", username)

    async def workspaces_named(
        self, namespace: str, names: Collection[str]
    ) -> dict[str, AnalyticsWorkspace]:
        informer = await self.informers.synced(AnalyticsWorkspaceClient, namespace)
        return _named(informer.store, namespace, names)

    async def workspace_datasource_bindings(
        self, namespace: str, workspace: str
    ) -> list[AnalyticsDataSourceBinding]:
        informer = await self.informers.synced(AnalyticsDataSourceBindingClient, namespace)
        return informer.store.by_index("workspace", workspace)

    async def datasources_named(
        self, namespace: str, names: Collection[str]
    ) -> dict[str, AnalyticsDataSource]:
        informer = await self.informers.synced(AnalyticsDataSourceClient, namespace)
        return _named(informer.store, namespace, names)


def _named(store: Store[_Named], namespace: str, names: Collection[str]) -> dict[str, _Named]:
    found = {name: store.get(namespace, name) for name in names}
    return {name: item for name, item in found.items() if item is not None}


class DirectReads:
    """Reads from the API server, at a cost proportional to what was asked for.

    A user's bindings (and a workspace's data-source bindings) are read by
    :meth:`~lscsde_sdk.indexing.client.IndexedClient.list_by_index`: two lists at once,
    those selected by the ``xlscsde.nhs.uk/username`` label and those without that label, so
    bindings written by any tool are found (only a stale label, naming someone else, hides a
    binding until :meth:`~lscsde_sdk.indexing.client.IndexedClient.relabel` corrects it).
    Named objects are read by :meth:`~lscsde_sdk.indexing.client.IndexedClient.get_many`: up to
    ``concurrency`` with a GET each, more with one list selected by their name labels
    (objects without the label are then read with GETs, so none is missed), from the API
    server's cache (``resourceVersion=0``: a change made moments earlier may not be seen yet,
    as with an informer, and the server reads nothing from etcd).
    """

    def __init__(
        self,
        workspaces: AnalyticsWorkspaceClient,
        bindings: AnalyticsWorkspaceBindingClient,
        datasources: AnalyticsDataSourceClient | None = None,
        datasource_bindings: AnalyticsDataSourceBindingClient | None = None,
        *,
        concurrency: int = GET_MANY_CONCURRENCY,
    ) -> None:
        self.workspaces = workspaces
        self.bindings = bindings
        self.datasources = datasources
        self.datasource_bindings = datasource_bindings
        self.concurrency = concurrency

    async def user_bindings(self, namespace: str, username: str) -> list[AnalyticsWorkspaceBinding]:
        return await self.bindings.list_by_username(namespace, username)

    async def workspaces_named(
        self, namespace: str, names: Collection[str]
    ) -> dict[str, AnalyticsWorkspace]:
        return await self.workspaces.get_many(
            namespace, names, resource_version="0", concurrency=self.concurrency
        )

    async def workspace_datasource_bindings(
        self, namespace: str, workspace: str
    ) -> list[AnalyticsDataSourceBinding]:
        if self.datasource_bindings is None:
            raise TypeError("these reads have no data-source binding client")
        return await self.datasource_bindings.list_by_workspace(namespace, workspace)

    async def datasources_named(
        self, namespace: str, names: Collection[str]
    ) -> dict[str, AnalyticsDataSource]:
        if self.datasources is None:
            raise TypeError("these reads have no data-source client")
        return await self.datasources.get_many(
            namespace, names, resource_version="0", concurrency=self.concurrency
        )


# -- a user's workspaces -------------------------------------------------------------------------


@dataclass(frozen=True)
class UserWorkspace:
    """A workspace a user is bound to, and when their access ends: the earlier of the
    workspace's own expiry and the latest expiry among the user's bindings to it."""

    workspace: AnalyticsWorkspace
    expires: date

    @property
    def name(self) -> str:
        return self.workspace.name


def effective_expiries(bindings: Collection[AnalyticsWorkspaceBinding]) -> dict[str, date]:
    """Workspace name -> the latest ``expires`` among ``bindings`` to it."""
    latest: dict[str, date] = {}
    for binding in bindings:
        if binding.spec is None:
            continue
        name, expires = binding.spec.workspace, binding.spec.expires
        latest[name] = max(expires, latest.get(name, expires))
    return latest


async def user_workspaces(
    reads: Reads, namespace: str, username: str, *, log: logging.Logger | None = None
) -> list[UserWorkspace]:
    """The workspaces in ``namespace`` that ``username`` has a binding to (compared ignoring
    case: lower-cased, as JupyterHub normalises usernames), sorted by name, each with the
    user's effective expiry, whether or not it can be used today. A binding to a workspace
    that does not exist is logged and skipped.

    A ``username`` that is not a string, or is empty or only whitespace, names nobody:
    :class:`~lscsde_sdk.errors.InvalidParameterError`, whichever ``reads`` is used.

    The workspaces are the objects ``reads`` holds (shared with an informer's cache): read
    them, do not change them; :func:`with_effective_expiry` makes a changeable copy.
    """
    if not isinstance(username, str) or not username.strip():
        raise InvalidParameterError(
            f"username must be a non-blank string, got {repr(username)[:60]} "
            f"({type(username).__name__})"
        )
    latest = effective_expiries(await reads.user_bindings(namespace, username))
    workspaces = await reads.workspaces_named(namespace, sorted(latest))
    found = []
    for name in sorted(latest):
        workspace = workspaces.get(name)
        if workspace is None:
            (log or _log).warning(
                "workspace %s/%s, which user %s has a binding to, does not exist; skipped",
                namespace,
                name,
                username,
            )
            continue
        own = workspace.spec.validity.expires if workspace.spec else latest[name]
        found.append(UserWorkspace(workspace, min(own, latest[name])))
    return found


def with_effective_expiry(workspace: AnalyticsWorkspace, expires: date) -> AnalyticsWorkspace:
    """A copy of ``workspace`` whose ``spec.validity.expires`` is the earlier of its own and
    ``expires``. The given object is not changed; a workspace without spec is returned as a
    plain copy. Write such a copy back only if that is meant: it carries the user's expiry."""
    copy = workspace.model_copy(deep=True)
    if copy.spec is not None and expires < copy.spec.validity.expires:
        copy.spec.validity.expires = expires
    return copy


# -- a workspace's data sources ------------------------------------------------------------------


@dataclass(frozen=True)
class BoundDataSource:
    """A data source together with the bindings that make it available to one workspace."""

    datasource: AnalyticsDataSource
    bindings: tuple[AnalyticsDataSourceBinding, ...]
    #: The latest of the bindings' expiry dates; ``None`` if one of them never expires.
    expires: date | None

    @property
    def name(self) -> str:
        return self.datasource.name

    def active_on(self, day: date) -> bool:
        """Whether a binding still applies on ``day``: bindings stop applying on their
        ``expires`` date."""
        return self.expires is None or day < self.expires


def _latest_expiry(bindings: Collection[AnalyticsDataSourceBinding]) -> date | None:
    dates = [binding.spec.expires if binding.spec else None for binding in bindings]
    if any(expires is None for expires in dates):
        return None
    return max(expires for expires in dates if expires is not None)


async def datasources_for_workspace(
    reads: Reads, namespace: str, workspace: str, *, log: logging.Logger | None = None
) -> list[BoundDataSource]:
    """The data sources in ``namespace`` bound to ``workspace``, sorted by name, each with its
    bindings and their latest expiry (expired ones included; see
    :meth:`BoundDataSource.active_on`). A binding to a data source that does not exist is
    logged and skipped."""
    by_source: dict[str, list[AnalyticsDataSourceBinding]] = {}
    for binding in await reads.workspace_datasource_bindings(namespace, workspace):
        if binding.spec is not None:
            by_source.setdefault(binding.spec.datasource, []).append(binding)
    datasources: Mapping[str, AnalyticsDataSource] = await reads.datasources_named(
        namespace, sorted(by_source)
    )
    found = []
    for name in sorted(by_source):
        datasource = datasources.get(name)
        if datasource is None:
            (log or _log).warning(
                "data source %s/%s, bound to workspace %s, does not exist; skipped",
                namespace,
                name,
                workspace,
            )
            continue
        bindings = by_source[name]
        found.append(BoundDataSource(datasource, tuple(bindings), _latest_expiry(bindings)))
    return found
