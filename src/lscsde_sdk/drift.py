"""Does the cluster run the CRDs this SDK was generated from? A drift check.

:func:`crd_drift` reads the CustomResourceDefinitions the server has for the kinds the SDK
knows and compares each with the manifest shipped in the package (CRD release
:data:`lscsde_sdk.CRD_RELEASE`), returning a :class:`DriftReport` of :class:`Finding`\\ s.
:func:`compare_crds` is the comparison alone, for two manifests in hand.

Reading CRDs needs ``get`` on ``customresourcedefinitions.apiextensions.k8s.io``; nothing is
written.
"""

from __future__ import annotations

import asyncio
import copy
import functools
from collections.abc import Mapping
from importlib import resources
from typing import TYPE_CHECKING, Any

import yaml

from ._crd_compare import compare_crds, crd_kind, crd_name
from ._drift_findings import Change, CrdManifestError, DriftReport, Finding
from ._generated import CRD_RELEASE
from .core.transport import Request, Transport
from .errors import ForbiddenError, NotFoundError

if TYPE_CHECKING:
    # Only for annotations: importing kubernetes_asyncio.client costs half a second.
    from kubernetes_asyncio.client import ApiClient

__all__ = [
    "Change",
    "CrdManifestError",
    "DriftReport",
    "Finding",
    "compare_crds",
    "crd_drift",
    "packaged_crds",
]

_CRD_PACKAGE = "lscsde_sdk._generated.crds"
_CRD_API = "/apis/apiextensions.k8s.io/v1/customresourcedefinitions"
_PERMISSION = "get on customresourcedefinitions.apiextensions.k8s.io"


def _json_like_loader() -> type[yaml.SafeLoader]:
    """A safe YAML loader that keeps timestamps as strings, as the API server's YAML does,
    so an unquoted date in a ``default`` or ``enum`` compares equal to what the server has."""

    class Loader(yaml.SafeLoader):
        pass

    Loader.yaml_implicit_resolvers = {
        first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
        for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
    }
    return Loader


@functools.cache
def _load_packaged() -> dict[str, dict[str, Any]]:
    loader = _json_like_loader()
    manifests: dict[str, dict[str, Any]] = {}
    files = sorted(resources.files(_CRD_PACKAGE).iterdir(), key=lambda entry: entry.name)
    for entry in files:
        if not entry.name.endswith(".yaml"):
            continue
        for doc in yaml.load_all(entry.read_text(encoding="utf-8"), Loader=loader):
            if isinstance(doc, dict) and doc.get("kind") == "CustomResourceDefinition":
                manifests[crd_kind(doc, entry.name)] = doc
    return manifests


def packaged_crds() -> dict[str, dict[str, Any]]:
    """The CRD manifests shipped with the SDK, by kind (fresh copies, safe to modify)."""
    return copy.deepcopy(_load_packaged())


def _checked(crds: Mapping[str, Mapping[str, Any]]) -> dict[str, Mapping[str, Any]]:
    checked: dict[str, Mapping[str, Any]] = {}
    for key, manifest in crds.items():
        kind = crd_kind(manifest, f"crds[{key!r}]")
        if kind != key:
            raise CrdManifestError(f"crds[{key!r}] defines kind {kind!r}, not {key!r}")
        checked[key] = manifest
    return checked


async def _read_crd(transport: Transport, name: str) -> dict[str, Any] | None:
    """The server's CRD called ``name``; None when it is not installed."""
    try:
        crd: dict[str, Any] = await transport.send_json(Request("GET", f"{_CRD_API}/{name}"))
    except NotFoundError:
        return None
    except ForbiddenError as error:
        raise ForbiddenError(
            error.status,
            error.reason,
            f"the CRD drift check needs {_PERMISSION} (cluster-scoped: grant it with a "
            f"ClusterRole and ClusterRoleBinding) to read {name}; the server said: "
            f"{error.message}",
            method=error.method,
            path=error.path,
            body=error.body,
            causes=error.causes,
        ) from error
    return crd


async def crd_drift(
    api: ApiClient, *, crds: Mapping[str, Mapping[str, Any]] | None = None
) -> DriftReport:
    """Compare the server's CRDs with the SDK's and report every difference.

    ``api`` is a configured ``kubernetes_asyncio.client.ApiClient``. ``crds`` maps kinds to
    the manifests to compare against (default: :func:`packaged_crds`). Each CRD is read by
    name (``<plural>.<group>``); one the server does not have is reported as
    :attr:`Change.CRD_MISSING`. Raises :class:`~lscsde_sdk.errors.ForbiddenError` naming
    the permission needed when RBAC refuses the read, :class:`CrdManifestError` for a
    manifest in ``crds`` that is not a CRD of its key's kind, and the SDK's other typed
    :class:`~lscsde_sdk.errors.ApiError`\\ s for other failures.
    """
    manifests = _load_packaged() if crds is None else _checked(crds)
    transport = Transport.of(api)
    kinds = sorted(manifests)
    # Every read finishes before an error is raised, so none is left running unobserved.
    answers = await asyncio.gather(
        *(_read_crd(transport, crd_name(manifests[kind])) for kind in kinds),
        return_exceptions=True,
    )
    findings: list[Finding] = []
    for kind, answer in zip(kinds, answers, strict=True):
        if isinstance(answer, BaseException):
            raise answer
        if answer is None:
            name = crd_name(manifests[kind])
            message = f"CustomResourceDefinition {name} is not installed on the server"
            findings.append(Finding(kind, None, "", Change.CRD_MISSING, message))
        else:
            findings.extend(compare_crds(manifests[kind], answer))
    return DriftReport(sdk_release=CRD_RELEASE, kinds=tuple(kinds), findings=tuple(findings))
