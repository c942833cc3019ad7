"""crd_drift against a real API server: the CRDs it serves, as it stores them.

CRDs are cluster-scoped, so the tests that change them use a control plane of their own
(``drift_plane``) and put the SDK's CRDs back after each test; the session plane is only
read.
"""

from __future__ import annotations

import copy
from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest
import pytest_asyncio
from kubernetes_asyncio.client import ApiClient

from lscsde_sdk import CRD_RELEASE
from lscsde_sdk._generated import KINDS
from lscsde_sdk.core.transport import Request, Transport
from lscsde_sdk.drift import Change, CrdManifestError, crd_drift, packaged_crds
from lscsde_sdk.envtest import ADMIN, ControlPlane
from lscsde_sdk.errors import ForbiddenError, NotFoundError
from lscsde_sdk.testing import eventually

pytestmark = pytest.mark.integration

CRD_API = "/apis/apiextensions.k8s.io/v1/customresourcedefinitions"
READER = "crd-reader"
WAIT_SECONDS = 60.0


def _name(manifest: dict[str, Any]) -> str:
    return str(manifest["metadata"]["name"])


def _schema(crd: dict[str, Any], *path: str) -> dict[str, Any]:
    node: dict[str, Any] = crd["spec"]["versions"][0]["schema"]["openAPIV3Schema"]
    for step in path:
        node = node["properties"][step]
    return node


async def _replace(api: ApiClient, manifest: dict[str, Any]) -> None:
    """PUT ``manifest`` over the server's CRD of that name (at its current resourceVersion)."""
    transport = Transport(api)
    current = await transport.send_json(Request("GET", f"{CRD_API}/{_name(manifest)}"))
    body = copy.deepcopy(manifest)
    body["metadata"]["resourceVersion"] = current["metadata"]["resourceVersion"]
    await transport.send_json(Request("PUT", f"{CRD_API}/{_name(manifest)}", body=body))


async def _delete(api: ApiClient, name: str) -> None:
    """Delete a CRD and wait until it is gone (its finalizer runs in the API server)."""
    transport = Transport(api)
    await transport.send_json(Request("DELETE", f"{CRD_API}/{name}"))

    async def gone() -> bool:
        try:
            await transport.send_json(Request("GET", f"{CRD_API}/{name}"))
        except NotFoundError:
            return True
        return False

    await eventually(gone, within=WAIT_SECONDS)


@pytest.fixture(scope="module")
def drift_plane(control_plane: ControlPlane) -> Iterator[ControlPlane]:
    """A control plane of this module's own, started with the SDK's CRDs."""
    if control_plane.external:
        pytest.skip("changes cluster-scoped CRDs, so it needs a control plane of its own")
    plane = ControlPlane(users=(READER,))
    plane.start()
    try:
        yield plane
    finally:
        plane.stop()


@pytest_asyncio.fixture(loop_scope="session")
async def drift_admin(drift_plane: ControlPlane) -> AsyncIterator[ApiClient]:
    """Admin on ``drift_plane``; afterwards the server has the SDK's CRDs again."""
    api = await drift_plane.api_client(ADMIN)
    try:
        yield api
        deleted = False
        for manifest in packaged_crds().values():
            try:
                await _replace(api, manifest)
            except NotFoundError:
                deleted = True
        if deleted:
            await drift_plane.apply_crds_async()  # creates them and waits until servable
    finally:
        await api.close()


# -- no drift ----------------------------------------------------------------------------------


async def test_the_sdks_own_crds_on_a_server_are_no_drift(drift_admin: ApiClient) -> None:
    report = await crd_drift(drift_admin)

    assert report.ok, report.format()
    assert report.findings == ()
    assert report.missing == ()
    assert report.kinds == tuple(sorted(KINDS))
    assert report.sdk_release == CRD_RELEASE
    assert str(report).startswith("no drift:")


# -- a newer and an older CRD ------------------------------------------------------------------


IMAGE_PATTERN = "^[a-z0-9\\-\\/\\.]*\\:([a-zA-Z0-9\\-\\_\\.]*)$"
DISPLAY_NAME_RULE = "size(self.displayName) <= 200"


def _newer_workspace_crd() -> dict[str, Any]:
    crd = packaged_crds()["AnalyticsWorkspace"]
    spec = _schema(crd, "spec")
    spec["properties"]["jupyterWorkspace"]["properties"]["gpu"] = {"type": "integer"}
    spec["required"].remove("description")
    spec["properties"]["jupyterWorkspace"]["properties"]["image"]["pattern"] = IMAGE_PATTERN
    spec["x-kubernetes-validations"] = [
        {"rule": DISPLAY_NAME_RULE, "message": "displayName is at most 200 characters"}
    ]
    return crd


