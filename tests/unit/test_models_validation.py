"""The models reject, before anything is sent, what the API server would reject.

The cases come from ``examples.invalid_cases()``; the integration tests send the same
manifests to a real API server to check that client and server agree.
"""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

import lscsde_sdk.models as m
from tests.examples import (
    InvalidCase,
    base_of,
    client_accepts_server_rejects,
    invalid_cases,
    load_example,
)

INVALID = invalid_cases()
LAX = client_accepts_server_rejects()


def _validate(kind: str, manifest: dict[str, Any]) -> Any:
    return getattr(m, kind).model_validate(manifest)


def _rejection(case: InvalidCase) -> ValidationError:
    with pytest.raises(ValidationError) as caught:
        _validate(case.kind, case.manifest)
    return caught.value


def _differences(a: Any, b: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Paths of the outermost places where ``a`` and ``b`` differ."""
    if isinstance(a, dict) and isinstance(b, dict):
        return [
            p
            for key in sorted(set(a) | set(b), key=str)
            for p in (
                _differences(a[key], b[key], (*path, key))
                if key in a and key in b
                else [(*path, key)]
            )
        ]
    if isinstance(a, list) and isinstance(b, list) and len(a) == len(b):
        pairs = enumerate(zip(a, b, strict=True))
        return [p for i, (x, y) in pairs for p in _differences(x, y, (*path, i))]
    return [] if a == b and type(a) is type(b) else [path]


# -- the shared table ----------------------------------------------------------------------


@pytest.mark.parametrize("case", INVALID, ids=lambda c: c.case_id)
def test_invalid_manifest_is_rejected_naming_the_field(case: InvalidCase) -> None:
    errors = _rejection(case).errors()
    named = [
        e for e in errors if case.error in ".".join(map(str, e["loc"])) or case.error in e["msg"]
    ]
    assert named, f"{case.error!r} not named in {errors}"


@pytest.mark.parametrize("case", INVALID + LAX, ids=lambda c: c.case_id)
def test_each_case_differs_from_a_valid_example_in_one_place(case: InvalidCase) -> None:
    stem, path = base_of(case.case_id)
    valid = load_example(stem)
    _validate(case.kind, valid)  # the example itself is fine
    valid["metadata"]["name"] = case.manifest["metadata"]["name"]
    expected = tuple(int(p) if p.isdigit() else p for p in path.split("."))
    assert _differences(valid, case.manifest) == [expected]
    assert case.manifest["metadata"]["name"] == case.case_id.lower()


def test_case_ids_and_names_are_unique() -> None:
    ids = [c.case_id for c in INVALID + LAX]
    assert len(ids) == len(set(ids))
    assert len({c.manifest["metadata"]["name"] for c in INVALID + LAX}) == len(ids)


def test_the_table_covers_every_kind_and_every_kind_of_constraint() -> None:
    assert {c.kind for c in INVALID} == {c.kind for c in LAX} | {
        "AnalyticsDataSource",
        "AnalyticsCrate",
    }
    error_types = {e["type"] for c in INVALID for e in _rejection(c).errors()}
    assert {
        "missing",  # required fields
        "wire_format",  # format: date / date-time, type: integer
        "string_pattern_mismatch",  # image and claim operator patterns
        "literal_error",  # kind, apiVersion
        "required_fields",  # anyOf rules
        "unknown_field",  # typos
        "string_type",
    } <= error_types


@pytest.mark.parametrize("case", [pytest.param(c, id=c.case_id) for c in LAX])
def test_values_pydantic_would_coerce_are_rejected_like_the_server_does(case: InvalidCase) -> None:
    _rejection(case)


# -- the messages say what to fix ----------------------------------------------------------


def _only_error(kind: str, manifest: dict[str, Any]) -> dict[str, Any]:
    with pytest.raises(ValidationError) as caught:
        _validate(kind, manifest)
    (error,) = caught.value.errors()
    return dict(error)


def test_missing_required_fields_are_reported_at_their_location() -> None:
    manifest = load_example("workspace-jupyter-full")
    del manifest["spec"]["validity"]["availableFrom"]
    error = _only_error("AnalyticsWorkspace", manifest)
    assert error["type"] == "missing"
    assert error["loc"] == ("spec", "validity", "availableFrom")


def test_unknown_field_message_names_the_typo_and_the_known_fields() -> None:
    manifest = load_example("workspace-jupyter-full")
    manifest["spec"]["jupyterWorkspace"]["defaultUrl"] = "/lab"
    error = _only_error("AnalyticsWorkspace", manifest)
    assert error["loc"] == ("spec", "jupyterWorkspace")
    assert "'defaultUrl'" in error["msg"]
    assert "defaultUri" in error["msg"]  # the known fields, to spot the typo


def test_a_python_name_typo_is_rejected_as_well() -> None:
    with pytest.raises(ValidationError, match="display_nmae"):
        m.AnalyticsCrateSpec(display_nmae="x")


@pytest.mark.parametrize(
    ("stem", "path", "alternatives"),
    [
        (
            "workspace-jupyter-full",
            "spec.jupyterWorkspace",
            "jupyterWorkspace or virtualMachineWorkspace",
        ),
        ("workspace-binding-username", "spec.username", "username or claims"),
        (
            "datasource-connection-string",
            "spec.connections.1.connectionString",
            "connectionString or databricksConnection",
        ),
        (
            "datasource-connection-string",
            "spec.connections.1.connectionString.secretName",
            "secretName or value",
        ),
        (
            "datasource-databricks",
            "spec.connections.1.databricksConnection.oauth2Token",
            "personalAccessToken or oauth2Token",
        ),
        ("datasource-connection-string", "spec.connections.0.roCrate.spec", "spec or path"),
    ],
)
def test_any_of_message_lists_the_alternatives(stem: str, path: str, alternatives: str) -> None:
    manifest = load_example(stem)
    *parents, last = (int(p) if p.isdigit() else p for p in path.split("."))
    node: Any = manifest
    for key in parents:
        node = node[key]
    del node[last]
    error = _only_error(manifest["kind"], manifest)
    assert alternatives in error["msg"]
    assert error["loc"] == tuple(parents)  # the object the rule is on


@pytest.mark.parametrize("other", ["virtualMachineWorkspace", "both"])
def test_either_workspace_kind_satisfies_the_workspace_any_of(other: str) -> None:
    manifest = load_example("workspace-jupyter-minimal")
    manifest["spec"]["virtualMachineWorkspace"] = {"maxHosts": 1}
    if other != "both":
        del manifest["spec"]["jupyterWorkspace"]
    assert m.AnalyticsWorkspace.model_validate(manifest).to_api() == manifest


def test_an_empty_claims_list_satisfies_the_binding_any_of_as_on_the_server() -> None:
    manifest = load_example("workspace-binding-claims")
    manifest["spec"]["claims"] = []
    assert m.AnalyticsWorkspaceBinding.model_validate(manifest).to_api() == manifest


def test_a_null_alternative_does_not_satisfy_an_any_of() -> None:
    manifest = load_example("workspace-binding-username")
    manifest["spec"]["username"] = None
    with pytest.raises(ValidationError, match="username or claims"):
        m.AnalyticsWorkspaceBinding.model_validate(manifest)


def test_ro_crate_path_alternative_can_never_be_satisfied() -> None:
    # The CRD's roCrate anyOf names `path`, which roCrate does not declare; the server prunes
    # an undeclared field before validating, so only `spec` satisfies it. So do the models.
    with pytest.raises(ValidationError, match="needs spec or path"):
        m.AnalyticsDataSourceRoCrate.model_validate({"repo": {"url": "u", "path": "/crate.json"}})
    with pytest.raises(ValidationError, match=r"unknown field.*'path'"):
        m.AnalyticsDataSourceRoCrate.model_validate({"path": "/crate.json"})
    assert m.AnalyticsDataSourceRoCrate.model_validate({"spec": {}}).to_api() == {"spec": {}}


@pytest.mark.parametrize("operator", ["EQUALS", "NOT EQUALS", "IN", "NOT IN"])
def test_claim_operators_the_pattern_allows(operator: str) -> None:
    claim = m.AnalyticsWorkspaceBindingClaim(name="groups", operator=operator, value="x")
    assert claim.to_api()["operator"] == operator


@pytest.mark.parametrize("operator", ["equals", "LIKE", "", "NOT"])
def test_claim_operators_the_pattern_rejects(operator: str) -> None:
    with pytest.raises(ValidationError) as caught:
        m.AnalyticsWorkspaceBindingClaim(name="groups", operator=operator, value="x")
    assert caught.value.errors()[0]["loc"] == ("operator",)


@pytest.mark.parametrize(
    "image",
    ["lscsde/datascience-notebook-default:0.1.0", "notebook:latest", "a/b/c:1.2_rc-3", "x:"],
)
def test_images_the_pattern_allows(image: str) -> None:
    assert m.JupyterWorkspaceSpec(image=image).image == image


@pytest.mark.parametrize(
    "image",
    ["lscsde/datascience-notebook-default", "Lscsde/notebook:1", "docker.io/lscsde/nb:1", ""],
)
def test_images_the_pattern_rejects(image: str) -> None:
    with pytest.raises(ValidationError) as caught:
        m.JupyterWorkspaceSpec(image=image)
    assert caught.value.errors()[0]["type"] == "string_pattern_mismatch"


@pytest.mark.parametrize("value", ["2025-13-01", "yesterday", "2025-02-30", "01/02/2025", ""])
def test_bad_dates_are_rejected(value: str) -> None:
    with pytest.raises(ValidationError) as caught:
        m.AnalyticsWorkspaceValidity.model_validate({"availableFrom": value, "expires": "2026-1-1"})
    assert [e["loc"] for e in caught.value.errors()] == [("availableFrom",), ("expires",)]


@pytest.mark.parametrize(
    "value", ["2025-01-20T14:30:00", "2025-01-20", "tomorrow", "2025-01-20T25:00:00Z"]
)
def test_bad_date_times_are_rejected(value: str) -> None:
    with pytest.raises(ValidationError) as caught:
        m.AnalyticsApproval(type="t", name="n", email="e", job_title="j", approval_given=value)
    # reported under the name it was given by
    assert caught.value.errors()[0]["loc"] == ("approval_given",)


@pytest.mark.parametrize("value", [4, "4", "25%"])
def test_int_or_string_keeps_the_type_it_was_given(value: int | str) -> None:
    vm = m.VirtualMachineWorkspaceSpec(max_hosts=value)
    assert vm.max_hosts == value
    assert type(vm.to_api()["maxHosts"]) is type(value)


# -- kind and apiVersion -------------------------------------------------------------------


def test_a_manifest_of_another_kind_is_rejected() -> None:
    manifest = load_example("workspace-jupyter-minimal")
    manifest["kind"] = "AnalyticsCrate"
    error = _only_error("AnalyticsWorkspace", manifest)
    assert error["loc"] == ("kind",)
    assert "'AnalyticsWorkspace'" in error["msg"]


def test_awms_resource_rejects_an_unknown_kind() -> None:
    manifest = load_example("crate-full")
    manifest["kind"] = "AnalyticsNotebook"
    with pytest.raises(ValidationError, match="AnalyticsNotebook"):
        m.AwmsResource.model_validate(manifest)


def test_awms_resource_validates_the_chosen_kind_strictly() -> None:
    manifest = load_example("crate-full")
    manifest["spec"]["repo"]["branchName"] = "main"
    with pytest.raises(ValidationError, match="branchName"):
        m.AwmsResource.model_validate(manifest)


def test_kind_and_api_version_cannot_be_changed_on_a_model() -> None:
    crate = m.AnalyticsCrate.model_validate(load_example("crate-full"))
    with pytest.raises(ValidationError):
        crate.kind = "AnalyticsWorkspace"  # type: ignore[assignment]
    with pytest.raises(ValidationError):
        crate.api_version = "xlscsde.nhs.uk/v2"  # type: ignore[assignment]
