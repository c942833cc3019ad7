"""The base class every generated model derives from, and its two ways in.

**From the API server** (:meth:`ResourceModel.from_api_json`, :meth:`~ResourceModel.from_api`,
the same on :class:`ResourceUnion`, and the clients' list, get and watch parsing, all through
:func:`parsed_from_api`) objects are validated by pydantic-core alone: no Python code runs per
object or per nested model. Unknown fields (a newer CRD release) are kept as extras, so a
read-modify-write sends them back unchanged. An object that does not validate is a
``ValidationError`` whose inputs show no secret (:func:`lscsde_sdk.secrets.redacted`).

**From the user** (constructors, :meth:`~ResourceModel.model_validate`,
:meth:`~ResourceModel.model_validate_json`, attribute assignment) input is checked the way the
server will check it:

* an unknown field is an error naming it and the known fields (typos do not vanish into
  server-side pruning);
* dates, date-times and integers accept only the server's forms (:mod:`lscsde_sdk.wire_formats`);
* the schema's "which fields must be set" rules and list types (:mod:`lscsde_sdk.schema_rules`)
  hold.

Assignment validates only the assigned value, so an object read from the server can be edited
whatever unknown fields it carries; assigning a name that is neither a field nor one of those
fields is an :class:`~lscsde_sdk.errors.UnknownFieldError`.

Fields are snake_case in Python with the schema's camelCase as alias; either is accepted on
input and dumps use the alias. :meth:`ResourceModel.to_api` dumps only what was set.
"""

from __future__ import annotations

import typing
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from functools import cache
from typing import Any, ClassVar, Generic, Self, TypeVar

from pydantic import BaseModel, ConfigDict, RootModel, ValidationError
from pydantic_core import InitErrorDetails, PydanticCustomError

from .core.errors import UnknownFieldError
from .schema_rules import NO_RULES, SchemaRules
from .secrets import MASK, holds_secret, redacted
from .type_hints import leaf_types

__all__ = [
    "MAX_FREE_FORM_DEPTH",
    "ResourceModel",
    "ResourceUnion",
    "parsed_from_api",
    "rule_violations",
]

ExtraMode = typing.Literal["allow", "ignore", "forbid"]
Loc = tuple[str | int, ...]
ModelT = TypeVar("ModelT", bound=BaseModel)

#: How many levels of maps and lists a free-form field (one the schema leaves open, such as
#: ``roCrate.spec``) may hold. Deeper data could not be sent: the JSON serialiser stops at a
#: fixed depth (about 250 levels, counted from the object's root).
MAX_FREE_FORM_DEPTH: typing.Final = 100


