"""The generator's secret rule: the paths of ``codegen/secret_fields.yaml`` (and ``format:
password``) become ``lscsde_sdk.secrets.Secret``; object paths become secret references; a
path the schema does not have is left out with a warning naming it (an earlier release), one
that cannot be a secret is an error naming it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from codegen.config_entries import Findings, Schemas, match_paths
from codegen.crds import Crd, load_crds
from codegen.generate import SECRET_FIELDS, combine_versions, load_secret_paths
from codegen.jsonschema import SECRET_TYPE, SchemaError, combine

ROOT = Path(__file__).resolve().parents[2]


def _crd(properties: dict[str, Any]) -> Crd:
    return Crd(
        source=Path("Thing.yaml"),
        group="example.org",
        version="v1",
        storage=True,
        kind="Thing",
        plural="things",
        singular="thing",
        short_names=(),
        categories=(),
        namespaced=True,
        has_status=False,
        has_scale=False,
        schema={
            "type": "object",
            "properties": {"spec": {"type": "object", "properties": properties}},
        },
    )


def test_the_shipped_secret_paths_are_a_value_and_three_references() -> None:
    paths = load_secret_paths(SECRET_FIELDS)
    combined = combine_versions(load_crds(ROOT / "schemas"), {}, paths)["v1"]
    value = combined.definitions["AnalyticsDataSourceSpecConnectionsItemConnectionString"]
    assert value["properties"]["value"]["customTypePath"] == SECRET_TYPE
    assert combined.secret_references == {
        "AnalyticsDataSourceSpecConnectionsItemDatabricksConnectionPersonalAccessToken",
        "AnalyticsDataSourceSpecConnectionsItemDatabricksConnectionOauth2Token",
        "AnalyticsDataSourceSpecConnectionsItemDatabricksConnectionServicePrinciple",
    }


def test_a_string_path_and_format_password_become_secrets() -> None:
    combined = combine(
        [_crd({"token": {"type": "string"}, "pin": {"type": "string", "format": "password"}})],
        {},
        {"Thing": ["spec.token"]},
    )
    spec = combined.definitions["ThingSpec"]["properties"]
    assert spec["token"]["customTypePath"] == SECRET_TYPE
    assert spec["pin"]["customTypePath"] == SECRET_TYPE
    assert combined.used_secret_paths == {"Thing": {"spec.token"}}


def test_a_secret_path_the_schema_does_not_have_is_a_warning_naming_the_nearest() -> None:
    found = Findings()
    crds = [_crd({"token": {"type": "string"}})]
    kept = match_paths("secret_fields.yaml", {"Thing": ["spec.tokn"]}, Schemas(crds), found)
    assert kept == {"Thing": []}
    assert [str(w) for w in found.warnings] == [
        "codegen/secret_fields.yaml: Thing spec.tokn: no such path in the schemas "
        "(nearest: spec.token)"
    ]


@pytest.mark.parametrize(
    "node",
    [{"type": "integer"}, {"type": "string", "format": "date"}, {"type": "array", "items": {}}],
    ids=["integer", "date", "array"],
)
def test_only_a_string_or_an_object_can_be_listed(node: dict[str, Any]) -> None:
    with pytest.raises(SchemaError, match=r"Thing: spec\.token: secret_fields\.yaml names it"):
        combine([_crd({"token": node})], {}, {"Thing": ["spec.token"]})
