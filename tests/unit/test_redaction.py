"""Redaction: masking what the caller says is secret in what the API server answers, in the
forms the server writes objects. The integration side (the real server's refusals) is
tests/security/test_server_answers.py."""

from __future__ import annotations

import json
from typing import Any

import pytest

from lscsde_sdk.clients import AnalyticsDataSourceClient
from lscsde_sdk.core.redaction import MASK, Redaction
from lscsde_sdk.errors import InvalidError, ServerError, api_error_from_response
from tests.security.leaks import go_map

PATHS = AnalyticsDataSourceClient.secret_paths
SECRET = "Server=db;User Id=analyst;Password=SENTINEL-9f1;"
TOKEN = "dapiSENTINEL-token-0c3"


def stored() -> dict[str, Any]:
    return {
        "apiVersion": "xlscsde.nhs.uk/v1",
        "kind": "AnalyticsDataSource",
        "metadata": {
            "name": "ds",
            "managedFields": [{"fieldsV1": {"f:spec": {"f:connections": {}}}}],
        },
        "spec": {
            "displayName": "Visible",
            "connections": [
                {"name": "primary", "connectionString": {"secretName": "s", "value": SECRET}},
                {"name": "lake", "databricksConnection": {"personalAccessToken": TOKEN}},
            ],
        },
    }


def compact(value: Any) -> str:
    """JSON as the API server writes it."""
    return json.dumps(value, separators=(",", ":"))


def go_sharp_v(value: Any) -> str:
    if isinstance(value, dict):
        inner = ", ".join(f"{json.dumps(key)}:{go_sharp_v(item)}" for key, item in value.items())
        return "map[string]interface {}{" + inner + "}"
    if isinstance(value, list):
        return "[]interface {}{" + ", ".join(go_sharp_v(item) for item in value) + "}"
    return json.dumps(value)


ECHOES = {
    "json": json.dumps(stored()),
    "json quoted once (the strict refusal)": (
        f' "" is invalid: patch: Invalid value: {json.dumps(compact(stored()))}: strict '
        'decoding error: unknown field "spec.bogusField"'
    ),
    "json quoted twice": json.dumps(json.dumps(json.dumps(stored()))),
    "go %v": f"Internal error occurred: {go_map(stored())}",
    "go %#v": f"admission webhook denied: {go_sharp_v(stored())}",
    "field error on the secret": (
        'spec.connections[0].connectionString.value: Invalid value: "'
        + SECRET
        + '": must not hold a password'
    ),
}


@pytest.mark.parametrize("text", ECHOES.values(), ids=list(ECHOES))
def test_secrets_echoed_in_any_form_are_masked(text: str) -> None:
    masked = Redaction(PATHS).text(text)
    assert "SENTINEL" not in masked
    assert MASK in masked


def test_what_is_not_secret_stays_readable() -> None:
    masked = Redaction(PATHS).text(ECHOES["json quoted once (the strict refusal)"])
    assert 'unknown field "spec.bogusField"' in masked
    assert '\\"displayName\\":\\"Visible\\"' in masked
    assert '\\"secretName\\":\\"s\\"' in masked  # the reference's name is no secret
    assert '\\"f:connections\\":{}' in masked  # managedFields' keys are not the fields


@pytest.mark.parametrize(
    "text",
    [
        f'{{"connections":[{{"connectionString":"{SECRET}"}}]}}',  # a string where an object goes
        f'{{"spec":{{"connections":"{SECRET}"}}}}',
        f"map[connectionString:{SECRET}]",
        f'{{"databricksConnection":{{"personalAccessToken":"{TOKEN}"}}}}',
    ],
)
def test_a_value_of_the_wrong_shape_on_a_secret_path_is_masked(text: str) -> None:
    assert "SENTINEL" not in Redaction(PATHS).text(text)


def test_data_keeps_its_shape_with_secrets_masked() -> None:
    masked = Redaction(PATHS).data(stored())
    connections = masked["spec"]["connections"]
    assert connections[0]["connectionString"] == {"secretName": "s", "value": MASK}
    assert connections[1]["databricksConnection"] == {"personalAccessToken": MASK}
    assert masked["spec"]["displayName"] == "Visible"
    # Anywhere in a structure, not only at its root (a Status's details).
    nested = Redaction(PATHS).data({"details": {"object": stored()}})
    assert "SENTINEL" not in json.dumps(nested)


