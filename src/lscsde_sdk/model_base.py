"""The base class every generated model derives from.

It gives all models the same behaviour:

* fields are snake_case in Python with the schema's camelCase as alias; either name is
  accepted on input, and dumps use the alias;
* :meth:`ResourceModel.to_api` dumps only what was set (no nulls the user never wrote), with
  dates and times in the server's format;
* data from the user is checked strictly: an unknown field is an error naming it, so typos do
  not vanish into server-side pruning;
* data read from the API server (validated with :data:`FROM_SERVER`) keeps unknown fields as
  extras, so an object written by a newer CRD survives a read-modify-replace unchanged;
* "one of these fields is required" rules (the CRDs' ``anyOf`` lists), which the generator
  records under ``x-any-of-required`` in the class config, are checked after validation.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, ClassVar, Self

from pydantic import BaseModel, ConfigDict, ValidationInfo, model_validator

#: Validation context for payloads that came from the API server.
FROM_SERVER: Mapping[str, Any] = {"lscsde.source": "server"}

_ANY_OF_REQUIRED_KEY = "x-any-of-required"


def _from_server(info: ValidationInfo) -> bool:
    context = info.context
    return isinstance(context, Mapping) and context.get("lscsde.source") == "server"


@dataclass(frozen=True)
class _SchemaRules:
    """Per-class facts for the checks below."""

    known_names: frozenset[str]  # schema (alias) and attribute names accepted on input
    schema_names: tuple[str, ...]  # for error messages
    # anyOf alternatives: (schema name, attribute name or None when not declared)
    any_of_required: tuple[tuple[tuple[str, str | None], ...], ...]

    @classmethod
    def of(cls, model: type[BaseModel]) -> _SchemaRules:
        if not model.__pydantic_complete__:
            # A nested model validated through its parent may not have resolved its own
            # forward references (and so its aliases) yet.
            model.model_rebuild()
        by_alias = {(field.alias or name): name for name, field in model.model_fields.items()}
        extra = model.model_config.get("json_schema_extra")
        alternatives = extra.get(_ANY_OF_REQUIRED_KEY, ()) if isinstance(extra, dict) else ()
        return cls(
            known_names=frozenset(by_alias) | frozenset(model.model_fields),
            schema_names=tuple(sorted(by_alias)),
            any_of_required=tuple(
                tuple((str(prop), by_alias.get(str(prop))) for prop in alternative)  # type: ignore[union-attr]
                for alternative in alternatives  # type: ignore[union-attr]
            ),
        )


class ResourceModel(BaseModel):
    """Common configuration and checks for the AWMS models."""

    model_config = ConfigDict(
        validate_by_name=True,
        validate_by_alias=True,
        serialize_by_alias=True,
        extra="allow",
        validate_assignment=True,
        # The generator writes field descriptions as attribute docstrings.
        use_attribute_docstrings=True,
    )

    __lscsde_rules__: ClassVar[_SchemaRules]

    @classmethod
    def _schema_rules(cls) -> _SchemaRules:
        # Computed on first use: while a class is being defined its forward references (and
        # so the aliases of those fields) are not resolved yet.
        rules = cls.__dict__.get("__lscsde_rules__")
        if rules is None:
            rules = _SchemaRules.of(cls)
            cls.__lscsde_rules__ = rules
        return rules

    @model_validator(mode="before")
    @classmethod
    def _check_user_input(cls, data: Any, info: ValidationInfo) -> Any:
        # What the server sent is valid by construction (and may hold newer fields).
        if not isinstance(data, Mapping) or _from_server(info):
            return data
        rules = cls._schema_rules()
        unknown = [key for key in data if key not in rules.known_names]
        if unknown:
            raise ValueError(
                f"unknown field(s) {', '.join(map(repr, unknown))} for {cls.__name__}; "
                f"known fields: {', '.join(rules.schema_names)}"
            )
        return data

    @model_validator(mode="after")
    def _check_any_of_required(self, info: ValidationInfo) -> Self:
        alternatives = type(self)._schema_rules().any_of_required
        if not alternatives or _from_server(info):
            return self
        extras = self.model_extra or {}
        for alternative in alternatives:
            if all(
                (getattr(self, attr) if attr else extras.get(schema_name)) is not None
                for schema_name, attr in alternative
            ):
                return self
        choices = " or ".join(" and ".join(name for name, _ in alt) for alt in alternatives)
        raise ValueError(f"{type(self).__name__} needs {choices} to be set")

    def to_api(self) -> dict[str, Any]:
        """The JSON-ready dict the API server expects: aliases, set fields only."""
        return self.model_dump(mode="json", by_alias=True, exclude_unset=True)

    @classmethod
    def from_api(cls, data: Mapping[str, Any]) -> Self:
        """Validate a payload read from the API server (unknown fields are kept)."""
        return cls.model_validate(data, context=FROM_SERVER)
