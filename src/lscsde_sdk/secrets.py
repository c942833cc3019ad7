"""Values that are secrets: kept and sent as they are, never shown.

The generator types the schema paths listed in ``codegen/secret_fields.yaml`` (and string
properties with ``format: password``) as :data:`Secret`, a :class:`pydantic.SecretStr`:

* ``repr()`` and ``str()`` of the value, and of every model holding it, show ``'**********'``;
* :meth:`~lscsde_sdk.model_base.ResourceModel.to_api` (and every JSON dump) sends the real
  value, so the API server, read-modify-write and the compat layer keep it;
* ``value.get_secret_value()`` is the real value; ``model_dump()`` keeps the ``SecretStr``.

Objects at the paths of that file are references to secrets (they name a Kubernetes Secret);
the generated models register their classes with :func:`secret_references`. In an object that
can hold either (:func:`holds_secret`), fields the models do not know (read from the server,
kept for the round trip) show no value in ``repr()`` and ``str()``: one may be a secret that a
newer CRD release added.

A ``ValidationError`` would still show the input it rejected, and pydantic reports a missing
or unknown field with the whole object around it as input. :func:`redacted` rewrites such an
error so that its inputs show :data:`MASK` for every value at a secret path, for the value of
every field the model does not know (a token pasted into a misspelt field is as secret as one
in the right place), and for a value of the wrong shape where a secret or a reference to one
could be (a connection string given as a plain string, a token given in place of its
reference); the models apply it to every error they raise.

What the API server answers is masked by :mod:`lscsde_sdk.core.redaction`, told the same
paths by the generated clients (their ``secret_paths``).
"""

from __future__ import annotations

import typing
from collections.abc import Iterator, Mapping, Sequence
from typing import Annotated, Any

from pydantic import BaseModel, PlainSerializer, RootModel, SecretStr, ValidationError
from pydantic_core import InitErrorDetails, PydanticCustomError

from .core.redaction import MASK
from .type_hints import leaf_types

__all__ = ["MASK", "Secret", "holds_secret", "is_secret", "redacted", "secret_references"]


def _reveal(value: SecretStr) -> str:
    return value.get_secret_value()


#: A string that is a secret (see the module doc).
Secret = Annotated[SecretStr, PlainSerializer(_reveal, return_type=str, when_used="json")]

# Error types whose input is the object holding ``loc``'s last step, not the value at ``loc``.
_INPUT_IS_PARENT = frozenset({"missing", "missing_argument", "missing_keyword_only_argument"})
# Nothing legitimate nests this deep; bounds the walk over hostile input.
_MAX_WALK = 200


_REFERENCES: set[type[BaseModel]] = set()
# Model -> whether a secret or a reference to one is somewhere inside it.
_HOLDS_SECRET: dict[type[BaseModel], bool] = {}


def secret_references(*models: type[BaseModel]) -> None:
    """Register ``models`` as references to secrets (see the module doc)."""
    _REFERENCES.update(models)
    _HOLDS_SECRET.clear()


def is_secret(annotation: Any) -> bool:
    """Whether a field annotated ``annotation`` holds a :data:`Secret`."""
    return any(
        isinstance(leaf, type) and issubclass(leaf, SecretStr) for leaf in leaf_types(annotation)
    )


def holds_secret(model: type[BaseModel]) -> bool:
    """Whether an object of ``model`` can hold a :data:`Secret` or a reference to one, at any
    depth (the models do not show the values of its unknown fields)."""
    return any(_model_holds_secret(found) for found in _models(model))


def redacted(model: type[BaseModel], error: ValidationError) -> ValidationError:
    """``error`` (raised validating input for ``model``) with each input's secrets and unknown
    fields' values replaced by :data:`MASK`; ``error`` itself when nothing had to change."""
    details = error.errors()
    rebuilt: list[InitErrorDetails] = []
    changed = False
    for detail in details:
        loc = tuple(detail["loc"])
        where = loc[:-1] if detail["type"] in _INPUT_IS_PARENT else loc
        annotation = _annotation_at(model, where)
        given = detail["input"]
        masked = _hidden(given) if annotation is _UNKNOWN else _masked(annotation, given, 0)
        changed = changed or masked is not given
        rebuilt.append(
            {
                # The message is already rendered; braces in it are not a template.
                "type": PydanticCustomError(
                    detail["type"], detail["msg"].replace("{", "{{").replace("}", "}}")
                ),
                "loc": loc,
                "input": masked,
            }
        )
    if not changed:
        return error
    return ValidationError.from_exception_data(error.title, rebuilt)


# -- where in a model a location is ------------------------------------------------------------


class _Unknown:
    """The annotation of a location no field describes (an unknown field)."""


_UNKNOWN: Any = _Unknown()


def _annotation_at(model: type[BaseModel], loc: tuple[str | int, ...]) -> Any:
    annotation: Any = model
    for step in loc:
        annotation = _step(annotation, step)
        if annotation is _UNKNOWN:
            return _UNKNOWN
    return annotation


