"""No secret in any error built from what the API server (or something in front of it)
answers, on every way a request of a secret-bearing kind can fail.

The server echoes objects in its refusals: under ``fieldValidation=Strict`` a patch with an
unknown field is refused with the whole object as patched in the message, quoted as JSON
inside the message, though the patch did not carry the secret. Each failing path below is
taken against the real API server (and, for answers it would not give, through the fault
proxy); the secrets are then searched for in everything the error lets reach (message, str,
repr, causes and contexts at any depth, failures, body), in the DEBUG log and in the Events
of the namespace.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import pytest
import pytest_asyncio
from kubernetes_asyncio.client import ApiClient

from lscsde_sdk import clients
from lscsde_sdk.clients import (
    AnalyticsDataSourceClient,
    CustomResourceClient,
    RetryPolicy,
    Transport,
)
from lscsde_sdk.core.redaction import MASK
from lscsde_sdk.core.transport import Request
from lscsde_sdk.envtest import ControlPlane
from lscsde_sdk.errors import (
    AlreadyExistsError,
    ApiConnectionError,
    ConflictError,
    InvalidError,
    LscsdeError,
    RetriesExhaustedError,
    ServerError,
)
from lscsde_sdk.events import EventRecorder
from lscsde_sdk.recording import Recording
from lscsde_sdk.testing import ApiProxy, Respond
from tests.security.leaks import assert_absent, error_texts, go_map, log_texts

pytestmark = pytest.mark.integration

PASSWORD = "SENTINEL-answer-pw-41c9"
CONNECTION_STRING = f"Server=db.example.internal;User Id=analyst;Password={PASSWORD};"
PASTED_TOKEN = "dapiSENTINEL-pasted-77aa"
MISSPELT = "SENTINEL-misspelt-3b0e"
NEVER_SHOWN = (PASSWORD, PASTED_TOKEN, MISSPELT)
QUICK = RetryPolicy(attempts=2, initial_delay=0.0)


def datasource(namespace: str, name: str) -> dict[str, Any]:
    return {
        "apiVersion": "xlscsde.nhs.uk/v1",
        "kind": "AnalyticsDataSource",
        "metadata": {"name": name, "namespace": namespace},
        "spec": {
            "type": "Registry",
            "displayName": "A data source with secrets",
            "connections": [
                {
                    "type": "sqlserver",
                    "name": "primary",
                    "connectionString": {"value": CONNECTION_STRING},
                },
                {
                    "type": "databricks",
                    "name": "lake",
                    "databricksConnection": {
                        "hostName": "adb-1.example.net",
                        "personalAccessToken": {"secretName": "lake-token"},
                    },
                },
            ],
        },
    }


@dataclass(frozen=True)
class SecretKind:
    """A kind with secrets: its client, an object of it holding them, and patches that put a
    secret where the server refuses it (a misspelt field beside the secret, a token pasted
    where its reference belongs)."""

    client: type[CustomResourceClient[Any, Any]]
    manifest: Callable[[str, str], dict[str, Any]]
    refused_secret_patches: tuple[list[dict[str, Any]], ...]


KINDS = [
    SecretKind(
        AnalyticsDataSourceClient,
        datasource,
        (
            [
                {
                    "op": "add",
                    "path": "/spec/connections/0/connectionString/valeu",
                    "value": MISSPELT,
                }
            ],
            [
                {
                    "op": "replace",
                    "path": "/spec/connections/1/databricksConnection/personalAccessToken",
                    "value": PASTED_TOKEN,
                }
            ],
        ),
    )
]


def test_every_kind_with_secrets_is_tested_here() -> None:
    with_secrets = {
        client
        for name in clients.__all__
        if isinstance(client := getattr(clients, name), type)
        and issubclass(client, CustomResourceClient)
        and client.secret_paths
    }
    assert with_secrets == {kind.client for kind in KINDS}


@dataclass
class Setting:
    kind: SecretKind
    namespace: str
    client: CustomResourceClient[Any, Any]  # straight to the API server
    proxied: CustomResourceClient[Any, Any]  # through the fault proxy
    proxy: ApiProxy
    stored: dict[str, Any]  # the object as the server holds it, secrets in clear
    recorder: EventRecorder  # records the events of writes through writes/proxied_writes

    @property
    def writes(self) -> Recording[Any]:
        return Recording(self.client, self.recorder)

    @property
    def proxied_writes(self) -> Recording[Any]:
        return Recording(self.proxied, self.recorder)

    @property
    def name(self) -> str:
        return str(self.stored["metadata"]["name"])


@pytest_asyncio.fixture(loop_scope="session", params=KINDS, ids=lambda k: k.client.__name__)
async def setting(
    request: pytest.FixtureRequest,
    control_plane: ControlPlane,
    admin_api: ApiClient,
    api_proxy: ApiProxy,
    namespace: str,
) -> AsyncIterator[Setting]:
    kind: SecretKind = request.param
    events = EventRecorder(Transport(admin_api), reporting_controller="xlscsde.nhs.uk/tests")
    client = kind.client(Transport(admin_api))
    created = await Recording(client, events).create(kind.manifest(namespace, "holder"))
    stored = await client.transport.send_json(
        Request("GET", client.info.object_path(namespace, created.name))
    )
    async with await control_plane.api_client(server_url=api_proxy.url) as proxied_api:
        proxied = kind.client(Transport(proxied_api, sleep=_no_wait), retry=QUICK)
        yield Setting(kind, namespace, client, proxied, api_proxy, stored, events)


async def _no_wait(_: float) -> None:
    return None


# -- the failing paths -----------------------------------------------------------------------

Path = Callable[[Setting], Awaitable[Any]]


async def strict_merge_patch(s: Setting) -> Any:
    return await s.writes.patch(s.namespace, s.name, {"spec": {"bogusField": "x"}})


async def strict_json_patch(s: Setting) -> Any:
    operation = {"op": "add", "path": "/spec/bogusField", "value": "x"}
    return await s.writes.patch(s.namespace, s.name, [operation])


async def secrets_the_server_refuses(s: Setting) -> Any:
    failures: list[BaseException] = []
    for patch in s.kind.refused_secret_patches:
        try:
            await s.writes.patch(s.namespace, s.name, patch)
        except InvalidError as error:
            failures.append(error)
    raise ExceptionGroup("each refused patch", failures)


async def already_exists(s: Setting) -> Any:
    return await s.writes.create(s.kind.manifest(s.namespace, s.name))


async def stale_replace(s: Setting) -> Any:
    stale = await s.client.get(s.namespace, s.name)
    await s.writes.patch(s.namespace, s.name, {"metadata": {"annotations": {"touched": "yes"}}})
    return await s.writes.replace(stale)


async def server_error_echoing_the_object(s: Setting) -> Any:
    echo = f"Internal error occurred: {json.dumps(s.stored)}; as Go sees it: {go_map(s.stored)}"
    s.proxy.add_fault(Respond(500, message=echo), method="PATCH")
    return await s.proxied_writes.patch(s.namespace, s.name, {"spec": {"description": "x"}})


async def malformed_object(s: Setting) -> Any:
    body = json.dumps(s.stored).encode()
    s.proxy.add_fault(Respond(200, body=body[: len(body) // 2]), method="GET")
    return await s.proxied.get(s.namespace, s.name)


async def answer_that_is_no_status(s: Setting) -> Any:
    page = b"<html><body>upstream said: " + json.dumps(s.stored).encode() + b"</body></html>"
    s.proxy.add_fault(Respond(502, body=page, headers={"Content-Type": "text/html"}), method="PUT")
    return await s.proxied_writes.replace(s.kind.manifest(s.namespace, s.name))


async def refused_connection(s: Setting) -> Any:
    server = await asyncio.start_server(lambda r, w: None, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    server.close()
    await server.wait_closed()
    s.proxied.transport.api_client.configuration.host = f"https://127.0.0.1:{port}"
    return await s.proxied_writes.create(s.kind.manifest(s.namespace, "unreachable"))


PATHS: dict[Path, type[BaseException]] = {
    strict_merge_patch: InvalidError,
    strict_json_patch: InvalidError,
    secrets_the_server_refuses: ExceptionGroup,
    already_exists: AlreadyExistsError,
    stale_replace: ConflictError,
    server_error_echoing_the_object: RetriesExhaustedError,
    malformed_object: ValueError,  # pydantic's ValidationError
    answer_that_is_no_status: ServerError,
    refused_connection: RetriesExhaustedError,
}


@pytest.mark.parametrize("path", PATHS, ids=lambda path: path.__name__)
async def test_no_secret_in_any_error_log_or_event(
    setting: Setting, path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    with pytest.raises(PATHS[path]) as caught:
        await path(setting)
    errors = list(caught.value.exceptions) if isinstance(caught.value, ExceptionGroup) else []
    assert all(isinstance(error, LscsdeError) for error in errors)
    events = await setting.client.transport.send(
        Request("GET", f"/apis/events.k8s.io/v1/namespaces/{setting.namespace}/events")
    )
    for secret in NEVER_SHOWN:
        assert_absent(secret, error_texts(caught.value))
        assert_absent(secret, log_texts(caplog))
        assert secret.encode() not in events


async def test_a_refusal_still_says_what_is_wrong(setting: Setting) -> None:
    with pytest.raises(InvalidError) as caught:
        await strict_merge_patch(setting)
    error = caught.value
    assert 'unknown field "spec.bogusField"' in error.message
    assert [cause.field for cause in error.causes] == ["spec.bogusField"]
    # The server's Status keeps the patched object it quotes, its secret masked, the rest
    # readable; the message leaves it out.
    assert error.body["reason"] == "Invalid"
    assert MASK in error.body["message"] and MASK not in error.message
    assert '\\"displayName\\":\\"A data source with secrets\\"' in error.body["message"]


async def test_a_failed_connection_keeps_what_helps(setting: Setting) -> None:
    with pytest.raises(RetriesExhaustedError) as caught:
        await refused_connection(setting)
    failure = caught.value.failures[0]
    assert isinstance(failure, ApiConnectionError)
    assert failure.cause == "ClientConnectorError" and not failure.sent
    assert failure.url is not None and failure.url.startswith("https://127.0.0.1:")
