"""Every property in the CRDs is reachable on the generated models, typed as the schema says.

The property paths are computed by walking each CRD's openAPIV3Schema in ``schemas/`` (through
objects, array items and additionalProperties), never listed by hand, so a property added to
a schema without regenerating the models fails here.
"""

from __future__ import annotations

import re
import types
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Annotated, Any, Union, get_args, get_origin

import pytest
import yaml
from pydantic import BaseModel, RootModel, SecretStr
from pydantic.fields import FieldInfo

import lscsde_sdk.models as public_models
from lscsde_sdk import _generated as generated_kinds
from lscsde_sdk import meta
from lscsde_sdk._generated.v1 import models as generated
from lscsde_sdk.model_base import ResourceModel
from lscsde_sdk.resource import CustomResource
from lscsde_sdk.wire_formats import WireFormat

ROOT = Path(__file__).resolve().parents[2]
SCHEMAS = ROOT / "schemas"
TYPE_META = {"apiVersion", "kind", "metadata"}
UNREADABLE_CLASS_NAME = re.compile(r"Model\d*|.*\d+")


def _load_schemas() -> dict[str, dict[str, Any]]:
    """Kind -> openAPIV3Schema of its storage version, read straight from the YAML."""
    schemas = {}
    for path in sorted(SCHEMAS.glob("*.yaml")):
        crd = yaml.safe_load(path.read_text(encoding="utf-8"))
        (version,) = [v for v in crd["spec"]["versions"] if v.get("storage")]
        schemas[crd["spec"]["names"]["kind"]] = version["schema"]["openAPIV3Schema"]
    return schemas


SCHEMA_BY_KIND = _load_schemas()
#: ``Kind:path`` of the strings codegen/secret_fields.yaml makes secrets (typed SecretStr).
SECRET_PATHS = {
    f"{kind}:{path}"
    for kind, paths in (
        yaml.safe_load((ROOT / "codegen" / "secret_fields.yaml").read_text(encoding="utf-8")) or {}
    ).items()
    for path in paths
}


@dataclass(frozen=True)
class SchemaPath:
    """One node of a CRD schema below the root: ``spec.claims[].operator``."""

    kind: str
    steps: tuple[str, ...]  # property names, "[]" for array items, "{}" for map values
    node: dict[str, Any]

    @property
    def id(self) -> str:
        text = ""
        for step in self.steps:
            text += step if step in ("[]", "{}") else f".{step}"
        return f"{self.kind}:{text.lstrip('.')}"


def _walk(kind: str, node: dict[str, Any], steps: tuple[str, ...]) -> list[SchemaPath]:
    found = [SchemaPath(kind, steps, node)] if steps else []
    for name, sub in (node.get("properties") or {}).items():
        found += _walk(kind, sub, (*steps, name))
    if isinstance(node.get("items"), dict):
        found += _walk(kind, node["items"], (*steps, "[]"))
    if isinstance(node.get("additionalProperties"), dict):
        found += _walk(kind, node["additionalProperties"], (*steps, "{}"))
    return found


ALL_PATHS = [path for kind, schema in SCHEMA_BY_KIND.items() for path in _walk(kind, schema, ())]
PROPERTY_PATHS = [p for p in ALL_PATHS if p.steps[-1] not in ("[]", "{}")]


# -- walking the models -------------------------------------------------------------------


def _complete(model: type[BaseModel]) -> type[BaseModel]:
    # Every generated class is complete at import (see test_every_class_is_complete_at_import).
    assert model.__pydantic_complete__, model.__name__
    return model


def _members(annotation: Any) -> list[Any]:
    """The alternatives of a union (``X | None`` included), without ``None``; each stripped of
    ``Annotated`` metadata (the wire-format validators of dates and integers)."""
    if get_origin(annotation) in (Union, types.UnionType):
        return [_bare(a) for a in get_args(annotation) if a is not type(None)]
    return [_bare(annotation)]


def _bare(annotation: Any) -> Any:
    while get_origin(annotation) is Annotated:
        annotation = get_args(annotation)[0]
    return annotation


def _field_by_alias(model: type[BaseModel], alias: str) -> FieldInfo | None:
    for name, field in _complete(model).model_fields.items():
        if (field.alias or name) == alias:
            return field
    return None


def _step(annotation: Any, step: str, where: str) -> Any:
    """The annotation one schema step below ``annotation``."""
    (core,) = _members(annotation) or [annotation]
    if step == "[]":
        assert get_origin(core) is list, f"{where}: expected a list, got {annotation!r}"
        return get_args(core)[0]
    if step == "{}":
        assert get_origin(core) is dict, f"{where}: expected a dict, got {annotation!r}"
        key, value = get_args(core)
        assert key is str, f"{where}: map keys must be str"
        return value
    assert isinstance(core, type) and issubclass(core, ResourceModel), (
        f"{where}: expected a model for the object holding {step!r}, got {annotation!r}"
    )
    field = _field_by_alias(core, step)
    assert field is not None, f"{where}: {core.__name__} has no field with alias {step!r}"
    return field.annotation


