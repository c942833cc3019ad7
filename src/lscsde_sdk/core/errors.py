"""The SDK's base error and the typed errors of talking to the API server, for any kind.

The server answers failures with a ``Status`` object (reason, message, details with field
causes); :func:`api_error_from_response` turns that into the matching exception class so
callers catch ``NotFoundError`` or ``ConflictError`` instead of inspecting status codes, with
the secrets it is told of masked before anything is stored (see
:class:`~lscsde_sdk.core.redaction.Redaction`). Retry policies key off
:attr:`ApiError.retryable`. :mod:`lscsde_sdk.errors` re-exports them beside the errors of
the workspace-management operations.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from .redaction import Redaction

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
    "api_error_from_response",
]


class LscsdeError(Exception):
    """Base class of every error this SDK raises on purpose."""


class ObjectRequiredError(LscsdeError, ValueError):
    """A call needs an object (or its name/namespace) that the caller did not give."""


class NotInReleaseError(LscsdeError):
    """A kind, or a class of a kind's schema, that the CRD release this SDK was generated from
    does not have (an SDK generated from an earlier release, see :mod:`lscsde_sdk.absent`).

    :attr:`name` is the class used, :attr:`missing` what the release lacks for it (the kind,
    or the kind and a schema path), :attr:`release` the release."""

    def __init__(self, name: str, missing: str, release: str) -> None:
        self.name = name
        self.missing = missing
        self.release = release
        what = missing if missing == name else f"{name}: {missing}"
        super().__init__(
            f"{what} is not in CRD release {release} that this lscsde-sdk was generated from"
        )


class UnknownFieldError(LscsdeError, AttributeError):
    """A name that is not a field of the model was assigned (usually a typo)."""

    def __init__(self, model: str, names: tuple[str, ...], known: tuple[str, ...]) -> None:
        self.model = model
        self.names = names
        self.known = known
        super().__init__(
            f"unknown field(s) {', '.join(map(repr, names))} for {model}; "
            f"known fields: {', '.join(known)}"
        )


@dataclass(frozen=True)
class StatusCause:
    """One reason the server gave for rejecting an object (usually a field)."""

    reason: str | None
    message: str | None
    field: str | None


class ApiError(LscsdeError):
    """The API server refused or failed a request."""

    retryable: bool = False

    def __init__(
        self,
        status: int,
        reason: str | None,
        message: str,
        *,
        method: str | None = None,
        path: str | None = None,
        body: Any = None,
        causes: tuple[StatusCause, ...] = (),
        retry_after_seconds: int | None = None,
    ) -> None:
        self.status = status
        self.reason = reason
        self.message = message
        self.method = method
        self.path = path
        self.body = body
        self.causes = causes
        self.retry_after_seconds = retry_after_seconds
        where = f" ({method} {path})" if method and path else ""
        super().__init__(f"{status} {reason or 'Error'}{where}: {message}")


class BadRequestError(ApiError):
    """400: the request was malformed (for example, an invalid patch). A create or replace
    that strict field validation refuses is one too; :attr:`causes` names each field."""


class UnauthorizedError(ApiError):
    """401: the credentials were missing or not accepted."""


class ForbiddenError(ApiError):
    """403: RBAC does not allow this identity to do this."""


class NotFoundError(ApiError):
    """404: the object (or its namespace, or the CRD) does not exist."""


class MethodNotAllowedError(ApiError):
    """405: the resource does not support this verb."""


class ConflictError(ApiError):
    """409: the object changed since it was read (stale resourceVersion)."""


class AlreadyExistsError(ConflictError):
    """409 AlreadyExists: an object with that name already exists."""


class ConflictRetriesExhaustedError(ConflictError):
    """A read-modify-write kept meeting conflicts (others kept changing the object) until
    its retry policy ran out: :attr:`attempts` tries in :attr:`elapsed` seconds; ``last`` is
    the last try's conflict (also this error's ``__cause__``)."""

    def __init__(self, last: ConflictError, attempts: int, elapsed: float) -> None:
        self.last = last
        self.attempts = attempts
        self.elapsed = elapsed
        super().__init__(
            last.status,
            last.reason,
            f"gave up after {attempts} tries in {elapsed:.1f}s, the object kept changing: "
            f"{last.message}",
            method=last.method,
            path=last.path,
            body=last.body,
            causes=last.causes,
        )


class GoneError(ApiError):
    """410: a continue token or watch resourceVersion is too old; start again."""


class UnsupportedMediaTypeError(ApiError):
    """415: the server does not accept this patch type for this resource."""


class InvalidError(ApiError):
    """422: the object failed server-side validation; :attr:`causes` names the fields (for
    a patch that strict field validation refuses, each field it does not declare; the
    patched object the server quotes is left out of :attr:`message`, not of :attr:`body`).

    Also what a server-side apply gets when its body does not fit the schema (a field the
    served CRD does not declare, a value of another type): kube-apiserver answers that with
    500, kept as :attr:`status`, and names each field in its message, which become the
    :attr:`causes`. It is never repeated."""


class TooManyRequestsError(ApiError):
    """429: the server is throttling; wait :attr:`retry_after_seconds` and retry."""

    retryable = True


class ServerError(ApiError):
    """5xx: the server failed; usually worth retrying."""

    retryable = True


class ServerTimeoutError(ServerError):
    """504 or Status reason Timeout."""


class ApiConnectionError(LscsdeError):
    """The API server could not be reached, or the connection failed before it answered.

    ``sent``: the request may have reached the server (so it may have taken effect);
    ``timed_out``: no answer came within the request's timeout. What the HTTP library said is
    copied, not chained (its errors show the request's headers, credentials included):
    ``cause`` its error's class name, ``cause_status`` the HTTP status it reported (a malformed
    answer), ``url`` the URL requested.
    """

    retryable = True

    def __init__(
        self,
        method: str,
        path: str,
        reason: str,
        *,
        sent: bool,
        timed_out: bool = False,
        cause: str | None = None,
        cause_status: int | None = None,
        url: str | None = None,
    ) -> None:
        self.method = method
        self.path = path
        self.reason = reason
        self.sent = sent
        self.timed_out = timed_out
        self.cause = cause
        self.cause_status = cause_status
        self.url = url
        super().__init__(f"{method} {path}: {reason}")


class RetriesExhaustedError(LscsdeError):
    """Every try of a request failed with a failure worth repeating; ``failures`` holds each
    try's error, the last one also being this error's ``__cause__``."""

    def __init__(
        self, method: str, path: str, failures: tuple[LscsdeError, ...], elapsed: float
    ) -> None:
        self.method = method
        self.path = path
        self.failures = failures
        self.elapsed = elapsed
        reasons = "; ".join(_short_reason(failure) for failure in failures)
        last = failures[-1]
        # The statuses alone do not say what went wrong; the server's last words may.
        said = f"; the last answer said: {last.message}" if isinstance(last, ApiError) else ""
        super().__init__(
            f"{method} {path}: gave up after {len(failures)} attempts in {elapsed:.1f}s: "
            f"{reasons}{said}"
        )

    @property
    def attempts(self) -> int:
        return len(self.failures)

    @property
    def last(self) -> LscsdeError:
        return self.failures[-1]


def _short_reason(error: LscsdeError) -> str:
    if isinstance(error, ApiError):
        return f"{error.status} {error.reason or ''}".strip()
    if isinstance(error, ApiConnectionError):
        return error.reason
    return str(error)


_BY_STATUS: dict[int, type[ApiError]] = {
    400: BadRequestError,
    401: UnauthorizedError,
    403: ForbiddenError,
    404: NotFoundError,
    405: MethodNotAllowedError,
    409: ConflictError,
    410: GoneError,
    415: UnsupportedMediaTypeError,
    422: InvalidError,
    429: TooManyRequestsError,
    504: ServerTimeoutError,
}


def api_error_from_response(
    status: int,
    body: bytes,
    *,
    method: str | None = None,
    path: str | None = None,
    retry_after: str | None = None,
    redaction: Redaction | None = None,
) -> ApiError:
    """Build the typed error for a non-2xx response from its ``Status`` body, with what
    ``redaction`` says is secret masked in its message, causes and body."""
    parsed: Any
    try:
        parsed = json.loads(body) if body else None
    except ValueError:
        parsed = None
    reason: str | None = None
    message = body.decode("utf-8", "replace").strip() or "no response body"
    if redaction:
        message = redaction.text(message)
        parsed = _redacted_body(parsed, redaction)
    causes: tuple[StatusCause, ...] = ()
    retry_after_seconds = int(retry_after) if retry_after and retry_after.isdigit() else None
    if isinstance(parsed, dict) and parsed.get("kind") == "Status":
        reason = _text_or_none(parsed.get("reason"))
        message = _text_or_none(parsed.get("message")) or message
        details = _mapping(parsed.get("details"))
        causes = tuple(
            StatusCause(
                reason=_text_or_none(cause.get("reason")),
                message=_text_or_none(cause.get("message")),
                field=_text_or_none(cause.get("field")),
            )
            for cause in map(_mapping, _list(details.get("causes")))
        )
        seconds = details.get("retryAfterSeconds")
        if isinstance(seconds, int):
            retry_after_seconds = seconds
    if _STRICT_DECODING in message:
        message, causes = _strict_decoding_refusal(message, causes)
    schema_causes = _apply_schema_causes(message) if status == 500 else None
    if schema_causes is not None:
        # The request is at fault, not the server: an InvalidError, never repeated.
        error_class: type[ApiError] = InvalidError
        causes = causes or schema_causes
    elif status == 409 and reason == "AlreadyExists":
        error_class = AlreadyExistsError
    else:
        error_class = _BY_STATUS.get(status, ServerError if status >= 500 else ApiError)
    return error_class(
        status,
        reason,
        message,
        method=method,
        path=path,
        body=parsed,
        causes=causes,
        retry_after_seconds=retry_after_seconds,
    )


# Strict field validation refuses fields the schema does not declare (or given twice) with
# 'strict decoding error: unknown field "spec.a", unknown field "spec.b"'. Refusing a patch,
# kube-apiserver first quotes the whole patched object ('patch: Invalid value: "{...}": ').
_STRICT_DECODING = "strict decoding error: "
_STRICT_FIELD = re.compile(r'(unknown|duplicate) field "((?:[^"\\]|\\.)*)"')
_QUOTED_PATCHED_OBJECT = re.compile(
    r'(?<=patch: )Invalid value: ".*": (?=strict decoding error: )', re.DOTALL
)
_STRICT_REASONS = {"unknown": "FieldValueInvalid", "duplicate": "FieldValueDuplicate"}


def _strict_decoding_refusal(
    message: str, causes: tuple[StatusCause, ...]
) -> tuple[str, tuple[StatusCause, ...]]:
    """A strict-validation refusal's ``message`` without the quoted patched object (the
    ``body`` keeps the server's Status whole), and one cause per refused field in place of
    the causes that quote it."""
    short = _QUOTED_PATCHED_OBJECT.sub("", message)
    refused = tuple(
        StatusCause(_STRICT_REASONS[kind], f'{kind} field "{path}"', path)
        for kind, path in _STRICT_FIELD.findall(short.partition(_STRICT_DECODING)[2])
    )
    others = tuple(cause for cause in causes if _STRICT_DECODING not in (cause.message or ""))
    return short, (*refused, *others)


# kube-apiserver answers a server-side apply whose body its schema refuses (a field the
# schema does not declare, a value of another type) with 500 and this message, not 422.
_APPLY_SCHEMA_FAILURE = "failed to create typed patch object"


def _apply_schema_causes(message: str) -> tuple[StatusCause, ...] | None:
    """The field errors of an apply body the schema refused, from the server's message, which
    names one field or lists several::

        failed to create typed patch object (ns/name; group/v1, Kind=K): .spec.a: <what>

        failed to create typed patch object (ns/name; group/v1, Kind=K): errors:
          .spec.a: <what>
          .spec.b: <what>

    ``None`` when ``message`` is not that refusal."""
    if not message.startswith(_APPLY_SCHEMA_FAILURE):
        return None
    _, _, errors = message.partition("): ")
    causes = []
    for line in errors.removeprefix("errors:").splitlines():
        path, separator, what = line.strip().partition(": ")
        if separator and path.startswith("."):
            causes.append(StatusCause(reason="FieldValueInvalid", message=what, field=path[1:]))
    return tuple(causes)


def _redacted_body(parsed: Any, redaction: Redaction) -> Any:
    """``parsed`` with its secrets masked; a ``Status``'s causes as field errors (their value
    is masked when their field is a secret or inside one)."""
    masked = redaction.data(parsed)
    if isinstance(parsed, dict) and isinstance(masked, dict):
        originals = _list(_mapping(parsed.get("details")).get("causes"))
        for original, cause in zip(
            originals, _list(_mapping(masked.get("details")).get("causes")), strict=True
        ):
            text = original.get("message") if isinstance(original, dict) else None
            if isinstance(text, str) and isinstance(cause, dict):
                cause["message"] = redaction.field_message(
                    _text_or_none(original.get("field")), text
                )
    return masked


# A malformed answer (a proxy's, a fault's) may have any shape: what is not as a Status has
# it counts as absent.
def _mapping(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _text_or_none(value: Any) -> str | None:
    return value if isinstance(value, str) else None
