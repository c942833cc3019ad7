"""What a generated model knows about its schema beyond the types of its fields.

This is the contract between the code generator and the runtime: ``codegen`` writes one
:class:`SchemaRules` per generated class that has any (``Class.__schema_rules__ = ...`` at the
end of each generated models module), and :mod:`lscsde_sdk.model_base` reads them. Nothing here
reaches ``model_json_schema()``.

* :class:`RequiredRule`: "which properties must be present" rules, the CRDs' ``anyOf`` /
  ``oneOf`` / ``allOf`` / ``not`` blocks that only list ``required`` properties. Checked on
  user input and before writes; the server checks them again.
* :class:`ListType`: ``x-kubernetes-list-type`` (and ``x-kubernetes-list-map-keys``): ``set``
  lists hold unique items and ``map`` lists unique keys. Checked on user input.
* :class:`ValidationRule`: ``x-kubernetes-validations`` (CEL). Carried as data and shown in
  the docs; the API server is their enforcer (a violation is an ``InvalidError`` naming the
  rule's message).
* ``map_types``: ``x-kubernetes-map-type`` of map-valued properties, which only changes how
  server-side apply merges them.
* ``preserve_unknown_fields``: the object keeps fields its schema does not declare, so unknown
  fields are not an error there.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

__all__ = ["ListType", "RequiredRule", "SchemaRules", "ValidationRule"]

Combinator = Literal["anyOf", "oneOf", "allOf", "not"]


@dataclass(frozen=True)
class RequiredRule:
    """A rule over which properties (schema names) must be present.

    ``alternatives`` are the ``required`` lists of the blocks: ``anyOf`` holds when at least one
    list is fully present, ``oneOf`` when exactly one is, ``allOf`` when all are, and ``not``
    (one list) when that list is not fully present.
    """

    combinator: Combinator
    alternatives: tuple[tuple[str, ...], ...]

    def holds(self, present: Callable[[str], bool]) -> bool:
        """Whether the rule holds, given which properties are present."""
        satisfied = [all(present(name) for name in names) for names in self.alternatives]
        if self.combinator == "anyOf":
            return any(satisfied)
        if self.combinator == "oneOf":
            return satisfied.count(True) == 1
        if self.combinator == "allOf":
            return all(satisfied)
        return not any(satisfied)

    def message(self, class_name: str) -> str:
        """What a violation says, e.g. ``X needs a or b to be set``."""
        choices = [" and ".join(names) for names in self.alternatives]
        if self.combinator == "anyOf":
            return f"{class_name} needs {' or '.join(choices)} to be set"
        if self.combinator == "oneOf":
            return f"{class_name} needs exactly one of {' or '.join(choices)} to be set"
        if self.combinator == "allOf":
            return f"{class_name} needs {' and '.join(choices)} to be set"
        return f"{class_name} must not have {' and '.join(choices)} set together"


@dataclass(frozen=True)
class ListType:
    """``x-kubernetes-list-type`` of an array property, with its map keys for ``map``."""

    type: Literal["atomic", "set", "map"]
    map_keys: tuple[str, ...] = ()

    def duplicate(self, items: list[Any], key_of: Callable[[Any, str], Any]) -> int | None:
        """The index of the first item that repeats an earlier one (by value for ``set``, by
        the map keys for ``map``), or ``None``. ``key_of(item, schema_name)`` reads a key."""
        if self.type == "atomic":
            return None
        seen: list[Any] = []  # items may be unhashable (models, dicts)
        for index, item in enumerate(items):
            identity = (
                tuple(key_of(item, key) for key in self.map_keys) if self.type == "map" else item
            )
            if identity in seen:
                return index
            seen.append(identity)
        return None


@dataclass(frozen=True)
class ValidationRule:
    """One ``x-kubernetes-validations`` entry: a CEL rule the API server enforces."""

    rule: str
    message: str | None = None
    message_expression: str | None = None
    reason: str | None = None
    field_path: str | None = None
    optional_old_self: bool | None = None

    def describe(self) -> str:
        """The rule's message, or the rule itself when it has none."""
        return self.message or self.rule


@dataclass(frozen=True)
class SchemaRules:
    """Everything :mod:`lscsde_sdk.model_base` checks or carries for one generated class.

    Property keys are schema (camelCase) names.
    """

    required: tuple[RequiredRule, ...] = ()
    list_types: Mapping[str, ListType] = field(default_factory=dict)
    map_types: Mapping[str, Literal["granular", "atomic"]] = field(default_factory=dict)
    #: Rules on the object itself (``self`` is the object).
    validations: tuple[ValidationRule, ...] = ()
    #: Rules on one property (``self`` is the property's value).
    property_validations: Mapping[str, tuple[ValidationRule, ...]] = field(default_factory=dict)
    preserve_unknown_fields: bool = False

    @property
    def checked_on_input(self) -> bool:
        """Whether user input of the class needs any check beyond its field types."""
        return bool(self.required) or any(t.type != "atomic" for t in self.list_types.values())


#: The rules of a class for which the schema says nothing beyond field types.
NO_RULES = SchemaRules()