def _step(annotation: Any, step: str | int) -> Any:
    """The annotation of ``step`` inside a value annotated ``annotation``. Steps pydantic adds
    for the members of a union of scalars (``'int'``, ``'function-after[...]'``) leave the
    annotation as it is."""
    models = list(_models(annotation))
    for model in models:
        if isinstance(step, str):
            field = _field(model, step)
            if field is not None:
                return field
    for leaf in leaf_types(annotation):
        origin = typing.get_origin(leaf)
        if isinstance(step, int) and origin in (list, tuple, Sequence):
            return typing.get_args(leaf)[0]
        if isinstance(step, str) and origin in (dict, Mapping):
            return typing.get_args(leaf)[1]
    if isinstance(step, str) and models:
        # A union of models is stepped into by the member's name (or its tag, the kind);
        # any other name is a field the models do not know.
        tagged = [model for model in models if model.__name__ == step]
        return tagged[0] if tagged else _UNKNOWN
    return annotation


def _field(model: type[BaseModel], name: str) -> Any | None:
    if issubclass(model, RootModel):
        return None
    for field_name, info in model.__pydantic_fields__.items():
        if name in (field_name, info.alias):
            return info.annotation
    return None


def _models(annotation: Any) -> Iterator[type[BaseModel]]:
    for leaf in leaf_types(annotation):
        if isinstance(leaf, type) and issubclass(leaf, BaseModel):
            if issubclass(leaf, RootModel):
                yield from _models(leaf.model_fields["root"].annotation)
            else:
                yield leaf


# -- masking an input ---------------------------------------------------------------------------


def _masked(annotation: Any, value: Any, depth: int) -> Any:
    """``value`` (validated as ``annotation``) with secrets and unknown fields' values masked;
    ``value`` itself when there is nothing to mask."""
    if value is None:
        return None
    if is_secret(annotation) or depth > _MAX_WALK:
        return _hidden(value, depth)
    models = list(_models(annotation))
    if models and isinstance(value, Mapping):
        out: dict[Any, Any] = {}
        for key, item in value.items():
            field = next(
                (found for model in models if (found := _field(model, str(key))) is not None),
                None,
            )
            out[key] = _hidden(item, depth) if field is None else _masked(field, item, depth + 1)
        return out if any(out[key] is not value[key] for key in value) else value
    for leaf in leaf_types(annotation):
        origin = typing.get_origin(leaf)
        if origin in (list, tuple, Sequence) and isinstance(value, list | tuple):
            inner = typing.get_args(leaf)[0]
            items = [_masked(inner, item, depth + 1) for item in value]
            return items if any(a is not b for a, b in zip(items, value, strict=True)) else value
        if origin in (dict, Mapping) and isinstance(value, Mapping):
            inner = typing.get_args(leaf)[1]
            mapped = {key: _masked(inner, item, depth + 1) for key, item in value.items()}
            return mapped if any(mapped[key] is not value[key] for key in value) else value
    # A value of another shape than the annotation's (a string where a connection belongs, a
    # mapping where a list does): where its parts would go cannot be told, so when a secret
    # could be among them, all of it is masked.
    return _hidden(value, depth) if _can_hold_secret(annotation) else value


def _hidden(value: Any, depth: int = 0) -> Any:
    """``value`` with every scalar in it masked; lists and mappings keep their shape (and the
    mappings their keys), so an error about a list given where a string belongs still shows
    a list."""
    if value is None:
        return None
    if depth > _MAX_WALK:
        return MASK
    if isinstance(value, list | tuple):
        return [_hidden(item, depth + 1) for item in value]
    if isinstance(value, Mapping):
        return {key: _hidden(item, depth + 1) for key, item in value.items()}
    return MASK


def _can_hold_secret(annotation: Any) -> bool:
    """Whether a value annotated ``annotation`` can hold a :data:`Secret` somewhere inside."""
    for leaf in leaf_types(annotation):
        if is_secret(leaf):
            return True
        if isinstance(leaf, type) and issubclass(leaf, BaseModel):
            if any(_model_holds_secret(model) for model in _models(leaf)):
                return True
            continue
        origin, args = typing.get_origin(leaf), typing.get_args(leaf)
        if origin in (list, tuple, Sequence) and args and _can_hold_secret(args[0]):
            return True
        if origin in (dict, Mapping) and len(args) == 2 and _can_hold_secret(args[1]):
            return True
    return False


def _model_holds_secret(model: type[BaseModel]) -> bool:
    if model in _REFERENCES:
        return True
    known = _HOLDS_SECRET.get(model)
    if known is None:
        _HOLDS_SECRET[model] = False  # a model that contains itself adds nothing
        known = any(
            _can_hold_secret(info.annotation) for info in model.__pydantic_fields__.values()
        )
        _HOLDS_SECRET[model] = known
    return known
