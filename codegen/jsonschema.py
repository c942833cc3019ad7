"""Turn CRD structural schemas into one JSON Schema that datamodel-code-generator understands.

Kubernetes schemas use constructs the generator reads badly or not at all:

* ``anyOf`` items that only list ``required`` properties ("one of these must be set"). Left in,
  the generator gives up on the whole object and types it ``dict[str, Any]``. We take them out
  and hand them to the model base class, which checks them in a model validator.
* ``x-kubernetes-int-or-string`` becomes an explicit integer-or-string union.
* ``x-kubernetes-preserve-unknown-fields`` on an object with properties keeps unknown fields
  (the model base class is told); without properties the object is a free-form map.
* ``nullable: true`` is OpenAPI 3.0 only; JSON Schema spells it as a ``null`` type.

Every object that has properties becomes a named entry in ``$defs`` so it is generated as a
model with a readable name (see ``class_names.yaml``).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from .crds import Crd

#: Keywords that only constrain values.
VALUE_CONSTRAINT_KEYS = (
    "pattern",
    "enum",
    "minimum",
    "maximum",
    "exclusiveMinimum",
    "exclusiveMaximum",
    "minLength",
    "maxLength",
    "minItems",
    "maxItems",
    "uniqueItems",
    "minProperties",
    "maxProperties",
    "multipleOf",
)
# Keys passed through unchanged to JSON Schema.
_PASSTHROUGH_KEYS = ("type", "format", "default", *VALUE_CONSTRAINT_KEYS)


#: Schema extensions the generator copies into each model's config for the model base class.
ANY_OF_REQUIRED_KEY = "x-any-of-required"
RESOURCE_KEY = "x-kubernetes-resource"
#: Name of the generated union of every kind.
UNION_CLASS_NAME = "AwmsResource"


class SchemaError(ValueError):
    """The schema uses something the generator cannot map faithfully; names the path."""


@dataclass
class ModelFacts:
    """What the model base class must know about one generated class."""

    # Each inner tuple is one alternative: the schema (camelCase) names that must all be set.
    any_of_required: list[tuple[str, ...]] = field(default_factory=list)
    preserve_unknown_fields: bool = False
    # schema property name -> "date", "date-time" or "integer": scalars whose accepted
    # input forms the model must hold to the server's (see lscsde_sdk.wire_formats)
    wire_formats: dict[str, str] = field(default_factory=dict)


@dataclass
class CombinedSchema:
    """One JSON Schema holding every kind's models in ``$defs``, plus per-class facts."""

    definitions: dict[str, dict[str, Any]] = field(default_factory=dict)
    facts: dict[str, ModelFacts] = field(default_factory=dict)
    kinds: list[str] = field(default_factory=list)
    # class name -> the first schema path that defined it, for error messages
    origins: dict[str, str] = field(default_factory=dict)

    def as_json_schema(self) -> dict[str, Any]:
        definitions = {name: dict(schema) for name, schema in self.definitions.items()}
        for name, facts in self.facts.items():
            if facts.any_of_required:
                definitions[name][ANY_OF_REQUIRED_KEY] = [
                    list(alt) for alt in facts.any_of_required
                ]
        # The root is the union of all kinds, told apart by `kind`: one entry point that
        # parses any AWMS manifest into the right class.
        return {
            "$schema": "http://json-schema.org/draft-07/schema#",
            "title": UNION_CLASS_NAME,
            "oneOf": [{"$ref": f"#/$defs/{kind}"} for kind in self.kinds],
            "discriminator": {"propertyName": "kind"},
            "$defs": definitions,
        }


def pascal_case(name: str) -> str:
    return "".join(part[:1].upper() + part[1:] for part in re.split(r"[^0-9A-Za-z]+", name) if part)


