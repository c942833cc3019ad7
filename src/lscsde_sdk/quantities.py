"""Kubernetes resource quantities (``500m``, ``8Gi``, ``1e9``), read as the API server reads
them (``k8s.io/apimachinery`` ``resource.Quantity``)::

    quantity  ::= sign? number suffix?
    sign      ::= "+" | "-"
    number    ::= digits | digits "." | digits "." digits | "." digits
    suffix    ::= binarySI | decimalSI | exponent
    binarySI  ::= "Ki" | "Mi" | "Gi" | "Ti" | "Pi" | "Ei"         powers of 1024
    decimalSI ::= "n" | "u" | "m" | "k" | "M" | "G" | "T" | "P" | "E"   powers of 1000
    exponent  ::= ("e" | "E") sign? digits                        a power of ten

So ``1E`` is one exa and ``1E3`` one thousand; ``K``, ``Gb``, ``gi``, spaces and fractional
exponents (``1e1.5``) are errors, as they are for the API server. Where the server's scanner
accepts strings its grammar does not (a lone ``.``, ``+`` or ``-``, which it reads as zero),
they are refused here.

JSON numbers are quantities too: an ``int`` is read as its digits, a ``float`` as its shortest
decimal form (the text the API server sent), so ``0.1`` is exactly one tenth.

Values are exact decimals. Like the API server, a non-zero value with a part finer than 10⁻⁹
is rounded up (away from zero) to a multiple of 10⁻⁹. Unlike it, nothing is capped: the API
server silently caps binary-suffixed values at 2⁶³-1, callers here check the range they need.
"""

from __future__ import annotations

import math
import re
from decimal import ROUND_UP, Context, Decimal, Inexact, InvalidOperation, Overflow, localcontext
from functools import lru_cache
from typing import Final

from .errors import InvalidQuantityError

__all__ = ["BINARY_SUFFIXES", "DECIMAL_SUFFIXES", "parse_quantity"]

#: The binary suffixes and the power of two each stands for.
BINARY_SUFFIXES: Final = {"Ki": 10, "Mi": 20, "Gi": 30, "Ti": 40, "Pi": 50, "Ei": 60}
#: The decimal suffixes and the power of ten each stands for.
DECIMAL_SUFFIXES: Final = {
    "n": -9,
    "u": -6,
    "m": -3,
    "k": 3,
    "M": 6,
    "G": 9,
    "T": 12,
    "P": 15,
    "E": 18,
}

# fullmatch tries the suffixes in order and backtracks, so "1E" is exa and "1E3" an exponent.
_QUANTITY: Final = re.compile(
    r"(?P<sign>[+-]?)(?P<number>[0-9]+(?:\.[0-9]*)?|\.[0-9]+)"
    r"(?P<suffix>[KMGTPE]i|[numkMGTPE]|[eE](?P<exponent>[+-]?[0-9]+))?"
)
_NANO: Final = Decimal("1e-9")
# Exact arithmetic: any rounding (too many digits) or overflow is an error, not a wrong value.
# localcontext() works on copies, so these are never changed.
_EXACT: Final = Context(prec=200, traps=[Inexact, InvalidOperation, Overflow])
_ROUNDING: Final = Context(prec=200, traps=[InvalidOperation, Overflow])


def _text(value: object) -> str:
    # bool is an int in Python, but `true` in a workspace is not an amount.
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise InvalidQuantityError(
            value, f"a quantity is a string or a number, not {type(value).__name__}"
        )
    if isinstance(value, float):
        if not math.isfinite(value):
            raise InvalidQuantityError(value, "a quantity must be a finite number")
        return repr(value)
    if isinstance(value, int):
        try:
            return str(value)
        except ValueError:  # more digits than int -> str allows
            raise InvalidQuantityError(value, "too many digits") from None
    return value


def parse_quantity(value: object) -> Decimal:
    """The exact amount of a Kubernetes quantity (see :func:`_parse_quantity`); the same few
    quantities ("2", "8Gi") recur in every workspace, so answers are remembered."""
    if isinstance(value, str | int | float) and not isinstance(value, bool):
        return _remembered(value)
    return _parse_quantity(value)


@lru_cache(maxsize=4096, typed=True)
def _remembered(value: str | int | float) -> Decimal:
    return _parse_quantity(value)  # Decimals are immutable: one answer can be shared


def _parse_quantity(value: object) -> Decimal:
    """The exact amount of a Kubernetes quantity: ``"500m"`` -> ``Decimal("0.5")``,
    ``"8Gi"`` -> ``Decimal(8589934592)``, ``"1e3"`` -> ``Decimal(1000)``.

    ``value`` is a string or an ``int``/``float``; anything else, a string outside the
    grammar above, or an amount that cannot be held exactly in 200 digits raises
    :class:`~lscsde_sdk.errors.InvalidQuantityError`. Negative amounts are returned as such.
    """
    text = _text(value)
    match = _QUANTITY.fullmatch(text)
    if match is None:
        raise InvalidQuantityError(
            value,
            "expected a decimal number with an optional suffix "
            "(Ki Mi Gi Ti Pi Ei, n u m k M G T P E) or exponent (e3, E-2)",
        )
    suffix = match["suffix"] or ""
    try:
        with localcontext(_EXACT):
            amount = Decimal(match["sign"] + match["number"])
            if match["exponent"] is not None:
                amount = amount.scaleb(int(match["exponent"]))
            elif suffix in BINARY_SUFFIXES:
                amount = amount * 2 ** BINARY_SUFFIXES[suffix]
            elif suffix:
                amount = amount.scaleb(DECIMAL_SUFFIXES[suffix])
            amount = +amount  # more significant digits than the context holds: Inexact
        exponent = amount.as_tuple().exponent
        if amount and isinstance(exponent, int) and exponent < -9:
            with localcontext(_ROUNDING):
                amount = amount.quantize(_NANO, rounding=ROUND_UP)
    except (ArithmeticError, ValueError):  # decimal signals; int() of a huge exponent
        raise InvalidQuantityError(value, "out of range") from None
    return amount
