"""Every schema keyword is either mapped faithfully into the models or refused by the
generator with an error naming the kind, the schema path and the keyword."""

from __future__ import annotations

import importlib.util
import sys
import uuid
from collections.abc import Iterator
from types import ModuleType
from typing import Any

import pytest
from pydantic import ValidationError

from codegen.crds import Crd
from codegen.jsonschema import KNOWN_KEYWORDS, SchemaError, combine
from codegen.models import generate_models
from lscsde_sdk.schema_rules import ListType, RequiredRule, ValidationRule
from lscsde_sdk.wire_formats import WireFormat
from tests.unit.test_codegen import example_crd


def crd(spec: dict[str, Any]) -> Crd:
    return example_crd("Alpha", spec)


EVERYTHING = {
    "type": "object",
    "required": ["size"],
    "oneOf": [{"required": ["gpu"]}, {"required": ["cpu"]}],
    "not": {"required": ["legacy", "modern"]},
    "x-kubernetes-validations": [
        {"rule": "self.size != 'xl' || has(self.gpu)", "message": "xl needs a gpu"}
    ],
    "properties": {
        "size": {"type": "string", "enum": ["s", "m", "xl"]},
        "count": {"type": "integer", "minimum": 1, "maximum": 5},
        "ratio": {"type": "number", "minimum": 0, "exclusiveMinimum": True, "multipleOf": 0.5},
        "name": {"type": "string", "minLength": 2, "maxLength": 4, "pattern": "^[a-z]+$"},
        "tags": {
            "type": "array",
            "items": {"type": "string"},
            "minItems": 1,
            "maxItems": 2,
            "x-kubernetes-list-type": "set",
        },
        "ports": {
            "type": "array",
            "x-kubernetes-list-type": "map",
            "x-kubernetes-list-map-keys": ["port"],
            "items": {
                "type": "object",
                "required": ["port"],
                "properties": {"port": {"type": "integer"}, "name": {"type": "string"}},
            },
        },
        "labels": {
            "type": "object",
            "additionalProperties": {"type": "string"},
            "maxProperties": 2,
            "x-kubernetes-map-type": "atomic",
        },
        "gpu": {"type": "integer", "format": "int32"},
        "cpu": {"type": "integer", "format": "int64"},
        "legacy": {"type": "boolean"},
        "modern": {"type": "boolean"},
        "password": {"type": "string", "format": "password"},
        "limit": {
            "type": "integer",
            "x-kubernetes-validations": [{"rule": "self > 0", "message": "positive"}],
        },
        # Python names that differ from the property's, yet keep their formats.
        "schema": {"type": "string", "format": "date"},
        "copy": {"type": "string", "format": "date-time"},
        "class": {"type": "integer"},
        "json": {"type": "string", "format": "date"},
        "example": {
            "type": "string",
            "example": "abc",
            "externalDocs": {"url": "https://example.org"},
        },
        "nullable": {"type": "string", "nullable": True},
    },
}


@pytest.fixture(scope="module")
def alpha(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ModuleType]:
    combined = combine([crd(EVERYTHING)], {})
    source = generate_models(combined, "# test", "v1")
    path = tmp_path_factory.mktemp("keywords") / "alpha_models.py"
    path.write_text(source)
    name = f"alpha_models_{uuid.uuid4().hex}"
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    try:
        spec.loader.exec_module(module)
        yield module
    finally:
        del sys.modules[name]


VALID = {"size": "s", "gpu": 1}


@pytest.mark.parametrize(
    ("change", "error_type"),
    [
        ({"size": "xxl"}, "literal_error"),  # enum
        ({"count": 0}, "greater_than_equal"),  # minimum
        ({"count": 6}, "less_than_equal"),  # maximum
        ({"ratio": 0}, "greater_than"),  # exclusiveMinimum: true (OpenAPI 3.0 flag)
        ({"ratio": 0.7}, "multiple_of"),
        ({"name": "a"}, "string_too_short"),
        ({"name": "abcde"}, "string_too_long"),
        ({"name": "AB"}, "string_pattern_mismatch"),
        ({"tags": []}, "too_short"),  # minItems
        ({"tags": ["a", "b", "c"]}, "too_long"),  # maxItems
        ({"tags": ["a", "a"]}, "duplicate_list_item"),  # list-type set
        ({"ports": [{"port": 1}, {"port": 1, "name": "x"}]}, "duplicate_list_item"),  # map
        ({"labels": {"a": "1", "b": "2", "c": "3"}}, "too_long"),  # maxProperties
        ({"gpu": 2**31}, "less_than_equal"),  # int32 range
        ({"gpu": "1"}, "wire_format"),  # integers are JSON integers
        ({"gpu": None, "cpu": None}, "required_fields"),  # oneOf: neither
        ({"cpu": 2}, "required_fields"),  # oneOf: both
        ({"legacy": True, "modern": True}, "required_fields"),  # not: both
        ({"schema": "2025-01-01T00:00:00Z"}, "wire_format"),  # a date, whatever its name
        ({"copy": "2025-01-01T00:00:00"}, "wire_format"),  # a zoned date-time
        ({"class": True}, "wire_format"),
        ({"json": 20250101}, "wire_format"),
    ],
    ids=lambda value: str(value)[:40],
)
def test_each_mapped_keyword_is_checked_on_user_input(
    alpha: ModuleType, change: dict[str, Any], error_type: str
) -> None:
    spec = {**VALID, **change}
    spec = {key: value for key, value in spec.items() if value is not None}
    with pytest.raises(ValidationError) as caught:
        alpha.AlphaSpec.model_validate(spec)
    assert error_type in {error["type"] for error in caught.value.errors()}


