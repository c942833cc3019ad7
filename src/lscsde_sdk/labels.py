"""Label keys and label-safe values for AWMS objects.

Bindings carry a label naming who or what they belong to, so they can be selected by label
instead of reading every binding in a namespace:

* :data:`USERNAME_LABEL` on AnalyticsWorkspaceBindings holds :func:`format_as_label` of the
  binding's ``spec.username``;
* :data:`WORKSPACE_LABEL` on AnalyticsDataSourceBindings holds :func:`workspace_label_value`
  of the binding's ``spec.workspace``.

Workspaces and data sources carry a label with their own name, so that many of them can be
read by name in one list (``label in (a, b, ...)``) rather than a GET each:

* :data:`WORKSPACE_LABEL` on AnalyticsWorkspaces, :data:`DATASOURCE_LABEL` on
  AnalyticsDataSources, holding :func:`name_label_value` of ``metadata.name``.

These mappings are many-to-one (``a.b@c`` and ``a.b#c`` give the same value; long names are
shortened), so a label selection is only a pre-filter: callers must re-check the field they
selected on.

Objects labelled by lscsde-workspace-mgmt 0.1.14 carry the same values: its usernames were
casefolded with the same runs replaced by ``___`` (a form the server refused to store is
not on any object), and its data-source bindings carried the raw ``spec.workspace``, which
:func:`name_label_value` keeps unchanged whenever the server accepts it as a label value.
So one value per field selects what either wrote.
"""

from __future__ import annotations

import hashlib
import re

from .errors import InvalidLabelFormatError

__all__ = [
    "DATASOURCE_LABEL",
    "LABEL_VALUE_MAX_LENGTH",
    "LABEL_VALUE_PATTERN",
    "USERNAME_LABEL",
    "WORKSPACE_LABEL",
    "WORKSPACE_POD_LABEL",
    "format_as_label",
    "is_valid_label_value",
    "name_label_value",
    "username_label_value",
    "workspace_label_value",
]

#: Label on AnalyticsWorkspaceBindings: the label-safe form of ``spec.username``.
USERNAME_LABEL = "xlscsde.nhs.uk/username"
#: Label on AnalyticsDataSourceBindings, on the claims the SDK creates and on
#: AnalyticsWorkspaces themselves: the label-safe form of the workspace name.
WORKSPACE_LABEL = "xlscsde.nhs.uk/workspace"
#: Label on AnalyticsDataSources: the label-safe form of their own name.
DATASOURCE_LABEL = "xlscsde.nhs.uk/datasource"
#: Label on a workspace's pods naming the workspace (set through the profile's extra_labels,
#: read back by the pod hook).
WORKSPACE_POD_LABEL = "workspace"

#: Longest label value the API server accepts.
LABEL_VALUE_MAX_LENGTH = 63
#: What the API server accepts as a label value (besides the length limit).
LABEL_VALUE_PATTERN = r"(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?"

_LABEL_VALUE = re.compile(LABEL_VALUE_PATTERN)
# Usernames keep only lower-case letters, digits and dots; every other run becomes "___".
_NOT_USERNAME_SAFE = re.compile(r"[^0-9a-z.]+")
_USERNAME_SEPARATOR = "___"
_NOT_LABEL_CHAR = re.compile(r"[^-A-Za-z0-9_.]+")
_DIGEST_LENGTH = 10


def is_valid_label_value(value: str) -> bool:
    """Whether the API server accepts ``value`` as a label value."""
    return len(value) <= LABEL_VALUE_MAX_LENGTH and _LABEL_VALUE.fullmatch(value) is not None


def format_as_label(value: str) -> str:
    """The label-safe form of a username: casefolded, each run of characters other than
    ``0-9``, ``a-z`` and ``.`` replaced by ``___``.

    ``"joe.blogs@someplace.co.uk"`` gives ``"joe.blogs___someplace.co.uk"``.

    Raises :class:`InvalidLabelFormatError` when the result is still not a valid label
    value: it starts or ends with a replaced character (``"joe!"``), or it is longer than 63
    characters.
    """
    if not isinstance(value, str):
        raise TypeError(f"a label is made from a string, got {type(value).__name__}")
    formatted = _NOT_USERNAME_SAFE.sub(_USERNAME_SEPARATOR, value.casefold())
    if not is_valid_label_value(formatted):
        raise InvalidLabelFormatError(
            f"Invalid value: {formatted!r} (formatted from {value!r}) is not a valid label "
            f"value: it must be empty or at most {LABEL_VALUE_MAX_LENGTH} characters of "
            "letters, digits, '-', '_' or '.' that start and end with a letter or digit "
            f"(regex used for validation is '{LABEL_VALUE_PATTERN}')"
        )
    return formatted


def username_label_value(username: str | None) -> str | None:
    """:func:`format_as_label` of ``username``, or ``None`` when it has no label form.

    Bindings whose username has no label form stay unlabelled; lookups by username find them
    by reading the unlabelled bindings instead.
    """
    if not username:
        return None
    try:
        return format_as_label(username)
    except InvalidLabelFormatError:
        return None


def name_label_value(name: str) -> str:
    """The label value for an object name (a workspace's, a data source's).

    Object names are DNS subdomains, so a name of up to 63 characters is used unchanged
    (which is also what bindings labelled by earlier tools carry). A longer name is cut to 52
    characters and followed by ``-`` and 10 hex digits of its SHA-256, keeping the value
    within the limit and still specific to the name.
    """
    if is_valid_label_value(name):
        return name
    digest = hashlib.sha256(name.encode("utf-8")).hexdigest()[:_DIGEST_LENGTH]
    keep = LABEL_VALUE_MAX_LENGTH - _DIGEST_LENGTH - 1
    prefix = _NOT_LABEL_CHAR.sub("-", name)[:keep]
    # A label value must start and end with a letter or digit.
    prefix = re.sub(r"^[^A-Za-z0-9]+|[^A-Za-z0-9]+$", "", prefix)
    return f"{prefix}-{digest}" if prefix else digest


def workspace_label_value(workspace: str) -> str:
    """The :data:`WORKSPACE_LABEL` value for a workspace name (:func:`name_label_value`)."""
    return name_label_value(workspace)
