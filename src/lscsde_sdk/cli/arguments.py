"""Checks of argument values, as argparse ``type=`` functions: a bad value is a usage error
(one line, exit 2) before anything is sent to the cluster."""

from __future__ import annotations

import argparse
import re
import unicodedata
from datetime import date
from typing import Final

from ..converters import today

__all__ = ["MAX_USERNAME_LENGTH", "future_date", "username"]

#: The longest username accepted: a binding's username is used in names and labels, and no
#: identity provider issues longer ones.
MAX_USERNAME_LENGTH: Final = 253
_ISO_DATE: Final = re.compile(r"\d{4}-\d{2}-\d{2}")


def username(value: str) -> str:
    """``value`` if it can be a user's name: not empty, at most 253 characters, no control
    characters (line breaks, tabs, ...), no spaces around it."""
    if not value:
        raise argparse.ArgumentTypeError("a username cannot be empty")
    if len(value) > MAX_USERNAME_LENGTH:
        raise argparse.ArgumentTypeError(
            f"a username has at most {MAX_USERNAME_LENGTH} characters; this one has {len(value)}"
        )
    for character in value:
        if unicodedata.category(character).startswith("C"):
            raise argparse.ArgumentTypeError(
                f"a username cannot contain control characters such as line breaks: {value!r}"
            )
    if value != value.strip():
        raise argparse.ArgumentTypeError(f"a username cannot start or end with spaces: {value!r}")
    return value


def future_date(value: str) -> date:
    """``value`` as a date (YYYY-MM-DD) after today: access ends on that date, so today or
    earlier would grant nothing."""
    try:
        if not _ISO_DATE.fullmatch(value):
            raise ValueError(value)
        day = date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a date (YYYY-MM-DD)") from None
    now = today()
    if day <= now:
        raise argparse.ArgumentTypeError(
            f"{day.isoformat()} is not after today ({now.isoformat()}); access ends on this "
            "date, so give a later one"
        )
    return day
