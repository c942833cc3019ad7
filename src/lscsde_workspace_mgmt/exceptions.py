"""The exceptions of lscsde_workspace_mgmt; the same classes lscsde_sdk raises.

They are lscsde_sdk's own (:mod:`lscsde_sdk.errors`), so ``except`` clauses written for this
package also catch what the SDK raises underneath it.
"""

from __future__ import annotations

from lscsde_sdk.errors import (
    InvalidLabelFormatException,
    InvalidParameterException,
    NoAssignedValidWorkspaces,
    WorkspaceNotFoundException,
)

__all__ = [
    "InvalidLabelFormatException",
    "InvalidParameterException",
    "NoAssignedValidWorkspaces",
    "WorkspaceNotFoundException",
]
