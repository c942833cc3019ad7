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
    from ._generated.clients import *  # noqa: F403  (the kinds' clients, as __all__ lists)
    from ._generated.models import *  # noqa: F403  (the generated models, as MODELS lists)
    from .clients import (
        CustomResourceClient as CustomResourceClient,
    )
    from .clients import (
        PatchType as PatchType,
    )
    from .clients import (
        ResourcePage as ResourcePage,
    )
    from .clients import (
        RetryPolicy as RetryPolicy,
    )
    from .clients import (
        Timeouts as Timeouts,
    )
    from .clients import (
        Transport as Transport,
    )
    from .connection import (
        Cluster as Cluster,
    )
    from .connection import (
        Credentials as Credentials,
    )
    from .connection import (
        CredentialsError as CredentialsError,
    )
    from .connection import (
        connect as connect,
    )
    from .errors import (
        AlreadyExistsError as AlreadyExistsError,
    )
    from .errors import (
        ApiConnectionError as ApiConnectionError,
    )
    from .errors import (
        ApiError as ApiError,
    )
    from .errors import (
        BadRequestError as BadRequestError,
    )
    from .errors import (
        ConflictError as ConflictError,
    )
    from .errors import (
        ConflictRetriesExhaustedError as ConflictRetriesExhaustedError,
    )
    from .errors import (
        ForbiddenError as ForbiddenError,
    )
    from .errors import (
        GoneError as GoneError,
    )
    from .errors import (
        InvalidError as InvalidError,
    )
    from .errors import (
        InvalidLabelFormatError as InvalidLabelFormatError,
    )
    from .errors import (
        InvalidParameterError as InvalidParameterError,
    )
    from .errors import (
        InvalidQuantityError as InvalidQuantityError,
    )
    from .errors import (
        InvalidWorkspaceError as InvalidWorkspaceError,
    )
    from .errors import (
        LscsdeError as LscsdeError,
    )
    from .errors import (
        MethodNotAllowedError as MethodNotAllowedError,
    )
    from .errors import (
        NotFoundError as NotFoundError,
    )
    from .errors import (
        NotInReleaseError as NotInReleaseError,
    )
    from .errors import (
        ObjectRequiredError as ObjectRequiredError,
    )
    from .errors import (
        RetriesExhaustedError as RetriesExhaustedError,
    )
    from .errors import (
        ServerError as ServerError,
    )
    from .errors import (
        ServerTimeoutError as ServerTimeoutError,
    )
    from .errors import (
        TooManyRequestsError as TooManyRequestsError,
    )
    from .errors import (
        UnauthorizedError as UnauthorizedError,
    )
    from .errors import (
        UnknownFieldError as UnknownFieldError,
    )
    from .errors import (
        UnsupportedMediaTypeError as UnsupportedMediaTypeError,
    )
    from .errors import (
        WorkspaceLabelMissingError as WorkspaceLabelMissingError,
    )
    from .models import (
        CustomResource as CustomResource,
    )
    from .models import (
        ManagedFieldsEntry as ManagedFieldsEntry,
    )
    from .models import (
        ObjectMeta as ObjectMeta,
    )
    from .models import (
        OwnerReference as OwnerReference,
    )
    from .models import (
        ResourceInfo as ResourceInfo,
    )
    from .models import (
        ResourceModel as ResourceModel,
    )
    from .runtime import (
        EventType as EventType,
    )
    from .runtime import (
        Informer as Informer,
    )
    from .runtime import (
        InformerError as InformerError,
    )
    from .runtime import (
        InformerFactory as InformerFactory,
    )
    from .runtime import (
        InformerHealth as InformerHealth,
    )
    from .runtime import (
        Store as Store,
    )
    from .runtime import (
        Watcher as Watcher,
    )
    from .runtime import (
        WatchEvent as WatchEvent,
    )
    from .runtime import (
        WatchStats as WatchStats,
    )
    from .runtime import (
        object_key as object_key,
    )

try:
    __version__ = version("lscsde-sdk")
except PackageNotFoundError:  # running from a source tree that is not installed
    __version__ = "0+unknown"

#: The module each name of the front door is loaded from, on first use.
_FRONT_DOOR: dict[str, tuple[str, ...]] = {
    ".connection": ("Cluster", "Credentials", "CredentialsError", "connect"),
    ".models": (
        "CustomResource",
        "ManagedFieldsEntry",
        "ObjectMeta",
        "OwnerReference",
        "ResourceInfo",
        "ResourceModel",
        *MODELS,
    ),
    ".clients": (
        "CustomResourceClient",
        "PatchType",
        "ResourcePage",
        "RetryPolicy",
        "Timeouts",
        "Transport",
        *(f"{kind}Client" for kind in KINDS),
    ),
    ".errors": (
        "AlreadyExistsError",
        "ApiConnectionError",
        "ApiError",
        "BadRequestError",
        "ConflictError",
        "ConflictRetriesExhaustedError",
        "ForbiddenError",
        "GoneError",
        "InvalidError",
        "InvalidLabelFormatError",
        "InvalidParameterError",
        "InvalidQuantityError",
        "InvalidWorkspaceError",
        "LscsdeError",
        "MethodNotAllowedError",
        "NotFoundError",
        "NotInReleaseError",
        "ObjectRequiredError",
        "RetriesExhaustedError",
        "ServerError",
        "ServerTimeoutError",
        "TooManyRequestsError",
        "UnauthorizedError",
        "UnknownFieldError",
        "UnsupportedMediaTypeError",
        "WorkspaceLabelMissingError",
    ),
    ".runtime": (
        "EventType",
        "Informer",
        "InformerError",
        "InformerFactory",
        "InformerHealth",
        "Store",
        "WatchEvent",
        "WatchStats",
        "Watcher",
        "object_key",
    ),
}

# The stand-ins of what this CRD release lacks resolve too (they raise NotInReleaseError when
# used), without being listed: the models and clients modules list only what the release has.
_STAND_INS: dict[str, str] = {
    **dict.fromkeys(ABSENT_CLASSES, ".models"),
    **{f"{kind}Client": ".clients" for kind in ABSENT_KINDS},
}

_LISTED: dict[str, str] = {name: module for module, names in _FRONT_DOOR.items() for name in names}
_MODULE_OF: dict[str, str] = {**_STAND_INS, **_LISTED}

__all__ = ["CRD_RELEASE", "__version__", *_LISTED]


if not TYPE_CHECKING:  # type checkers see the imports above, and no other name

    def __getattr__(name: str) -> Any:
        module = _MODULE_OF.get(name)
        if module is None:
            raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(module, __name__), name)
        globals()[name] = value  # later lookups skip this function
        return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
