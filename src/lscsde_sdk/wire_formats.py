"""Scalar types that accept only the value forms the API server accepts.

pydantic's lax mode would turn ``"2025-02-03T00:00:00"`` or a unix timestamp into a date,
``"1"`` or ``True`` into an integer, and then send the server a value the user never wrote.
The server accepts only ``YYYY-MM-DD`` for ``format: date``, RFC 3339 for ``format:
date-time`` and JSON integers for ``type: integer``. The generator types such fields with
:data:`Date`, :data:`DateTime` and :data:`Integer`, which hold user input to the same forms
(Python ``date``/``datetime``/``int`` objects are fine too). Values read from the server are
not re-checked.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from datetime import date, datetime
from typing import Annotated, Any

from pydantic import AwareDatetime, BeforeValidator, ValidationInfo

_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
# RFC 3339 date-time: seconds required, optional fraction, a zone (Z or +hh:mm / -hh:mm).
_DATE_TIME = re.compile(r"\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})")


def _is_date(value: Any) -> bool:
    if isinstance(value, date):
        return not isinstance(value, datetime)
    return isinstance(value, str) and _DATE.fullmatch(value) is not None


def _is_date_time(value: Any) -> bool:
    if isinstance(value, datetime):
        return True
    return isinstance(value, str) and _DATE_TIME.fullmatch(value) is not None


def _is_integer(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _only(accepted: Callable[[Any], bool], expected: str) -> BeforeValidator:
    def check(value: Any, info: ValidationInfo) -> Any:
        context = info.context
        if isinstance(context, Mapping) and context.get("lscsde.source") == "server":
            return value
        if not accepted(value):
            raise ValueError(f"expected {expected}, got {value!r}")
        return value

    return BeforeValidator(check)


Date = Annotated[date, _only(_is_date, "a date as YYYY-MM-DD")]
DateTime = Annotated[
    AwareDatetime,
    _only(_is_date_time, "an RFC 3339 date-time with a time zone, e.g. 2025-02-10T16:45:00Z"),
]
Integer = Annotated[int, _only(_is_integer, "a whole number")]
