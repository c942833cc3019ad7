"""The models of lscsde_workspace_mgmt, with the value types code written for it expects.

Dates are ISO strings (``"2025-01-06"``; ``approvalGiven`` an RFC 3339 date-time), every
field is optional, and the defaults are the old library's (``statusText`` "Waiting",
``metadata.namespace`` "default", ...). Fields can be set by their Python name or by their
schema (camelCase) name. The classes are generated from the CRDs by the compat profile of
``codegen``; the clients convert them to and from :mod:`lscsde_sdk.models`. A class the CRD
release lacks is a stand-in that raises ``NotInReleaseError`` when used, as in
:mod:`lscsde_sdk.models`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from lscsde_sdk import CRD_RELEASE
from lscsde_sdk.absent import stand_ins_getattr
from lscsde_sdk.labels import format_as_label

from ._base import JupyterWorkspaceSpecNodeSelector, JupyterWorkspaceSpecResources
from ._generated import ABSENT_CLASSES
from ._generated.models import *  # noqa: F403  (every generated class, whatever the CRDs define)
from ._generated.models import __all__ as _GENERATED

__all__ = [
    "JupyterWorkspaceSpecNodeSelector",
    "JupyterWorkspaceSpecResources",
    "KubernetesHelper",
    *_GENERATED,
]


class KubernetesHelper:
    """Label helpers as an object, as the old library had them."""

    def format_as_label(self, username: str) -> str:
        """:func:`lscsde_sdk.labels.format_as_label`: the label-safe form of a username."""
        return format_as_label(username)


if not TYPE_CHECKING:  # type checkers see the full release, without stand-ins
    __getattr__ = stand_ins_getattr(__name__, ABSENT_CLASSES, CRD_RELEASE)
