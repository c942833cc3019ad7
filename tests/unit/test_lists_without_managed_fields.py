"""A list validated without ``metadata.managedFields`` gives the kind's own objects, equal to
the full ones but for that field, which is unread and unset (so writes leave it out)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from pydantic import ValidationError

import lscsde_sdk.models as models
from lscsde_sdk.core.lists import ResourceList, list_without_managed_fields
from lscsde_sdk.meta import ObjectMeta
from tests.examples import load_example

MANAGED_FIELDS = [
    {
        "manager": "kubectl-client-side-apply",
        "operation": "Update",
        "apiVersion": "xlscsde.nhs.uk/v1",
        "time": "2026-01-01T00:00:00Z",
        "fieldsType": "FieldsV1",
        "fieldsV1": {"f:spec": {".": {}, "f:displayName": {}}},
    }
]


def _body(*items: dict[str, Any]) -> bytes:
    return json.dumps({"metadata": {"resourceVersion": "9"}, "items": list(items)}).encode()


def _workspace(name: str, **metadata: Any) -> dict[str, Any]:
    workspace = load_example("workspace-jupyter-full")
    workspace["metadata"] = {**workspace["metadata"], "name": name, **metadata}
    return workspace


def test_items_are_the_kinds_own_classes_without_managed_fields() -> None:
    body = _body(_workspace("a", managedFields=MANAGED_FIELDS), _workspace("b"))

    lean = list_without_managed_fields(models.AnalyticsWorkspace, body).items or []
    full = ResourceList[models.AnalyticsWorkspace].model_validate_json(body).items or []

    assert [type(item) for item in lean] == [models.AnalyticsWorkspace] * 2
    assert [type(item.metadata) for item in lean] == [ObjectMeta] * 2
    assert [item.metadata.managed_fields for item in lean] == [None, None]
    assert full[0].metadata.managed_fields is not None  # the input did hold them
    for item in lean:
        assert "managed_fields" not in item.metadata.model_fields_set
        assert "managedFields" not in item.to_api()["metadata"]
        assert "managedFields" not in (item.metadata.model_extra or {})
    full[0].metadata.managed_fields = None
    full[0].metadata.model_fields_set.discard("managed_fields")
    assert lean == full
    assert [item.to_api() for item in lean] == [item.to_api() for item in full]


def test_the_list_metadata_is_read() -> None:
    body = json.dumps(
        {"metadata": {"resourceVersion": "12", "continue": "next"}, "items": []}
    ).encode()

    page = list_without_managed_fields(models.AnalyticsWorkspace, body)

    assert page.metadata.resource_version == "12"
    assert page.metadata.continue_token == "next"
    assert page.items == []


def test_malformed_managed_fields_do_not_fail_the_list() -> None:
    # The field is not read at all, so a shape the model would refuse is no error either.
    body = _body(_workspace("odd", managedFields={"not": "a list"}))

    (item,) = list_without_managed_fields(models.AnalyticsWorkspace, body).items or []

    assert item.metadata.name == "odd"
    assert item.metadata.managed_fields is None


def test_an_invalid_item_is_refused_naming_the_field() -> None:
    broken = _workspace("broken")
    broken["spec"]["validity"] = {"availableFrom": "not a date"}

    with pytest.raises(ValidationError) as refused:
        list_without_managed_fields(models.AnalyticsWorkspace, _body(broken))

    locations = [error["loc"] for error in refused.value.errors()]
    assert ("items", 0, "spec", "validity", "availableFrom") in locations or any(
        loc[:4] == ("items", 0, "spec", "validity") for loc in locations
    )


@pytest.mark.parametrize("kind", [models.AnalyticsWorkspaceBinding, models.AnalyticsDataSource])
def test_every_kind_has_its_lean_list(kind: type[models.AnalyticsWorkspace]) -> None:
    page = list_without_managed_fields(kind, _body())
    assert page.items == []
