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


def _contexts(files: str) -> tuple[dict[str, dict[str, Any]], str | None]:
    """The contexts of the kubeconfig files by name, and the current context's name, merged
    as kubectl merges them: the first file naming a context or a current context wins."""
    paths = [os.path.expanduser(path) for path in files.split(os.pathsep) if path]
    existing = [path for path in paths if os.path.exists(path)]
    if not existing:
        raise CliError(
            f"no kubeconfig at {files} (give --kubeconfig PATH or set $KUBECONFIG)", EXIT_UNUSABLE
        )
    contexts: dict[str, dict[str, Any]] = {}
    current: str | None = None
    for path in existing:
        try:
            with open(path, encoding="utf-8") as handle:
                document = yaml.safe_load(handle) or {}
        except (OSError, yaml.YAMLError) as error:
            raise CliError(
                f"cannot read the kubeconfig {path}: {_describe_read_error(error)}", EXIT_UNUSABLE
            ) from error
        if not isinstance(document, dict) or not isinstance(document.get("contexts") or [], list):
            raise CliError(f"{path} is not a kubeconfig", EXIT_UNUSABLE)
        for context in document.get("contexts") or []:
            if isinstance(context, dict) and isinstance(context.get("name"), str):
                contexts.setdefault(context["name"], context)
        current = current or document.get("current-context") or None
    return contexts, current


def _describe_read_error(error: OSError | yaml.YAMLError) -> str:
    mark = getattr(error, "problem_mark", None)
    if isinstance(error, yaml.MarkedYAMLError) and mark is not None:
        return f"line {mark.line + 1}, column {mark.column + 1}: {error.problem}"
    return str(error)


def _choose_context(files: str, wanted: str | None) -> dict[str, Any]:
    contexts, current = _contexts(files)
    if wanted is None:
        if not current:
            raise CliError(
                f"the kubeconfig {files} has no current context (give --context NAME)",
                EXIT_UNUSABLE,
            )
        wanted = current
    if wanted in contexts:
        return contexts[wanted]
    known = ", ".join(sorted(contexts)) or "none"
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
    settings: dict[str, Any] = chosen["context"] if isinstance(chosen.get("context"), dict) else {}
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
    transport = Transport.of(api)
    transport.user_agent = _USER_AGENT
    try:
        yield Session(
            api=api,
            transport=transport,
            namespace=namespace or settings.get("namespace") or _DEFAULT_NAMESPACE,
            server=str(configuration.host),
            user=str(settings.get("user") or "unknown user"),
        )
    finally:
        await transport.aclose()
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
