"""The compat models work as FastAPI request and response models, as an admin portal
declares its routes with them (and so do the SDK's models)."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.testclient import TestClient

from lscsde_sdk import models as sdk
from lscsde_workspace_mgmt.models import (
    AnalyticsDataSource,
    AnalyticsWorkspace,
    AnalyticsWorkspaceBinding,
    AnalyticsWorkspaceSpec,
)

WORKSPACE = {
    "apiVersion": "xlscsde.nhs.uk/v1",
    "kind": "AnalyticsWorkspace",
    "metadata": {"name": "outcomes", "namespace": "jupyterhub"},
    "spec": {
        "displayName": "Outcomes",
        "description": "Linked data",
        "validity": {"availableFrom": "2026-01-01", "expires": "2027-01-01"},
        "jupyterWorkspace": {
            "image": "lscsde/datascience-notebook-default:0.1.0",
            "resources": {"limits": {"memory": "8Gi", "nvidia.com/gpu": 1}},
            "tolerations": [{"key": "gpu", "operator": "Exists"}],
        },
    },
}


def portal() -> FastAPI:
    app = FastAPI()
    stored: dict[str, AnalyticsWorkspace] = {}

    @app.post("/workspaces", response_model=AnalyticsWorkspace)
    def create(workspace: AnalyticsWorkspace) -> AnalyticsWorkspace:
        stored[str(workspace.metadata.name)] = workspace
        return workspace

    @app.get("/workspaces/{name}", response_model=AnalyticsWorkspace)
    def read(name: str) -> AnalyticsWorkspace:
        return stored[name]

    @app.put("/workspaces/{name}/spec", response_model=AnalyticsWorkspace)
    def set_spec(name: str, spec: AnalyticsWorkspaceSpec) -> AnalyticsWorkspace:
        stored[name].spec = spec
        return stored[name]

    @app.get("/bindings", response_model=list[AnalyticsWorkspaceBinding])
    def bindings() -> list[AnalyticsWorkspaceBinding]:
        return [
            AnalyticsWorkspaceBinding.model_validate(
                {"metadata": {"name": "b"}, "spec": {"workspace": "outcomes", "username": "u"}}
            )
        ]

    @app.post("/datasources", response_model=AnalyticsDataSource)
    def datasource(body: AnalyticsDataSource) -> AnalyticsDataSource:
        return body

    @app.post("/sdk/workspaces", response_model=sdk.AnalyticsWorkspace)
    def sdk_workspace(body: sdk.AnalyticsWorkspace) -> sdk.AnalyticsWorkspace:
        return body

    return app


def test_routes_declared_with_compat_models_build_their_openapi_schema() -> None:
    schema = portal().openapi()
    components = schema["components"]["schemas"]
    # Both the compat and the SDK AnalyticsWorkspace are used: FastAPI qualifies the names.
    (compat,) = [
        n
        for n in components
        if n.endswith("lscsde_workspace_mgmt___generated__models__AnalyticsWorkspace")
    ]
    assert {"apiVersion", "kind", "metadata", "spec", "status"} <= set(
        components[compat]["properties"]
    )
    assert "KubernetesMetadata" in components
    # No runtime facts leak into the published schema.
    text = str(schema)
    assert "x-kubernetes" not in text and "x-any-of-required" not in text


def test_a_compat_model_round_trips_through_a_route() -> None:
    client = TestClient(portal())
    created = client.post("/workspaces", json=WORKSPACE)
    assert created.status_code == 200, created.text
    body: dict[str, Any] = created.json()
    assert body["spec"]["validity"]["expires"] == "2027-01-01"
    assert body["spec"]["jupyterWorkspace"]["resources"]["limits"]["nvidia.com/gpu"] == 1
    assert client.get("/workspaces/outcomes").json() == body

    spec = {**WORKSPACE["spec"], "description": "Changed"}
    changed = client.put("/workspaces/outcomes/spec", json=spec)
    assert changed.status_code == 200 and changed.json()["spec"]["description"] == "Changed"
    listed = client.get("/bindings")
    assert listed.status_code == 200 and listed.json()[0]["spec"]["username"] == "u"
    assert client.post("/datasources", json={"metadata": {"name": "d"}}).status_code == 200


def test_an_invalid_request_is_a_422_naming_the_field() -> None:
    client = TestClient(portal())
    bad = {**WORKSPACE, "spec": {**WORKSPACE["spec"], "validity": "soon"}}
    answer = client.post("/workspaces", json=bad)
    assert answer.status_code == 422
    assert ["body", "spec", "validity"] == answer.json()["detail"][0]["loc"][:3]


def test_the_sdk_models_work_as_route_models_too() -> None:
    client = TestClient(portal())
    answer = client.post("/sdk/workspaces", json=WORKSPACE)
    assert answer.status_code == 200, answer.text
    assert answer.json()["spec"]["jupyterWorkspace"]["image"].endswith(":0.1.0")
    bad = {**WORKSPACE, "spec": {**WORKSPACE["spec"], "validity": {"expires": "2027-01-01"}}}
    assert client.post("/sdk/workspaces", json=bad).status_code == 422
