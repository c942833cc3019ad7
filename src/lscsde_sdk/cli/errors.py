"""How failures reach the user: one line on stderr and an exit code.

Exit codes: 0 success; 1 the operation failed (an object not found, permission denied,
validation problems, CRD drift); 2 the command could not be attempted (bad arguments, an
unusable kubeconfig, the API server unreachable).

:func:`describe_error` turns the SDK's typed errors into such a line, naming what was asked
for in words (``workspace x not found in namespace y``) rather than as an HTTP path.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from ..errors import (
    ApiConnectionError,
    ApiError,
    ForbiddenError,
    LscsdeError,
    NotFoundError,
    RetriesExhaustedError,
    UnauthorizedError,
)

__all__ = [
    "EXIT_FAILED",
    "EXIT_OK",
    "EXIT_UNUSABLE",
    "CliError",
    "RequestTarget",
    "describe_error",
    "request_target",
]

EXIT_OK: Final = 0
EXIT_FAILED: Final = 1
EXIT_UNUSABLE: Final = 2

# How the messages name each kind of object, by the resource's plural.
_NOUNS: Final = {
    "analyticsworkspaces": "workspace",
    "analyticsworkspacebindings": "workspace binding",
    "analyticsdatasources": "data source",
    "analyticsdatasourcebindings": "data source binding",
    "analyticscrates": "crate",
    "customresourcedefinitions": "CustomResourceDefinition",
    "namespaces": "namespace",
}


class CliError(Exception):
    """A failure shown as ``error: <message>`` on stderr, exiting with ``exit_code``."""

    def __init__(self, message: str, exit_code: int = EXIT_FAILED) -> None:
        super().__init__(message)
        self.message = message
        self.exit_code = exit_code


@dataclass(frozen=True)
class RequestTarget:
    """What an API request was about, read from its method and path."""

    verb: str  # the RBAC verb: get, list, create, update, patch, delete, deletecollection
    resource: str  # plural, with its group when not core: analyticsworkspaces.xlscsde.nhs.uk
    plural: str
    namespace: str | None
    name: str | None
    subresource: str | None = None

    @property
    def noun(self) -> str:
        return _NOUNS.get(self.plural, self.plural)


def request_target(method: str, path: str) -> RequestTarget | None:
    """The target of a request to ``/api/v1/...`` or ``/apis/<group>/<version>/...``;
    ``None`` for any other path."""
    parts = [part for part in path.split("?", 1)[0].split("/") if part]
    if parts[:1] == ["api"] and len(parts) >= 2:
        group, rest = "", parts[2:]
    elif parts[:1] == ["apis"] and len(parts) >= 3:
        group, rest = parts[1], parts[3:]
    else:
        return None
    namespace = None
    if len(rest) >= 2 and rest[0] == "namespaces" and len(rest) != 2:
        namespace, rest = rest[1], rest[2:]
    if not rest:
        return None
    plural = rest[0]
    name = rest[1] if len(rest) > 1 else None
    subresource = rest[2] if len(rest) > 2 else None
    verb = {
        "GET": "get" if name else "list",
        "HEAD": "get",
        "POST": "create",
        "PUT": "update",
        "PATCH": "patch",
        "DELETE": "delete" if name else "deletecollection",
    }.get(method.upper(), method.lower())
    resource = f"{plural}.{group}" if group else plural
    if subresource:
        resource = f"{resource}/{subresource}"
    return RequestTarget(verb, resource, plural, namespace, name, subresource)


def _where(target: RequestTarget) -> str:
    return f" in namespace {target.namespace}" if target.namespace else ""


def _not_found(error: NotFoundError) -> str:
    target = request_target(error.method or "", error.path or "")
    if target is None:
        return f"not found: {error.message}"
    if target.name is None or target.verb == "create":
        # The collection itself is unknown: its CRD is not installed.
        return (
            f"the server has no {target.resource} (is the CRD installed? "
            f"run: lscsde crds install): {error.message}"
        )
    return f"{target.noun} {target.name} not found{_where(target)}"


def _forbidden(error: ForbiddenError) -> str:
    target = request_target(error.method or "", error.path or "")
    needed = (
        f"; missing RBAC permission: {target.verb} {target.resource}"
        f"{_where(target) or ' (cluster-wide)'}"
        if target is not None
        else ""
    )
    return f"permission denied: {error.message}{needed}"


def describe_error(error: LscsdeError, server: str | None = None) -> CliError:
    """The one-line message and exit code for an SDK error; ``server`` is the API server's
    URL, named when it cannot be reached."""
    at = f" at {server}" if server else ""
    if isinstance(error, RetriesExhaustedError):
        last = error.last
        if isinstance(last, ApiConnectionError):
            return CliError(
                f"cannot reach the API server{at}: {last.reason} "
                f"({error.attempts} attempts in {error.elapsed:.1f}s)",
                EXIT_UNUSABLE,
            )
        return CliError(f"the API server{at} kept failing: {error}", EXIT_UNUSABLE)
    if isinstance(error, ApiConnectionError):
        return CliError(f"cannot reach the API server{at}: {error.reason}", EXIT_UNUSABLE)
    if isinstance(error, NotFoundError):
        return CliError(_not_found(error))
    if isinstance(error, ForbiddenError):
        return CliError(_forbidden(error))
    if isinstance(error, UnauthorizedError):
        return CliError(
            f"the API server{at} did not accept the credentials of the kubeconfig: {error.message}",
            EXIT_UNUSABLE,
        )
    if isinstance(error, ApiError):
        target = request_target(error.method or "", error.path or "")
        what = f" ({target.verb} {target.noun} {target.name or ''}".rstrip() + ")" if target else ""
        return CliError(f"{error.reason or error.status}{what}: {error.message}")
    return CliError(str(error))
