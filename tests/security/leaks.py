"""Searching everything an error lets reach for a secret.

Error trackers (Sentry and the like) record the message, the ``repr`` and the attributes of an
exception and of every exception chained to it, as cause or as context; logs record
tracebacks. :func:`error_texts` is every such text of an error, at any depth of its chain.
"""

from __future__ import annotations

import traceback
from collections.abc import Iterable, Iterator
from typing import Any

import pytest
from pydantic import ValidationError

__all__ = ["assert_absent", "error_texts", "go_map", "log_texts", "reachable"]

# Attributes every exception has that hold nothing of its own.
_SKIPPED = frozenset({"__traceback__", "__notes__"})


def reachable(error: BaseException) -> Iterator[Any]:
    """Every object reachable from ``error``: the error, its cause and context (at any
    depth), its args and attributes, and what those hold (lists, tuples, mappings, other
    exceptions: ``RetriesExhaustedError.failures``, ...)."""
    seen: set[int] = set()
    pending: list[Any] = [error]
    while pending:
        value = pending.pop()
        if id(value) in seen:
            continue
        seen.add(id(value))
        yield value
        if isinstance(value, BaseException):
            pending.extend((value.__cause__, value.__context__, *value.args))
            attributes = getattr(value, "__dict__", {})
            pending.extend(v for k, v in attributes.items() if k not in _SKIPPED)
        elif isinstance(value, list | tuple | set | frozenset):
            pending.extend(value)
        elif isinstance(value, dict):
            pending.extend(value.keys())
            pending.extend(value.values())
        elif hasattr(value, "__dict__") and not isinstance(value, type):
            pending.extend(vars(value).values())  # dataclasses: StatusCause, ...


def error_texts(error: BaseException) -> list[str]:
    """Every text ``error`` shows or lets reach: the whole traceback (chained causes and
    contexts included), and ``str`` and ``repr`` of everything :func:`reachable` from it
    (a ``ValidationError``'s details and JSON too)."""
    texts = ["".join(traceback.format_exception(error))]
    for value in reachable(error):
        texts.extend((str(value), repr(value)))
        if isinstance(value, ValidationError):
            texts.extend((repr(value.errors()), value.json()))
    return texts


def log_texts(caplog: pytest.LogCaptureFixture) -> list[str]:
    """The captured log, and each record's message, arguments and exception text."""
    return [caplog.text] + [
        f"{record.getMessage()} {record.args!r} {record.exc_text or ''}"
        for record in caplog.records
    ]


def assert_absent(secret: str, texts: Iterable[str]) -> None:
    for text in texts:
        assert secret not in text, text[:3000]


def go_map(value: Any) -> str:
    """Decoded JSON as Go's ``%v`` prints it, one of the forms an API server (or a webhook in
    front of it) echoes objects in."""
    if isinstance(value, dict):
        return "map[" + " ".join(f"{key}:{go_map(value[key])}" for key in sorted(value)) + "]"
    if isinstance(value, list):
        return "[" + " ".join(go_map(item) for item in value) + "]"
    return str(value)
