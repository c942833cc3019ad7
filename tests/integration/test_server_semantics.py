"""What the API server does to our objects: defaulting, pruning, strict field validation."""

from __future__ import annotations

import pytest
from kubernetes_asyncio.client import ApiClient

from lscsde_sdk.clients import (
    AnalyticsCrateClient,
    AnalyticsWorkspaceBindingClient,
    AnalyticsWorkspaceClient,
)
from lscsde_sdk.errors import BadRequestError, InvalidError, StatusCause
from lscsde_sdk.models import AnalyticsCrate

from .factories import crate, workspace, workspace_binding

pytestmark = pytest.mark.integration


async def test_server_fills_crate_defaults(admin_api: ApiClient, namespace: str) -> None:
    created = await AnalyticsCrateClient(admin_api).create(crate(namespace, "defaults"))

    assert created.spec is not None and created.spec.repo is not None
    assert created.spec.path == "/ro-crate-metadata.json"
    assert created.spec.repo.branch == "main"
    assert created.spec.repo.secret_key == "TOKEN"
    # They came from the server, so they are part of the object now.
    assert created.to_api()["spec"]["repo"]["branch"] == "main"


async def test_server_fills_binding_replicas(admin_api: ApiClient, namespace: str) -> None:
    created = await AnalyticsWorkspaceBindingClient(admin_api).create(
        workspace_binding(namespace, "defaults")
    )
    assert created.to_api()["spec"]["replicas"] == 0


async def test_server_defaults_status_text_to_waiting(admin_api: ApiClient, namespace: str) -> None:
    client = AnalyticsWorkspaceClient(admin_api)
    await client.create(workspace(namespace, "defaults"))

    updated = await client.patch_status(namespace, "defaults", {})

    assert updated.to_api()["status"] == {"statusText": "Waiting"}


async def test_client_does_not_send_defaults_the_user_did_not_set(
    admin_api: ApiClient, namespace: str
) -> None:
    # If the model sent its own defaults, the server could not tell them from user intent;
    # a crate without repo must come back without one.
    body = crate(namespace, "no-repo")
    del body["spec"]["repo"]
    created = await AnalyticsCrateClient(admin_api).create(body)
    assert "repo" not in created.to_api()["spec"]


async def test_unknown_fields_are_rejected_by_strict_field_validation(
    admin_api: ApiClient, namespace: str
) -> None:
    body = crate(namespace, "strict")
    body["spec"]["colour"] = "green"
    # from_api keeps unknown fields (as when echoing back a newer server's object).
    model = AnalyticsCrate.from_api(body)

    with pytest.raises(BadRequestError, match="colour") as refused:
        await AnalyticsCrateClient(admin_api).create(model)
    assert [cause.field for cause in refused.value.causes] == ["spec.colour"]


async def test_a_patch_strict_validation_refuses_names_each_field_not_the_whole_object(
    admin_api: ApiClient, namespace: str
) -> None:
    client = AnalyticsCrateClient(admin_api)
    await client.create(crate(namespace, "strict-patch"))
    patch = {"spec": {"colour": "green", "repo": {"shade": "dark"}}}

    with pytest.raises(InvalidError) as refused:
        await client.patch(namespace, "strict-patch", patch)

    fields = sorted(cause.field or "" for cause in refused.value.causes)
    assert fields == ["spec.colour", "spec.repo.shade"]
    # The server quotes the whole patched object before its refusal; the error does not.
    assert "Crate strict-patch" not in str(refused.value)
    assert 'unknown field "spec.colour"' in str(refused.value)


async def test_an_apply_the_schema_refuses_is_one_request_and_an_invalid_error_naming_the_field(
    admin_api: ApiClient, namespace: str
) -> None:
    # As when applying what was read from a cluster with a newer CRD release. kube-apiserver
    # answers 500 here (not 422); repeating the apply could not help, so it is not repeated.
    body = crate(namespace, "refused-apply")
    body["spec"]["repo"]["shade"] = "dark"
    client = AnalyticsCrateClient(admin_api)

    async with client.transport.counting() as requests:
        with pytest.raises(InvalidError) as refused:
            await client.apply(AnalyticsCrate.from_api(body))

    assert requests.total == 1
    assert refused.value.status == 500
    assert refused.value.causes == (
        StatusCause("FieldValueInvalid", "field not declared in schema", "spec.repo.shade"),
    )
    assert ".spec.repo.shade: field not declared in schema" in str(refused.value)


async def test_fields_the_server_prunes_are_not_invented_by_the_models(
    admin_api: ApiClient, namespace: str
) -> None:
    body = crate(namespace, "pruned")
    body["spec"]["colour"] = "green"
    client = AnalyticsCrateClient(admin_api, field_validation="Ignore")

    created = await client.create(AnalyticsCrate.from_api(body))

    assert "colour" not in created.to_api()["spec"]
    assert created.spec is not None and not created.spec.model_extra
    fetched = await client.get(namespace, "pruned")
    assert "colour" not in fetched.to_api()["spec"]
