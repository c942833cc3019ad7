"""Manifests survive YAML -> model -> ``to_api()`` unchanged; dates, defaults and names behave.

The manifests are the shared examples in ``tests/examples/`` (see ``examples.load_examples``).
"""

from __future__ import annotations

import copy
import json
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from pydantic import ValidationError

import lscsde_sdk.models as m
from lscsde_sdk.model_base import ResourceModel
from tests.examples import load_example, load_examples, valid_cases

EXAMPLES = load_examples()
KIND_CLASSES: dict[str, type[m.CustomResource]] = {
    kind: getattr(m, kind)
    for kind in (
        "AnalyticsWorkspace",
        "AnalyticsWorkspaceBinding",
        "AnalyticsDataSource",
        "AnalyticsDataSourceBinding",
        "AnalyticsCrate",
    )
}
cases = pytest.mark.parametrize(("case_id", "kind", "manifest"), valid_cases(), ids=lambda c: c)


def _nulls(value: Any, path: str = "") -> list[str]:
    if value is None:
        return [path]
    if isinstance(value, dict):
        return [p for k, v in value.items() for p in _nulls(v, f"{path}.{k}")]
    if isinstance(value, list):
        return [p for i, v in enumerate(value) for p in _nulls(v, f"{path}[{i}]")]
    return []


# -- round trips ---------------------------------------------------------------------------


@cases
def test_example_round_trips_through_its_kind(case_id: str, kind: str, manifest: dict) -> None:
    model = KIND_CLASSES[kind].model_validate(manifest)
    assert type(model) is KIND_CLASSES[kind]
    assert model.to_api() == manifest


@cases
def test_awms_resource_picks_the_class_from_kind(case_id: str, kind: str, manifest: dict) -> None:
    model = m.AwmsResource.model_validate(manifest).root
    assert type(model) is KIND_CLASSES[kind]
    assert model.to_api() == manifest


@cases
def test_example_round_trips_through_from_api(case_id: str, kind: str, manifest: dict) -> None:
    assert KIND_CLASSES[kind].from_api(manifest).to_api() == manifest


@cases
def test_example_round_trips_through_json(case_id: str, kind: str, manifest: dict) -> None:
    model = KIND_CLASSES[kind].model_validate_json(json.dumps(manifest))
    assert json.loads(json.dumps(model.to_api())) == manifest


@cases
def test_to_api_sends_no_nulls(case_id: str, kind: str, manifest: dict) -> None:
    assert _nulls(KIND_CLASSES[kind].model_validate(manifest).to_api()) == []


@cases
def test_a_revalidated_dump_is_equal(case_id: str, kind: str, manifest: dict) -> None:
    model = KIND_CLASSES[kind].model_validate(manifest)
    assert KIND_CLASSES[kind].model_validate(model.to_api()) == model
    assert model.model_copy(deep=True).to_api() == manifest


def test_there_are_at_least_two_examples_of_every_kind() -> None:
    for kind in KIND_CLASSES:
        assert sum(1 for e in EXAMPLES.values() if e["kind"] == kind) >= 2, kind


# -- free-form objects keep whatever they hold ---------------------------------------------


def test_preserve_unknown_fields_objects_keep_unknown_content() -> None:
    workspace = m.AnalyticsWorkspace.model_validate(load_example("workspace-jupyter-full"))
    jupyter = workspace.spec.jupyter_workspace
    assert jupyter.resources["limits"]["nvidia.com/gpu"] == 1
    assert jupyter.node_selector == {"kubernetes.io/os": "linux", "xlscsde.nhs.uk/pool": "highmem"}
    assert jupyter.tolerations[1]["tolerationSeconds"] == 300

    source = m.AnalyticsDataSource.model_validate(load_example("datasource-connection-string"))
    crate = source.spec.connections[0].ro_crate.spec
    assert crate["@graph"][1]["hasPart"] == [{"@id": "admissions.csv"}]


def test_free_form_objects_accept_anything_nested_and_dump_it_back() -> None:
    anything = {"x-vendor": {"deep": [1, "two", {"three": None, "four": [True, 4.5]}]}}
    jupyter = {
        "image": "lscsde/notebook:1",
        "resources": {"claims": [{"name": "gpu"}], **anything},
        "nodeSelector": anything,
        "tolerations": [anything, {}],
    }
    model = m.JupyterWorkspaceSpec.model_validate(jupyter)
    assert model.to_api() == jupyter
    ro_crate = {"spec": {"@context": ["a", {"b": "c"}], **anything}}
    assert m.AnalyticsDataSourceRoCrate.model_validate(ro_crate).to_api() == ro_crate


# -- forward compatibility: from_api keeps unknown fields, model_validate rejects them ----

