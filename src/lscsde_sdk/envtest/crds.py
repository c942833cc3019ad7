"""CustomResourceDefinitions for a control plane: read from files, created, and waited for
until Established and servable."""

from __future__ import annotations

import asyncio
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any, cast

from kubernetes_asyncio import client
from kubernetes_asyncio.client.exceptions import ApiException

from ..yaml_safety import load_documents
from .errors import ControlPlaneError

__all__ = ["apply_crds", "default_crd_dir", "load_crds", "wait_crds_servable"]

_ESTABLISHED_TIMEOUT = 60.0


def _established(crd: client.V1CustomResourceDefinition) -> bool:
    conditions = crd.status.conditions if crd.status is not None else None
    return any(c.type == "Established" and c.status == "True" for c in conditions or [])


async def apply_crds(api_client: client.ApiClient, docs: Sequence[dict[str, Any]]) -> list[str]:
    """Create each CRD unless it exists; return once all are Established and servable."""
    ext = client.ApiextensionsV1Api(api_client)
    names = [str(doc["metadata"]["name"]) for doc in docs]
    for doc in docs:
        try:
            # The client serialises a plain dict as is; no lossy round trip through models.
            await ext.create_custom_resource_definition(
                body=cast("client.V1CustomResourceDefinition", doc)
            )
        except ApiException as exc:
            if exc.status != 409:  # 409: already there (an existing cluster) - leave it
                raise
    await wait_crds_servable(api_client, names)
    return names


# Until a CRD's handler and storage are up, reads of its resource fail with 404 (no handler
# yet), 429 ("storage is (re)initializing"), 503 (e.g. right after a kube-apiserver restart)
# or 504 (a read that waited for etcd past the API server's --request-timeout, while etcd
# comes back).
_NOT_YET_SERVABLE = frozenset({404, 429, 503, 504})


async def wait_crds_servable(
    api_client: client.ApiClient,
    names: Sequence[str] | None = None,
    *,
    within: float = _ESTABLISHED_TIMEOUT,
) -> list[str]:
    """Wait until each CRD is Established and a list of each served version answers 200.

    ``names`` defaults to every CRD in the cluster. Returns the names waited for; raises
    :class:`ControlPlaneError` naming the first CRD still not servable after ``within`` seconds.
    """
    ext = client.ApiextensionsV1Api(api_client)
    custom = client.CustomObjectsApi(api_client)
    if names is None:
        names = [crd.metadata.name for crd in (await ext.list_custom_resource_definition()).items]
    deadline = asyncio.get_running_loop().time() + within
    for name in names:
        try:
            async with asyncio.timeout_at(deadline):
                while True:
                    crd = await ext.read_custom_resource_definition(name)
                    if _established(crd):
                        break
                    await asyncio.sleep(0.1)
                # Established precedes the resource's handler and watch cache being ready.
                group, plural = crd.spec.group, crd.spec.names.plural
                for version in (v.name for v in crd.spec.versions if v.served):
                    while True:
                        try:
                            await custom.list_cluster_custom_object(group, version, plural, limit=1)
                            break
                        except ApiException as exc:
                            if exc.status not in _NOT_YET_SERVABLE:
                                raise
                        await asyncio.sleep(0.1)
        except TimeoutError:
            raise ControlPlaneError(
                f"CRD {name} not Established and servable after {within}s"
            ) from None
    return list(names)


def default_crd_dir() -> Path | None:
    """The CRDs shipped in the package, else the repository's ``schemas/`` (source checkouts)."""
    package = Path(__file__).resolve().parent.parent
    for candidate in (package / "_generated" / "crds", package.parent.parent / "schemas"):
        if candidate.is_dir() and any(candidate.glob("*.yaml")):
            return candidate
    return None


def load_crds(crd_dir: str | os.PathLike[str]) -> list[dict[str, Any]]:
    """Every CustomResourceDefinition document in ``crd_dir/*.yaml`` (other kinds are skipped),
    read by :func:`lscsde_sdk.yaml_safety.load_documents`: a file that is not plain manifests
    (aliases, duplicate keys, a document that is not a mapping, ...) is a
    :class:`~lscsde_sdk.yaml_safety.YamlInputError` naming it and the line."""
    docs: list[dict[str, Any]] = []
    for path in sorted(Path(crd_dir).glob("*.yaml")):
        for doc in load_documents(path):
            if doc.get("kind") == "CustomResourceDefinition":
                docs.append(doc)
    return docs
