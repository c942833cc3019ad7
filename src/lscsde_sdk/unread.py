""":class:`Unread`: the type of a field whose input is skipped, never turned into objects."""

from __future__ import annotations

from typing import Any

from pydantic import GetCoreSchemaHandler, GetJsonSchemaHandler
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import CoreSchema, PydanticOmit, core_schema

__all__ = ["Unread"]


class Unread:
    """The type of a field that is not read: whatever the input holds, the field is
    ``None`` and stays unset.

    pydantic-core checks the value against ``None`` and falls back to the default on the
    failure, so a list read from JSON never turns the value into Python objects (or into work
    for the garbage collector). JSON schemas (FastAPI's OpenAPI) leave it out. Never
    instantiated."""

    @classmethod
    def __get_pydantic_core_schema__(cls, source: Any, handler: GetCoreSchemaHandler) -> CoreSchema:
        return core_schema.with_default_schema(
            core_schema.none_schema(), default=None, on_error="default"
        )

    @classmethod
    def __get_pydantic_json_schema__(
        cls, schema: CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        raise PydanticOmit
