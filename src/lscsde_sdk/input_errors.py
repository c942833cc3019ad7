"""Validation of user input that says what to fix: unknown fields are refused, reported once
per object with the fields its class knows; secrets and unknown fields' values are masked in
the error. Objects whose schema keeps unknown fields take them from users too.
"""

from __future__ import annotations

import typing
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any, TypeVar

from pydantic import BaseModel, RootModel, ValidationError
from pydantic_core import InitErrorDetails, PydanticCustomError

from .core.errors import UnknownFieldError
from .rule_checks import Loc, error_details, known_names
from .schema_rules import NO_RULES
from .secrets import redacted
from .type_hints import leaf_types

__all__ = ["ExtraMode", "strictly", "user_input"]

ExtraMode = typing.Literal["allow", "ignore", "forbid"]
_T = TypeVar("_T")


def user_input(
    cls: type[BaseModel],
    obj: Any,
    strict: bool | None,
    extra: ExtraMode | None,
    from_attributes: bool | None,
    context: Any | None,
    by_alias: bool | None,
    by_name: bool | None,
) -> Any:
    """``cls.model_validate`` of user input: strict unless ``extra`` says otherwise."""
    return strictly(
        cls,
        obj,
        lambda default: cls.__pydantic_validator__.validate_python(
            obj,
            strict=strict,
            extra=extra or default,
            from_attributes=from_attributes,
            context=context,
            by_alias=by_alias,
            by_name=by_name,
        ),
    )


def strictly(cls: type[BaseModel], data: Any, validate: Callable[[ExtraMode], _T]) -> _T:
    """``validate("forbid")``: user input with unknown fields is an error, explained.

    Objects whose schema keeps unknown fields (``x-kubernetes-preserve-unknown-fields``) take
    them from users too: when those are the only unknown fields, validation is repeated with
    them allowed.
    """
    # Errors show their inputs: secrets and unknown fields' values are masked there. They are
    # raised outside the except blocks, so that no unmasked error is their context.
    try:
        return validate("forbid")
    except ValidationError as error:
        open_extras_only = _only_open_extras(cls, error)
        failure = None if open_extras_only else redacted(cls, _explained(cls, error, data))
    if failure is None:
        try:
            return validate("allow")
        except ValidationError as error:
            failure = redacted(cls, error)
    raise failure


def _only_open_extras(cls: type[BaseModel], error: ValidationError) -> bool:
    details = error.errors()
    return all(
        detail["type"] == "extra_forbidden"
        and (owner := _model_at(cls, tuple(detail["loc"][:-1]))) is not None
        and getattr(owner, "__schema_rules__", NO_RULES).preserve_unknown_fields
        for detail in details
    )


def _explained(cls: type[BaseModel], error: ValidationError, data: Any) -> ValidationError:
    """``error`` with each object's unknown fields reported as one error at the object: which
    fields, of which class, and the fields it knows (pydantic reports each extra input
    separately as "Extra inputs are not permitted")."""
    details = error.errors()
    unknown: dict[Loc, list[str]] = {}
    for detail in details:
        if detail["type"] == "extra_forbidden" and detail["loc"]:
            unknown.setdefault(tuple(detail["loc"][:-1]), []).append(str(detail["loc"][-1]))
    if not unknown:
        return error
    rebuilt: list[InitErrorDetails] = []
    for parent, names in unknown.items():
        owner = _model_at(cls, parent)
        message = (
            str(UnknownFieldError(owner.__name__, tuple(names), known_names(owner)))
            if owner is not None
            else f"unknown field(s) {', '.join(map(repr, names))}"
        )
        rebuilt.append(error_details("unknown_field", parent, message, _value_at(data, parent)))
    for detail in details:
        if detail["type"] != "extra_forbidden":
            message = detail["msg"].replace("{", "{{").replace("}", "}}")
            rebuilt.append(
                {
                    "type": PydanticCustomError(detail["type"], message),
                    "loc": detail["loc"],
                    "input": detail["input"],
                }
            )
    return ValidationError.from_exception_data(error.title, rebuilt)


def _value_at(data: Any, loc: Loc) -> Any:
    for step in loc:
        if isinstance(data, Mapping) and step in data:
            data = data[step]
        elif isinstance(data, Sequence) and isinstance(step, int) and step < len(data):
            data = data[step]
        else:
            return None
    return data


def _model_at(cls: type[BaseModel], loc: Loc) -> type[BaseModel] | None:
    """The model class of the object at ``loc`` of an object of ``cls`` (as pydantic reports
    locations: aliases, list indexes, map keys, union tags); ``None`` if it cannot be told."""
    current: Any = cls
    for step in loc:
        current = _step_into(current, step)
        if current is None:
            return None
    candidates = list(_model_classes(current))
    return candidates[0] if len(candidates) == 1 else None


def _step_into(annotation: Any, step: str | int) -> Any:
    for model in _model_classes(annotation):
        if issubclass(model, RootModel):
            inner = model.model_fields["root"].annotation
            if isinstance(step, str) and (tagged := _tagged(inner, step)) is not None:
                return tagged
            continue
        for name, field in model.model_fields.items():
            if step in (name, field.alias):
                return field.annotation
        if (tagged := _tagged(annotation, str(step))) is not None:
            return tagged
    for arg in leaf_types(annotation):
        origin = typing.get_origin(arg)
        if origin in (list, tuple, Sequence) and isinstance(step, int):
            return typing.get_args(arg)[0]
        if origin in (dict, Mapping) and isinstance(step, str):
            return typing.get_args(arg)[1]
    return None


def _tagged(annotation: Any, tag: str) -> type[BaseModel] | None:
    for model in _model_classes(annotation):
        if model.__name__ == tag:
            return model
    return None


def _model_classes(annotation: Any) -> Iterator[type[BaseModel]]:
    for arg in leaf_types(annotation):
        if isinstance(arg, type) and issubclass(arg, BaseModel):
            yield arg
