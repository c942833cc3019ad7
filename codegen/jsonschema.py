"""Turn CRD structural schemas into one JSON Schema that datamodel-code-generator understands,
plus the facts it cannot express (:class:`lscsde_sdk.schema_rules.SchemaRules` per class).

Every keyword of a schema is either mapped faithfully or rejected with a
:class:`SchemaError` naming the kind, the schema path and the keyword; nothing is dropped:

* value constraints (``pattern``, ``enum``, ``minimum``/``maximum`` and their exclusive forms,
  ``minLength``/``maxLength``, ``minItems``/``maxItems``, ``minProperties``/``maxProperties``,
  ``multipleOf``) become pydantic constraints; OpenAPI 3.0's boolean ``exclusiveMinimum`` /
  ``exclusiveMaximum`` become JSON Schema's numeric ones;
* ``format: date`` / ``date-time`` and ``type: integer`` become the wire-format types of
  :mod:`lscsde_sdk.wire_formats`, attached where they occur (``customTypePath``), so a property
  named ``schema``, ``copy`` or ``class`` keeps its format whatever Python calls it;
* string properties at the secret paths (``secret_fields.yaml``) and with ``format: password``
  become :data:`lscsde_sdk.secrets.Secret`; objects at secret paths are references to secrets
  (their classes are listed in :attr:`CombinedSchema.secret_references`);
* ``anyOf`` / ``oneOf`` / ``allOf`` / ``not`` blocks that only list ``required`` properties
  ("one of these must be set") become :class:`~lscsde_sdk.schema_rules.RequiredRule` facts;
* ``x-kubernetes-int-or-string`` becomes an integer-or-string union,
  ``x-kubernetes-preserve-unknown-fields`` a free-form map (without properties) or a fact
  (with properties), ``x-kubernetes-list-type`` / ``-list-map-keys`` / ``-map-type`` and
  ``x-kubernetes-validations`` (CEL) facts; CEL rules are also written into the docs;
* ``nullable: true`` (OpenAPI 3.0) becomes a ``null`` type; ``example`` and ``externalDocs``
  go into the docs.

Every object that has properties becomes a named entry in ``$defs`` so it is generated as a
model with a readable name (see ``class_names.yaml``).
"""

from __future__ import annotations

import json
import re
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from typing import Any

from lscsde_sdk.schema_rules import ListType, RequiredRule, SchemaRules, ValidationRule

from .crds import Crd

#: Keywords that only constrain values, passed to the generator as they are.
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
    "minProperties",
    "maxProperties",
    "multipleOf",
)
_PASSTHROUGH_KEYS = ("type", "format", "default", *VALUE_CONSTRAINT_KEYS)
_COMBINATORS = ("anyOf", "oneOf", "allOf", "not")
_DOC_KEYS = ("description", "title", "example", "externalDocs")
_STRUCTURE_KEYS = ("properties", "required", "items", "additionalProperties", "nullable")
_KUBERNETES_KEYS = (
    "x-kubernetes-preserve-unknown-fields",
    "x-kubernetes-int-or-string",
    "x-kubernetes-embedded-resource",
    "x-kubernetes-list-type",
    "x-kubernetes-list-map-keys",
    "x-kubernetes-map-type",
    "x-kubernetes-validations",
)
KNOWN_KEYWORDS = frozenset(
    (*_PASSTHROUGH_KEYS, *_COMBINATORS, *_DOC_KEYS, *_STRUCTURE_KEYS, *_KUBERNETES_KEYS)
)

#: Scalar types that accept only the input forms the API server accepts, by (type, format).
WIRE_TYPES = {
    ("string", "date"): "lscsde_sdk.wire_formats.Date",
    ("string", "date-time"): "lscsde_sdk.wire_formats.DateTime",
    ("integer", None): "lscsde_sdk.wire_formats.Integer",
    ("integer", "int32"): "lscsde_sdk.wire_formats.Integer",
    ("integer", "int64"): "lscsde_sdk.wire_formats.Integer",
    ("string", "password"): "lscsde_sdk.secrets.Secret",
}
#: The type of the strings at the secret paths.
SECRET_TYPE = "lscsde_sdk.secrets.Secret"
#: Formats that carry no check beyond their type (the server checks none either).
_PLAIN_FORMATS = {("number", "float"), ("number", "double")}
_INT32 = (-(2**31), 2**31 - 1)
_INT_OR_STRING_ANY_OF = (
    [{"type": "integer"}, {"type": "string"}],
    [{"type": "string"}, {"type": "integer"}],
)

