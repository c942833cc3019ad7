"""parse_quantity reads Kubernetes quantities exactly, and refuses what the API server refuses."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from lscsde_sdk.errors import InvalidQuantityError, LscsdeError
from lscsde_sdk.quantities import parse_quantity


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # Plain numbers, signs and the four number forms.
        ("0", "0"),
        ("128974848", "128974848"),
        ("1.5", "1.5"),
        ("1.", "1"),
        (".5", "0.5"),
        ("+2", "2"),
        ("-2", "-2"),
        ("007", "7"),
        # decimalSI.
        ("1n", "0.000000001"),
        ("1u", "0.000001"),
        ("500m", "0.5"),
        ("2k", "2000"),
        ("500M", "500000000"),
        ("8G", "8000000000"),
        ("1T", "1000000000000"),
        ("1P", "1000000000000000"),
        ("1E", "1000000000000000000"),  # E alone is exa...
        ("1.G", "1000000000"),
        # binarySI.
        ("1Ki", "1024"),
        ("123Mi", "128974848"),
        ("8Gi", "8589934592"),
        ("1.5Gi", "1610612736"),
        ("1Ti", str(2**40)),
        ("1Pi", str(2**50)),
        ("1Ei", str(2**60)),
        ("0.5Ki", "512"),
        # decimalExponent.
        ("1E3", "1000"),  # ...E with digits is an exponent
        ("1e9", "1000000000"),
        ("129e6", "129000000"),
        ("1e+3", "1000"),
        ("15e-1", "1.5"),
        ("1.5e3", "1500"),
        ("1e0", "1"),
        # Finer than nano rounds up, away from zero, as the API server does.
        ("0.9n", "0.000000001"),
        ("1.0000000001", "1.000000001"),
        ("-0.9n", "-0.000000001"),
        ("1e-30", "0.000000001"),
        ("0e-30", "0"),
    ],
)
def test_quantities_parse_to_their_exact_value(text: str, expected: str) -> None:
    assert parse_quantity(text) == Decimal(expected)


@pytest.mark.parametrize(
    ("number", "expected"),
    [(2, "2"), (0, "0"), (0.5, "0.5"), (0.1, "0.1"), (1e-05, "0.00001"), (1e20, "1e20")],
)
def test_json_numbers_are_quantities(number: int | float, expected: str) -> None:
    assert parse_quantity(number) == Decimal(expected)


@pytest.mark.parametrize("text", ["1" + "0" * 250, "1" * 200, "1" * 197 + "Ki", "1e999999"])
def test_large_amounts_are_held_exactly(text: str) -> None:
    # Ranges are the caller's business (memory_bytes, cpu_cores); parsing is exact.
    expected = Decimal(int(text[:-2]) * 1024) if text.endswith("Ki") else Decimal(text)
    assert parse_quantity(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "",
        " ",
        " 1",
        "1 ",
        "1\n",
        "1 Gi",
        ".",  # the API server's scanner reads ".", "+" and "-" as zero; its grammar does not
        "+",
        "-",
        "+-1",
        "1.5.5",
        "1,5",
        "1_000",
        "0x10",
        "Gi",
        "1K",  # k or Ki
        "1KiB",
        "1GB",
        "1gi",
        "1mi",
        "1Mi5",
        "1e",
        "1e+",
        "1e1.5",  # exponents are whole numbers
        "1ee3",
        "1E3i",
        "1e3Gi",
        "1Gie3",
        "inf",
        "NaN",
        "\u0661",  # ARABIC-INDIC DIGIT ONE: only ASCII digits are digits
        "1e9999999999",  # out of range
        "1" * 201 + ".5",  # more than 200 significant digits
        "1" * 199 + "Ki",
    ],
)
def test_malformed_quantities_are_refused(text: str) -> None:
    with pytest.raises(InvalidQuantityError) as raised:
        parse_quantity(text)
    assert raised.value.value == text
    assert isinstance(raised.value, LscsdeError) and isinstance(raised.value, ValueError)


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        (True, "not bool"),
        (None, "not NoneType"),
        ([1], "not list"),
        ({"value": 1}, "not dict"),
        (Decimal(1), "not Decimal"),
        (float("inf"), "finite"),
        (float("nan"), "finite"),
    ],
)
def test_values_that_are_not_strings_or_numbers_are_refused(value: Any, reason: str) -> None:
    with pytest.raises(InvalidQuantityError, match=reason):
        parse_quantity(value)


def test_the_error_names_the_value() -> None:
    with pytest.raises(InvalidQuantityError) as raised:
        parse_quantity("8GB")
    assert str(raised.value).startswith("'8GB' is not a valid quantity: expected a decimal")