def _annotation_at(path: SchemaPath) -> Any:
    annotation: Any = getattr(generated, path.kind)
    for i, step in enumerate(path.steps):
        annotation = _step(annotation, step, f"{path.kind}:{'.'.join(path.steps[: i + 1])}")
    return annotation


def _field_at(path: SchemaPath) -> tuple[type[BaseModel], FieldInfo]:
    parent = SchemaPath(path.kind, path.steps[:-1], {})
    model = _annotation_at(parent) if parent.steps else getattr(generated, path.kind)
    (model,) = _members(model)
    field = _field_by_alias(model, path.steps[-1])
    assert field is not None
    return model, field


_SCALARS: dict[tuple[str, str | None], Any] = {
    ("string", None): str,
    ("string", "date"): date,
    ("string", "date-time"): datetime,
    ("integer", None): int,
    ("boolean", None): bool,
    ("number", None): float,
}


def _expected_scalar(node: dict[str, Any]) -> set[Any]:
    if node.get("x-kubernetes-int-or-string"):
        return {int, str}
    return {_SCALARS[(node["type"], node.get("format"))]}


def _is_free_form_map(annotation: Any) -> bool:
    return get_origin(annotation) is dict and get_args(annotation) == (str, Any)


# -- the specification --------------------------------------------------------------------


def test_the_walk_finds_the_schemas_properties() -> None:
    ids = {p.id for p in ALL_PATHS}
    assert sorted(SCHEMA_BY_KIND) == sorted(generated_kinds.KINDS)
    assert "AnalyticsWorkspace:spec.jupyterWorkspace.additionalStorage[].mountPath" in ids
    assert "AnalyticsWorkspace:status.additionalStorage{}" in ids
    assert (
        "AnalyticsDataSource:spec.connections[].databricksConnection.oauth2Token.secretKey" in ids
    )
    assert len(PROPERTY_PATHS) > 80


@pytest.mark.parametrize("path", PROPERTY_PATHS, ids=lambda p: p.id)
def test_every_schema_property_is_a_model_field_with_that_alias(path: SchemaPath) -> None:
    _annotation_at(path)


@pytest.mark.parametrize("path", ALL_PATHS, ids=lambda p: p.id)
def test_every_schema_node_has_the_matching_python_type(path: SchemaPath) -> None:
    annotation = _annotation_at(path)
    node = path.node
    members = _members(annotation)
    if node.get("properties"):
        assert len(members) == 1, f"{path.id}: {annotation!r}"
        (model,) = members
        assert isinstance(model, type) and issubclass(model, ResourceModel), (
            f"{path.id} has properties but is typed {annotation!r}"
        )
        assert not UNREADABLE_CLASS_NAME.fullmatch(model.__name__), model.__name__
        declared = {(f.alias or n) for n, f in _complete(model).model_fields.items()}
        if issubclass(model, CustomResource):
            declared -= TYPE_META
        assert declared == set(node["properties"]), f"{path.id}: {model.__name__} fields"
    elif node.get("type") == "array":
        assert len(members) == 1 and get_origin(members[0]) is list, f"{path.id}: {annotation!r}"
    elif node.get("type") == "object":
        (member,) = members
        if isinstance(node.get("additionalProperties"), dict):
            assert get_origin(member) is dict and get_args(member)[0] is str, annotation
        else:
            # free-form: preserve-unknown-fields, or no schema for the values
            assert _is_free_form_map(member), f"{path.id}: {annotation!r}"
    elif path.id in SECRET_PATHS:
        assert node["type"] == "string" and set(members) == {SecretStr}, path.id
    else:
        assert set(members) == _expected_scalar(node), f"{path.id}: {annotation!r}"


@pytest.mark.parametrize("path", PROPERTY_PATHS, ids=lambda p: p.id)
def test_required_defaults_and_patterns_match_the_schema(path: SchemaPath) -> None:
    _model, field = _field_at(path)
    parent = SCHEMA_BY_KIND[path.kind]
    for step in path.steps[:-1]:
        parent = parent["items"] if step == "[]" else parent["properties"][step]
    name = path.steps[-1]
    required = name in (parent.get("required") or ())
    assert field.is_required() == required, f"{path.id}: required should be {required}"
    if "default" in path.node:
        assert field.default == path.node["default"], path.id
        assert type(None) not in get_args(field.annotation), f"{path.id}: default is not null"
    elif not required:
        assert field.default is None, path.id
        assert type(None) in get_args(field.annotation), f"{path.id}: optional needs None"
    patterns = [
        getattr(m, "pattern", None) for m in field.metadata if not isinstance(m, WireFormat)
    ]
    assert [p for p in patterns if p] == ([path.node["pattern"]] if "pattern" in path.node else [])