class ResourceModel(BaseModel):
    """Common configuration and the user/server entry points of the AWMS models."""

    model_config = ConfigDict(
        validate_by_name=True,
        validate_by_alias=True,
        serialize_by_alias=True,
        # Extras are kept when reading from the server; user input forbids them per call.
        extra="allow",
        # The generator writes field descriptions as attribute docstrings.
        use_attribute_docstrings=True,
    )

    #: Set by the generator for classes whose schema has rules beyond field types.
    __schema_rules__: ClassVar[SchemaRules] = NO_RULES

    def __init__(self, /, **data: Any) -> None:
        __tracebackhide__ = True
        validator = self.__pydantic_validator__
        _strictly(
            type(self),
            data,
            lambda extra: validator.validate_python(data, self_instance=self, extra=extra),
        )
        _raise_rule_violations(self)

    # pydantic-core calls an overridden __init__ for every nested model it validates; this
    # marker tells pydantic ours is equivalent to its own there, so nested models and the
    # server path run no Python (the checks above are for what a user constructs).
    __init__.__pydantic_base_init__ = True  # type: ignore[attr-defined]

    @classmethod
    def model_validate(
        cls,
        obj: Any,
        *,
        strict: bool | None = None,
        extra: ExtraMode | None = None,
        from_attributes: bool | None = None,
        context: Any | None = None,
        by_alias: bool | None = None,
        by_name: bool | None = None,
    ) -> Self:
        """Validate user input strictly (unknown fields are an error unless ``extra`` says
        otherwise); for objects read from the API server use :meth:`from_api`."""
        __tracebackhide__ = True
        model: Self = _user_input(
            cls, obj, strict, extra, from_attributes, context, by_alias, by_name
        )
        _raise_rule_violations(model)
        return model

    @classmethod
    def model_validate_json(
        cls,
        json_data: str | bytes | bytearray,
        *,
        strict: bool | None = None,
        extra: ExtraMode | None = None,
        context: Any | None = None,
        by_alias: bool | None = None,
        by_name: bool | None = None,
    ) -> Self:
        """:meth:`model_validate` for JSON text; for server responses use
        :meth:`from_api_json`."""
        __tracebackhide__ = True
        model: Self = _strictly(
            cls,
            None,
            lambda default: cls.__pydantic_validator__.validate_json(
                json_data,
                strict=strict,
                extra=extra or default,
                context=context,
                by_alias=by_alias,
                by_name=by_name,
            ),
        )
        _raise_rule_violations(model)
        return model

    @classmethod
    def from_api(cls, data: Mapping[str, Any]) -> Self:
        """An object as the API server returned it, already parsed from JSON; unknown fields
        are kept and nothing beyond the types is checked (the server did)."""
        return parsed_from_api(cls, data)

    @classmethod
    def from_api_json(cls, body: str | bytes | bytearray) -> Self:
        """:meth:`from_api` straight from a response body (the fast path)."""
        return parsed_from_api(cls, body)

    def __setattr__(self, name: str, value: Any) -> None:
        cls = type(self)
        if name in cls.__pydantic_fields__:
            previous = self.__dict__.get(name)
            was_set = name in self.__pydantic_fields_set__
            extras = self.__pydantic_extra__
            validator = self.__pydantic_validator__
            # Only the assigned value is validated, strictly, as user input.
            _strictly(
                cls,
                {name: value},
                lambda extra: validator.validate_assignment(self, name, value, extra=extra),
            )
            # A strict assignment resets the object's extras; they are the server's, keep them.
            object.__setattr__(self, "__pydantic_extra__", extras)
            found = rule_violations(self, recurse_into=name)
            if found:
                self.__dict__[name] = previous  # an assignment that breaks a rule changes nothing
                if not was_set:
                    self.__pydantic_fields_set__.discard(name)
                raise ValidationError.from_exception_data(cls.__name__, found)
            return
        extras = self.__pydantic_extra__
        if extras is not None and name in extras:
            extras[name] = value  # a field this SDK does not know, read from the server
            return
        if name.startswith("_"):
            super().__setattr__(name, value)
            return
        raise UnknownFieldError(cls.__name__, (name,), _known_names(cls))

    def to_api(self) -> dict[str, Any]:
        """The JSON-ready dict the API server expects: aliases, set fields only."""
        return self.model_dump(mode="json", by_alias=True, exclude_unset=True)

    def __repr_args__(self) -> Iterable[tuple[str | None, Any]]:
        # In an object that can hold a secret, a field this SDK does not know may be one (a
        # newer CRD release's): its value is not shown (see lscsde_sdk.secrets).
        extras = self.__pydantic_extra__ if holds_secret(type(self)) else None
        for name, value in super().__repr_args__():
            yield name, MASK if extras and name in extras and value is not None else value


RootT = TypeVar("RootT")


