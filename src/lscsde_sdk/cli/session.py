"""One connection to the API server per command, configured as kubectl would be.

The kubeconfig is ``--kubeconfig``, else ``$KUBECONFIG`` (a list of files separated by
``:``, merged), else ``~/.kube/config`` — read when the command runs. The context is
``--context``, else the kubeconfig's current context; the namespace ``-n``, else the
context's namespace, else ``default``.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from kubernetes_asyncio import client, config
from kubernetes_asyncio.config.config_exception import ConfigException

from .. import __version__
from ..core.transport import Request, Transport
from ..errors import LscsdeError, NotFoundError
from .errors import EXIT_UNUSABLE, CliError
from .output import Printer

__all__ = [
    "Session",
    "check_empty_result",
    "kubeconfig_files",
    "namespace_exists",
    "open_session",
]

_DEFAULT_NAMESPACE = "default"
_USER_AGENT = f"lscsde-cli/{__version__}"


@dataclass(frozen=True)
class Session:
    """What a command talks to the cluster with."""

    api: client.ApiClient
    transport: Transport
    namespace: str
    #: The API server's URL.
    server: str
    #: The kubeconfig user of the context (named in the notes of the events recorded).
    user: str


def kubeconfig_files(explicit: str | None) -> str:
    """The kubeconfig path list to read: ``explicit``, else ``$KUBECONFIG``, else
    ``~/.kube/config``."""
    return explicit or os.environ.get("KUBECONFIG") or str(Path.home() / ".kube" / "config")


def _contexts(files: str) -> tuple[list[dict[str, Any]], dict[str, Any] | None]:
    paths = [os.path.expanduser(path) for path in files.split(os.pathsep) if path]
    if not any(os.path.exists(path) for path in paths):
        raise CliError(
            f"no kubeconfig at {files} (give --kubeconfig PATH or set $KUBECONFIG)", EXIT_UNUSABLE
        )
    try:
        contexts, current = config.list_kube_config_contexts(files)
    except (ConfigException, yaml.YAMLError, OSError, TypeError, KeyError) as error:
        raise CliError(f"cannot use the kubeconfig {files}: {error}", EXIT_UNUSABLE) from error
    return list(contexts or []), current


def _choose_context(files: str, wanted: str | None) -> dict[str, Any]:
    contexts, current = _contexts(files)
    if wanted is None:
        if not current:
            raise CliError(
                f"the kubeconfig {files} has no current context (give --context NAME)",
                EXIT_UNUSABLE,
            )
        return current
    for context in contexts:
        if context.get("name") == wanted:
            return context
    known = ", ".join(sorted(str(c.get("name")) for c in contexts)) or "none"
    raise CliError(
        f"context {wanted!r} not found in the kubeconfig {files} (contexts: {known})",
        EXIT_UNUSABLE,
    )


@asynccontextmanager
async def open_session(
    kubeconfig: str | None, context: str | None, namespace: str | None
) -> AsyncIterator[Session]:
    """A :class:`Session` for the kubeconfig, context and namespace given (see the module
    doc); the connection is closed on exit. Raises :class:`CliError` (exit 2) when the
    kubeconfig cannot be used."""
    files = kubeconfig_files(kubeconfig)
    chosen = _choose_context(files, context)
    settings = chosen.get("context") or {}
    configuration = client.Configuration()
    try:
        await config.load_kube_config(
            config_file=files,
            context=chosen.get("name"),
            client_configuration=configuration,
            persist_config=False,  # never rewrite the user's kubeconfig
        )
    except (ConfigException, yaml.YAMLError, OSError, TypeError, KeyError) as error:
        raise CliError(
            f"cannot use context {chosen.get('name')!r} of the kubeconfig {files}: {error}",
            EXIT_UNUSABLE,
        ) from error
    api = client.ApiClient(configuration=configuration)
    try:
        yield Session(
            api=api,
            transport=Transport(api, user_agent=_USER_AGENT),
            namespace=namespace or settings.get("namespace") or _DEFAULT_NAMESPACE,
            server=str(configuration.host),
            user=str(settings.get("user") or "unknown user"),
        )
    finally:
        await api.close()


async def namespace_exists(session: Session, namespace: str | None = None) -> bool | None:
    """Whether the namespace exists; ``None`` when that cannot be known (reading namespaces
    needs a cluster-wide permission many users lack)."""
    name = namespace or session.namespace
    try:
        await session.transport.send(Request("GET", f"/api/v1/namespaces/{name}"))
    except NotFoundError:
        return False
    except LscsdeError:  # forbidden, unreachable, ...: say nothing rather than guess
        return None
    return True


async def check_empty_result(session: Session, printer: Printer, what: str) -> None:
    """After a lookup found nothing: an unknown namespace is an error (exit 1), since a
    mistyped ``-n`` otherwise looks like an empty one; else a note on stderr."""
    if await namespace_exists(session) is False:
        raise CliError(f"namespace {session.namespace} not found")
    if printer.tabular:
        printer.note(f"No {what} found in namespace {session.namespace}.")