def combine(crds: list[Crd], class_names: Mapping[str, Mapping[str, str]]) -> CombinedSchema:
    combined = CombinedSchema()
    for crd in crds:
        names = dict(class_names.get(crd.kind, {}))
        converter = _Converter(crd.kind, names, combined)
        properties = crd.schema.get("properties") or {}
        reserved = sorted({"apiVersion", "kind", "metadata"} & set(properties))
        if reserved:
            raise SchemaError(
                f"{crd.kind}: the schema redefines {reserved}; the generator supplies them"
            )
        kind_schema: dict[str, Any] = {
            "type": "object",
            "title": crd.kind,
            "properties": {
                "apiVersion": {
                    "type": "string",
                    "const": crd.api_version,
                    "default": crd.api_version,
                },
                "kind": {"type": "string", "const": crd.kind, "default": crd.kind},
                # metadata is declared by the hand-written CustomResource base class.
                **{
                    prop: converter.convert(
                        sub, prop, default_name=f"{crd.kind}{pascal_case(prop)}"
                    )
                    for prop, sub in properties.items()
                },
            },
            RESOURCE_KEY: _resource_facts(crd),
        }
        if crd.schema.get("description"):
            kind_schema["description"] = " ".join(str(crd.schema["description"]).split())
        if crd.schema.get("required"):
            kind_schema["required"] = list(crd.schema["required"])
        if crd.kind in combined.definitions:
            raise SchemaError(
                f"{crd.kind}: a nested object already uses the kind's name as class name"
            )
        combined.definitions[crd.kind] = kind_schema
        combined.facts[crd.kind] = ModelFacts()
        combined.origins[crd.kind] = f"{crd.kind}: (root)"
        combined.kinds.append(crd.kind)
        unknown = sorted(set(names) - converter.used_paths)
        if unknown:
            raise SchemaError(
                f"class_names.yaml names paths that {crd.kind} does not have: {unknown}"
            )
    return combined


def _resource_facts(crd: Crd) -> dict[str, Any]:
    """The API coordinates the CustomResource base class turns into ``__resource__``."""
    return {
        "group": crd.group,
        "version": crd.version,
        "kind": crd.kind,
        "plural": crd.plural,
        "singular": crd.singular,
        "shortNames": list(crd.short_names),
        "categories": list(crd.categories),
        "namespaced": crd.namespaced,
        "hasStatus": crd.has_status,
        "hasScale": crd.has_scale,
    }


def _without_descriptions(value: Any) -> Any:
    if isinstance(value, dict):
        return {
            k: _without_descriptions(v)
            for k, v in value.items()
            if k not in ("description", "title")
        }
    if isinstance(value, list):
        return [_without_descriptions(v) for v in value]
    return value


def _wire_format(node: Any) -> str | None:
    if not isinstance(node, Mapping) or node.get("x-kubernetes-int-or-string"):
        return None
    if node.get("type") == "integer":
        return "integer"
    if node.get("type") == "string" and node.get("format") in ("date", "date-time"):
        return str(node["format"])
    return None


def _is_required_only_any_of(any_of: Any) -> bool:
    """True for ``anyOf`` lists whose items only say which properties must be present."""
    return isinstance(any_of, list) and all(
        isinstance(item, dict)
        and set(item) <= {"required", "properties"}
        and not item.get("properties")
        and isinstance(item.get("required"), list)
        for item in any_of
    )


