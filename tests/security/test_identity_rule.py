"""The identity rule of usernames, as pure logic: lower-cased comparison (JupyterHub's own
normalisation), and a label pre-filter that can never hide a binding the rule matches."""

from __future__ import annotations

import sys

import pytest

from lscsde_sdk.clients import AnalyticsWorkspaceBindingClient
from lscsde_sdk.labels import username_label_value

USERNAME = AnalyticsWorkspaceBindingClient.field_indexes[0]


def test_the_username_index_is_the_one_that_ignores_case() -> None:
    assert USERNAME.name == "username" and USERNAME.field == ("spec", "username")
    assert USERNAME.ignore_case


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("A.B@C.ORG", "a.b@c.org"),
        ("JOSÉ@example.org", "josé@example.org"),
        ("STRASSE@example.de", "strasse@example.de"),
        ("\u212aate@example.org", "kate@example.org"),  # str.lower and JupyterHub agree
        ("ΣΟΦΙΑ", "σοφια"),
    ],
)
def test_names_jupyterhub_would_make_one_user_are_one_key(a: str, b: str) -> None:
    assert USERNAME.key(a) == USERNAME.key(b)


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("a.b@c.org", "a.b#c.org"),  # one label value, two users
        ("straße@example.de", "strasse@example.de"),  # equal casefolded
        ("\u017fam@example.org", "sam@example.org"),  # long s: equal casefolded
        ("\u0131van@example.org", "ivan@example.org"),  # dotless i
        ("İvan@example.org", "ivan@example.org"),  # lower() gives i + combining dot
        ("\u0430lice@example.org", "alice@example.org"),  # Cyrillic a
        (
            "\uff41\uff4c\uff49\uff43\uff45@example.org",
            "alice@example.org",
        ),  # fullwidth: equal under NFKC
        ("jose\u0301@example.org", "josé@example.org"),  # NFD and NFC
        ("alice@example.org ", "alice@example.org"),
    ],
)
def test_names_jupyterhub_keeps_apart_are_different_keys(a: str, b: str) -> None:
    assert USERNAME.key(a) != USERNAME.key(b)


def test_every_character_keeps_its_label_form_when_lower_cased() -> None:
    # The label (made from the casefolded name) pre-filters the direct lookup, which then
    # compares keys. A binding whose key matches must never carry another label value, so
    # casefold(lower(c)) == casefold(c) must hold for every code point.
    broken = [
        hex(code)
        for code in range(sys.maxunicode + 1)
        if not 0xD800 <= code <= 0xDFFF and chr(code).lower().casefold() != chr(code).casefold()
    ]
    assert broken == []


@pytest.mark.parametrize(
    "name", ["Joe.Blogs@SomePlace.co.uk", "ΟΔΟΣ@x.gr", "\u212aATE@x.org", "JOSÉ@x.org"]
)
def test_names_with_one_key_have_one_label(name: str) -> None:
    assert username_label_value(name) == username_label_value(name.lower())
