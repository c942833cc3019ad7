"""Typed errors: those of talking to the API server (defined in :mod:`lscsde_sdk.core.errors`,
which knows no kind, and re-exported here), and those of the workspace-management operations.

The server answers failures with a ``Status`` object (reason, message, details with field
causes); :func:`api_error_from_response` turns that into the matching exception class so
callers catch ``NotFoundError`` or ``ConflictError`` instead of inspecting status codes, with
the secrets it is told of masked before anything is stored (see
:class:`~lscsde_sdk.core.redaction.Redaction`). Retry policies key off
:attr:`ApiError.retryable`.
"""

from __future__ import annotations

from .core.errors import (
    AlreadyExistsError,
    ApiConnectionError,
    ApiError,
    BadRequestError,
    ConflictError,
    ConflictRetriesExhaustedError,
    ForbiddenError,
    GoneError,
    InvalidError,
    LscsdeError,
    MethodNotAllowedError,
    NotFoundError,
    NotInReleaseError,
    ObjectRequiredError,
    RetriesExhaustedError,
    ServerError,
    ServerTimeoutError,
    StatusCause,
    TooManyRequestsError,
    UnauthorizedError,
    UnknownFieldError,
    UnsupportedMediaTypeError,
    api_error_from_response,
)

__all__ = [
    "AlreadyExistsError",
    "ApiConnectionError",
    "ApiError",
    "BadRequestError",
    "ConflictError",
    "ConflictRetriesExhaustedError",
    "ForbiddenError",
    "GoneError",
    "InvalidError",
    "InvalidLabelFormatError",
    "InvalidParameterError",
    "InvalidQuantityError",
    "InvalidWorkspaceError",
    "LscsdeError",
    "MethodNotAllowedError",
    "NotFoundError",
    "NotInReleaseError",
    "ObjectRequiredError",
    "RetriesExhaustedError",
    "ServerError",
    "ServerTimeoutError",
    "StatusCause",
    "TooManyRequestsError",
    "UnauthorizedError",
    "UnknownFieldError",
    "UnsupportedMediaTypeError",
    "WorkspaceLabelMissingError",
    "api_error_from_response",
]


# -- errors of the workspace-management operations ---------------------------------------------


class WorkspaceLabelMissingError(LscsdeError):
    """A pod to mount a workspace into does not name its workspace (no ``workspace`` label)."""

    def __init__(self, namespace: str | None, name: str | None) -> None:
        self.namespace = namespace
        self.name = name
        self.message = (
            f"pod/{name} in namespace {namespace} has no 'workspace' label naming the "
            "AnalyticsWorkspace to mount"
        )
        super().__init__(self.message)


class InvalidParameterError(LscsdeError, ValueError):
    """An argument, or a combination of arguments, cannot be used."""

    def __init__(self, message: str) -> None:
        self.message = message
        super().__init__(message)


class InvalidLabelFormatError(LscsdeError, ValueError):
    """A value cannot be turned into a valid Kubernetes label value."""

    def __init__(self, message: str) -> None:
        self.message = message
        super().__init__(message)


# -- values in a resource's spec that cannot be used ---------------------------------------


class InvalidQuantityError(LscsdeError, ValueError):
    """A value is not a Kubernetes quantity (``500m``, ``8Gi``, ``1e9``), or is one this SDK
    cannot use (out of range)."""

    def __init__(self, value: object, reason: str) -> None:
        self.value = value
        self.reason = reason
        super().__init__(f"{value!r} is not a valid quantity: {reason}")


class InvalidWorkspaceError(LscsdeError, ValueError):
    """An AnalyticsWorkspace holds a value that cannot be used, at :attr:`field` (the schema
    path, e.g. ``spec.jupyterWorkspace.resources.limits.memory``) of :attr:`workspace`
    (``namespace/name``)."""

    def __init__(self, workspace: str, field: str, value: object, reason: str) -> None:
        self.workspace = workspace
        self.field = field
        self.value = value
        self.reason = reason
        super().__init__(f"workspace {workspace}: {field} = {value!r}: {reason}")
