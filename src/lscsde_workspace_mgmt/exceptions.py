"""The exceptions of lscsde_workspace_mgmt.

All but :class:`NoAssignedValidWorkspaces` are lscsde_sdk's own (:mod:`lscsde_sdk.errors`), so
``except`` clauses written for this package also catch what the SDK raises underneath it.
"""

from __future__ import annotations

from lscsde_sdk.errors import (
    InvalidLabelFormatException,
    InvalidParameterException,
    LscsdeError,
    WorkspaceNotFoundException,
)


class NoAssignedValidWorkspaces(LscsdeError):
    """The user has no workspace that is currently valid for them."""

    def __init__(self, user: str) -> None:
        self.user = user
        self.message = f"User {user} does not have any valid workspaces assigned"
        super().__init__(self.message)


__all__ = [
    "InvalidLabelFormatException",
    "InvalidParameterException",
    "NoAssignedValidWorkspaces",
    "WorkspaceNotFoundException",
]
