"""lscsde-sdk: typed async Python SDK for the AWMS custom resources (xlscsde.nhs.uk/v1).

* :mod:`lscsde_sdk.models` - pydantic models of the five kinds, generated from the CRDs
* :mod:`lscsde_sdk.clients` - async clients per kind over kubernetes_asyncio
* :mod:`lscsde_sdk.errors` - typed API errors
* :mod:`lscsde_sdk.testing` - a real kube-apiserver for tests

Importing this package has no side effects: no configuration is loaded, nothing connects.
"""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

from ._generated import CRD_RELEASE

try:
    __version__ = version("lscsde-sdk")
except PackageNotFoundError:  # running from a source tree that is not installed
    __version__ = "0+unknown"

__all__ = ["CRD_RELEASE", "__version__"]
