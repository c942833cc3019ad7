"""Each kopf operator's Role of deploy/rbac/ on the real API server, under real kopf: ``kopf
run`` as a non-admin identity bound only to the Role, through a proxy that records every
request and its answer. Nothing is refused (no 403 in the proxy's record or kopf's log), every
update is recorded as handled (kopf's last-handled-configuration annotation holds the new spec),
and kopf asks for each permission the table of uses says it needs (the ``KOPF`` steps)."""

from __future__ import annotations

import json
from datetime import date, timedelta
from functools import partial
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

import pytest
from kubernetes_asyncio.client import ApiClient

from lscsde_sdk.clients import (
    AnalyticsCrateClient,
    AnalyticsDataSourceClient,
    AnalyticsWorkspaceBindingClient,
    AnalyticsWorkspaceClient,
    CustomResourceClient,
)
from lscsde_sdk.envtest import ControlPlane
from lscsde_sdk.testing.proxy import ApiProxy
from lscsde_sdk.testing.traffic import ProxiedRequest
from tests.integration.factories import crate, data_source, workspace, workspace_binding
from tests.operator.harness import KopfProcess, eventually

from .roles import KOPF_OPERATORS, Permission, granted, load_role, permission_of
from .test_roles import bind
from .uses import KOPF, USES

pytestmark = pytest.mark.integration

LAST_HANDLED = "kopf.zalando.org/last-handled-configuration"
OPERATOR_MODULE = Path(__file__).with_name("kopf_operator.py")
TODAY = date.today()


def dated_workspace(namespace: str, name: str) -> dict[str, Any]:
    manifest = workspace(namespace, name)
    manifest["spec"]["validity"] = {
        "availableFrom": (TODAY - timedelta(days=1)).isoformat(),
        "expires": (TODAY + timedelta(days=30)).isoformat(),
    }
    return manifest


def dated_binding(namespace: str, name: str) -> dict[str, Any]:
    manifest = workspace_binding(namespace, name)
    manifest["spec"]["expires"] = (TODAY + timedelta(days=30)).isoformat()
    return manifest


#: Per consumer: the objects its operator handles (client, manifest factory), and the status
#: text that says it handled one.
CASES: dict[str, list[tuple[type[CustomResourceClient[Any, Any]], Any, str]]] = {
    "datasource-operator": [(AnalyticsDataSourceClient, data_source, "Handled")],
    "crate-operator": [(AnalyticsCrateClient, crate, "Handled")],
    "workspace-binding-operator": [(AnalyticsWorkspaceBindingClient, dated_binding, "Handled")],
    "lifecycle": [
        (AnalyticsWorkspaceClient, dated_workspace, "Available"),
        (AnalyticsWorkspaceBindingClient, dated_binding, "Available"),
    ],
}


def change(consumer: str, client: CustomResourceClient[Any, Any]) -> dict[str, Any]:
    """An update of a spec: for the lifecycle operator, one that ends the object's access."""
    binding = "Binding" in client.info.kind
    if consumer == "lifecycle":
        today = TODAY.isoformat()
        return {"spec": {"expires": today} if binding else {"validity": {"expires": today}}}
    return {"spec": {"comments" if binding else "description": "changed"}}


def resource_permissions(answered: list[ProxiedRequest]) -> set[Permission]:
    """The permissions RBAC checked for the requests on resources (discovery and /version,
    which every authenticated identity may read, are left out)."""
    found = set()
    for request in answered:
        parts = request.path.strip("/").split("/")
        names_a_resource = (parts[0] == "api" and len(parts) >= 3) or (
            parts[0] == "apis" and len(parts) >= 4
        )
        if names_a_resource:
            found.add(permission_of(request.method, request.path, parse_qsl(request.query)))
    return found


@pytest.mark.parametrize("consumer", KOPF_OPERATORS)
async def test_a_kopf_operator_runs_under_its_role_without_refusals(
    consumer: str,
    control_plane: ControlPlane,
    admin_api: ApiClient,
    api_proxy: ApiProxy,
    user_name: str,
    namespace: str,
    tmp_path: Path,
) -> None:
    await bind(control_plane, namespace, user_name, consumer)
    cases = CASES[consumer]
    clients = [client_type(admin_api) for client_type, _, _ in cases]
    for client, (_, make, _) in zip(clients, cases, strict=True):
        await client.create(make(namespace, "before-start"))
    target = (
        ["-m", "lscsde_sdk.operator.lifecycle"]
        if consumer == "lifecycle"
        else [str(OPERATOR_MODULE)]
    )
    kopf = KopfProcess(
        control_plane.kubeconfig_path(user_name, server_url=api_proxy.url),
        namespace,
        target,
        tmp_path / "kopf.log",
        env={"LSCSDE_TEST_CONSUMER": consumer},
    )
    with kopf:
        for client, (_, make, _) in zip(clients, cases, strict=True):
            await client.create(make(namespace, "after-start"))
        for client, (_, _, handled) in zip(clients, cases, strict=True):
            for name in ("before-start", "after-start"):
                await eventually(
                    partial(status_is, client, namespace, name, handled),
                    f"{client.info.kind} {name} handled",
                    kopf,
                )
        for client in clients:
            changed = await client.merge_patch(namespace, "after-start", change(consumer, client))
            assert changed.spec is not None
            await eventually(
                partial(handled_spec, client, namespace, changed.to_api()["spec"]),
                f"{client.info.kind} update recorded as handled",
                kopf,
            )
            if consumer == "lifecycle":  # a second change of phase: the daemon reads first
                await eventually(
                    partial(status_is, client, namespace, "after-start", "Expired"),
                    f"{client.info.kind} after-start expired",
                    kopf,
                )

    refused = [r for r in api_proxy.answered if r.status == 403]
    assert refused == []
    # A refusal in kopf's log reads "Forbidden" or "... is forbidden: User ..." (a bare "403"
    # would also match timestamps).
    assert "forbidden" not in kopf.log.lower()
    role = granted(load_role(consumer))
    used = resource_permissions(api_proxy.answered)
    assert sorted(used - role) == []
    needed_by_kopf = {p for p, steps in USES[consumer].items() if KOPF in steps}
    assert sorted(needed_by_kopf - used) == []


async def status_is(
    client: CustomResourceClient[Any, Any], namespace: str, name: str, text: str
) -> bool | None:
    status = (await client.get(namespace, name)).status
    return True if status is not None and status.status_text == text else None


async def handled_spec(
    client: CustomResourceClient[Any, Any], namespace: str, name_spec: dict[str, Any]
) -> bool | None:
    current = await client.get(namespace, "after-start")
    annotation = (current.metadata.annotations or {}).get(LAST_HANDLED)
    if annotation is None:
        return None
    return True if json.loads(annotation).get("spec") == name_spec else None
