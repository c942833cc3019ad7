"""lscsde_workspace_mgmt on lscsde-sdk: the modules, classes and signatures of the library
JupyterHub's KubeSpawner configuration and the AWMS operators were written against, so they
move to lscsde-sdk by changing only their requirement.

The models carry that library's value types (dates as ISO strings, its defaults); the work is
done by :mod:`lscsde_sdk` (events on every change, index labels, one list request per lookup).
New code should use :mod:`lscsde_sdk` directly.
"""

from __future__ import annotations

from ._version import __version__
from .datasourcebindingclient import AnalyticsDataSourceBindingClient
from .datasourceclient import AnalyticsDataSourceClient
from .eventclient import EventClient
from .exceptions import (
    InvalidLabelFormatException,
    InvalidParameterException,
    NoAssignedValidWorkspaces,
    WorkspaceNotFoundException,
)
from .managers import AnalyticsDataSourceManager, AnalyticsManager, AnalyticsWorkspaceManager
from .objects import AnalyticsWorkspaceConverter
from .pvclient import PersistentVolumeClaimClient
from .workspacebindingclient import AnalyticsWorkspaceBindingClient
from .workspaceclient import AnalyticsWorkspaceClient

__all__ = [
    "AnalyticsDataSourceBindingClient",
    "AnalyticsDataSourceClient",
    "AnalyticsDataSourceManager",
    "AnalyticsManager",
    "AnalyticsWorkspaceBindingClient",
    "AnalyticsWorkspaceClient",
    "AnalyticsWorkspaceConverter",
    "AnalyticsWorkspaceManager",
    "EventClient",
    "InvalidLabelFormatException",
    "InvalidParameterException",
    "NoAssignedValidWorkspaces",
    "PersistentVolumeClaimClient",
    "WorkspaceNotFoundException",
    "__version__",
]