async def test_a_newer_crd_on_the_server_is_reported_change_by_change(
    drift_admin: ApiClient,
) -> None:
    await _replace(drift_admin, _newer_workspace_crd())

    report = await crd_drift(drift_admin)

    found = [(f.kind, f.version, f.path, f.change) for f in report.findings]
    assert found == [
        ("AnalyticsWorkspace", "v1", "spec", Change.VALIDATION_SERVER_ONLY),
        ("AnalyticsWorkspace", "v1", "spec.description", Change.REQUIRED_SDK_ONLY),
        ("AnalyticsWorkspace", "v1", "spec.jupyterWorkspace.gpu", Change.SERVER_ONLY),
        ("AnalyticsWorkspace", "v1", "spec.jupyterWorkspace.image", Change.PATTERN),
    ]
    rule, _required, gpu, pattern = report.findings
    assert rule.server_value == {
        "rule": DISPLAY_NAME_RULE,
        "message": "displayName is at most 200 characters",
    }
    assert gpu.server_value == {"type": "integer"}
    assert pattern.server_value == IMAGE_PATTERN
    assert not report.ok
    assert len(report.format().splitlines()) == 4


async def test_an_older_crd_lacking_a_property_is_reported_sdk_only(
    drift_admin: ApiClient,
) -> None:
    older = packaged_crds()["AnalyticsWorkspace"]
    del _schema(older, "spec", "jupyterWorkspace")["properties"]["defaultUri"]
    await _replace(drift_admin, older)

    report = await crd_drift(drift_admin)

    (finding,) = report.findings
    assert (finding.kind, finding.version, finding.path, finding.change) == (
        "AnalyticsWorkspace",
        "v1",
        "spec.jupyterWorkspace.defaultUri",
        Change.SDK_ONLY,
    )
    assert finding.sdk_value == {"type": "string"}
    assert str(finding) == (
        "AnalyticsWorkspace v1 spec.jupyterWorkspace.defaultUri: property only in the SDK "
        "(type string)"
    )


# -- not installed -----------------------------------------------------------------------------


async def test_a_crd_that_is_not_installed_is_reported_missing(drift_admin: ApiClient) -> None:
    await _delete(drift_admin, "analyticscrates.xlscsde.nhs.uk")

    report = await crd_drift(drift_admin)

    assert report.missing == ("AnalyticsCrate",)
    (finding,) = report.findings
    assert finding.change is Change.CRD_MISSING
    assert str(finding) == (
        "AnalyticsCrate: CustomResourceDefinition analyticscrates.xlscsde.nhs.uk is not "
        "installed on the server"
    )
    assert report.to_dict()["missing"] == ["AnalyticsCrate"]


# -- permissions -------------------------------------------------------------------------------


async def test_an_identity_that_may_not_read_crds_gets_a_forbidden_error_naming_the_permission(
    user_api: ApiClient,
) -> None:
    with pytest.raises(ForbiddenError) as raised:
        await crd_drift(user_api)

    assert raised.value.status == 403
    assert "get on customresourcedefinitions.apiextensions.k8s.io" in str(raised.value)
    assert "ClusterRole" in raised.value.message


async def test_get_on_customresourcedefinitions_is_all_the_check_needs(
    drift_plane: ControlPlane, drift_admin: ApiClient
) -> None:
    rbac = "/apis/rbac.authorization.k8s.io/v1"
    transport = Transport(drift_admin)
    await transport.send_json(
        Request(
            "POST",
            f"{rbac}/clusterroles",
            body={
                "metadata": {"name": "crd-drift-reader"},
                "rules": [
                    {
                        "apiGroups": ["apiextensions.k8s.io"],
                        "resources": ["customresourcedefinitions"],
                        "verbs": ["get"],
                    }
                ],
            },
        )
    )
    await transport.send_json(
        Request(
            "POST",
            f"{rbac}/clusterrolebindings",
            body={
                "metadata": {"name": "crd-drift-reader"},
                "roleRef": {
                    "apiGroup": "rbac.authorization.k8s.io",
                    "kind": "ClusterRole",
                    "name": "crd-drift-reader",
                },
                "subjects": [
                    {"apiGroup": "rbac.authorization.k8s.io", "kind": "User", "name": READER}
                ],
            },
        )
    )
    async with await drift_plane.api_client(READER) as reader:
        # RBAC reads bindings from an informer cache that lags the write: retry until it allows.
        report = await eventually(
            lambda: crd_drift(reader), within=WAIT_SECONDS, ignoring=(ForbiddenError,)
        )

    assert report.ok, report.format()


# -- the manifests compared --------------------------------------------------------------------


async def test_the_manifests_to_compare_against_can_be_given(drift_admin: ApiClient) -> None:
    wanted = _newer_workspace_crd()

    report = await crd_drift(drift_admin, crds={"AnalyticsWorkspace": wanted})

    assert report.kinds == ("AnalyticsWorkspace",)
    assert {(f.path, f.change) for f in report.findings} == {
        ("spec", Change.VALIDATION_SDK_ONLY),
        ("spec.description", Change.REQUIRED_SERVER_ONLY),
        ("spec.jupyterWorkspace.gpu", Change.SDK_ONLY),
        ("spec.jupyterWorkspace.image", Change.PATTERN),
    }


async def test_a_manifest_given_under_another_kind_is_a_typed_error(admin_api: ApiClient) -> None:
    crd = packaged_crds()["AnalyticsCrate"]

    with pytest.raises(CrdManifestError, match="crds\\['AnalyticsWorkspace'\\] defines kind"):
        await crd_drift(admin_api, crds={"AnalyticsWorkspace": crd})
