"""One connection to the cluster: credentials found as a pod or kubectl would find them, one
``ApiClient``, one :class:`~lscsde_sdk.core.transport.Transport`, and the typed clients on it.

::

    async with connect() as cluster:
        workspace = await cluster.workspaces.get("jupyterhub", "cancer-outcomes")

Where the credentials come from, first match wins:

1. an explicit ``kubeconfig`` or ``context`` argument: that kubeconfig (``kubeconfig``, else
   ``$KUBECONFIG``, else ``~/.kube/config``) with that context (else its current one);
2. the in-cluster service account, when running in a pod: ``$KUBERNETES_SERVICE_HOST`` and
   ``$KUBERNETES_SERVICE_PORT`` are set and the account's token file exists (the token is read
   again when it is rotated);
3. the kubeconfig: ``$KUBECONFIG`` (files separated by ``:``), else ``~/.kube/config``, with
   its current context.

Everything is read when :func:`connect` is entered, never at import; the kubeconfig is never
written back. A source that cannot be used is a :class:`CredentialsError` naming it and why.
"""

from __future__ import annotations

import logging
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final, TypeVar

from .core.client import DEFAULT_FIELD_MANAGER, CustomResourceClient
from .core.transport import Transport
from .errors import LscsdeError
from .events import DEFAULT_REPORTING_CONTROLLER, DEFAULT_REPORTING_USER, EventRecorder

if TYPE_CHECKING:
    from kubernetes_asyncio.client import ApiClient

    from .clients import (
        AnalyticsCrateClient,
        AnalyticsDataSourceBindingClient,
        AnalyticsDataSourceClient,
        AnalyticsWorkspaceBindingClient,
        AnalyticsWorkspaceClient,
    )

__all__ = [
    "SERVICE_ACCOUNT_DIR",
    "Cluster",
    "Credentials",
    "CredentialsError",
    "connect",
]

#: Where Kubernetes mounts a pod's service account: ``token``, ``ca.crt``, ``namespace``.
SERVICE_ACCOUNT_DIR: Final = Path("/var/run/secrets/kubernetes.io/serviceaccount")

_HOST_ENV = "KUBERNETES_SERVICE_HOST"
_PORT_ENV = "KUBERNETES_SERVICE_PORT"
_DEFAULT_NAMESPACE = "default"

_ClientT = TypeVar("_ClientT", bound=CustomResourceClient[Any, Any])


class CredentialsError(LscsdeError):
    """The credentials of :attr:`source` (a kubeconfig, the in-cluster service account)
    cannot be used, for :attr:`reason`."""

    def __init__(self, source: str, reason: str) -> None:
        self.source = source
        self.reason = reason
        super().__init__(f"cannot connect with {source}: {reason}")


@dataclass(frozen=True)
class Credentials:
    """Where the connection's credentials came from (never the credentials themselves)."""

    #: ``"in-cluster service account (<dir>)"`` or ``"kubeconfig <files> (context <name>)"``.
    source: str
    #: The namespace they default to: the service account's own, else the context's, else
    #: ``default``.
    namespace: str
    #: The API server's URL.
    server: str


class Cluster:
    """What :func:`connect` yields: the open ``ApiClient`` (:attr:`api`), the one
    :class:`Transport` on it (:attr:`transport`), and clients sharing that transport."""

    def __init__(self, api: ApiClient, transport: Transport, credentials: Credentials) -> None:
        self.api = api
        self.transport = transport
        self.credentials = credentials

    @property
    def namespace(self) -> str:
        """The namespace the credentials default to (see :class:`Credentials`)."""
        return self.credentials.namespace

    def client(
        self,
        client_class: type[_ClientT],
        *,
        log: logging.Logger | None = None,
        field_manager: str = DEFAULT_FIELD_MANAGER,
    ) -> _ClientT:
        """A client of ``client_class`` (any generated client, of any served version) on
        this connection's transport (``Recording(client, cluster.recorder())`` records
        events for its writes)."""
        return client_class(self.transport, log=log, field_manager=field_manager)

    def recorder(
        self,
        *,
        reporting_controller: str = DEFAULT_REPORTING_CONTROLLER,
        reporting_instance: str | None = None,
        reporting_user: str = DEFAULT_REPORTING_USER,
        log: logging.Logger | None = None,
    ) -> EventRecorder:
        """An :class:`~lscsde_sdk.events.EventRecorder` on this connection's transport."""
        return EventRecorder(
            self.transport,
            log=log,
            reporting_controller=reporting_controller,
            reporting_user=reporting_user,
            reporting_instance=reporting_instance,
        )

    @cached_property
    def workspaces(self) -> AnalyticsWorkspaceClient:
        from .clients import AnalyticsWorkspaceClient

        return self.client(AnalyticsWorkspaceClient)

    @cached_property
    def workspace_bindings(self) -> AnalyticsWorkspaceBindingClient:
        from .clients import AnalyticsWorkspaceBindingClient

        return self.client(AnalyticsWorkspaceBindingClient)

    @cached_property
    def datasources(self) -> AnalyticsDataSourceClient:
        from .clients import AnalyticsDataSourceClient

        return self.client(AnalyticsDataSourceClient)

    @cached_property
    def datasource_bindings(self) -> AnalyticsDataSourceBindingClient:
        from .clients import AnalyticsDataSourceBindingClient

        return self.client(AnalyticsDataSourceBindingClient)

    @cached_property
    def crates(self) -> AnalyticsCrateClient:
        from .clients import AnalyticsCrateClient

        return self.client(AnalyticsCrateClient)

    def __repr__(self) -> str:
        return f"<Cluster {self.credentials.server} from {self.credentials.source}>"


