"""The SDK's errors as kopf's: what kopf should retry, when, and what it should give up on.

* A failure worth repeating (throttling, a server error, a connection failure, or the
  transport's retries running out on one) is a :class:`kopf.TemporaryError` whose delay is
  the server's ``Retry-After`` when it sent one, else :data:`TEMPORARY_DELAY`.
* A conflict (the object changed since it was read) is a :class:`kopf.TemporaryError` with
  the short :data:`CONFLICT_DELAY`: the handler runs again on the object as it is now.
* Invalid input (an object that does not validate, a value the SDK cannot use, a write the
  server rejects as invalid) is a :class:`kopf.PermanentError` naming the fields: running the
  handler again cannot help until the object changes.

Anything else is left as it is (kopf retries it with its own backoff).
"""

from __future__ import annotations

from typing import Final

import kopf
from pydantic import ValidationError

from ..errors import (
    AlreadyExistsError,
    ApiConnectionError,
    ApiError,
    ConflictError,
    InvalidError,
    InvalidParameterError,
    InvalidQuantityError,
    InvalidWorkspaceError,
    RetriesExhaustedError,
)

__all__ = ["CONFLICT_DELAY", "TEMPORARY_DELAY", "kopf_error", "validation_summary"]

#: Seconds before a handler that failed in a way worth repeating runs again, when the server
#: did not say how long to wait.
TEMPORARY_DELAY: Final = 10.0
#: Seconds before a handler that met a conflict runs again.
CONFLICT_DELAY: Final = 1.0


def kopf_error(error: BaseException) -> kopf.TemporaryError | kopf.PermanentError | None:
    """The kopf error ``error`` stands for (see the module doc); ``None`` to leave it be."""
    if isinstance(error, ValidationError):
        return kopf.PermanentError(validation_summary(error))
    if isinstance(error, InvalidError):
        fields = "; ".join(
            f"{cause.field}: {cause.message}" if cause.field else str(cause.message)
            for cause in error.causes
        )
        return kopf.PermanentError(f"the server rejected the write as invalid: {fields or error}")
    if isinstance(error, InvalidWorkspaceError | InvalidQuantityError | InvalidParameterError):
        return kopf.PermanentError(str(error))
    if isinstance(error, ConflictError) and not isinstance(error, AlreadyExistsError):
        return kopf.TemporaryError(f"{error}; running again", delay=CONFLICT_DELAY)
    cause = error.last if isinstance(error, RetriesExhaustedError) else error
    if isinstance(cause, ApiError | ApiConnectionError) and cause.retryable:
        retry_after = cause.retry_after_seconds if isinstance(cause, ApiError) else None
        delay = float(retry_after) if retry_after is not None else TEMPORARY_DELAY
        return kopf.TemporaryError(f"{error}; running again in {delay:g}s", delay=delay)
    return None


def validation_summary(error: ValidationError) -> str:
    """``error`` as one line naming each field and what is wrong with it, without the
    values (they may be secrets)."""
    problems = "; ".join(
        f"{'.'.join(str(part) for part in item['loc']) or '(object)'}: {item['msg']}"
        for item in error.errors(include_input=False, include_url=False)
    )
    return f"invalid {error.title}: {problems}"