#: Name of the generated union of every kind.
UNION_CLASS_NAME = "AwmsResource"


class SchemaError(ValueError):
    """The schema uses something the generator cannot map faithfully; names the path."""


@dataclass
class CombinedSchema:
    """One JSON Schema holding every kind's models in ``$defs``, plus per-class facts."""

    definitions: dict[str, dict[str, Any]] = field(default_factory=dict)
    rules: dict[str, SchemaRules] = field(default_factory=dict)
    kinds: list[str] = field(default_factory=list)
    crds: dict[str, Crd] = field(default_factory=dict)
    # class name -> the first schema path that defined it, for error messages
    origins: dict[str, str] = field(default_factory=dict)
    # kind -> the paths of class_names.yaml that its schema has
    used_paths: dict[str, set[str]] = field(default_factory=dict)
    # kind -> the secret paths (secret_fields.yaml) that its schema has
    used_secret_paths: dict[str, set[str]] = field(default_factory=dict)
    # the classes of objects at secret paths: references to secrets
    secret_references: set[str] = field(default_factory=set)
    # kind -> the paths of all its secrets: those of secret_fields.yaml, strings with
    # format: password
    secret_paths: dict[str, set[str]] = field(default_factory=dict)
    # class name -> the kinds whose schema uses it
    kinds_of: dict[str, set[str]] = field(default_factory=dict)

    def as_json_schema(self) -> dict[str, Any]:
        """The schema to generate from: the first kind is the root (the generator turns the
        root into a class too, and it must be a real one), the others in ``$defs``."""
        return promote_root(self.definitions, self.kinds[0])


def promote_root(definitions: Mapping[str, dict[str, Any]], root_name: str) -> dict[str, Any]:
    """A JSON Schema whose root is ``definitions[root_name]`` and whose ``$defs`` are the
    others; references to the root become ``#``."""
    pointer = f"#/$defs/{root_name}"

    def resolve(node: Any) -> Any:
        if isinstance(node, Mapping):
            return {
                key: ("#" if key == "$ref" and value == pointer else resolve(value))
                for key, value in node.items()
            }
        if isinstance(node, list):
            return [resolve(item) for item in node]
        return node

    resolved = {name: resolve(schema) for name, schema in definitions.items()}
    root = resolved.pop(root_name)
    return {"$schema": "http://json-schema.org/draft-07/schema#", **root, "$defs": resolved}


def pascal_case(name: str) -> str:
    return "".join(part[:1].upper() + part[1:] for part in re.split(r"[^0-9A-Za-z]+", name) if part)


def combine(
    crds: list[Crd],
    class_names: Mapping[str, Mapping[str, str]],
    secret_paths: Mapping[str, Collection[str]] | None = None,
) -> CombinedSchema:
    """The combined schema of ``crds`` (one version of each kind at most); ``secret_paths``
    maps kinds to the paths of their secret strings (see ``secret_fields.yaml``)."""
    combined = CombinedSchema()
    for crd in crds:
        if crd.kind in combined.crds:
            raise SchemaError(f"{crd.kind}: two versions in one combined schema")
        names = {
            **class_names.get(crd.kind, {}),
            **class_names.get(f"{crd.kind}@{crd.version}", {}),
        }
        converter = _Converter(
            crd.kind, names, combined, frozenset((secret_paths or {}).get(crd.kind) or ())
        )
        root = crd.schema
        converter.check_keywords(root, "(root)")
        properties = root.get("properties") or {}
        reserved = sorted({"apiVersion", "kind", "metadata"} & set(properties))
        if reserved:
            raise SchemaError(
                f"{crd.kind}: the schema redefines {reserved}; the generator supplies them"
            )
        rules = _Rules()
        converter.object_rules(root, "(root)", rules)
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
                        sub, prop, f"{crd.kind}{pascal_case(prop)}", rules, prop
                    )
                    for prop, sub in properties.items()
                },
            },
        }
        description = _describe(root, rules.class_validations)
        if description:
            kind_schema["description"] = description
        if root.get("required"):
            kind_schema["required"] = list(root["required"])
        if crd.kind in combined.definitions:
            raise SchemaError(
                f"{crd.kind}: a nested object already uses the kind's name as class name"
            )
        combined.definitions[crd.kind] = kind_schema
        combined.rules[crd.kind] = rules.freeze()
        combined.origins[crd.kind] = f"{crd.kind}: (root)"
        combined.kinds.append(crd.kind)
        combined.crds[crd.kind] = crd
        combined.used_paths[crd.kind] = converter.used_paths
        combined.used_secret_paths[crd.kind] = converter.used_secret_paths
        combined.secret_paths[crd.kind] = converter.used_secret_paths | converter.passwords
        combined.kinds_of[crd.kind] = {crd.kind}
    return combined


