"""lscsde-sdk: typed async Python SDK for the AWMS custom resources (xlscsde.nhs.uk/v1).

The front door: ``from lscsde_sdk import ...`` gives

* :func:`connect` and what it yields (:class:`Cluster`, :class:`Credentials`,
  :class:`CredentialsError`), from :mod:`lscsde_sdk.connection`;
* the models: every kind and the classes of its schema (``AnalyticsWorkspace``,
  ``AnalyticsWorkspaceSpec``, ..., ``AwmsResource``), ``ObjectMeta`` and the model bases, from
  :mod:`lscsde_sdk.models`;
* the clients of each kind (``AnalyticsWorkspaceClient``, ...), their base
  ``CustomResourceClient``, ``Transport``, ``RetryPolicy``, ``Timeouts``, ``PatchType`` and
  ``ResourcePage``, from :mod:`lscsde_sdk.clients`;
* every typed error (``NotFoundError``, ``ConflictError``, ...), from :mod:`lscsde_sdk.errors`;
* the runtime (``Watcher``, ``Informer``, ``InformerFactory``, ``Store``, ...), from
  :mod:`lscsde_sdk.runtime`.

Each is imported on first use, so ``import lscsde_sdk`` loads neither pydantic nor
kubernetes_asyncio; importing it has no side effects (no configuration is loaded, nothing
connects). Hubs use :mod:`lscsde_sdk.kubespawner`, operators :mod:`lscsde_sdk.operator`. The
README's module map says what every other module holds.
"""

from __future__ import annotations

import importlib
from importlib.metadata import PackageNotFoundError, version
from typing import TYPE_CHECKING, Any

from ._generated import ABSENT_CLASSES, ABSENT_KINDS, CRD_RELEASE, KINDS, MODELS

if TYPE_CHECKING:
    from ._generated.clients import *  # noqa: F403  (the kinds' clients)
    from ._generated.models import *  # noqa: F403  (the generated models, as MODELS lists)
    from .clients import (
        CustomResourceClient,
        PatchType,
        ResourcePage,
        RetryPolicy,
        Timeouts,
        Transport,
    )
    from .connection import Cluster, Credentials, CredentialsError, connect
    from .errors import (
        AlreadyExistsError,
        ApiConnectionError,
        ApiError,
        BadRequestError,
        ConflictError,
        ConflictRetriesExhaustedError,
        ForbiddenError,
        GoneError,
        InvalidError,
        InvalidLabelFormatError,
        InvalidParameterError,
        InvalidQuantityError,
        InvalidWorkspaceError,
        LscsdeError,
        MethodNotAllowedError,
        NotFoundError,
        NotInReleaseError,
        ObjectRequiredError,
        RetriesExhaustedError,
        ServerError,
        ServerTimeoutError,
        TooManyRequestsError,
        UnauthorizedError,
        UnknownFieldError,
        UnsupportedMediaTypeError,
        WorkspaceLabelMissingError,
    )
    from .models import (
        CustomResource,
        ManagedFieldsEntry,
        ObjectMeta,
        OwnerReference,
        ResourceInfo,
        ResourceModel,
    )
    from .runtime import (
        EventType,
        Informer,
        InformerError,
        InformerFactory,
        InformerHealth,
        Store,
        Watcher,
        WatchEvent,
        WatchStats,
        object_key,
    )

try:
    __version__ = version("lscsde-sdk")
except PackageNotFoundError:  # running from a source tree that is not installed
    __version__ = "0+unknown"

__all__ = [
    "CRD_RELEASE",
    "AlreadyExistsError",
    "ApiConnectionError",
    "ApiError",
    "BadRequestError",
    "Cluster",
    "ConflictError",
    "ConflictRetriesExhaustedError",
    "Credentials",
    "CredentialsError",
    "CustomResource",
    "CustomResourceClient",
    "EventType",
    "ForbiddenError",
    "GoneError",
    "Informer",
    "InformerError",
    "InformerFactory",
    "InformerHealth",
    "InvalidError",
    "InvalidLabelFormatError",
    "InvalidParameterError",
    "InvalidQuantityError",
    "InvalidWorkspaceError",
    "LscsdeError",
    "ManagedFieldsEntry",
    "MethodNotAllowedError",
    "NotFoundError",
    "NotInReleaseError",
    "ObjectMeta",
    "ObjectRequiredError",
    "OwnerReference",
    "PatchType",
    "ResourceInfo",
    "ResourceModel",
    "ResourcePage",
    "RetriesExhaustedError",
    "RetryPolicy",
    "ServerError",
    "ServerTimeoutError",
    "Store",
    "Timeouts",
    "TooManyRequestsError",
    "Transport",
    "UnauthorizedError",
    "UnknownFieldError",
    "UnsupportedMediaTypeError",
    "WatchEvent",
    "WatchStats",
    "Watcher",
    "WorkspaceLabelMissingError",
    "__version__",
    "connect",
    "object_key",
    # What the CRD release defines: every generated model, and each kind's client.
    *MODELS,
    *(f"{kind}Client" for kind in KINDS),
]

# The generated names, and the stand-ins of what this CRD release lacks (they resolve, and
# raise NotInReleaseError when used, without being listed), come from the modules that hold
# them. Any other name is looked for in these, cheapest first: a name of a later module
# would load the earlier ones anyway.
_GENERATED: dict[str, str] = {
    **dict.fromkeys((*MODELS, *ABSENT_CLASSES), ".models"),
    **{f"{kind}Client": ".clients" for kind in (*KINDS, *ABSENT_KINDS)},
}
_SEARCHED = (".errors", ".models", ".clients", ".connection", ".runtime")
_LISTED = frozenset(__all__)


if not TYPE_CHECKING:  # type checkers see the imports above, and no other name

    def __getattr__(name: str) -> Any:
        value = _load(name)
        globals()[name] = value  # later lookups skip this function
        return value


def _load(name: str) -> Any:
    module = _GENERATED.get(name)
    if module is not None:
        return getattr(importlib.import_module(module, __name__), name)
    if name in _LISTED:
        for searched in _SEARCHED:
            holder = importlib.import_module(searched, __name__)
            if name in getattr(holder, "__all__", ()):
                return getattr(holder, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
