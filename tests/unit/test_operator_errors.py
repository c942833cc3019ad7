"""The SDK's errors as kopf's: temporary with the server's Retry-After, conflicts soon,
invalid input permanently and naming the fields (never their values)."""

from __future__ import annotations

import kopf
import pytest
from pydantic import ValidationError

from lscsde_sdk.errors import (
    AlreadyExistsError,
    ApiConnectionError,
    ConflictError,
    ForbiddenError,
    InvalidError,
    InvalidParameterError,
    RetriesExhaustedError,
    ServerError,
    StatusCause,
    TooManyRequestsError,
)
from lscsde_sdk.models import AnalyticsWorkspace
from lscsde_sdk.operator import CONFLICT_DELAY, TEMPORARY_DELAY, kopf_error


def throttled(retry_after: int | None) -> TooManyRequestsError:
    return TooManyRequestsError(
        429, "TooManyRequests", "slow down", retry_after_seconds=retry_after
    )


def test_throttling_is_temporary_for_as_long_as_the_server_says() -> None:
    mapped = kopf_error(throttled(7))
    assert isinstance(mapped, kopf.TemporaryError) and mapped.delay == 7.0
    exhausted = RetriesExhaustedError("GET", "/x", (throttled(1), throttled(2)), 3.0)
    mapped = kopf_error(exhausted)
    assert isinstance(mapped, kopf.TemporaryError) and mapped.delay == 2.0
    assert "gave up after 2 attempts" in str(mapped)


def test_server_and_connection_failures_are_temporary() -> None:
    for error in (
        ServerError(503, "ServiceUnavailable", "busy"),
        ApiConnectionError("GET", "/x", "cannot connect", sent=False),
    ):
        mapped = kopf_error(error)
        assert isinstance(mapped, kopf.TemporaryError) and mapped.delay == TEMPORARY_DELAY


def test_a_conflict_runs_the_handler_again_soon_but_an_existing_name_is_left_to_kopf() -> None:
    mapped = kopf_error(ConflictError(409, "Conflict", "changed"))
    assert isinstance(mapped, kopf.TemporaryError) and mapped.delay == CONFLICT_DELAY
    assert kopf_error(AlreadyExistsError(409, "AlreadyExists", "taken")) is None
    assert kopf_error(ForbiddenError(403, "Forbidden", "no")) is None
    assert kopf_error(RuntimeError("anything else")) is None


def test_invalid_input_is_permanent_and_names_the_fields() -> None:
    with pytest.raises(ValidationError) as invalid:
        AnalyticsWorkspace.from_api(
            {"metadata": {"name": "w"}, "spec": {"displayName": "W", "validity": {"expires": 5}}}
        )
    mapped = kopf_error(invalid.value)
    assert isinstance(mapped, kopf.PermanentError)
    assert "spec.description" in str(mapped)
    assert "spec.validity.availableFrom" in str(mapped) or "available_from" in str(mapped)

    rejected = InvalidError(
        422, "Invalid", "bad", causes=(StatusCause("FieldValueInvalid", "too long", "spec.x"),)
    )
    assert str(kopf_error(rejected)).endswith("spec.x: too long")
    mapped = kopf_error(InvalidParameterError("spec.connections is empty"))
    assert isinstance(mapped, kopf.PermanentError)
    assert str(mapped) == "spec.connections is empty"