def unknown_class_name_paths(
    class_names: Mapping[str, Mapping[str, str]], used: Mapping[str, set[str]]
) -> list[str]:
    """Entries of ``class_names`` (``Kind`` or ``Kind@version`` -> paths) naming paths that got
    no class in any version of the kind (not objects with properties); ``used`` maps each kind
    to the paths that got one."""
    problems = []
    for key, paths in class_names.items():
        kind = key.split("@", 1)[0]
        unknown = sorted(set(paths) - used.get(kind, set()))
        if unknown:
            problems.append(
                f"class_names.yaml names paths of {key} that are not objects with properties: "
                f"{unknown}"
            )
    return problems


@dataclass
class _Rules:
    """The mutable form of :class:`SchemaRules` while an object is converted."""

    required: list[RequiredRule] = field(default_factory=list)
    list_types: dict[str, ListType] = field(default_factory=dict)
    map_types: dict[str, Any] = field(default_factory=dict)
    class_validations: list[ValidationRule] = field(default_factory=list)
    property_validations: dict[str, tuple[ValidationRule, ...]] = field(default_factory=dict)
    preserve_unknown_fields: bool = False

    def freeze(self) -> SchemaRules:
        return SchemaRules(
            required=tuple(self.required),
            list_types=dict(self.list_types),
            map_types=dict(self.map_types),
            validations=tuple(self.class_validations),
            property_validations=dict(self.property_validations),
            preserve_unknown_fields=self.preserve_unknown_fields,
        )


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


def _validation_rules(node: Mapping[str, Any], where: str) -> list[ValidationRule]:
    rules = node.get("x-kubernetes-validations") or []
    if not isinstance(rules, list):
        raise SchemaError(f"{where}: x-kubernetes-validations must be a list")
    out = []
    known = {"rule", "message", "messageExpression", "reason", "fieldPath", "optionalOldSelf"}
    for rule in rules:
        if not isinstance(rule, Mapping) or not isinstance(rule.get("rule"), str):
            raise SchemaError(f"{where}: each x-kubernetes-validations entry needs a rule")
        unknown = sorted(set(rule) - known)
        if unknown:
            raise SchemaError(f"{where}: x-kubernetes-validations keys {unknown} not supported")
        out.append(
            ValidationRule(
                rule=rule["rule"],
                message=rule.get("message"),
                message_expression=rule.get("messageExpression"),
                reason=rule.get("reason"),
                field_path=rule.get("fieldPath"),
                optional_old_self=rule.get("optionalOldSelf"),
            )
        )
    return out


def _describe(node: Mapping[str, Any], validations: list[ValidationRule]) -> str | None:
    """The node's documentation: its description, example, external docs and CEL rules."""
    parts = []
    if node.get("description"):
        parts.append(" ".join(str(node["description"]).split()))
    if "example" in node:
        parts.append(f"Example: {json.dumps(node['example'])}.")
    docs = node.get("externalDocs")
    if isinstance(docs, Mapping) and docs.get("url"):
        parts.append(f"See {docs['url']}.")
    for rule in validations:
        parts.append(f"Checked by the API server: {rule.describe()} (rule: {rule.rule}).")
    return " ".join(parts) or None


