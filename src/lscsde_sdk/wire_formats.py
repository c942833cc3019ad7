"""Scalar types that accept only the value forms the API server accepts.

pydantic's lax mode would turn ``"2025-02-03T00:00:00"`` or a unix timestamp into a date,
``"1"`` or ``True`` into an integer, and then send the server a value the user never wrote.
The server accepts only ``YYYY-MM-DD`` for ``format: date``, RFC 3339 for ``format:
date-time`` and JSON integers for ``type: integer``. The generator types such fields with
:data:`Date`, :data:`DateTime` and :data:`Integer`, which accept exactly those forms (and
Python ``date``/aware ``datetime``/``int`` objects).

The checks are pydantic-core schemas, so validating a server response from JSON runs no
Python code for them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Annotated, Any

from pydantic import GetCoreSchemaHandler, GetJsonSchemaHandler
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import CoreSchema
from pydantic_core import core_schema as cs

__all__ = ["DATE_PATTERN", "DATE_TIME_PATTERN", "Date", "DateTime", "Integer", "WireFormat"]

DATE_PATTERN = r"^\d{4}-\d{2}-\d{2}$"
# RFC 3339 date-time: seconds required, optional fraction, a zone (Z or +hh:mm / -hh:mm).
DATE_TIME_PATTERN = r"^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$"
_ERROR_TYPE = "wire_format"


@dataclass(frozen=True)
class WireFormat:
    """Annotation that holds a scalar to the forms the server accepts (see the module doc).

    ``pattern``: the text form accepted, parsed by pydantic afterwards (``None``: no text
    form); ``json_format``: the JSON Schema ``format`` to advertise; ``aware``: a date-time
    must carry a time zone.
    """

    expected: str
    pattern: str | None = None
    json_format: str | None = None
    aware: bool = False

    def __get_pydantic_core_schema__(
        self, source: type[Any], handler: GetCoreSchemaHandler
    ) -> CoreSchema:
        parsed = handler(source)
        if self.aware:
            parsed = {**parsed, "tz_constraint": "aware"}
        objects: CoreSchema = {**parsed, "strict": True}  # a date, an aware datetime, an int
        if self.pattern is None:
            inner = objects
        else:
            from_text = cs.chain_schema([cs.str_schema(pattern=self.pattern), parsed])
            inner = cs.json_or_python_schema(
                json_schema=from_text,
                python_schema=cs.union_schema([objects, from_text], mode="left_to_right"),
                serialization=parsed.get("serialization"),
            )
        return cs.custom_error_schema(
            inner, custom_error_type=_ERROR_TYPE, custom_error_message=f"expected {self.expected}"
        )

    def __get_pydantic_json_schema__(
        self, schema: CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        if self.json_format is None:
            return {"type": "integer"}
        return {"type": "string", "format": self.json_format}


Date = Annotated[date, WireFormat("a date as YYYY-MM-DD (not a date-time)", DATE_PATTERN, "date")]
DateTime = Annotated[
    datetime,
    WireFormat(
        "an RFC 3339 date-time with a time zone, e.g. 2025-02-10T16:45:00Z",
        DATE_TIME_PATTERN,
        "date-time",
        aware=True,
    ),
]
Integer = Annotated[int, WireFormat("a whole number (not a string, float or bool)")]