UNKNOWN_FIELD_PLACES = [
    ("top-level", "workspace-jupyter-full", ()),
    ("metadata", "workspace-jupyter-full", ("metadata",)),
    ("spec", "workspace-jupyter-full", ("spec",)),
    ("nested-object", "workspace-jupyter-full", ("spec", "validity")),
    ("list-item", "workspace-jupyter-full", ("spec", "jupyterWorkspace", "additionalStorage", 0)),
    ("status", "workspace-jupyter-full", ("status",)),
    ("claim", "workspace-binding-claims", ("spec", "claims", 2)),
    ("approval", "datasource-binding-approvals", ("spec", "approvals", 0)),
    ("secret", "datasource-databricks", ("spec", "connections", 1, "databricksConnection")),
    ("crate-repo", "crate-full", ("spec", "repo")),
]


def _with_unknown_field(stem: str, where: tuple[Any, ...]) -> dict:
    manifest = load_example(stem)
    node: Any = manifest
    for key in where:
        node = node[key]
    node["addedInAFutureRelease"] = {"nested": ["value", 1]}
    return manifest


@pytest.mark.parametrize(("place", "stem", "where"), UNKNOWN_FIELD_PLACES, ids=lambda p: p)
def test_from_api_keeps_unknown_fields_anywhere(place: str, stem: str, where: tuple) -> None:
    manifest = _with_unknown_field(stem, where)
    model = m.AwmsResource.from_api(manifest).root
    assert model.to_api() == manifest
    kind_class = KIND_CLASSES[manifest["kind"]]
    assert kind_class.from_api(manifest).to_api() == manifest


@pytest.mark.parametrize(("place", "stem", "where"), UNKNOWN_FIELD_PLACES, ids=lambda p: p)
def test_model_validate_rejects_unknown_fields_naming_them(
    place: str, stem: str, where: tuple
) -> None:
    manifest = _with_unknown_field(stem, where)
    with pytest.raises(ValidationError) as caught:
        KIND_CLASSES[manifest["kind"]].model_validate(manifest)
    (error,) = caught.value.errors()
    assert "addedInAFutureRelease" in error["msg"]
    assert tuple(error["loc"]) == where


def test_from_api_skips_client_side_rules_the_server_already_applied() -> None:
    # What the server stored is the truth; reading it must not fail on our stricter checks.
    manifest = load_example("workspace-binding-username")
    del manifest["spec"]["username"]
    assert m.AnalyticsWorkspaceBinding.from_api(manifest).to_api() == manifest


# -- dates ---------------------------------------------------------------------------------


def test_format_date_fields_are_dates_dumped_as_iso_dates() -> None:
    workspace = m.AnalyticsWorkspace.model_validate(load_example("workspace-jupyter-full"))
    validity = workspace.spec.validity
    assert type(validity.available_from) is date
    assert validity.available_from == date(2025, 2, 3)
    assert type(validity.expires) is date
    assert workspace.to_api()["spec"]["validity"] == {
        "availableFrom": "2025-02-03",
        "expires": "2026-08-31",
    }
    binding = m.AnalyticsWorkspaceBindingSpec(workspace="w", username="u", expires=date(2026, 1, 5))
    assert binding.to_api()["expires"] == "2026-01-05"


def test_date_time_fields_are_aware_datetimes_dumped_as_rfc3339() -> None:
    source = m.AnalyticsDataSource.model_validate(load_example("datasource-connection-string"))
    utc, plus_one = source.spec.approvals
    assert utc.approval_given == datetime(2025, 1, 20, 14, 30, tzinfo=UTC)
    assert utc.approval_given.utcoffset() == timedelta(0)
    assert plus_one.approval_given.utcoffset() == timedelta(hours=1)
    dumped = source.to_api()["spec"]["approvals"]
    assert dumped[0]["approvalGiven"] == "2025-01-20T14:30:00Z"
    assert dumped[1]["approvalGiven"] == "2025-01-22T09:05:30+01:00"

    approval = m.AnalyticsApproval(
        type="Caldicott",
        name="A",
        email="a@example.org",
        job_title="Guardian",
        approval_given=datetime(2025, 3, 1, 12, 0, tzinfo=UTC),
    )
    assert approval.to_api()["approvalGiven"] == "2025-03-01T12:00:00Z"


def test_naive_datetimes_are_rejected_even_from_python() -> None:
    with pytest.raises(ValidationError, match="time zone"):
        m.AnalyticsApproval(
            type="t",
            name="n",
            email="e",
            job_title="j",
            approval_given=datetime(2025, 3, 1, 12, 0),
        )


def test_assignment_is_validated_and_converted() -> None:
    validity = m.AnalyticsWorkspaceValidity(available_from="2025-01-01", expires="2025-06-30")
    validity.expires = "2025-07-31"
    assert validity.expires == date(2025, 7, 31)
    with pytest.raises(ValidationError) as caught:
        validity.expires = "2025-13-01"
    assert caught.value.errors()[0]["loc"] == ("expires",)


# -- defaults: read back, never sent -------------------------------------------------------