class _Converter:
    def __init__(self, kind: str, names: dict[str, str], combined: CombinedSchema) -> None:
        self.kind = kind
        self.names = names
        self.combined = combined
        self.used_paths: set[str] = set()

    def convert(self, node: Mapping[str, Any], path: str, default_name: str) -> dict[str, Any]:
        where = f"{self.kind}: {path}"
        if not isinstance(node, Mapping):
            raise SchemaError(f"{where}: schema must be an object, got {type(node).__name__}")
        if node.get("x-kubernetes-int-or-string"):
            return self._annotate({"anyOf": [{"type": "integer"}, {"type": "string"}]}, node)
        if node.get("type") == "array":
            items = node.get("items")
            if not isinstance(items, Mapping):
                raise SchemaError(f"{where}: array without an items schema")
            out = self._copy_keywords(node)
            out["items"] = self.convert(items, f"{path}[]", default_name=f"{default_name}Item")
            return out
        if node.get("type") == "object" or "properties" in node:
            return self._convert_object(node, path, default_name)
        if "anyOf" in node and not _is_required_only_any_of(node["anyOf"]):
            out = self._annotate({}, node)
            out["anyOf"] = [
                self.convert(option, f"{path}|{i}", default_name=f"{default_name}Option{i}")
                for i, option in enumerate(node["anyOf"])
            ]
            return out
        return self._copy_keywords(node)

    def _convert_object(
        self, node: Mapping[str, Any], path: str, default_name: str
    ) -> dict[str, Any]:
        where = f"{self.kind}: {path}"
        properties = node.get("properties") or {}
        additional = node.get("additionalProperties")
        if not properties:
            # A map: free-form (preserve-unknown-fields, or no value schema) or typed values.
            out = self._copy_keywords(node)
            out["type"] = "object"
            if isinstance(additional, Mapping):
                out["additionalProperties"] = self.convert(
                    additional, f"{path}{{}}", f"{default_name}Value"
                )
            else:
                out["additionalProperties"] = True
            return out
        if additional not in (None, False):
            raise SchemaError(
                f"{where}: objects with both properties and additionalProperties are not supported"
            )

        name = self.names.get(path, default_name)
        if path in self.names:
            self.used_paths.add(path)
        facts = ModelFacts(
            preserve_unknown_fields=bool(node.get("x-kubernetes-preserve-unknown-fields"))
        )
        any_of = node.get("anyOf")
        if any_of is not None:
            if not _is_required_only_any_of(any_of):
                raise SchemaError(
                    f"{where}: on objects only anyOf lists of required properties are supported"
                )
            # An alternative may name a property the object does not declare (the deployed
            # AnalyticsDataSource roCrate does: `path`). The server prunes such a field before
            # validating, so that alternative can never hold; the model check behaves the same.
            facts.any_of_required.extend(tuple(item["required"]) for item in any_of)

        for prop, sub in properties.items():
            form = _wire_format(sub)
            if form:
                facts.wire_formats[prop] = form
        definition = self._copy_keywords(node)
        definition["type"] = "object"
        definition["title"] = name
        definition["properties"] = {
            prop: self.convert(sub, f"{path}.{prop}", default_name=f"{name}{pascal_case(prop)}")
            for prop, sub in properties.items()
        }
        required = node.get("required")
        if required:
            undeclared = [p for p in required if p not in properties]
            if undeclared:
                raise SchemaError(f"{where}: required lists undeclared properties {undeclared}")
            definition["required"] = list(required)
        self._define(name, definition, facts, where)
        return {"$ref": f"#/$defs/{name}"}

    def _define(self, name: str, definition: dict[str, Any], facts: ModelFacts, where: str) -> None:
        existing = self.combined.definitions.get(name)
        if existing is None:
            self.combined.definitions[name] = definition
            self.combined.facts[name] = facts
            self.combined.origins[name] = where
            return
        same = _without_descriptions(existing) == _without_descriptions(definition)
        if not same or self.combined.facts[name] != facts:
            raise SchemaError(
                f"{where}: class name {name} is already used by {self.combined.origins[name]} "
                "for a different schema; give one of them another name in class_names.yaml"
            )

    def _copy_keywords(self, node: Mapping[str, Any]) -> dict[str, Any]:
        out = {key: node[key] for key in _PASSTHROUGH_KEYS if key in node}
        return self._annotate(out, node)

    @staticmethod
    def _annotate(out: dict[str, Any], node: Mapping[str, Any]) -> dict[str, Any]:
        if "description" in node:
            out["description"] = " ".join(str(node["description"]).split())
        if node.get("nullable") and "type" in out:
            out["type"] = [out["type"], "null"]
        return out
