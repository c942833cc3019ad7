"""The RBAC roles shipped in ``deploy/rbac/``, and the permission RBAC checks for a request.

A :class:`Permission` is what RBAC authorizes: a verb on a resource (``plural`` or
``plural/subresource``) of an API group. :func:`granted` expands a role's rules into them;
:class:`RequestLog` records the ones an ``ApiClient`` actually needs, request by request.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import yaml
from kubernetes_asyncio.client import ApiClient

from lscsde_sdk.core.transport import Request, RequestCounter, _connection
from lscsde_sdk.envtest import default_crd_dir, load_crds

RBAC_DIR = Path(__file__).resolve().parents[2] / "deploy" / "rbac"
GROUP = "xlscsde.nhs.uk"

#: Each consumer and the file of its role.
CONSUMERS = (
    "jupyterhub",
    "datasource-operator",
    "crate-operator",
    "workspace-binding-operator",
    "lifecycle",
    "admin-portal",
    "admin-portal-crd-reader",
)
#: The consumers that are kopf operators: their roles cover what kopf asks for too.
KOPF_OPERATORS = (
    "datasource-operator",
    "crate-operator",
    "workspace-binding-operator",
    "lifecycle",
)

OBJECT_VERBS = frozenset(
    {"get", "list", "watch", "create", "update", "patch", "delete", "deletecollection"}
)
SUBRESOURCE_VERBS = frozenset({"get", "update", "patch"})
#: The resources outside AWMS a role may name, with the verbs they offer.
OTHER_RESOURCES = {
    ("", "persistentvolumeclaims"): OBJECT_VERBS,
    ("events.k8s.io", "events"): OBJECT_VERBS,
    ("apiextensions.k8s.io", "customresourcedefinitions"): OBJECT_VERBS,
}


@dataclass(frozen=True, order=True)
class Permission:
    group: str
    resource: str
    verb: str

    def __str__(self) -> str:
        return f"{self.verb} {self.resource}" + (f".{self.group}" if self.group else "")


def role_text(consumer: str) -> str:
    return (RBAC_DIR / f"{consumer}.yaml").read_text(encoding="utf-8")


def load_role(consumer: str) -> dict[str, Any]:
    """The one Role or ClusterRole document of ``deploy/rbac/<consumer>.yaml``."""
    (document,) = list(yaml.safe_load_all(role_text(consumer)))
    assert isinstance(document, dict)
    return document


def granted(*roles: Mapping[str, Any]) -> set[Permission]:
    """Every (group, resource, verb) the roles' rules name (``resourceNames`` narrow a rule
    to some objects but still grant its verbs)."""
    return {
        Permission(group, resource, verb)
        for role in roles
        for rule in role["rules"]
        for group in rule["apiGroups"]
        for resource in rule["resources"]
        for verb in rule["verbs"]
    }


def awms_offered() -> set[Permission]:
    """Everything the five kinds offer: every verb on each kind, and the subresource verbs on
    each subresource its CRD declares."""
    crd_dir = default_crd_dir()
    assert crd_dir is not None
    offered = set()
    for crd in load_crds(crd_dir):
        group, plural = crd["spec"]["group"], crd["spec"]["names"]["plural"]
        offered |= {Permission(group, plural, verb) for verb in OBJECT_VERBS}
        for version in crd["spec"]["versions"]:
            for sub in version.get("subresources") or {}:
                offered |= {Permission(group, f"{plural}/{sub}", v) for v in SUBRESOURCE_VERBS}
    return offered


def permission_of(method: str, url: str, query: Sequence[tuple[str, str]] | None) -> Permission:
    """The permission RBAC checks for one request (the request verbs of the Kubernetes
    authorization docs: a GET of a collection is ``list``, or ``watch`` with ``watch=true``)."""
    parts = urlsplit(url).path.strip("/").split("/")
    if parts[0] == "api":  # /api/v1/...: the core group
        group, rest = "", parts[2:]
    else:  # /apis/<group>/<version>/...
        group, rest = parts[1], parts[3:]
    if len(rest) >= 3 and rest[0] == "namespaces":
        rest = rest[2:]
    resource = "/".join([rest[0], *rest[2:3]])
    collection = len(rest) == 1
    watching = ("watch", "true") in list(query or [])
    verb = {
        "GET": "watch" if watching else "list" if collection else "get",
        "POST": "create",
        "PUT": "update",
        "PATCH": "patch",
        "DELETE": "deletecollection" if collection else "delete",
    }[method.upper()]
    return Permission(group, resource, verb)


_STEP: ContextVar[str] = ContextVar("rbac_step", default="(no step)")


class RequestLog:
    """Every request an ``ApiClient`` sends while :meth:`recording`, as the permission it
    needs, with the step of the test that sent it (:meth:`step`).

    It listens where every request of the ``ApiClient`` goes out: the SDK's (its transports,
    informers, ``crd_drift``), and kubernetes_asyncio's own REST client for anything else.
    Tasks inherit the step they were started in: an informer's later watches count for the
    step that started it.
    """

    def __init__(self) -> None:
        self.entries: list[tuple[str, Permission]] = []

    @contextmanager
    def step(self, name: str) -> Iterator[None]:
        token = _STEP.set(name)
        try:
            yield
        finally:
            _STEP.reset(token)

    @contextmanager
    def recording(self, api: ApiClient) -> Iterator[RequestLog]:
        rest = api.rest_client
        send = rest.request

        async def request(method: str, url: str, query_params: Any = None, **kwargs: Any) -> Any:
            self.entries.append((_STEP.get(), permission_of(method, url, query_params)))
            return await send(method, url, query_params=query_params, **kwargs)

        entries = self.entries

        class Recorder(RequestCounter):
            def record(self, sent: Request) -> None:
                entries.append((_STEP.get(), permission_of(sent.method, sent.path, sent.query)))

        counters = _connection(api).counters
        recorder = Recorder()
        counters.append(recorder)
        rest.request = request
        try:
            yield self
        finally:
            del rest.request  # the class's method again
            counters.remove(recorder)

    def permissions(self) -> set[Permission]:
        return {permission for _, permission in self.entries}

    def used_by(self, step: str) -> set[Permission]:
        return {permission for name, permission in self.entries if name == step}
