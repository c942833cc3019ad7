"""Every AWMS model: the kinds (in their storage version) under their Kind names, their nested
models, metadata, and ``AwmsResource`` (``AwmsResource.model_validate(manifest).root`` parses a
manifest of any kind). :func:`for_version` gives the models of another served version.

A class the codegen configuration names that the CRD release lacks (``AnalyticsCrate`` in an
SDK generated from a release before it) is a stand-in that raises
:class:`~lscsde_sdk.errors.NotInReleaseError` when used (see :mod:`lscsde_sdk.absent`).
"""

from __future__ import annotations

import importlib
from types import ModuleType
from typing import TYPE_CHECKING

from ._generated import ABSENT_CLASSES, CRD_RELEASE, VERSIONS
from ._generated.models import *  # noqa: F403  (every generated class, whatever the CRDs define)
from ._generated.models import __all__ as _GENERATED
from .absent import stand_ins_getattr
from .meta import ManagedFieldsEntry, ObjectMeta, OwnerReference
from .model_base import ResourceModel, ResourceUnion
from .resource import CustomResource, ResourceInfo
from .schema_rules import ListType, RequiredRule, SchemaRules, ValidationRule

__all__ = [
    "CustomResource",
    "ListType",
    "ManagedFieldsEntry",
    "ObjectMeta",
    "OwnerReference",
    "RequiredRule",
    "ResourceInfo",
    "ResourceModel",
    "ResourceUnion",
    "SchemaRules",
    "ValidationRule",
    "for_version",
    *_GENERATED,
]


def for_version(version: str) -> ModuleType:
    """The generated models module of a served ``version`` (e.g. ``"v1"``): the models of
    every kind that serves it."""
    served = sorted({v for versions in VERSIONS.values() for v in versions})
    if version not in served:
        raise ValueError(f"no kind serves version {version!r}; served: {', '.join(served)}")
    return importlib.import_module(f"lscsde_sdk._generated.{version}.models")


if not TYPE_CHECKING:  # type checkers see the full release, without stand-ins
    __getattr__ = stand_ins_getattr(__name__, ABSENT_CLASSES, CRD_RELEASE)