_WIRE_FORMATS = {("string", "date"): "date", ("string", "date-time"): "date-time"}


@pytest.mark.parametrize("path", PROPERTY_PATHS, ids=lambda p: p.id)
def test_dates_date_times_and_integers_accept_only_the_servers_forms(path: SchemaPath) -> None:
    _model, field = _field_at(path)
    node = path.node
    formats = [m for member in _annotated(field) for m in member if isinstance(m, WireFormat)]
    form = (node.get("type"), node.get("format"))
    if form in _WIRE_FORMATS:
        assert [f.json_format for f in formats] == [_WIRE_FORMATS[form]], path.id
    elif node.get("type") == "integer" and not node.get("x-kubernetes-int-or-string"):
        assert [f.json_format for f in formats] == [None], path.id
    else:
        assert formats == [], path.id


def _annotated(field: FieldInfo) -> list[list[Any]]:
    """The Annotated metadata of the field and of each member of its union."""
    found = [list(field.metadata)]
    for member in get_args(field.annotation) or (field.annotation,):
        if get_origin(member) is Annotated:
            found.append(list(member.__metadata__))
    return found


def test_every_class_is_complete_at_import() -> None:
    import subprocess
    import sys

    # A fresh interpreter: no earlier validation may have completed a class lazily.
    code = (
        "import typing, lscsde_sdk.models as m\n"
        "for name in m.__all__:\n"
        "    cls = getattr(m, name)\n"
        "    if isinstance(cls, type) and hasattr(cls, '__pydantic_complete__'):\n"
        "        assert cls.__pydantic_complete__, name\n"
        "        for field, info in cls.model_fields.items():\n"
        "            assert not isinstance(info.annotation, typing.ForwardRef), (name, field)\n"
        "            assert 'ForwardRef' not in repr(info.annotation), (name, field)\n"
        "print('ok')\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.stdout.strip() == "ok", result.stderr


def _reachable_models() -> set[type[ResourceModel]]:
    seen: set[type[ResourceModel]] = set()
    todo: list[Any] = [getattr(generated, kind) for kind in SCHEMA_BY_KIND]
    while todo:
        annotation = todo.pop()
        if isinstance(annotation, type) and issubclass(annotation, ResourceModel):
            if annotation in seen:
                continue
            seen.add(annotation)
            todo += [f.annotation for f in _complete(annotation).model_fields.values()]
        else:
            todo += list(get_args(annotation))
    return seen


def test_generated_models_have_readable_names_and_the_common_base() -> None:
    classes = {
        obj
        for obj in vars(generated).values()
        if isinstance(obj, type)
        and issubclass(obj, BaseModel)
        and obj.__module__ == generated.__name__
    }
    models = {cls for cls in classes if not issubclass(cls, RootModel)}
    assert models, "no generated models found"
    for cls in models:
        assert issubclass(cls, ResourceModel), cls.__name__
        assert not UNREADABLE_CLASS_NAME.fullmatch(cls.__name__), cls.__name__
    reachable = {cls for cls in _reachable_models() if cls.__module__ != meta.__name__}
    assert reachable == models


def test_every_generated_model_is_exported_by_lscsde_sdk_models() -> None:
    reachable = _reachable_models()
    assert {cls.__name__ for cls in reachable} <= set(public_models.__all__)
    for cls in reachable:
        assert getattr(public_models, cls.__name__) is cls


def test_kinds_are_custom_resources_with_their_api_coordinates() -> None:
    for kind in SCHEMA_BY_KIND:
        cls = getattr(public_models, kind)
        assert issubclass(cls, CustomResource)
        assert cls.__resource__.kind == kind
        assert cls.__resource__.api_version == "xlscsde.nhs.uk/v1"
        assert cls.model_fields["kind"].default == kind


def _example_paths(value: Any, steps: tuple[str, ...], out: set[tuple[str, ...]]) -> None:
    if isinstance(value, dict):
        for key, sub in value.items():
            step = (*steps, key)
            out.add(step)
            _example_paths(sub, step, out)
    elif isinstance(value, list):
        for item in value:
            out.add((*steps, "[]"))
            _example_paths(item, (*steps, "[]"), out)


def test_the_examples_set_every_schema_property() -> None:
    from tests.examples import load_examples

    examples = load_examples()
    set_paths: dict[str, set[tuple[str, ...]]] = {kind: set() for kind in SCHEMA_BY_KIND}
    for manifest in examples.values():
        _example_paths(manifest, (), set_paths[manifest["kind"]])
    missing = [
        p.id for p in PROPERTY_PATHS if "{}" not in p.steps and p.steps not in set_paths[p.kind]
    ]
    assert not missing, f"no example sets {missing}"
    per_kind = {kind: 0 for kind in SCHEMA_BY_KIND}
    for manifest in examples.values():
        per_kind[manifest["kind"]] += 1
    assert min(per_kind.values()) >= 2, per_kind
