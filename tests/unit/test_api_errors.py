"""Typed errors from the API server's answers: which class, which causes, which message."""

from __future__ import annotations

import json

from lscsde_sdk.errors import (
    BadRequestError,
    InvalidError,
    RetriesExhaustedError,
    ServerError,
    StatusCause,
    api_error_from_response,
)

REFUSED_APPLY = (
    "failed to create typed patch object (ns/w1; xlscsde.nhs.uk/v1, Kind=AnalyticsWorkspace)"
)


def status(code: int, message: str) -> bytes:
    """A Status as kube-apiserver sends for an error it does not classify: no reason."""
    body = {"kind": "Status", "apiVersion": "v1", "status": "Failure", "message": message}
    return json.dumps({**body, "code": code}).encode()


def test_an_apply_refused_for_one_field_is_an_invalid_error_naming_it() -> None:
    message = f"{REFUSED_APPLY}: .spec.bogus: field not declared in schema"

    error = api_error_from_response(500, status(500, message), method="PATCH", path="/w1")

    assert type(error) is InvalidError
    assert error.status == 500
    assert not error.retryable
    assert error.message == message
    assert error.causes == (
        StatusCause("FieldValueInvalid", "field not declared in schema", "spec.bogus"),
    )


def test_an_apply_refused_for_several_fields_names_each_in_the_servers_order() -> None:
    message = (
        f"{REFUSED_APPLY}: errors:\n"
        "  .spec.displayName: expected string, got &value.valueUnstructured{Value:5}\n"
        "  .spec.jupyterWorkspace.zz: field not declared in schema"
    )

    error = api_error_from_response(500, status(500, message))

    assert isinstance(error, InvalidError)
    assert [(cause.field, cause.message) for cause in error.causes] == [
        ("spec.displayName", "expected string, got &value.valueUnstructured{Value:5}"),
        ("spec.jupyterWorkspace.zz", "field not declared in schema"),
    ]


def test_any_other_500_is_a_server_error_worth_repeating() -> None:
    for message in ("etcdserver: request timed out", f"not at the start: {REFUSED_APPLY}: .a: b"):
        error = api_error_from_response(500, status(500, message))
        assert type(error) is ServerError and error.retryable


def test_the_refusal_is_only_read_from_a_500() -> None:
    error = api_error_from_response(503, status(503, f"{REFUSED_APPLY}: .spec.a: b"))
    assert type(error) is ServerError and not error.causes


def test_giving_up_says_what_the_server_said_last() -> None:
    failures = tuple(
        api_error_from_response(503, status(503, f"etcd is unavailable ({n})")) for n in (1, 2)
    )

    error = RetriesExhaustedError("GET", "/w1", failures, 0.4)

    assert str(error) == (
        "GET /w1: gave up after 2 attempts in 0.4s: 503; 503; "
        "the last answer said: etcd is unavailable (2)"
    )


STRICT = 'strict decoding error: unknown field "spec.bogus", unknown field "spec.jupyter.zz"'
UNKNOWN_FIELDS = [
    StatusCause("FieldValueInvalid", 'unknown field "spec.bogus"', "spec.bogus"),
    StatusCause("FieldValueInvalid", 'unknown field "spec.jupyter.zz"', "spec.jupyter.zz"),
]


def test_a_create_refused_by_strict_validation_names_each_unknown_field() -> None:
    refusal = 'AnalyticsWorkspace in version "v1" cannot be handled as a AnalyticsWorkspace'
    message = f"{refusal}: {STRICT}"

    error = api_error_from_response(400, status(400, message))

    assert isinstance(error, BadRequestError)
    assert error.message == message
    assert list(error.causes) == UNKNOWN_FIELDS


def test_a_patch_refused_by_strict_validation_names_the_fields_without_the_whole_object() -> None:
    patched = json.dumps({"spec": {"displayName": "x" * 4000, "bogus": 1}})
    message = f' "" is invalid: patch: Invalid value: {json.dumps(patched)}: {STRICT}'
    body = {
        "kind": "Status",
        "message": message,
        "reason": "Invalid",
        "details": {"causes": [{"reason": "FieldValueInvalid", "message": message[27:]}]},
        "code": 422,
    }

    error = api_error_from_response(422, json.dumps(body).encode(), method="PATCH", path="/w")

    assert isinstance(error, InvalidError)
    assert error.message == f' "" is invalid: patch: {STRICT}'
    assert str(error) == f"422 Invalid (PATCH /w): {error.message}"
    assert list(error.causes) == UNKNOWN_FIELDS
    assert error.body["message"] == message  # the server's Status, whole


def test_a_field_given_twice_is_named_as_a_duplicate() -> None:
    message = 'cannot be handled: strict decoding error: duplicate field "spec.title"'

    error = api_error_from_response(400, status(400, message))

    assert error.causes == (
        StatusCause("FieldValueDuplicate", 'duplicate field "spec.title"', "spec.title"),
    )
