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

__all__ = [
    "create_namespace",
    "default_crd_dir",
    "grant",
    "grant_cluster",
    "load_crds",
    "revoke_cluster",
    "wait_crds_servable",
]

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
    rule: Mapping[str, Any], namespace: str | None
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


def _subject(user: str) -> client.RbacV1Subject:
    return client.RbacV1Subject(api_group="rbac.authorization.k8s.io", kind="User", name=user)


def _plain_rules(
    api_client: client.ApiClient, rules: Sequence[Mapping[str, Any] | client.V1PolicyRule]
) -> list[dict[str, Any]]:
    return cast("list[dict[str, Any]]", api_client.sanitize_for_serialization(list(rules)))


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
    plain_rules = _plain_rules(api_client, rules)
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
            subjects=[_subject(user)],
        ),
    )
    await _wait_authorized(
        api_client, user, groups, plain_rules, namespace, True, f"Role {namespace}/{role}"
    )
    return role


async def grant_cluster(
    api_client: client.ApiClient,
    user: str,
    rules: Sequence[Mapping[str, Any] | client.V1PolicyRule],
    *,
    name: str | None = None,
    groups: Sequence[str] = (),
) -> str:
    """Give ``user`` a ClusterRole with ``rules`` via a ClusterRoleBinding of the same name;
    return that name once the authorizer allows each rule's first verb/resource (see
    :func:`grant`).

    Cluster-wide grants outlive the test that made them and are seen by every other test of
    the control plane: take them back with :func:`revoke_cluster`.
    """
    role = name or f"{user}-cluster-grant-{secrets.token_hex(4)}"
    plain_rules = _plain_rules(api_client, rules)
    rbac = client.RbacAuthorizationV1Api(api_client)
    await rbac.create_cluster_role(
        client.V1ClusterRole(
            metadata=client.V1ObjectMeta(name=role),
            rules=cast("list[client.V1PolicyRule]", plain_rules),
        )
    )
    await rbac.create_cluster_role_binding(
        client.V1ClusterRoleBinding(
            metadata=client.V1ObjectMeta(name=role),
            role_ref=client.V1RoleRef(
                api_group="rbac.authorization.k8s.io", kind="ClusterRole", name=role
            ),
            subjects=[_subject(user)],
        )
    )
    await _wait_authorized(api_client, user, groups, plain_rules, None, True, f"ClusterRole {role}")
    return role


async def revoke_cluster(
    api_client: client.ApiClient, user: str, name: str, *, groups: Sequence[str] = ()
) -> None:
    """Delete the ClusterRoleBinding and ClusterRole ``name`` made by :func:`grant_cluster`;
    return once the authorizer no longer allows ``user`` each rule's first verb/resource
    (raises :class:`ControlPlaneError` if another grant keeps allowing it)."""
    rbac = client.RbacAuthorizationV1Api(api_client)
    role = await rbac.read_cluster_role(name)
    plain_rules = _plain_rules(api_client, role.rules or [])
    await rbac.delete_cluster_role_binding(name)
    await rbac.delete_cluster_role(name)
    await _wait_authorized(
        api_client, user, groups, plain_rules, None, False, f"ClusterRole {name} (revoked)"
    )


async def _wait_authorized(
    api_client: client.ApiClient,
    user: str,
    groups: Sequence[str],
    rules: Sequence[Mapping[str, Any]],
    namespace: str | None,
    allowed: bool,
    what: str,
) -> None:
    """Poll SubjectAccessReviews until each rule's first verb/resource is ``allowed`` (or
    not) for ``user``: the authorizer's informer cache offers nothing to wait on."""
    authz = client.AuthorizationV1Api(api_client)
    try:
        async with asyncio.timeout(_GRANT_TIMEOUT):
            for rule in rules:
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
                while True:
                    if _allowed(await authz.create_subject_access_review(review)) == allowed:
                        break
                    await asyncio.sleep(0.05)
    except TimeoutError:
        state = "effective" if allowed else "revoked"
        raise ControlPlaneError(f"{what} for {user} not {state} after {_GRANT_TIMEOUT}s") from None


def _allowed(review: client.V1SubjectAccessReview) -> bool:
    return review.status is not None and bool(review.status.allowed)


def _established(crd: client.V1CustomResourceDefinition) -> bool:
    conditions = crd.status.conditions if crd.status is not None else None
    return any(c.type == "Established" and c.status == "True" for c in conditions or [])


async def _apply_crds(api_client: client.ApiClient, docs: Sequence[dict[str, Any]]) -> list[str]:
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
# yet), 429 ("storage is (re)initializing") or 503 (e.g. right after a kube-apiserver restart).
_NOT_YET_SERVABLE = frozenset({404, 429, 503})


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
