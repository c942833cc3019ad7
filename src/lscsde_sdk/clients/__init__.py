"""Async clients: one per kind, generated from the CRDs over one generic base.

``AnalyticsWorkspaceClient``, ``AnalyticsWorkspaceBindingClient``, ... are the clients of each
kind's storage version (``lscsde_sdk._generated.clients``); :func:`for_version` gives the
clients of another served version. All of them are
:class:`~lscsde_sdk.core.client.CustomResourceClient` s: get, list, watch, create, replace,
patch, apply, delete and status writes, each one request. The clients of kinds with field
indexes are :class:`~lscsde_sdk.indexing.client.IndexedClient` s: their writes keep the index
labels, and they have the lookups (``get_many``, ``list_by_username`` on workspace bindings,
``list_by_workspace`` on data-source bindings) and ``relabel``.

The client of a kind the CRD release lacks (``AnalyticsCrateClient`` in an SDK generated from
a release before it) is a stand-in that raises :class:`~lscsde_sdk.errors.NotInReleaseError`
when used (see :mod:`lscsde_sdk.absent`).
"""

from __future__ import annotations

import importlib
from types import ModuleType
from typing import TYPE_CHECKING

from .._generated import ABSENT_KINDS, CRD_RELEASE, VERSIONS
from .._generated.clients import *  # noqa: F403  (every kind, whatever the CRDs define)
from .._generated.clients import __all__ as _KIND_CLIENTS
from ..absent import stand_ins_getattr
from ..core.client import (
    DEFAULT_FIELD_MANAGER,
    CustomResourceClient,
    PatchType,
    ResourcePage,
)
from ..core.retry import DEFAULT_RETRY, DEFAULT_TIMEOUTS, NO_RETRY, RetryPolicy, Timeouts
from ..core.transport import Request, RequestCounter, Transport
from ..indexing.labels import LabelChange, LabelReport

__all__ = [
    "DEFAULT_FIELD_MANAGER",
    "DEFAULT_RETRY",
    "DEFAULT_TIMEOUTS",
    "NO_RETRY",
    "CustomResourceClient",
    "LabelChange",
    "LabelReport",
    "PatchType",
    "Request",
    "RequestCounter",
    "ResourcePage",
    "RetryPolicy",
    "Timeouts",
    "Transport",
    "for_version",
    *_KIND_CLIENTS,
]


def for_version(version: str) -> ModuleType:
    """The generated clients module of a served ``version`` (e.g. ``"v1"``)."""
    served = sorted({v for versions in VERSIONS.values() for v in versions})
    if version not in served:
        raise ValueError(f"no kind serves version {version!r}; served: {', '.join(served)}")
    return importlib.import_module(f"lscsde_sdk._generated.{version}.clients")


if not TYPE_CHECKING:  # type checkers see the full release, without stand-ins
    __getattr__ = stand_ins_getattr(
        __name__, {f"{kind}Client": kind for kind in ABSENT_KINDS}, CRD_RELEASE
    )
