"""The exceptions of lscsde_workspace_mgmt.

All but :class:`NoAssignedValidWorkspaces` are lscsde_sdk's own errors under their old names
(aliases of :mod:`lscsde_sdk.errors` classes), so ``except`` clauses written for this package
catch what the SDK raises underneath it, and what they raise is the SDK's error.
"""

from __future__ import annotations

from lscsde_sdk.errors import (
    InvalidLabelFormatError,
    InvalidParameterError,
    LscsdeError,
    WorkspaceLabelMissingError,
)

#: A pod to mount a workspace into has no ``workspace`` label
#: (:class:`lscsde_sdk.errors.WorkspaceLabelMissingError`).
WorkspaceNotFoundException = WorkspaceLabelMissingError
#: An argument cannot be used (:class:`lscsde_sdk.errors.InvalidParameterError`).
InvalidParameterException = InvalidParameterError
#: A value has no label form (:class:`lscsde_sdk.errors.InvalidLabelFormatError`).
InvalidLabelFormatException = InvalidLabelFormatError


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
