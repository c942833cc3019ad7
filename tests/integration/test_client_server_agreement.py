"""The models and the API server agree on what is valid.

Every example the models accept is accepted by the server; every case the models reject is
sent to the server as raw JSON (bypassing the models) and rejected there too.
"""

from __future__ import annotations

from typing import Any

import pytest
from kubernetes_asyncio.client import ApiClient

from lscsde_sdk.clients import Transport
from lscsde_sdk.core.transport import Request
from lscsde_sdk.errors import ApiError, BadRequestError, InvalidError
from lscsde_sdk.models import (
    AnalyticsCrate,
    AnalyticsDataSource,
    AnalyticsDataSourceBinding,
    AnalyticsWorkspace,
    AnalyticsWorkspaceBinding,
)
from lscsde_sdk.resource import CustomResource
from tests.examples import (
    InvalidCase,
    ValidCase,
    client_accepts_server_rejects,
    for_create,
    invalid_cases,
    valid_cases,
)

pytestmark = pytest.mark.integration

KINDS: dict[str, type[CustomResource]] = {
    cls.__resource__.kind: cls
    for cls in (
        AnalyticsCrate,
        AnalyticsDataSource,
        AnalyticsDataSourceBinding,
        AnalyticsWorkspace,
        AnalyticsWorkspaceBinding,
    )
}


def _in_namespace(manifest: dict[str, Any], namespace: str) -> dict[str, Any]:
    body = for_create(manifest)
    body["metadata"]["namespace"] = namespace
    return body


def _subset(sent: Any, received: Any) -> bool:
    """Everything sent came back (the server may add defaults)."""
    if isinstance(sent, dict):
        return isinstance(received, dict) and all(
            key in received and _subset(value, received[key]) for key, value in sent.items()
        )
    if isinstance(sent, list):
        return (
            isinstance(received, list)
            and len(sent) == len(received)
            and all(_subset(a, b) for a, b in zip(sent, received, strict=True))
        )
    return bool(sent == received)


@pytest.mark.parametrize("case", valid_cases(), ids=lambda case: case.case_id)
async def test_what_the_models_accept_the_server_accepts(
    case: ValidCase, admin_api: ApiClient, namespace: str
) -> None:
    model_class = KINDS[case.kind]
    model = model_class.model_validate(_in_namespace(case.manifest, namespace))
    info = model_class.__resource__
    sent = model.to_api()

    created = await Transport(admin_api).send_json(
        Request(
            "POST",
            info.collection_path(namespace),
            query=[("fieldValidation", "Strict")],
            body=sent,
        )
    )

    assert _subset(sent["spec"], created["spec"]), (sent["spec"], created["spec"])
    assert model_class.from_api(created).spec is not None


@pytest.mark.parametrize(
    "case",
    [*invalid_cases(), *client_accepts_server_rejects()],
    ids=lambda case: case.case_id,
)
async def test_what_the_models_reject_the_server_rejects(
    case: InvalidCase, admin_api: ApiClient, namespace: str
) -> None:
    info = KINDS[case.kind].__resource__
    raw = _in_namespace(case.manifest, namespace)

    with pytest.raises(ApiError) as caught:
        await Transport(admin_api).send(
            Request(
                "POST",
                info.collection_path(namespace),
                query=[("fieldValidation", "Strict")],
                body=raw,
            )
        )

    assert isinstance(caught.value, InvalidError | BadRequestError), caught.value
