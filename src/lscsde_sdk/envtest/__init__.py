"""A real kube-apiserver + etcd on 127.0.0.1, like controller-runtime's envtest: the binaries
(built once from Go modules, then cached), their processes, TLS, token identities, and the
admin helpers a test or ``lscsde dev`` needs (CRDs, namespaces, RBAC grants).

Importing this package starts and builds nothing.

* :mod:`.controlplane` - :class:`ControlPlane`, the whole of it (or an existing cluster)
* :mod:`.binaries` - finding the binaries; :mod:`.gobuild` building them; :mod:`.gomodule`
  the Go module they are built from (``python -m lscsde_sdk.envtest`` prebuilds them)
* :mod:`.local_processes`, :mod:`.processes` - etcd and kube-apiserver as child processes;
  :mod:`.etcd` and :mod:`.apiserver` their command lines and probes; :mod:`.loopback` ports
* :mod:`.pki` - certificates and keys; :mod:`.identities` - token users and kubeconfigs
* :mod:`.crds`, :mod:`.namespaces`, :mod:`.rbac` - admin helpers over an ApiClient
* :mod:`.errors` - what can go wrong
"""

from __future__ import annotations

from .binaries import ControlPlaneBinaries, build_binaries, find_binaries
from .controlplane import KUBECONFIG_ENV, ControlPlane, ProcessName
from .crds import apply_crds, default_crd_dir, load_crds, wait_crds_servable
from .errors import (
    ControlPlaneBuildError,
    ControlPlaneError,
    ControlPlaneStartError,
    ControlPlaneUnavailable,
)
from .gomodule import kubernetes_version
from .identities import ADMIN, DEFAULT_USERS, Identity
from .loopback import pick_free_ports
from .namespaces import create_namespace
from .rbac import grant, grant_cluster, revoke_cluster

__all__ = [
    "ADMIN",
    "DEFAULT_USERS",
    "KUBECONFIG_ENV",
    "ControlPlane",
    "ControlPlaneBinaries",
    "ControlPlaneBuildError",
    "ControlPlaneError",
    "ControlPlaneStartError",
    "ControlPlaneUnavailable",
    "Identity",
    "ProcessName",
    "apply_crds",
    "build_binaries",
    "create_namespace",
    "default_crd_dir",
    "find_binaries",
    "grant",
    "grant_cluster",
    "kubernetes_version",
    "load_crds",
    "pick_free_ports",
    "revoke_cluster",
    "wait_crds_servable",
]
