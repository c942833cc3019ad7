"""Kubernetes helpers (async, kubernetes_asyncio) for a running cluster: namespaces, RBAC
grants, and the CRDs (loaded from files, created, waited for until Established and servable)."""

from __future__ import annotations

import asyncio
import os
import re
import secrets
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, cast

from kubernetes_asyncio import client
from kubernetes_asyncio.client.exceptions import ApiException

from ..yaml_safety import load_documents
from .binaries import ControlPlaneError

__all__ = ["create_namespace", "default_crd_dir", "grant", "load_crds"]

_GRANT_TIMEOUT = 15.0
_ESTABLISHED_TIMEOUT = 60.0


async def create_namespace(api_client: client.ApiClient, prefix: str = "test") -> str:
    """Create a namespace named ``<prefix>-<random>`` and return its name.

    No namespace controller runs, so tests take a fresh namespace rather than deleting one.
    """
    base = re.sub(r"[^a-z0-9-]+", "-", prefix.lower()).strip("-")[:50].strip("-") or "test"
    name = f"{base}-{secrets.token_hex(4)}"
    await client.CoreV1Api(api_client).create_namespace(
        body=client.V1Namespace(metadata=client.V1ObjectMeta(name=name))
    )
    return name


def _probe_attributes(
    rule: Mapping[str, Any], namespace: str
) -> client.V1ResourceAttributes | None:
    def first(key: str) -> str:
        values = rule.get(key) or []
        return str(values[0]) if values else ""

    resource, _, subresource = first("resources").partition("/")
    if not resource or not first("verbs"):
        return None
    return client.V1ResourceAttributes(
        namespace=namespace,
        verb=first("verbs"),
        group=first("apiGroups"),
        resource=resource,
        subresource=subresource or None,
        name=first("resourceNames") or None,
    )


async def grant(
    api_client: client.ApiClient,
    namespace: str,
    user: str,
    rules: Sequence[Mapping[str, Any] | client.V1PolicyRule],
    *,
    name: str | None = None,
    groups: Sequence[str] = (),
) -> str:
    """Give ``user`` a Role with ``rules`` in ``namespace`` (via a RoleBinding); return its name.

    ``rules`` are RBAC PolicyRules as dicts (``{"apiGroups": [...], "resources": [...],
    "verbs": [...]}``) or ``V1PolicyRule``. Returns once the authorizer allows each rule's
    first verb/resource, since RBAC reads bindings from an informer cache that lags writes.
    """
    role = name or f"{user}-grant-{secrets.token_hex(4)}"
    plain_rules = cast("list[dict[str, Any]]", api_client.sanitize_for_serialization(list(rules)))
    rbac = client.RbacAuthorizationV1Api(api_client)
    await rbac.create_namespaced_role(
        namespace,
        client.V1Role(
            metadata=client.V1ObjectMeta(name=role, namespace=namespace),
            rules=cast("list[client.V1PolicyRule]", plain_rules),
        ),
    )
    await rbac.create_namespaced_role_binding(
        namespace,
        client.V1RoleBinding(
            metadata=client.V1ObjectMeta(name=role, namespace=namespace),
            role_ref=client.V1RoleRef(
                api_group="rbac.authorization.k8s.io", kind="Role", name=role
            ),
            subjects=[
                client.RbacV1Subject(api_group="rbac.authorization.k8s.io", kind="User", name=user)
            ],
        ),
    )
    authz = client.AuthorizationV1Api(api_client)
    try:
        async with asyncio.timeout(_GRANT_TIMEOUT):
            for rule in plain_rules:
                attributes = _probe_attributes(rule, namespace)
                if attributes is None:
                    continue
                review = client.V1SubjectAccessReview(
                    spec=client.V1SubjectAccessReviewSpec(
                        user=user,
                        groups=[*groups, "system:authenticated"],
                        resource_attributes=attributes,
                    )
                )
                # Polls: the authorizer's informer cache offers nothing to wait on.
                while True:
                    if _allowed(await authz.create_subject_access_review(review)):
                        break
                    await asyncio.sleep(0.05)
    except TimeoutError:
        raise ControlPlaneError(
            f"Role {namespace}/{role} for {user} not effective after {_GRANT_TIMEOUT}s"
        ) from None
    return role


def _allowed(review: client.V1SubjectAccessReview) -> bool:
    return review.status is not None and bool(review.status.allowed)


def _established(crd: client.V1CustomResourceDefinition) -> bool:
    conditions = crd.status.conditions if crd.status is not None else None
    return any(c.type == "Established" and c.status == "True" for c in conditions or [])


async def _apply_crds(api_client: client.ApiClient, docs: Sequence[dict[str, Any]]) -> list[str]:
    """Create each CRD unless it exists; return once all are Established and servable."""
    ext = client.ApiextensionsV1Api(api_client)
    custom = client.CustomObjectsApi(api_client)
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
    for name in names:
        try:
            async with asyncio.timeout(_ESTABLISHED_TIMEOUT):
                while True:
                    crd = await ext.read_custom_resource_definition(name)
                    if _established(crd):
                        break
                    await asyncio.sleep(0.1)
                # Established precedes the resource's watch cache being ready; until then
                # reads fail with 429 "storage is (re)initializing" (or 404 briefly).
                group, plural = crd.spec.group, crd.spec.names.plural
                for version in (v.name for v in crd.spec.versions if v.served):
                    while True:
                        try:
                            await custom.list_cluster_custom_object(group, version, plural, limit=1)
                            break
                        except ApiException as exc:
                            if exc.status not in (404, 429):
                                raise
                        await asyncio.sleep(0.1)
        except TimeoutError:
            raise ControlPlaneError(
                f"CRD {name} not Established and servable after {_ESTABLISHED_TIMEOUT}s"
            ) from None
    return names


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
