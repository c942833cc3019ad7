"""Reading field annotations of the generated models."""

from __future__ import annotations

import types
import typing
from collections.abc import Iterator
from typing import Any

__all__ = ["leaf_types"]


def leaf_types(annotation: Any) -> Iterator[Any]:
    """The types ``annotation`` is made of: ``Annotated`` unwrapped, unions (``X | None``,
    ``Union[X, Y]``) split, anything else (``list[X]`` included) as it is."""
    origin = typing.get_origin(annotation)
    if origin is typing.Annotated:
        yield from leaf_types(typing.get_args(annotation)[0])
    elif origin in (typing.Union, types.UnionType):
        for arg in typing.get_args(annotation):
            yield from leaf_types(arg)
    else:
        yield annotation