def test_a_requests_secrets_are_masked_wherever_they_show() -> None:
    merge = {
        "spec": {
            "connections": [{"connectionString": {"value": SECRET, "valeu": "SENTINEL-typo-value"}}]
        }
    }
    json_patch = [
        {"op": "add", "path": "/spec/connections/0/connectionString", "value": SECRET},
        {"op": "add", "path": "/spec/connections/1/databricksConnection/token", "value": TOKEN},
        {"op": "replace", "path": "/spec/displayName", "value": "Not secret"},
    ]
    for body in (merge, json_patch):
        redaction = Redaction(PATHS).including(body)
        text = f"refused: {json.dumps(body)} / {json.dumps(json.dumps(body))} / {go_map(body)}"
        masked = redaction.text(text)
        assert "SENTINEL" not in masked
    assert "Not secret" not in Redaction(PATHS).including(json_patch).values
    assert "Not secret" in Redaction(PATHS).including(json_patch).text("Not secret")


def test_short_values_are_masked_at_their_paths_only() -> None:
    redaction = Redaction(PATHS).including(
        {"spec": {"connections": [{"connectionString": {"value": "ab"}}]}}
    )
    assert redaction.text("a cab is not a secret") == "a cab is not a secret"
    assert redaction.text('{"connectionString":{"value":"ab"}}') == (
        f'{{"connectionString":{{"value":"{MASK}"}}}}'
    )


def test_map_values_are_stepped_into() -> None:
    redaction = Redaction(("spec.credentials{}.token",))
    data = {"spec": {"credentials": {"a": {"token": "SENTINEL-a"}, "b": {"token": "SENTINEL-b"}}}}
    assert "SENTINEL" not in json.dumps(redaction.data(data))
    assert "SENTINEL" not in redaction.text(json.dumps(data))
    assert redaction.including(data).values == {"SENTINEL-a", "SENTINEL-b"}


def test_nothing_to_mask_changes_nothing_and_values_never_show() -> None:
    assert not Redaction()
    assert Redaction().including({"spec": {}}) == Redaction()
    redaction = Redaction(PATHS, frozenset({SECRET}))
    assert "SENTINEL" not in repr(redaction)


def test_an_error_built_from_a_refusal_stores_nothing_secret() -> None:
    message = ECHOES["json quoted once (the strict refusal)"]
    status = {
        "kind": "Status",
        "apiVersion": "v1",
        "status": "Failure",
        "message": message,
        "reason": "Invalid",
        "details": {
            "causes": [
                {"reason": "FieldValueInvalid", "message": message, "field": "patch"},
                {
                    "reason": "FieldValueInvalid",
                    "message": f'Invalid value: "{SECRET}": not allowed',
                    "field": "spec.connections[0].connectionString.value",
                },
            ]
        },
        "code": 422,
    }
    error = api_error_from_response(
        422, json.dumps(status).encode(), method="PATCH", path="/x", redaction=Redaction(PATHS)
    )
    assert isinstance(error, InvalidError)
    for text in (str(error), repr(error), error.message, repr(error.causes), repr(error.body)):
        assert "SENTINEL" not in text
    assert error.causes[1].message == f'Invalid value: "{MASK}": not allowed'
    assert error.causes[1].field == "spec.connections[0].connectionString.value"
    assert 'unknown field "spec.bogusField"' in str(error)


@pytest.mark.parametrize(
    "body",
    [
        b"<html>upstream: " + json.dumps(stored()).encode() + b"</html>",
        json.dumps({"kind": "Status", "message": go_map(stored()), "details": ["odd"]}).encode(),
        json.dumps({"kind": "Status", "details": {"causes": [5, {"message": 7}]}}).encode(),
    ],
    ids=["not json", "details not a mapping", "causes not mappings"],
)
def test_a_malformed_answer_is_an_error_all_the_same(body: bytes) -> None:
    error = api_error_from_response(500, body, redaction=Redaction(PATHS))
    assert isinstance(error, ServerError)
    assert "SENTINEL" not in f"{error} {error!r} {error.body!r} {error.causes!r}"