def test_a_spec_within_every_rule_is_accepted_and_keeps_its_formats(alpha: ModuleType) -> None:
    spec = alpha.AlphaSpec.model_validate(
        {
            **VALID,
            "count": 5,
            "ratio": 1.5,
            "name": "abc",
            "tags": ["a", "b"],
            "ports": [{"port": 1}, {"port": 2}],
            "labels": {"a": "1"},
            "schema": "2025-01-01",
            "copy": "2025-01-01T00:00:00Z",
            "class": 3,
            "json": "2025-02-03",
            "nullable": None,
        }
    )
    assert spec.schema_.isoformat() == "2025-01-01"
    fields = alpha.AlphaSpec.model_fields
    for python_name, form in (("schema_", "date"), ("copy_", "date-time"), ("json_", "date")):
        metadata = [
            m
            for arg in fields[python_name].annotation.__args__
            for m in getattr(arg, "__metadata__", ())
        ]
        assert [m.json_format for m in metadata if isinstance(m, WireFormat)] == [form]


def test_facts_and_cel_rules_are_carried_as_data_and_docs(alpha: ModuleType) -> None:
    rules = alpha.AlphaSpec.__schema_rules__
    assert rules.required == (
        RequiredRule("oneOf", (("gpu",), ("cpu",))),
        RequiredRule("not", (("legacy", "modern"),)),
    )
    assert rules.list_types == {"tags": ListType("set"), "ports": ListType("map", ("port",))}
    assert rules.map_types == {"labels": "atomic"}
    assert rules.validations == (
        ValidationRule(rule="self.size != 'xl' || has(self.gpu)", message="xl needs a gpu"),
    )
    assert rules.property_validations == {
        "limit": (ValidationRule(rule="self > 0", message="positive"),)
    }
    assert "xl needs a gpu" in (alpha.AlphaSpec.__doc__ or "")
    assert "positive" in (alpha.AlphaSpec.model_fields["limit"].description or "")
    assert 'Example: "abc"' in (alpha.AlphaSpec.model_fields["example"].description or "")
    # None of it leaks into the JSON schema of the models.
    assert "x-" not in str(alpha.Alpha.model_json_schema())


@pytest.mark.parametrize(
    ("node", "message"),
    [
        ({"type": "string", "patternProperties": {}}, "patternProperties"),
        ({"type": "string", "$ref": "#/x"}, "$ref"),
        (
            {"type": "object", "properties": {"a": {"type": "string"}}, "dependencies": {}},
            "dependencies",
        ),
        ({"type": "array", "items": {"type": "string"}, "uniqueItems": True}, "uniqueItems"),
        ({"type": "string", "format": "email"}, "format 'email'"),
        ({"type": "string", "oneOf": [{"pattern": "a"}, {"pattern": "b"}]}, "oneOf"),
        ({"type": "string", "x-kubernetes-list-type": "set"}, "non-array"),
        ({"type": "array", "items": {"type": "string"}, "x-kubernetes-list-type": "bag"}, "'bag'"),
        (
            {
                "type": "array",
                "items": {"type": "object", "properties": {"k": {"type": "string"}}},
                "x-kubernetes-list-type": "map",
            },
            "list-map-keys",
        ),
        (
            {
                "type": "array",
                "x-kubernetes-list-type": "map",
                "x-kubernetes-list-map-keys": ["k"],
                "items": {"type": "object", "properties": {"k": {"type": "string"}}},
            },
            "must be required",
        ),
        (
            {
                "type": "object",
                "properties": {"a": {"type": "string"}},
                "anyOf": [{"pattern": "x"}],
            },
            "anyOf",
        ),
        (
            {
                "type": "object",
                "x-kubernetes-embedded-resource": True,
                "properties": {"a": {"type": "string"}},
            },
            "embedded",
        ),
        ({"type": "integer", "exclusiveMaximum": True}, "without maximum"),
        ({"type": "string", "x-kubernetes-validations": [{"message": "no rule"}]}, "needs a rule"),
    ],
    ids=lambda value: str(value)[:50],
)
def test_what_cannot_be_mapped_is_refused_naming_the_path(
    node: dict[str, Any], message: str
) -> None:
    with pytest.raises(SchemaError) as caught:
        combine([crd({"type": "object", "properties": {"field": node}})], {})
    assert "Alpha: spec.field" in str(caught.value)
    assert message in str(caught.value)


def test_every_keyword_the_generator_knows_is_exercised_here() -> None:
    used: set[str] = set()

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            used.update(node)
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(EVERYTHING)
    # Keywords the mapped schema above does not need to show: structure the walk itself uses,
    # and the ones covered by other tests (int-or-string, preserve-unknown-fields, anyOf).
    elsewhere = {
        "x-kubernetes-int-or-string",
        "x-kubernetes-preserve-unknown-fields",
        "anyOf",
        "allOf",
        "title",
        "default",
        "description",
        "x-kubernetes-embedded-resource",
        "exclusiveMaximum",
        "uniqueItems",
        "minProperties",
    }
    assert KNOWN_KEYWORDS - used - elsewhere == set()
