"""Label values for the binding index labels, and the workspace-management exceptions."""

from __future__ import annotations

import re
import sys

import pytest

from lscsde_sdk.errors import (
    InvalidLabelFormatError,
    InvalidParameterError,
    LscsdeError,
    WorkspaceLabelMissingError,
)
from lscsde_sdk.labels import (
    DATASOURCE_LABEL,
    LABEL_VALUE_PATTERN,
    USERNAME_LABEL,
    WORKSPACE_LABEL,
    format_as_label,
    is_valid_label_value,
    name_label_value,
    username_label_value,
    workspace_label_value,
)
from tests.integration.factories import username_label_of_0_1_14


@pytest.mark.parametrize(
    ("username", "label"),
    [
        ("joe.blogs@someplace.co.uk", "joe.blogs___someplace.co.uk"),
        ("joe.o'keef@someplace.co.uk", "joe.o___keef___someplace.co.uk"),
        ("Joe.Blogs@SomePlace.CO.UK", "joe.blogs___someplace.co.uk"),
        ("ab-c", "ab___c"),
        ("a b@@c", "a___b___c"),  # a run of several characters becomes one ___
        ("Straße@x.de", "strasse___x.de"),  # casefold, not just lower
        ("researcher1", "researcher1"),
        ("", ""),
    ],
)
def test_format_as_label(username: str, label: str) -> None:
    assert format_as_label(username) == label
    assert is_valid_label_value(label)


@pytest.mark.parametrize(
    "username",
    [
        "joe.o'keef@someplace.co.uk!",  # ends with ___
        "_joe",  # starts with ___
        "@joe",
        "a" * 64,  # longer than a label value may be
    ],
)
def test_values_without_label_form_raise_with_value_and_rule(username: str) -> None:
    with pytest.raises(InvalidLabelFormatError) as caught:
        format_as_label(username)
    message = caught.value.message
    assert repr(username) in message
    assert LABEL_VALUE_PATTERN in message
    assert "63" in message
    assert str(caught.value) == message


def test_longest_label_value_is_accepted() -> None:
    assert format_as_label("a" * 63) == "a" * 63


def test_non_string_is_a_type_error() -> None:
    with pytest.raises(TypeError, match="NoneType"):
        format_as_label(None)  # type: ignore[arg-type]


def test_different_usernames_can_share_a_label_value() -> None:
    # Why lookups re-check spec.username after selecting by label.
    assert format_as_label("a.b@c") == format_as_label("a.b#c") == "a.b___c"


def test_usernames_that_are_one_user_carry_one_label_value() -> None:
    # Lookups compare usernames lower-cased; a label that depended on more than the
    # lower-cased name would hide a user's labelled binding written in another case.
    for code_point in range(sys.maxunicode + 1):
        character = chr(code_point)
        if character.lower() != character:
            name = f"x{character}x"
            assert format_as_label(name) == format_as_label(name.lower()), hex(code_point)


@pytest.mark.parametrize(
    "username",
    [
        "joe.blogs@someplace.co.uk",
        "Joe.O'Keef@SomePlace.co.uk",
        "Straße@x.de",
        "cancer-outcomes\\joe@example.org",
        "bob.\uff21\uff2c\uff29\uff23\uff25@example.org",  # fullwidth ALICE
        "İstanbul@example.org",
        "a.b#c",
    ],
)
def test_bindings_labelled_by_0_1_14_carry_our_username_label(username: str) -> None:
    old = username_label_of_0_1_14(username)
    assert is_valid_label_value(old)  # a form the server stored
    assert username_label_value(username) == old


@pytest.mark.parametrize(
    "workspace", ["cancer-outcomes", "ws.1", "A_b", "x" * 63, "0", "research-2024.v2"]
)
def test_data_source_bindings_labelled_by_0_1_14_carry_our_workspace_label(
    workspace: str,
) -> None:
    # 0.1.14 labelled them with the raw spec.workspace; the server stored only label values.
    assert is_valid_label_value(workspace)
    assert workspace_label_value(workspace) == workspace


def test_username_label_value_is_none_without_a_label_form() -> None:
    assert username_label_value("joe@x.org") == "joe___x.org"
    assert username_label_value("joe!") is None
    assert username_label_value(None) is None
    assert username_label_value("") is None


def test_workspace_label_value_keeps_names_that_fit() -> None:
    assert workspace_label_value("cancer-outcomes") == "cancer-outcomes"
    assert workspace_label_value("a.b-c") == "a.b-c"
    assert workspace_label_value("x" * 63) == "x" * 63


def test_workspace_label_value_shortens_long_names_with_a_hash() -> None:
    first = "research-" + "a" * 60 + ".example"
    second = "research-" + "a" * 60 + ".example2"
    value = workspace_label_value(first)
    assert is_valid_label_value(value)
    assert len(value) <= 63
    assert value == workspace_label_value(first)  # deterministic
    assert value != workspace_label_value(second)
    assert value.startswith("research-aaaa")
    assert re.fullmatch(r".*-[0-9a-f]{10}", value)


def test_label_keys() -> None:
    assert USERNAME_LABEL == "xlscsde.nhs.uk/username"
    assert WORKSPACE_LABEL == "xlscsde.nhs.uk/workspace"
    assert DATASOURCE_LABEL == "xlscsde.nhs.uk/datasource"


def test_a_workspace_label_is_the_name_label_of_the_workspace() -> None:
    for name in ("cancer-outcomes", "research-" + "a" * 60 + ".example"):
        assert workspace_label_value(name) == name_label_value(name)


def test_exceptions_carry_their_message_and_fields() -> None:
    not_found = WorkspaceLabelMissingError("jupyterhub", "jupyter-joe")
    assert (not_found.namespace, not_found.name) == ("jupyterhub", "jupyter-joe")
    assert "jupyter-joe" in not_found.message and "jupyterhub" in not_found.message
    assert "workspace" in not_found.message

    invalid = InvalidParameterError("bad")
    assert invalid.message == "bad" == str(invalid)

    for error in (not_found, invalid, InvalidLabelFormatError("x")):
        assert isinstance(error, LscsdeError)
        assert isinstance(error, Exception)
    assert isinstance(invalid, ValueError)
    assert isinstance(InvalidLabelFormatError("x"), ValueError)
