"""Pure comparison of two CustomResourceDefinition manifests (no I/O).

Both sides are first put in the form the API server stores: Go's ``omitempty`` drops null
values, empty strings, empty lists and maps and false for plain booleans (``nullable:
false`` is never returned), and names get their server defaults. Descriptions are ignored
everywhere (the SDK rewords them on purpose), and so is the order of lists whose order
has no meaning (required, enum, anyOf alternatives, CEL rules, printer columns, ...).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any

from ._drift_findings import Change, CrdManifestError, Finding, show_value, sorted_findings

__all__ = ["compare_crds", "crd_kind", "crd_name"]

# JSONSchemaProps fields (apiextensions.k8s.io/v1) that the server omits when empty or false.
_OMITTED_WHEN_EMPTY = frozenset(
    {
        "id", "$schema", "type", "format", "title", "pattern",  # strings
        "enum", "required", "allOf", "oneOf", "anyOf", "properties", "patternProperties",
        "dependencies", "definitions", "x-kubernetes-list-map-keys",
        "x-kubernetes-validations",
    }
)  # fmt: skip
_OMITTED_WHEN_FALSE = frozenset(
    {
        "exclusiveMaximum", "exclusiveMinimum", "uniqueItems", "nullable",
        "x-kubernetes-embedded-resource", "x-kubernetes-int-or-string",
    }
)  # fmt: skip
_SCHEMA_MAPS = frozenset({"properties", "patternProperties", "definitions"})
_SCHEMA_LISTS = frozenset({"allOf", "oneOf", "anyOf"})
_SCHEMA_OR_OTHER = frozenset({"not", "items", "additionalProperties", "additionalItems"})
_COMBINATORS = frozenset({"allOf", "oneOf", "anyOf", "not"})
_UNORDERED = frozenset({"enum", "x-kubernetes-list-map-keys"})
_BOUNDS = frozenset(
    {
        "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "multipleOf",
        "minLength", "maxLength", "minItems", "maxItems", "uniqueItems",
        "minProperties", "maxProperties",
    }
)  # fmt: skip
_CHANGE_BY_KEYWORD = {
    "type": Change.TYPE,
    "format": Change.FORMAT,
    "pattern": Change.PATTERN,
    "enum": Change.ENUM,
    "default": Change.DEFAULT,
    "nullable": Change.NULLABLE,
    **dict.fromkeys(_BOUNDS, Change.BOUNDS),
    **dict.fromkeys(_COMBINATORS, Change.COMBINATOR),
}
_RULE_OMITTED_WHEN_EMPTY = frozenset({"message", "messageExpression", "fieldPath"})


# -- normal forms -------------------------------------------------------------------------


def _canonical(value: Any) -> str:
    """A comparison key for JSON data: 1 and 1.0 are equal, true and 1 are not."""

    def plain(item: Any) -> Any:
        if isinstance(item, float) and item.is_integer():
            return int(item)
        if isinstance(item, Mapping):
            return {key: plain(inner) for key, inner in item.items()}
        if isinstance(item, list | tuple):
            return [plain(inner) for inner in item]
        return item

    return json.dumps(plain(value), sort_keys=True, separators=(",", ":"), default=str)


def _normal_schema(node: Any) -> Any:
    """``node`` as the server stores a JSONSchemaProps, without descriptions."""
    if not isinstance(node, Mapping):
        return node
    result: dict[str, Any] = {}
    for key, value in node.items():
        if key == "description" or value is None:
            continue
        if key in _OMITTED_WHEN_EMPTY and (value == "" or value == [] or value == {}):
            continue
        if key in _OMITTED_WHEN_FALSE and value is False:
            continue
        if key in _SCHEMA_MAPS and isinstance(value, Mapping):
            value = {name: _normal_schema(schema) for name, schema in value.items()}
        elif key in _SCHEMA_LISTS and isinstance(value, list):
            value = [_normal_schema(schema) for schema in value]
        elif key in _SCHEMA_OR_OTHER:
            is_list = isinstance(value, list)
            value = [_normal_schema(s) for s in value] if is_list else _normal_schema(value)
        elif key == "dependencies" and isinstance(value, Mapping):
            value = {name: _normal_schema(dep) for name, dep in value.items()}
        elif key == "x-kubernetes-validations" and isinstance(value, list):
            value = [_normal_rule(rule) for rule in value]
        result[key] = value
    return result


def _normal_rule(rule: Any) -> Any:
    if not isinstance(rule, Mapping):
        return rule
    return {
        key: value
        for key, value in rule.items()
        if value is not None and not (key in _RULE_OMITTED_WHEN_EMPTY and value == "")
    }


def _normal_names(names: Mapping[str, Any]) -> dict[str, Any]:
    """The names with the server's defaults for singular and listKind."""
    kind = str(names.get("kind") or "")
    return {
        "kind": kind,
        "plural": names.get("plural"),
        "singular": names.get("singular") or kind.lower(),
        "listKind": names.get("listKind") or f"{kind}List",
        "shortNames": sorted(names.get("shortNames") or []),
        "categories": sorted(names.get("categories") or []),
    }