def _required_rules(node: Mapping[str, Any], where: str) -> list[RequiredRule]:
    """The node's anyOf/oneOf/allOf/not blocks, each of which must only list required
    properties."""
    rules = []
    for combinator in _COMBINATORS:
        if combinator not in node:
            continue
        block = node[combinator]
        items = [block] if combinator == "not" else block
        if not isinstance(items, list) or not items:
            raise SchemaError(f"{where}: {combinator} must be a non-empty list")
        for item in items:
            if (
                not isinstance(item, Mapping)
                or set(item) - {"required", "properties"}
                or item.get("properties")
                or not isinstance(item.get("required"), list)
            ):
                raise SchemaError(
                    f"{where}: {combinator} is supported only as a block of required-property "
                    f"lists ({combinator}: [{{required: [...]}}, ...]); got {json.dumps(block)}"
                )
        rules.append(RequiredRule(combinator, tuple(tuple(item["required"]) for item in items)))
    return rules


class _Converter:
    def __init__(
        self,
        kind: str,
        names: dict[str, str],
        combined: CombinedSchema,
        secret_paths: frozenset[str] = frozenset(),
    ) -> None:
        self.kind = kind
        self.names = names
        self.combined = combined
        self.secret_paths = secret_paths
        self.used_paths: set[str] = set()
        self.used_secret_paths: set[str] = set()
        # paths of strings with format: password
        self.passwords: set[str] = set()

    def where(self, path: str) -> str:
        return f"{self.kind}: {path}"

    def check_keywords(self, node: Any, path: str) -> None:
        where = self.where(path)
        if not isinstance(node, Mapping):
            raise SchemaError(f"{where}: schema must be an object, got {type(node).__name__}")
        unknown = sorted(set(node) - KNOWN_KEYWORDS)
        if unknown:
            raise SchemaError(
                f"{where}: keyword(s) {unknown} cannot be mapped to the models "
                "(not supported by the generator)"
            )
        if node.get("uniqueItems"):
            raise SchemaError(f"{where}: uniqueItems: true is not allowed in a CRD schema")
        if node.get("x-kubernetes-embedded-resource") and node.get("properties"):
            raise SchemaError(
                f"{where}: x-kubernetes-embedded-resource with properties is not supported"
            )

    def object_rules(self, node: Mapping[str, Any], path: str, rules: _Rules) -> None:
        """Record what an object with properties says about itself in ``rules``."""
        where = self.where(path)
        rules.required.extend(_required_rules(node, where))
        rules.class_validations.extend(_validation_rules(node, where))
        rules.preserve_unknown_fields = bool(node.get("x-kubernetes-preserve-unknown-fields"))
        # An alternative of a required rule may name a property the object does not declare
        # (the deployed AnalyticsDataSource roCrate does: `path`). The server prunes such a
        # field before validating, so that alternative can never hold; the models agree.
        properties = node.get("properties") or {}
        undeclared = [p for p in node.get("required") or () if p not in properties]
        if undeclared:
            raise SchemaError(f"{where}: required lists undeclared properties {undeclared}")
        if "x-kubernetes-map-type" in node and path == "(root)":
            raise SchemaError(f"{where}: x-kubernetes-map-type on the root is not supported")

    def convert(
        self,
        node: Mapping[str, Any],
        path: str,
        default_name: str,
        owner: _Rules,
        prop: str | None,
    ) -> dict[str, Any]:
        """The JSON Schema of ``node`` (the value of ``owner``'s property ``prop``, or an item
        or map value below it when ``prop`` is None); its facts go into ``owner``."""
        self.check_keywords(node, path)
        where = self.where(path)
        if path in self.secret_paths and not (
            node.get("properties")
            or (node.get("type") == "string" and node.get("format") in (None, "password"))
        ):
            raise SchemaError(
                f"{where}: secret_fields.yaml names it, but only a string without a format "
                "(or with format: password), or an object with properties, can be listed"
            )
        validations = _validation_rules(node, where)
        is_struct = bool(node.get("properties"))
        if validations and not is_struct:
            if prop is None:
                raise SchemaError(
                    f"{where}: x-kubernetes-validations on array items or map values are not "
                    "supported; put the rule on the property"
                )
            owner.property_validations[prop] = tuple(validations)
        self._record_list_and_map_types(node, where, owner, prop)

        if node.get("x-kubernetes-int-or-string"):
            # Kubernetes spells the union out as anyOf [integer, string]; that adds nothing.
            spelled_out = node.get("anyOf") in _INT_OR_STRING_ANY_OF
            if set(node) & {"oneOf", "allOf", "not", "type", "format"} or (
                "anyOf" in node and not spelled_out
            ):
                raise SchemaError(
                    f"{where}: x-kubernetes-int-or-string with other type keywords is not supported"
                )
            out = {"anyOf": [{"type": "integer"}, {"type": "string"}]}
            return self._annotate(out, node, validations)
        if any(key in node for key in _COMBINATORS) and not is_struct:
            raise SchemaError(
                f"{where}: {'/'.join(k for k in _COMBINATORS if k in node)} is supported only on "
                "objects with properties, as required-property rules"
            )
        if node.get("type") == "array":
            items = node.get("items")
            if not isinstance(items, Mapping):
                raise SchemaError(f"{where}: array without an items schema")
            out = self._copy_keywords(node, where, validations)
            out["items"] = self.convert(items, f"{path}[]", f"{default_name}Item", owner, None)
            return out
        if node.get("type") == "object" or "properties" in node:
            return self._convert_object(node, path, default_name, validations)
        if path in self.secret_paths:
            return self._secret(node, path, validations)
        if (node.get("type"), node.get("format")) == ("string", "password"):
            self.passwords.add(path)
        return self._copy_keywords(node, where, validations)

    def _secret(
        self, node: Mapping[str, Any], path: str, validations: list[ValidationRule]
    ) -> dict[str, Any]:
        """A string at a secret path (checked by :meth:`convert`)."""
        where = self.where(path)
        self.used_secret_paths.add(path)
        out = self._copy_keywords(node, where, validations)
        out["customTypePath"] = SECRET_TYPE
        return out

    def _record_list_and_map_types(
        self, node: Mapping[str, Any], where: str, owner: _Rules, prop: str | None
    ) -> None:
        list_type = node.get("x-kubernetes-list-type")
        map_keys = node.get("x-kubernetes-list-map-keys")
        if list_type is not None or map_keys is not None:
            if node.get("type") != "array":
                raise SchemaError(f"{where}: x-kubernetes-list-type on a non-array")
            if prop is None:
                raise SchemaError(f"{where}: x-kubernetes-list-type on a nested array")
            if list_type not in ("atomic", "set", "map"):
                raise SchemaError(f"{where}: x-kubernetes-list-type {list_type!r} is unknown")
            keys = tuple(map_keys or ())
            if (list_type == "map") != bool(keys):
                raise SchemaError(
                    f"{where}: x-kubernetes-list-map-keys goes with (and only with) "
                    "x-kubernetes-list-type: map"
                )
            items = node.get("items") or {}
            missing = [
                key
                for key in keys
                if key not in (items.get("properties") or {})
                or (
                    key not in (items.get("required") or ())
                    and "default" not in items["properties"][key]
                )
            ]
            if missing:
                raise SchemaError(
                    f"{where}: list map keys {missing} must be required (or defaulted) "
                    "properties of the items"
                )
            owner.list_types[prop] = ListType(list_type, keys)
        map_type = node.get("x-kubernetes-map-type")
        if map_type is not None:
            if map_type not in ("granular", "atomic") or node.get("type") != "object":
                raise SchemaError(f"{where}: x-kubernetes-map-type {map_type!r} not supported")
            if prop is None:
                raise SchemaError(f"{where}: x-kubernetes-map-type on a nested object")
            owner.map_types[prop] = map_type

    def _convert_object(
        self,
        node: Mapping[str, Any],
        path: str,
        default_name: str,
        validations: list[ValidationRule],
    ) -> dict[str, Any]:
        where = self.where(path)
        properties = node.get("properties") or {}
        additional = node.get("additionalProperties")
        if not properties:
            if any(key in node for key in ("required", *_COMBINATORS)):
                raise SchemaError(f"{where}: required rules on an object without properties")
            # A map: free-form (preserve-unknown-fields, or no value schema) or typed values.
            out = self._copy_keywords(node, where, validations)
            out["type"] = "object"
            if isinstance(additional, Mapping):
                value_rules = _Rules()  # facts of map values have no property to hang on
                out["additionalProperties"] = self.convert(
                    additional, f"{path}{{}}", f"{default_name}Value", value_rules, None
                )
                if value_rules.freeze() != SchemaRules():
                    raise SchemaError(f"{where}: list/map types inside map values")
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
        if path in self.secret_paths:
            self.used_secret_paths.add(path)
            self.combined.secret_references.add(name)
        rules = _Rules()
        self.object_rules(node, path, rules)
        definition: dict[str, Any] = {
            key: node[key] for key in _PASSTHROUGH_KEYS if key in node and key != "type"
        }
        definition["type"] = "object"
        definition["title"] = name
        definition["properties"] = {
            prop: self.convert(sub, f"{path}.{prop}", f"{name}{pascal_case(prop)}", rules, prop)
            for prop, sub in properties.items()
        }
        description = _describe(node, rules.class_validations)
        if description:
            definition["description"] = description
        if node.get("required"):
            definition["required"] = list(node["required"])
        self._define(name, definition, rules.freeze(), where)
        reference = {"$ref": f"#/$defs/{name}"}
        return {"anyOf": [reference, {"type": "null"}]} if node.get("nullable") else reference

    def _define(
        self, name: str, definition: dict[str, Any], rules: SchemaRules, where: str
    ) -> None:
        self.combined.kinds_of.setdefault(name, set()).add(self.kind)
        existing = self.combined.definitions.get(name)
        if existing is None:
            self.combined.definitions[name] = definition
            self.combined.rules[name] = rules
            self.combined.origins[name] = where
            return
        same = _without_descriptions(existing) == _without_descriptions(definition)
        if not same or self.combined.rules[name] != rules:
            raise SchemaError(
                f"{where}: class name {name} is already used by {self.combined.origins[name]} "
                "for a different schema; give one of them another name in class_names.yaml"
            )

    def _copy_keywords(
        self, node: Mapping[str, Any], where: str, validations: list[ValidationRule]
    ) -> dict[str, Any]:
        out = {key: node[key] for key in _PASSTHROUGH_KEYS if key in node}
        # OpenAPI 3.0 spells an exclusive bound as a flag next to the bound.
        for flag, bound in (("exclusiveMinimum", "minimum"), ("exclusiveMaximum", "maximum")):
            if isinstance(out.get(flag), bool):
                if out.pop(flag):
                    if bound not in out:
                        raise SchemaError(f"{where}: {flag}: true without {bound}")
                    out[flag] = out.pop(bound)
        form = (node.get("type"), node.get("format"))
        if form in WIRE_TYPES:
            out["customTypePath"] = WIRE_TYPES[form]
            if form == ("integer", "int32"):
                out.setdefault("minimum", _INT32[0])
                out.setdefault("maximum", _INT32[1])
            out.pop("format", None)
        elif node.get("format") is not None and form not in _PLAIN_FORMATS:
            raise SchemaError(
                f"{where}: format {node.get('format')!r} on type {node.get('type')!r} cannot be "
                "mapped faithfully (supported: date, date-time, int32, int64, float, double, "
                "password)"
            )
        else:
            out.pop("format", None)
        return self._annotate(out, node, validations)

    @staticmethod
    def _annotate(
        out: dict[str, Any], node: Mapping[str, Any], validations: list[ValidationRule]
    ) -> dict[str, Any]:
        description = _describe(node, validations)
        if description:
            out["description"] = description
        if node.get("nullable"):
            if "type" in out:
                out["type"] = [out["type"], "null"]
            elif "anyOf" in out:
                out["anyOf"] = [*out["anyOf"], {"type": "null"}]
        return out
