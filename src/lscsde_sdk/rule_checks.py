"""The checks of user input beyond field types: the schema's "which fields must be set"
rules and unique list items (:mod:`lscsde_sdk.schema_rules`), and how deep free-form data may
nest. :class:`~lscsde_sdk.model_base.ResourceModel` runs them on every object a user makes.
"""

from __future__ import annotations

import typing
from collections.abc import Mapping
from functools import cache
from typing import Any

from pydantic import BaseModel, ValidationError
from pydantic_core import InitErrorDetails, PydanticCustomError

from .schema_rules import NO_RULES, SchemaRules

__all__ = [
    "MAX_FREE_FORM_DEPTH",
    "Loc",
    "attributes_by_schema_name",
    "error_details",
    "known_names",
    "raise_rule_violations",
    "rule_violations",
]

Loc = tuple[str | int, ...]

#: How many levels of maps and lists a free-form field (one the schema leaves open, such as
#: ``roCrate.spec``) may hold. Deeper data could not be sent: the JSON serialiser stops at a
#: fixed depth (about 250 levels, counted from the object's root).
MAX_FREE_FORM_DEPTH: typing.Final = 100


def rule_violations(
    model: BaseModel, loc: Loc = (), *, recurse_into: str | None = None
) -> list[InitErrorDetails]:
    """Where ``model`` (and everything in it) breaks its classes' :class:`SchemaRules`: the
    "which fields must be set" rules and duplicate items in set/map lists. Empty: none.

    With ``recurse_into`` (an attribute name) only ``model``'s own rules and that field's
    value are checked, for an assignment to that field.
    """
    found: list[InitErrorDetails] = []
    _collect_violations(model, loc, found, recurse_into)
    return found


def _collect_violations(
    model: BaseModel, loc: Loc, found: list[InitErrorDetails], only_field: str | None = None
) -> None:
    cls = type(model)
    rules: SchemaRules = getattr(cls, "__schema_rules__", NO_RULES)
    if rules.checked_on_input:
        attributes = attributes_by_schema_name(cls)
        extras = model.__pydantic_extra__ or {}

        def value_of(name: str) -> Any:
            attribute = attributes.get(name)
            return getattr(model, attribute) if attribute else extras.get(name)

        for rule in rules.required:
            if not rule.holds(lambda name: value_of(name) is not None):
                found.append(
                    error_details("required_fields", loc, rule.message(cls.__name__), model)
                )
        for prop, list_type in rules.list_types.items():
            items = value_of(prop)
            if isinstance(items, list):
                index = list_type.duplicate(items, _key_of)
                if index is not None:
                    what = (
                        f"the same {', '.join(list_type.map_keys)}"
                        if list_type.type == "map"
                        else "the same value"
                    )
                    found.append(
                        error_details(
                            "duplicate_list_item",
                            (*loc, prop, index),
                            f"{prop} is a list of unique items ({list_type.type}); item {index} "
                            f"has {what} as an earlier one",
                            items[index],
                        )
                    )
    for name, field in cls.__pydantic_fields__.items():
        if only_field is not None and name != only_field:
            continue
        value = model.__dict__.get(name)
        if isinstance(value, dict | list) and _deeper_than(value, MAX_FREE_FORM_DEPTH):
            # The data itself is not the error's input: its repr would nest as deep.
            message = f"nests more than {MAX_FREE_FORM_DEPTH} levels of maps and lists"
            found.append(error_details("too_deep", (*loc, field.alias or name), message, message))
        elif value is not None and not isinstance(value, str | int | float | bool):
            _collect_in_value(value, (*loc, field.alias or name), found)


def _collect_in_value(value: Any, loc: Loc, found: list[InitErrorDetails]) -> None:
    if isinstance(value, BaseModel):
        _collect_violations(value, loc, found)
    elif isinstance(value, list | tuple):
        for index, item in enumerate(value):
            if isinstance(item, BaseModel | list | tuple | dict):
                _collect_in_value(item, (*loc, index), found)
    elif isinstance(value, dict):
        for key, item in value.items():
            if isinstance(item, BaseModel):
                _collect_violations(item, (*loc, str(key)), found)


def _deeper_than(value: Any, levels: int) -> bool:
    """Whether ``value`` holds more than ``levels`` levels of dicts and lists (models inside
    it are checked on their own); stops looking at ``levels``."""
    if not isinstance(value, dict | list):
        return False
    if levels == 0:
        return True
    items = value.values() if isinstance(value, dict) else value
    return any(_deeper_than(item, levels - 1) for item in items)


def _key_of(item: Any, name: str) -> Any:
    if isinstance(item, BaseModel):
        attribute = attributes_by_schema_name(type(item)).get(name)
        if attribute is not None:
            return getattr(item, attribute)
        return (item.__pydantic_extra__ or {}).get(name)
    return item.get(name) if isinstance(item, Mapping) else None


def error_details(kind: str, loc: Loc, message: str, value: Any) -> InitErrorDetails:
    # Braces in a message would be read as a template by pydantic-core.
    escaped = message.replace("{", "{{").replace("}", "}}")
    return {"type": PydanticCustomError(kind, escaped), "loc": loc, "input": value}


def raise_rule_violations(model: BaseModel) -> None:
    found = rule_violations(model)
    if found:
        raise ValidationError.from_exception_data(type(model).__name__, found)


@cache
def attributes_by_schema_name(cls: type[BaseModel]) -> dict[str, str]:
    return {(field.alias or name): name for name, field in cls.__pydantic_fields__.items()}


def known_names(cls: type[BaseModel]) -> tuple[str, ...]:
    return tuple(sorted(attributes_by_schema_name(cls)))
