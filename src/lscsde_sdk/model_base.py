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

from collections.abc import Iterable, Mapping
from typing import Any, ClassVar, Generic, Self, TypeVar

from pydantic import BaseModel, ConfigDict, RootModel, ValidationError

from .core.errors import UnknownFieldError
from .input_errors import ExtraMode, strictly, user_input
from .rule_checks import (
    MAX_FREE_FORM_DEPTH,
    known_names,
    raise_rule_violations,
    rule_violations,
)
from .schema_rules import NO_RULES, SchemaRules
from .secrets import MASK, holds_secret, redacted

__all__ = [
    "MAX_FREE_FORM_DEPTH",
    "ResourceModel",
    "ResourceUnion",
    "parsed_from_api",
    "rule_violations",
]

ModelT = TypeVar("ModelT", bound=BaseModel)


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
        strictly(
            type(self),
            data,
            lambda extra: validator.validate_python(data, self_instance=self, extra=extra),
        )
        raise_rule_violations(self)

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
        model: Self = user_input(
            cls, obj, strict, extra, from_attributes, context, by_alias, by_name
        )
        raise_rule_violations(model)
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
        model: Self = strictly(
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
        raise_rule_violations(model)
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
            strictly(
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
        raise UnknownFieldError(cls.__name__, (name,), known_names(cls))

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
        union: Self = user_input(
            cls, obj, strict, extra, from_attributes, context, by_alias, by_name
        )
        if isinstance(union.root, BaseModel):
            raise_rule_violations(union.root)
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