@asynccontextmanager
async def connect(
    kubeconfig: str | os.PathLike[str] | None = None,
    context: str | None = None,
    *,
    service_account: str | os.PathLike[str] = SERVICE_ACCOUNT_DIR,
    user_agent: str | None = None,
) -> AsyncIterator[Cluster]:
    """Connect as the module doc says; the ``ApiClient`` is closed when the block ends.

    ``service_account`` is the directory of the in-cluster credentials (``token``,
    ``ca.crt``, ``namespace``); ``user_agent`` defaults to ``lscsde-sdk/<version>``.
    Raises :class:`CredentialsError` when the chosen source cannot be used.
    """
    from kubernetes_asyncio.client import ApiClient, Configuration

    from . import __version__

    configuration = Configuration()
    account = Path(service_account)
    if kubeconfig is None and context is None and _in_a_pod(account):
        credentials = _load_in_cluster(account, configuration)
    else:
        credentials = await _load_kubeconfig(kubeconfig, context, account, configuration)
    api = ApiClient(configuration=configuration)
    transport = Transport.of(api)
    transport.user_agent = user_agent or f"lscsde-sdk/{__version__}"
    try:
        yield Cluster(api, transport, credentials)
    finally:
        await transport.aclose()
        await api.close()


def _in_a_pod(account: Path) -> bool:
    return bool(os.environ.get(_HOST_ENV)) and (account / "token").is_file()


def _load_in_cluster(account: Path, configuration: Any) -> Credentials:
    from kubernetes_asyncio.config.config_exception import ConfigException
    from kubernetes_asyncio.config.incluster_config import InClusterConfigLoader

    source = f"in-cluster service account ({account})"
    loader = InClusterConfigLoader(
        token_filename=str(account / "token"), cert_filename=str(account / "ca.crt")
    )
    try:
        loader.load_and_set(configuration)
    except (ConfigException, OSError) as error:
        raise CredentialsError(source, str(error)) from None
    try:
        namespace = (account / "namespace").read_text(encoding="utf-8").strip()
    except OSError:
        namespace = ""
    return Credentials(source, namespace or _DEFAULT_NAMESPACE, str(configuration.host))


async def _load_kubeconfig(
    kubeconfig: str | os.PathLike[str] | None,
    context: str | None,
    account: Path,
    configuration: Any,
) -> Credentials:
    import yaml
    from kubernetes_asyncio import config
    from kubernetes_asyncio.config.config_exception import ConfigException

    files = os.fspath(kubeconfig) if kubeconfig is not None else _default_kubeconfig()
    source = f"kubeconfig {files}" + (f" (context {context})" if context else "")
    if not _any_file(files):
        reason = "no such file"
        if kubeconfig is None and context is None and os.environ.get(_HOST_ENV):
            # In a pod whose service account is not mounted: say so, it is the likely cause.
            reason += f"; nor an in-cluster service account token at {account / 'token'}"
        raise CredentialsError(source, reason)
    try:
        loader = await config.load_kube_config(
            config_file=files,
            context=context,
            client_configuration=configuration,
            persist_config=False,  # never rewrite the user's kubeconfig
        )
    except (ConfigException, yaml.YAMLError, OSError, TypeError, KeyError, ValueError) as error:
        raise CredentialsError(source, str(error) or type(error).__name__) from None
    current = loader.current_context or {}
    settings = current.get("context") or {}
    if not context:
        source += f" (context {current.get('name')})"
    namespace = settings.get("namespace") if isinstance(settings, dict) else None
    return Credentials(source, namespace or _DEFAULT_NAMESPACE, str(configuration.host))


def _any_file(files: str) -> bool:
    """Whether any of the ``:``-separated kubeconfig ``files`` exists."""
    return any(os.path.isfile(os.path.expanduser(path)) for path in files.split(os.pathsep) if path)


def _default_kubeconfig() -> str:
    return os.environ.get("KUBECONFIG") or str(Path.home() / ".kube" / "config")