class ResourceUnion(RootModel[RootT], Generic[RootT]):
    """Base of the generated union of kinds (``AwmsResource``): the same two ways in as
    :class:`ResourceModel`, for a manifest of any kind."""

    @classmethod
    def model_validate(
        cls,
        obj: Any,
        *,
        strict: bool | None = None,
        extra: ExtraMode | None = None,
        from_attributes: bool | None = None,
        context: Any | None = None,
        by_alias: bool | None = None,
        by_name: bool | None = None,
    ) -> Self:
        """Validate a manifest of any kind strictly, as :meth:`ResourceModel.model_validate`."""
        __tracebackhide__ = True
        union: Self = _user_input(
            cls, obj, strict, extra, from_attributes, context, by_alias, by_name
        )
        if isinstance(union.root, BaseModel):
            _raise_rule_violations(union.root)
        return union

    @classmethod
    def from_api(cls, data: Mapping[str, Any]) -> Self:
        """An object of any kind as the API server returned it (see
        :meth:`ResourceModel.from_api`)."""
        return parsed_from_api(cls, data)

    @classmethod
    def from_api_json(cls, body: str | bytes | bytearray) -> Self:
        """:meth:`from_api` straight from a response body."""
        return parsed_from_api(cls, body)


def parsed_from_api(
    model: type[ModelT], data: Mapping[str, Any] | str | bytes | bytearray
) -> ModelT:
    """``data`` (an object or a list as the API server returned it: parsed, or the JSON text)
    validated as ``model`` by pydantic-core alone; a ``ValidationError`` shows no secret of
    it (see :func:`lscsde_sdk.secrets.redacted`)."""
    validator = model.__pydantic_validator__
    try:
        if isinstance(data, str | bytes | bytearray):
            return validator.validate_json(data)  # type: ignore[no-any-return]
        return validator.validate_python(data)  # type: ignore[no-any-return]
    except ValidationError as error:
        failure = redacted(model, error)
    raise failure  # outside the except block: the unmasked error is not its context


# -- the checks of user input beyond field types -----------------------------------------------


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
        attributes = _attributes_by_schema_name(cls)
        extras = model.__pydantic_extra__ or {}

        def value_of(name: str) -> Any:
            attribute = attributes.get(name)
            return getattr(model, attribute) if attribute else extras.get(name)

        for rule in rules.required:
            if not rule.holds(lambda name: value_of(name) is not None):
                found.append(_error("required_fields", loc, rule.message(cls.__name__), model))
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
                        _error(
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
            found.append(_error("too_deep", (*loc, field.alias or name), message, message))
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
        attribute = _attributes_by_schema_name(type(item)).get(name)
        if attribute is not None:
            return getattr(item, attribute)
        return (item.__pydantic_extra__ or {}).get(name)
    return item.get(name) if isinstance(item, Mapping) else None


def _error(kind: str, loc: Loc, message: str, value: Any) -> InitErrorDetails:
    # Braces in a message would be read as a template by pydantic-core.
    escaped = message.replace("{", "{{").replace("}", "}}")
    return {"type": PydanticCustomError(kind, escaped), "loc": loc, "input": value}


def _raise_rule_violations(model: BaseModel) -> None:
    found = rule_violations(model)
    if found:
        raise ValidationError.from_exception_data(type(model).__name__, found)


# -- making pydantic's errors say what to fix ---------------------------------------------------


_T = TypeVar("_T")


def _user_input(
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
    return _strictly(
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


def _strictly(cls: type[BaseModel], data: Any, validate: Callable[[ExtraMode], _T]) -> _T:
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
            str(UnknownFieldError(owner.__name__, tuple(names), _known_names(owner)))
            if owner is not None
            else f"unknown field(s) {', '.join(map(repr, names))}"
        )
        rebuilt.append(_error("unknown_field", parent, message, _value_at(data, parent)))
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


@cache
def _attributes_by_schema_name(cls: type[BaseModel]) -> dict[str, str]:
    return {(field.alias or name): name for name, field in cls.__pydantic_fields__.items()}


def _known_names(cls: type[BaseModel]) -> tuple[str, ...]:
    return tuple(sorted(_attributes_by_schema_name(cls)))
