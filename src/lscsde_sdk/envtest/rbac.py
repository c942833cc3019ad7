"""RBAC for the identities of a control plane: Roles and ClusterRoles granted to a user, and
taken back, each effective (or revoked) in the authorizer by the time the call returns."""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import Mapping, Sequence
from typing import Any, cast

from kubernetes_asyncio import client

from .errors import ControlPlaneError

__all__ = ["grant", "grant_cluster", "revoke_cluster"]

_GRANT_TIMEOUT = 15.0


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