def _normal_column(column: Mapping[str, Any]) -> dict[str, Any]:
    return {
        key: value
        for key, value in column.items()
        if key != "description"
        and value not in (None, "")
        and not (key == "priority" and value == 0)
    }


# -- reading manifests --------------------------------------------------------------------


def _spec(crd: Any, side: str) -> Mapping[str, Any]:
    if not isinstance(crd, Mapping) or crd.get("kind") != "CustomResourceDefinition":
        raise CrdManifestError(f"{side} is not a CustomResourceDefinition manifest")
    spec = crd.get("spec")
    if not isinstance(spec, Mapping):
        raise CrdManifestError(f"{side} has no spec")
    names = spec.get("names")
    if not isinstance(names, Mapping) or not names.get("kind") or not names.get("plural"):
        raise CrdManifestError(f"{side} has no spec.names.kind and spec.names.plural")
    if not spec.get("group"):
        raise CrdManifestError(f"{side} has no spec.group")
    versions = spec.get("versions")
    if not isinstance(versions, list) or not all(
        isinstance(v, Mapping) and v.get("name") for v in versions
    ):
        raise CrdManifestError(f"{side} has no spec.versions list of named versions")
    return spec


def crd_kind(crd: Mapping[str, Any], side: str = "crd") -> str:
    """The kind a CRD manifest defines (``spec.names.kind``)."""
    return str(_spec(crd, side)["names"]["kind"])


def crd_name(crd: Mapping[str, Any], side: str = "crd") -> str:
    """The object name of a CRD: ``<plural>.<group>``."""
    spec = _spec(crd, side)
    return f"{spec['names']['plural']}.{spec['group']}"


def _served(spec: Mapping[str, Any]) -> dict[str, Mapping[str, Any]]:
    return {str(v["name"]): v for v in spec["versions"] if v.get("served")}


def _storage_version(spec: Mapping[str, Any]) -> str | None:
    return next((str(v["name"]) for v in spec["versions"] if v.get("storage")), None)


# -- the comparison -----------------------------------------------------------------------


def _join(path: str, name: str) -> str:
    return f"{path}.{name}" if path else name


def _differs(keyword: str, sdk: Any, server: Any) -> str:
    if sdk is None:
        return f"{keyword} only on the server: {show_value(server)}"
    if server is None:
        return f"{keyword} only in the SDK: {show_value(sdk)}"
    return f"{keyword} differs: SDK {show_value(sdk)}, server {show_value(server)}"


def _differs_by_field(what: str, sdk: Any, server: Any) -> str:
    """Like :func:`_differs`, naming only the fields that differ when both are mappings."""
    if not (isinstance(sdk, Mapping) and isinstance(server, Mapping)):
        return _differs(what, sdk, server)
    return f"{what}: " + "; ".join(
        _differs(field, sdk.get(field), server.get(field))
        for field in sorted(sdk.keys() | server.keys())
        if _canonical(sdk.get(field)) != _canonical(server.get(field))
    )


