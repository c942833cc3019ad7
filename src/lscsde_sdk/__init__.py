"""lscsde-sdk: typed async Python SDK for the AWMS custom resources (xlscsde.nhs.uk/v1).

* :func:`connect` (:mod:`lscsde_sdk.connection`) - one connection to the cluster (in-cluster
  service account, else kubeconfig) with the typed clients on it
* :mod:`lscsde_sdk.models` - pydantic models of the five kinds, generated from the CRDs
* :mod:`lscsde_sdk.clients` - async clients per kind, generated over one generic client
* :mod:`lscsde_sdk.core` - the generic machinery: transport (retries, timeouts), client
  (its watch is one request), the watch stream's decoder, field indexes
* :mod:`lscsde_sdk.runtime` - watches that resume, informers and their compact stores, and
  their health
* :mod:`lscsde_sdk.access` - a user's workspaces and a workspace's data sources, read
  directly or from informers
* :mod:`lscsde_sdk.managers` - what JupyterHub needs: a user's workspaces, profiles, storage
* :mod:`lscsde_sdk.kubespawner` - ready-made KubeSpawner hooks (needs JupyterHub's tornado)
* :mod:`lscsde_sdk.converters`, :mod:`lscsde_sdk.quantities` - workspaces as KubeSpawner
  profiles, Kubernetes quantities
* :mod:`lscsde_sdk.events` - Kubernetes Events about changes
* :mod:`lscsde_sdk.storage` - persistent volume claims and pod mounts
* :mod:`lscsde_sdk.labels` - label-safe values and the lookup labels
* :mod:`lscsde_sdk.drift` - the cluster's CRDs against the ones the SDK was generated from
* :mod:`lscsde_sdk.errors` - typed errors; :mod:`lscsde_sdk.secrets`,
  :mod:`lscsde_sdk.yaml_safety` - secret values and safe YAML input
* :mod:`lscsde_sdk.absent` - stand-ins for the kinds and classes a CRD release lacks
* :mod:`lscsde_sdk.envtest` - a real kube-apiserver + etcd, for tests and ``lscsde dev``
* :mod:`lscsde_sdk.testing` - pytest fixtures over it, a fault-injecting proxy, ``eventually``
* :mod:`lscsde_sdk.operator` - typed kopf handlers for the five kinds (``lscsde-sdk[kopf]``),
  and the reference ``lifecycle`` operator
* :mod:`lscsde_sdk.cli` - the ``lscsde`` command line tool (``lscsde dev up``: a local one)

Importing this package has no side effects: no configuration is loaded, nothing connects.
"""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version
from typing import TYPE_CHECKING, Any

from ._generated import CRD_RELEASE

if TYPE_CHECKING:
    from .connection import connect

try:
    __version__ = version("lscsde-sdk")
except PackageNotFoundError:  # running from a source tree that is not installed
    __version__ = "0+unknown"

__all__ = ["CRD_RELEASE", "__version__", "connect"]


def __getattr__(name: str) -> Any:
    # connect() is loaded on first use: importing the package stays free of aiohttp and
    # kubernetes_asyncio until a connection is wanted.
    if name == "connect":
        from .connection import connect

        return connect
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
