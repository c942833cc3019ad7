"""Secrets in the compat models, hidden as lscsde_sdk's models hide them.

The compat models keep the old library's value types, so a connection string is a plain
``str`` there. What is secret follows from lscsde_sdk's model of the same name (both are
generated from the same schemas, with the same class names): :class:`~._base.CompatModel`
shows those fields, and where a secret can be the fields it does not know, as
:data:`~lscsde_sdk.secrets.MASK` in ``repr()`` and ``str()``, and masks the inputs of its
``ValidationError`` s as :func:`lscsde_sdk.secrets.redacted` masks the SDK models' (secrets,
values of the wrong shape where one could be, unknown fields).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from typing import TypeVar

from pydantic import BaseModel, ValidationError

from lscsde_sdk.secrets import holds_secret, is_secret, redacted

__all__ = ["hides_unknown_fields", "masked_validation", "redacted_error", "secret_fields"]

_T = TypeVar("_T")


@cache
def _counterpart(name: str) -> type[BaseModel] | None:
    # Imported on first use: the SDK's models are not needed to import the compat ones.
    from lscsde_sdk import models

    found = getattr(models, name, None)
    return found if isinstance(found, type) and issubclass(found, BaseModel) else None


@cache
def secret_fields(model: type[BaseModel]) -> frozenset[str]:
    """The names of ``model``'s fields that hold secrets."""
    counterpart = _counterpart(model.__name__)
    if counterpart is None:
        return frozenset()
    return frozenset(
        name
        for name, info in counterpart.__pydantic_fields__.items()
        if name in model.__pydantic_fields__ and is_secret(info.annotation)
    )


@cache
def hides_unknown_fields(model: type[BaseModel]) -> bool:
    """Whether ``model``'s objects show no value of the fields they do not know, as the
    SDK's do where a secret can be (:func:`lscsde_sdk.secrets.holds_secret`)."""
    counterpart = _counterpart(model.__name__)
    return counterpart is not None and holds_secret(counterpart)


def redacted_error(model: type[BaseModel], error: ValidationError) -> ValidationError:
    """``error`` (raised validating input for the compat ``model``) with its inputs masked as
    for the SDK's model of that name; ``error`` itself for classes only the old library had
    (none holds a secret)."""
    counterpart = _counterpart(model.__name__)
    return error if counterpart is None else redacted(counterpart, error)


def masked_validation(model: type[BaseModel], validate: Callable[[], _T]) -> _T:
    """``validate()`` (validating input for ``model``), its ``ValidationError`` masked by
    :func:`redacted_error` and raised outside the except block, so that the unmasked error
    is not its context."""
    __tracebackhide__ = True
    try:
        return validate()
    except ValidationError as error:
        failure = redacted_error(model, error)
    raise failure
