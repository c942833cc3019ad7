"""Test helpers: a real kube-apiserver + etcd (built from Go modules) and pytest fixtures.

Importing this package starts and builds nothing; names are loaded on first use. For the
fixtures add ``pytest_plugins = ["lscsde_sdk.testing.pytest_plugin"]`` to a conftest.py.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .binaries import (
        ControlPlaneBinaries,
        ControlPlaneBuildError,
        ControlPlaneError,
        ControlPlaneUnavailable,
        build_binaries,
        find_binaries,
        kubernetes_version,
    )
    from .cluster import create_namespace, grant, grant_cluster, revoke_cluster
    from .controlplane import ControlPlane, ControlPlaneStartError
    from .identities import ADMIN, DEFAULT_USERS, Identity

_EXPORTS = {
    "ADMIN": "identities",
    "DEFAULT_USERS": "identities",
    "Identity": "identities",
    "ControlPlane": "controlplane",
    "ControlPlaneStartError": "controlplane",
    "create_namespace": "cluster",
    "grant": "cluster",
    "grant_cluster": "cluster",
    "revoke_cluster": "cluster",
    "ControlPlaneBinaries": "binaries",
    "ControlPlaneBuildError": "binaries",
    "ControlPlaneError": "binaries",
    "ControlPlaneUnavailable": "binaries",
    "build_binaries": "binaries",
    "find_binaries": "binaries",
    "kubernetes_version": "binaries",
}

__all__ = [
    "ADMIN",
    "DEFAULT_USERS",
    "ControlPlane",
    "ControlPlaneBinaries",
    "ControlPlaneBuildError",
    "ControlPlaneError",
    "ControlPlaneStartError",
    "ControlPlaneUnavailable",
    "Identity",
    "build_binaries",
    "create_namespace",
    "find_binaries",
    "grant",
    "grant_cluster",
    "kubernetes_version",
    "revoke_cluster",
]


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{module}"), name)
    globals()[name] = value  # later look-ups skip __getattr__
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *__all__])