def test_status_text_defaults_to_waiting() -> None:
    assert m.AnalyticsWorkspaceStatus().status_text == "Waiting"
    assert m.AnalyticsCrateStatus().status_text == "Waiting"
    assert m.AnalyticsWorkspaceStatus().to_api() == {}


def test_schema_defaults_are_visible_but_not_sent() -> None:
    manifest = load_example("crate-minimal")
    crate = m.AnalyticsCrate.model_validate(manifest)
    assert crate.spec.path == "/ro-crate-metadata.json"
    assert crate.spec.repo.branch == "main"
    assert crate.spec.repo.secret_key == "TOKEN"
    assert crate.to_api() == manifest
    assert "path" not in crate.to_api()["spec"]

    binding = m.AnalyticsWorkspaceBindingSpec(workspace="w", username="u", expires="2026-01-01")
    assert binding.replicas == 0
    assert binding.to_api() == {"workspace": "w", "username": "u", "expires": "2026-01-01"}

    pat = m.AnalyticsDataSourceSecretWithKey(secret_name="pat")
    assert pat.secret_key == "TOKEN"
    assert pat.to_api() == {"secretName": "pat"}
    assert m.AnalyticsDataSourceRoCrateRepository().secret_key == "TOKEN"


def test_a_default_set_explicitly_is_sent() -> None:
    binding = m.AnalyticsWorkspaceBindingSpec(
        workspace="w", username="u", expires="2026-01-01", replicas=0
    )
    assert binding.to_api()["replicas"] == 0


def test_api_version_and_kind_are_always_sent() -> None:
    spec = m.AnalyticsCrateSpec(display_name="Crate")
    for model in (
        m.AnalyticsCrate(spec=spec),
        m.AnalyticsCrate.model_validate({"spec": {"displayName": "Crate"}}),
        m.AnalyticsCrate.from_api({"metadata": {"name": "c"}}),
    ):
        body = model.to_api()
        assert body["apiVersion"] == "xlscsde.nhs.uk/v1"
        assert body["kind"] == "AnalyticsCrate"
    assert m.AnalyticsCrate().to_api() == {
        "apiVersion": "xlscsde.nhs.uk/v1",
        "kind": "AnalyticsCrate",
    }


def test_api_version_and_kind_are_sent_for_constructed_models_too() -> None:
    body = m.AnalyticsCrate.model_construct(spec=m.AnalyticsCrateSpec(display_name="C")).to_api()
    assert body["apiVersion"] == "xlscsde.nhs.uk/v1"
    assert body["kind"] == "AnalyticsCrate"


def test_metadata_is_sent_only_when_set() -> None:
    crate = m.AnalyticsCrate(metadata=m.ObjectMeta(name="c", namespace="ns"))
    assert crate.to_api()["metadata"] == {"name": "c", "namespace": "ns"}
    assert crate.name == "c"
    assert crate.namespace == "ns"
    assert "metadata" not in m.AnalyticsCrate().to_api()


# -- names: snake_case attributes, camelCase aliases ----------------------------------------


def test_fields_can_be_populated_by_snake_case_name_or_camel_case_alias() -> None:
    by_alias = m.AnalyticsWorkspaceSpec.model_validate(
        {
            "displayName": "W",
            "description": "D",
            "validity": {"availableFrom": "2025-01-01", "expires": "2025-12-31"},
            "jupyterWorkspace": {"image": "lscsde/nb:1", "defaultUri": "/lab"},
        }
    )
    by_name = m.AnalyticsWorkspaceSpec(
        display_name="W",
        description="D",
        validity=m.AnalyticsWorkspaceValidity(available_from="2025-01-01", expires="2025-12-31"),
        jupyter_workspace={"image": "lscsde/nb:1", "default_uri": "/lab"},
    )
    assert by_name == by_alias
    assert by_name.to_api() == by_alias.to_api()
    assert by_name.to_api()["jupyterWorkspace"] == {"image": "lscsde/nb:1", "defaultUri": "/lab"}
    assert by_alias.jupyter_workspace.default_uri == "/lab"


def test_a_whole_manifest_can_be_written_with_python_names() -> None:
    manifest = load_example("datasource-databricks")
    snake = copy.deepcopy(manifest)
    connection = snake["spec"]["connections"][0]
    connection["databricks_connection"] = connection.pop("databricksConnection")
    connection["databricks_connection"]["personal_access_token"] = connection[
        "databricks_connection"
    ].pop("personalAccessToken")
    snake["api_version"] = snake.pop("apiVersion")
    model = m.AnalyticsDataSource.model_validate(snake)
    assert model.to_api() == manifest


def test_models_dump_by_alias_by_default() -> None:
    repo = m.AnalyticsCrateSpecRepository(url="u", secret_name="s")
    assert repo.model_dump(exclude_unset=True) == {"url": "u", "secretName": "s"}
    assert isinstance(repo, ResourceModel)