def _set_difference(keyword: str, sdk: Iterable[Any], server: Iterable[Any]) -> str | None:
    """None when equal as sets; else which members are on one side only."""
    sdk_keys = {_canonical(item): item for item in sdk}
    server_keys = {_canonical(item): item for item in server}
    if sdk_keys.keys() == server_keys.keys():
        return None

    def shown(keys: set[str], items: Mapping[str, Any]) -> str:
        return ", ".join(show_value(items[key]) for key in sorted(keys))

    parts = []
    if extra := server_keys.keys() - sdk_keys.keys():
        parts.append(f"only on the server {shown(extra, server_keys)}")
    if lacking := sdk_keys.keys() - server_keys.keys():
        parts.append(f"only in the SDK {shown(lacking, sdk_keys)}")
    return f"{keyword}: " + "; ".join(parts)


def _describe_schema(schema: Any) -> str:
    if isinstance(schema, Mapping) and schema.get("type"):
        return f" (type {schema['type']})"
    return ""


class _Comparison:
    """Collects the findings for one kind."""

    def __init__(self, kind: str) -> None:
        self.kind = kind
        self.findings: list[Finding] = []

    def add(
        self,
        version: str | None,
        path: str,
        change: Change,
        message: str,
        *,
        keyword: str | None = None,
        sdk: Any = None,
        server: Any = None,
    ) -> None:
        self.findings.append(
            Finding(self.kind, version, path, change, message, keyword, sdk, server)
        )

    # -- the CRD's own fields --

    def crd(self, sdk: Mapping[str, Any], server: Mapping[str, Any]) -> None:
        if sdk.get("scope") != server.get("scope"):
            self.add(
                None,
                "scope",
                Change.SCOPE,
                _differs("scope", sdk.get("scope"), server.get("scope")),
                sdk=sdk.get("scope"),
                server=server.get("scope"),
            )
        self.names(_normal_names(sdk["names"]), _normal_names(server["names"]))
        sdk_versions, server_versions = _served(sdk), _served(server)
        for name in sorted(sdk_versions.keys() | server_versions.keys()):
            if name not in sdk_versions:
                message = "version served by the server, not in the SDK's CRD"
                self.add(name, "", Change.VERSION_SERVER_ONLY, message, server=name)
            elif name not in server_versions:
                message = "version served in the SDK's CRD, not by the server"
                self.add(name, "", Change.VERSION_SDK_ONLY, message, sdk=name)
            else:
                self.version(name, sdk_versions[name], server_versions[name])
        sdk_storage, server_storage = _storage_version(sdk), _storage_version(server)
        if sdk_storage != server_storage:
            self.add(
                None,
                "storage",
                Change.STORAGE_VERSION,
                _differs("storage version", sdk_storage, server_storage),
                sdk=sdk_storage,
                server=server_storage,
            )

    def names(self, sdk: Mapping[str, Any], server: Mapping[str, Any]) -> None:
        for field in sdk:
            path = f"names.{field}"
            if field in ("shortNames", "categories"):
                message = _set_difference(field, sdk[field], server[field])
            elif sdk[field] != server[field]:
                message = _differs(field, sdk[field], server[field])
            else:
                message = None
            if message:
                self.add(None, path, Change.NAMES, message, sdk=sdk[field], server=server[field])

    def version(self, name: str, sdk: Mapping[str, Any], server: Mapping[str, Any]) -> None:
        for field in ("deprecated", "deprecationWarning"):
            a, b = sdk.get(field) or None, server.get(field) or None
            if a != b:
                self.add(name, field, Change.VERSION_FIELD, _differs(field, a, b), sdk=a, server=b)
        a, b = sdk.get("selectableFields") or [], server.get("selectableFields") or []
        if message := _set_difference("selectableFields", a, b):
            self.add(name, "selectableFields", Change.VERSION_FIELD, message, sdk=a, server=b)
        self.subresources(name, sdk.get("subresources") or {}, server.get("subresources") or {})
        self.printer_columns(
            name,
            sdk.get("additionalPrinterColumns") or [],
            server.get("additionalPrinterColumns") or [],
        )
        sdk_schema = (sdk.get("schema") or {}).get("openAPIV3Schema") or {}
        server_schema = (server.get("schema") or {}).get("openAPIV3Schema") or {}
        self.schema(name, "", _normal_schema(sdk_schema), _normal_schema(server_schema))

    def subresources(self, version: str, sdk: Mapping[str, Any], server: Mapping[str, Any]) -> None:
        for key in sorted(sdk.keys() | server.keys()):
            a, b = sdk.get(key), server.get(key)
            a = {k: v for k, v in a.items() if v is not None} if isinstance(a, Mapping) else a
            b = {k: v for k, v in b.items() if v is not None} if isinstance(b, Mapping) else b
            if _canonical(a) != _canonical(b):
                message = _differs(f"{key} subresource", a, b)
                path = f"subresources.{key}"
                self.add(version, path, Change.SUBRESOURCE, message, sdk=a, server=b)

    def printer_columns(
        self, version: str, sdk: Iterable[Mapping[str, Any]], server: Iterable[Mapping[str, Any]]
    ) -> None:
        sdk_columns = {str(c.get("name")): _normal_column(c) for c in sdk}
        server_columns = {str(c.get("name")): _normal_column(c) for c in server}
        for name in sorted(sdk_columns.keys() | server_columns.keys()):
            a, b = sdk_columns.get(name), server_columns.get(name)
            if _canonical(a) != _canonical(b):
                message = _differs_by_field(f"printer column {name}", a, b)
                path = f"additionalPrinterColumns[{name}]"
                self.add(version, path, Change.PRINTER_COLUMN, message, sdk=a, server=b)

    # -- the schema --

    def schema(
        self, version: str, path: str, sdk: Mapping[str, Any], server: Mapping[str, Any]
    ) -> None:
        for keyword in sorted(sdk.keys() | server.keys()):
            a, b = sdk.get(keyword), server.get(keyword)
            if keyword == "properties":
                self.properties(version, path, a or {}, b or {})
            elif keyword in ("items", "additionalProperties") and (
                isinstance(a, Mapping) or isinstance(b, Mapping)
            ):
                self.subschema(version, path, keyword, a, b)
            elif keyword == "required":
                self.required(version, path, a or [], b or [])
            elif keyword == "x-kubernetes-validations":
                self.validations(version, path, a or [], b or [])
            elif keyword in _SCHEMA_LISTS or keyword in _UNORDERED:
                message = _set_difference(keyword, a or [], b or [])
                if message and (a is None or b is None):
                    message = _differs(keyword, a, b)
                if message:
                    self.keyword(version, path, keyword, a, b, message)
            elif _canonical(a) != _canonical(b):
                self.keyword(version, path, keyword, a, b, _differs(keyword, a, b))

    def keyword(
        self, version: str, path: str, keyword: str, sdk: Any, server: Any, message: str
    ) -> None:
        if keyword.startswith("x-kubernetes-"):
            change = Change.EXTENSION
        else:
            change = _CHANGE_BY_KEYWORD.get(keyword, Change.KEYWORD)
        self.add(version, path, change, message, keyword=keyword, sdk=sdk, server=server)

    def properties(
        self, version: str, path: str, sdk: Mapping[str, Any], server: Mapping[str, Any]
    ) -> None:
        for name in sorted(sdk.keys() | server.keys()):
            child = _join(path, name)
            if name not in sdk:
                message = f"property only on the server{_describe_schema(server[name])}"
                self.add(version, child, Change.SERVER_ONLY, message, server=server[name])
            elif name not in server:
                message = f"property only in the SDK{_describe_schema(sdk[name])}"
                self.add(version, child, Change.SDK_ONLY, message, sdk=sdk[name])
            else:
                self.schema(version, child, sdk[name], server[name])

    def subschema(self, version: str, parent: str, keyword: str, sdk: Any, server: Any) -> None:
        """``items`` or ``additionalProperties`` of ``parent``: a schema on one side at least."""
        path = parent + ("[]" if keyword == "items" else "{}")
        what = "array item schema" if keyword == "items" else "additionalProperties schema"
        if isinstance(sdk, Mapping) and isinstance(server, Mapping):
            self.schema(version, path, sdk, server)
        elif sdk is None:
            message = f"{what} only on the server{_describe_schema(server)}"
            self.add(version, path, Change.SERVER_ONLY, message, keyword=keyword, server=server)
        elif server is None:
            message = f"{what} only in the SDK{_describe_schema(sdk)}"
            self.add(version, path, Change.SDK_ONLY, message, keyword=keyword, sdk=sdk)
        else:  # a schema on one side, true/false (or a list of item schemas) on the other
            self.keyword(version, parent, keyword, sdk, server, _differs(keyword, sdk, server))

    def required(self, version: str, path: str, sdk: Iterable[str], server: Iterable[str]) -> None:
        sdk_names, server_names = set(sdk), set(server)
        for name in sorted(server_names - sdk_names):
            message = "required on the server, optional in the SDK"
            self.add(
                version,
                _join(path, name),
                Change.REQUIRED_SERVER_ONLY,
                message,
                keyword="required",
                sdk=False,
                server=True,
            )
        for name in sorted(sdk_names - server_names):
            message = "required in the SDK, optional on the server"
            self.add(
                version,
                _join(path, name),
                Change.REQUIRED_SDK_ONLY,
                message,
                keyword="required",
                sdk=True,
                server=False,
            )

    def validations(
        self, version: str, path: str, sdk: Iterable[Any], server: Iterable[Any]
    ) -> None:
        """CEL rules, matched by their expression (``rule``)."""

        def by_rule(rules: Iterable[Any]) -> dict[str, Any]:
            return {
                str(rule.get("rule")) if isinstance(rule, Mapping) else _canonical(rule): rule
                for rule in rules
            }

        sdk_rules, server_rules = by_rule(sdk), by_rule(server)
        keyword = "x-kubernetes-validations"
        for rule in sorted(sdk_rules.keys() | server_rules.keys()):
            a, b = sdk_rules.get(rule), server_rules.get(rule)
            if a is None:
                message = f"CEL rule only on the server: {rule}"
                change = Change.VALIDATION_SERVER_ONLY
            elif b is None:
                message = f"CEL rule only in the SDK: {rule}"
                change = Change.VALIDATION_SDK_ONLY
            elif _canonical(a) != _canonical(b):
                message = _differs_by_field(f"CEL rule {rule}", a, b)
                change = Change.VALIDATION_CHANGED
            else:
                continue
            self.add(version, path, change, message, keyword=keyword, sdk=a, server=b)


def compare_crds(sdk_crd: Mapping[str, Any], server_crd: Mapping[str, Any]) -> list[Finding]:
    """Every difference between the SDK's manifest of a CRD and the server's, sorted.

    Compares scope, names, the served versions, the storage version and, for each version
    served on both sides, its subresources, printer columns, deprecation, selectable fields
    and openAPIV3Schema (recursively, ignoring descriptions and meaningless order). The kind
    reported is the SDK's. Raises :class:`CrdManifestError` when either manifest is not a
    CustomResourceDefinition with names, a group and a list of named versions.
    """
    sdk_spec = _spec(sdk_crd, "sdk_crd")
    server_spec = _spec(server_crd, "server_crd")
    comparison = _Comparison(str(sdk_spec["names"]["kind"]))
    comparison.crd(sdk_spec, server_spec)
    return sorted_findings(comparison.findings)
