"""Secrets never appear in logs, reprs, exception messages or events.

Known sentinel secrets are used where real ones would be (bearer tokens, a connection string's
password, tokens pasted into fields that do not exist), and every text the SDK produces around
them - log records at DEBUG, ``str``/``repr`` of models and errors, whole tracebacks including
chained causes, ``ValidationError.errors()`` and ``.json()``, the events it records - is
searched for them.

Bearer tokens: the Transport adds ``Authorization: Bearer ...`` to each request; aiohttp's
``ClientResponseError`` shows the request's headers in its repr, so the transport describes
connection failures by type and ``str`` only. Connection-string values are typed
:data:`lscsde_sdk.secrets.Secret` (``codegen/secret_fields.yaml``): hidden in repr and str, sent
as they are by ``to_api()``; validation errors mask them and the values of unknown fields.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio
from kubernetes_asyncio.client import ApiClient, Configuration
from pydantic import SecretStr, ValidationError

from lscsde_sdk.clients import AnalyticsDataSourceClient, AnalyticsWorkspaceClient
from lscsde_sdk.core.retry import RetryPolicy
from lscsde_sdk.core.transport import Request, Transport
from lscsde_sdk.envtest import ADMIN, ControlPlane
from lscsde_sdk.errors import (
    ApiConnectionError,
    ApiError,
    ForbiddenError,
    NotFoundError,
    RetriesExhaustedError,
    UnauthorizedError,
)
from lscsde_sdk.events import EventRecorder
from lscsde_sdk.managers import AnalyticsWorkspaceManager
from lscsde_sdk.models import (
    AnalyticsCrate,
    AnalyticsDataSource,
    AnalyticsDataSourceConnectionString,
    AwmsResource,
)
from lscsde_sdk.recording import Recording
from lscsde_sdk.secrets import MASK
from lscsde_workspace_mgmt import models as compat
from lscsde_workspace_mgmt._convert import from_api_json as compat_from_api_json
from tests.cli.conftest import run_cli
from tests.security.leaks import assert_absent, error_texts, log_texts

PASSWORD = "SENTINEL-pw-7f3a"
CONNECTION_STRING = f"Server=db.example.internal;User Id=analyst;Password={PASSWORD};"
PASTED_TOKEN = "dapiSENTINEL0123456789abcdef"
WRONG_TOKEN = "SENTINEL-wrong-token-55d1"


def datasource(namespace: str, name: str, **connection_string: Any) -> dict[str, Any]:
    return {
        "metadata": {"name": name, "namespace": namespace},
        "spec": {
            "type": "Registry",
            "displayName": "Secret-bearing data source",
            "connections": [
                {
                    "type": "sqlserver",
                    "name": "primary",
                    "connectionString": connection_string or {"value": CONNECTION_STRING},
                }
            ],
        },
    }


# -- connection-string values in models -----------------------------------------------------------


def test_a_connection_string_value_is_hidden_in_repr_and_str_and_sent_in_to_api() -> None:
    model = AnalyticsDataSource.model_validate(datasource("ns", "ds"))
    assert model.spec is not None and model.spec.connections is not None
    value = model.spec.connections[0].connection_string
    assert value is not None and isinstance(value.value, SecretStr)
    assert value.value.get_secret_value() == CONNECTION_STRING
    assert_absent(PASSWORD, [repr(model), str(model), repr(value), str(value), repr(value.value)])
    assert_absent(
        PASSWORD,
        [
            repr(model.model_dump()),
            repr(
                AwmsResource.model_validate(
                    {
                        "apiVersion": "xlscsde.nhs.uk/v1",
                        "kind": "AnalyticsDataSource",
                        **datasource("n", "d"),
                    }
                )
            ),
        ],
    )
    assert MASK in repr(model)
    assert model.to_api()["spec"]["connections"][0]["connectionString"] == {
        "value": CONNECTION_STRING
    }
    assert PASSWORD in model.model_dump_json()
    # Server reads keep it too, and assignment takes plain strings.
    read = AnalyticsDataSource.from_api_json(json.dumps(model.to_api()))
    assert read == model
    value.value = "Password=other"  # type: ignore[assignment]
    assert isinstance(value.value, SecretStr) and value.to_api() == {"value": "Password=other"}


def _datasource_errors() -> list[tuple[str, dict[str, Any]]]:
    def connection(**changes: Any) -> dict[str, Any]:
        manifest = datasource("ns", "ds")
        manifest["spec"]["connections"][0].update(changes)
        return manifest

    def with_spec(**changes: Any) -> dict[str, Any]:
        manifest = datasource("ns", "ds")
        manifest["spec"].update(changes)
        return manifest

    return [
        ("value-as-list", connection(connectionString={"value": [CONNECTION_STRING]})),
        ("value-as-mapping", connection(connectionString={"value": {"v": CONNECTION_STRING}})),
        (
            "value-with-unknown-sibling",
            connection(connectionString={"value": CONNECTION_STRING, "password": PASSWORD}),
        ),
        (
            "value-with-bad-sibling",
            connection(connectionString={"value": CONNECTION_STRING, "secretName": 5}),
        ),
        ("connection-string-given-as-a-string", connection(connectionString=CONNECTION_STRING)),
        ("connection-given-as-a-string", with_spec(connections=[CONNECTION_STRING])),
        ("connections-given-as-a-string", with_spec(connections=CONNECTION_STRING)),
        ("approval-missing-fields-beside-it", with_spec(approvals=[{"type": "x"}])),
        ("connections-as-mapping", with_spec(connections={"a": {"value": CONNECTION_STRING}})),
        ("spec-unknown-field", with_spec(secrets={"password": PASSWORD})),
        (
            "databricks-token-pasted-inline",
            connection(
                connectionString=None,
                databricksConnection={"hostName": "h", "personalAccessToken": PASTED_TOKEN},
            ),
        ),
        (
            "databricks-token-in-unknown-field",
            connection(
                databricksConnection={
                    "personalAccessToken": {"secretName": "p"},
                    "token": PASTED_TOKEN,
                }
            ),
        ),
        ("top-level-unknown-field", {**datasource("ns", "ds"), "token": PASTED_TOKEN}),
    ]


def _typed(manifest: dict[str, Any]) -> dict[str, Any]:
    return {"apiVersion": "xlscsde.nhs.uk/v1", "kind": "AnalyticsDataSource", **manifest}


def _validated_by_the_cli(manifest: dict[str, Any], directory: Path) -> str:
    path = directory / "datasource.yaml"
    path.write_text(json.dumps(_typed(manifest)), encoding="utf-8")  # JSON is YAML
    tabular = run_cli(["validate", str(path)])
    as_json = run_cli(["validate", str(path), "-o", "json"])
    assert tabular.code == as_json.code == 1, tabular
    return "\n".join((tabular.out, tabular.err, as_json.out, as_json.err))


#: Every way a data source's manifest is read: the SDK's model, its union of kinds, the
#: compat models, each as user input and as server input, and ``lscsde validate``.
ENTRY_POINTS: dict[str, Callable[[dict[str, Any], Path], Any]] = {
    "model(...)": lambda m, _: AnalyticsDataSource(**m),
    "model_validate": lambda m, _: AnalyticsDataSource.model_validate(m),
    "model_validate_json": lambda m, _: AnalyticsDataSource.model_validate_json(json.dumps(m)),
    "from_api": lambda m, _: AnalyticsDataSource.from_api(m),
    "from_api_json": lambda m, _: AnalyticsDataSource.from_api_json(json.dumps(m)),
    "union.model_validate": lambda m, _: AwmsResource.model_validate(_typed(m)),
    "union.from_api": lambda m, _: AwmsResource.from_api(_typed(m)),
    "union.from_api_json": lambda m, _: AwmsResource.from_api_json(json.dumps(_typed(m))),
    "compat(...)": lambda m, _: compat.AnalyticsDataSource(**m),
    "compat.model_validate": lambda m, _: compat.AnalyticsDataSource.model_validate(m),
    "compat.model_validate_json": lambda m, _: compat.AnalyticsDataSource.model_validate_json(
        json.dumps(m)
    ),
    "compat from_api_json": lambda m, _: compat_from_api_json(
        json.dumps(m).encode(), compat.AnalyticsDataSource, AnalyticsDataSource
    ),
    "lscsde validate": _validated_by_the_cli,
}


@pytest.mark.parametrize("entry", ENTRY_POINTS)
@pytest.mark.parametrize(("case", "manifest"), _datasource_errors(), ids=lambda c: str(c)[:40])
def test_no_entry_point_echoes_a_secret_of_a_malformed_manifest(
    entry: str, case: str, manifest: dict[str, Any], tmp_path: Path
) -> None:
    try:
        result = ENTRY_POINTS[entry](manifest, tmp_path)
    except ValidationError as error:
        texts = error_texts(error)
    else:  # lax entry points keep or drop what they do not know: nothing shows it either
        texts = [str(result), repr(result)]
    for secret in (PASSWORD, PASTED_TOKEN, "dapiSENTINEL"):
        assert_absent(secret, texts)


def test_an_error_still_says_what_is_wrong_where() -> None:
    manifest = datasource("ns", "ds", value=[CONNECTION_STRING])
    with pytest.raises(ValidationError) as caught:
        AnalyticsDataSource.model_validate(manifest)
    (detail,) = caught.value.errors()
    assert detail["loc"] == ("spec", "connections", 0, "connectionString", "value")
    assert detail["input"] == [MASK]
    assert "valid string" in detail["msg"]


def test_assigning_a_wrong_value_to_a_secret_does_not_echo_it() -> None:
    value = AnalyticsDataSourceConnectionString(value=CONNECTION_STRING)
    with pytest.raises(ValidationError) as caught:
        value.value = [CONNECTION_STRING]  # type: ignore[assignment]
    assert_absent(PASSWORD, error_texts(caught.value))
    assert value.value is not None and value.value.get_secret_value() == CONNECTION_STRING


def test_a_crate_token_pasted_into_its_repository_is_not_echoed() -> None:
    manifest = {
        "metadata": {"name": "c", "namespace": "n"},
        "spec": {"repo": {"url": "https://git.example.org/c", "token": PASTED_TOKEN}},
    }
    with pytest.raises(ValidationError) as caught:
        AnalyticsCrate.model_validate(manifest)
    assert "token" in str(caught.value)
    assert_absent(PASTED_TOKEN, error_texts(caught.value))


def test_a_server_object_that_does_not_parse_does_not_echo_its_secret() -> None:
    body = datasource("ns", "ds")
    body["spec"]["connections"][0]["name"] = 7  # an older writer's type
    for parse in (AnalyticsDataSource.from_api, AnalyticsDataSource.from_api_json):
        given: Any = json.dumps(body) if parse is AnalyticsDataSource.from_api_json else body
        with pytest.raises(ValidationError) as caught:
            parse(given)
        assert_absent(PASSWORD, error_texts(caught.value))


# -- connection strings across the wire, in logs and in events -----------------------------------


@pytest.mark.integration
async def test_a_connection_string_survives_the_server_and_stays_out_of_logs_and_events(
    admin_api: ApiClient, namespace: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    transport = Transport(admin_api)
    events = EventRecorder(transport, reporting_controller="xlscsde.nhs.uk/tests")
    sources = AnalyticsDataSourceClient(transport)
    client = Recording(sources, events)

    created = await client.create(datasource(namespace, "ds"))
    stored = await transport.send_json(Request("GET", sources.info.object_path(namespace, "ds")))
    assert stored["spec"]["connections"][0]["connectionString"]["value"] == CONNECTION_STRING
    assert created.spec is not None and created.spec.connections is not None
    secret = created.spec.connections[0].connection_string
    assert secret is not None and secret.value is not None
    assert secret.value.get_secret_value() == CONNECTION_STRING

    created.spec.description = "changed"
    replaced = await client.replace(created)  # read-modify-write keeps the real value
    again = await transport.send_json(Request("GET", sources.info.object_path(namespace, "ds")))
    assert again["spec"]["connections"][0]["connectionString"]["value"] == CONNECTION_STRING
    listed = await sources.list(namespace)
    await client.delete(namespace, "ds")

    with pytest.raises(ApiError) as conflict:  # a failing write of a secret-bearing object
        await client.create(datasource(namespace, "twice"))
        await client.create(datasource(namespace, "twice"))
    recorded = await transport.send(
        Request("GET", f"/apis/events.k8s.io/v1/namespaces/{namespace}/events")
    )
    assert b"DataSource" in recorded  # the events were written
    assert PASSWORD.encode() not in recorded
    assert_absent(
        PASSWORD,
        [repr(created), str(replaced), repr(listed), *error_texts(conflict.value)],
    )
    assert_absent(PASSWORD, log_texts(caplog))


# -- bearer tokens --------------------------------------------------------------------------------


@pytest_asyncio.fixture(loop_scope="session")
async def wrong_token_api(control_plane: ControlPlane) -> AsyncIterator[ApiClient]:
    configuration = Configuration(
        host=control_plane.server_url,
        api_key={"BearerToken": WRONG_TOKEN},
        api_key_prefix={"BearerToken": "Bearer"},
    )
    configuration.ssl_ca_cert = str(control_plane.ca_file)
    async with ApiClient(configuration) as api:
        yield api


def _token_of(control_plane: ControlPlane, identity: str) -> str:
    token = control_plane.identities[identity].token
    if token is None:
        pytest.skip("an external cluster's credentials are not known")
    return token


@pytest.mark.integration
async def test_bearer_tokens_stay_out_of_logs_and_errors_of_real_requests(
    control_plane: ControlPlane,
    admin_api: ApiClient,
    user_api: ApiClient,
    user_name: str,
    wrong_token_api: ApiClient,
    namespace: str,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    admin_token = _token_of(control_plane, ADMIN)
    user_token = _token_of(control_plane, user_name)
    tokens = (admin_token, user_token, WRONG_TOKEN)

    # Successful requests, through the clients, a manager and informers.
    workspaces = AnalyticsWorkspaceClient(admin_api)
    await workspaces.list(namespace)
    manager = AnalyticsWorkspaceManager(admin_api)
    await manager.permitted_profiles(namespace, "alice@example.org")
    await manager.binding_client.relabel(namespace)

    # Failing ones: 404, 403, 401.
    failures: list[BaseException] = []
    for call, expected in (
        (lambda: workspaces.get(namespace, "missing"), NotFoundError),
        (lambda: AnalyticsWorkspaceClient(user_api).list(namespace), ForbiddenError),
        (lambda: AnalyticsWorkspaceClient(wrong_token_api).list(namespace), UnauthorizedError),
    ):
        with pytest.raises(expected) as caught:
            await call()
        failures.append(caught.value)

    for token in tokens:
        assert_absent(token, [text for error in failures for text in error_texts(error)])
        assert_absent(token, log_texts(caplog))


async def _closed_port() -> int:
    server = await asyncio.start_server(lambda r, w: None, "127.0.0.1", 0)
    port: int = server.sockets[0].getsockname()[1]
    server.close()
    await server.wait_closed()
    return port


def _token_client(host: str) -> ApiClient:
    return ApiClient(
        Configuration(
            host=host,
            api_key={"BearerToken": WRONG_TOKEN},
            api_key_prefix={"BearerToken": "Bearer"},
        )
    )


async def test_bearer_tokens_stay_out_of_connection_failures(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    port = await _closed_port()
    async with _token_client(f"http://127.0.0.1:{port}") as api:
        once = Transport(api, retry=RetryPolicy(attempts=1))
        with pytest.raises(ApiConnectionError) as refused:
            await once.send(Request("GET", "/apis"))
        repeated = Transport(api, retry=RetryPolicy(attempts=3), sleep=_no_wait)
        with pytest.raises(RetriesExhaustedError) as exhausted:
            await repeated.send(Request("GET", "/apis"))
    assert exhausted.value.attempts == 3
    for error in (refused.value, exhausted.value):
        assert_absent(WRONG_TOKEN, error_texts(error))
    assert_absent(WRONG_TOKEN, log_texts(caplog))


async def _no_wait(_: float) -> None:
    return None


async def test_bearer_tokens_stay_out_of_errors_about_malformed_answers(
    caplog: pytest.LogCaptureFixture,
) -> None:
    # A server (or a proxy) answering with a malformed header: aiohttp raises a
    # ClientResponseError whose repr holds the request's headers, the token among them.
    caplog.set_level(logging.DEBUG)

    async def answer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.readuntil(b"\r\n\r\n")
        writer.write(b"HTTP/1.1 200 OK\r\nNot A Header\r\nContent-Length: 2\r\n\r\n{}")
        await writer.drain()
        writer.close()

    server = await asyncio.start_server(answer, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    try:
        async with _token_client(f"http://127.0.0.1:{port}") as api:
            transport = Transport(api, retry=RetryPolicy(attempts=2), sleep=_no_wait)
            with pytest.raises(RetriesExhaustedError) as caught:
                await transport.send(Request("GET", "/apis"))
    finally:
        server.close()
        await server.wait_closed()
    assert "ClientResponseError" in str(caught.value)  # still says what happened
    assert_absent(WRONG_TOKEN, error_texts(caught.value))
    assert_absent(WRONG_TOKEN, log_texts(caplog))


def test_a_list_page_the_models_refuse_does_not_echo_its_secrets() -> None:
    import json

    from pydantic import ValidationError

    from lscsde_sdk.clients import AnalyticsDataSourceClient

    sentinel = "Password=list-page-sentinel-secret"
    source = {
        "metadata": {"name": "d", "namespace": "ns"},
        "spec": {
            # A connection string given where an object belongs: the error is about it.
            "connections": [{"connectionString": sentinel}],
        },
    }
    body = json.dumps({"metadata": {}, "items": [source]}).encode()
    client = AnalyticsDataSourceClient.__new__(AnalyticsDataSourceClient)
    with pytest.raises(ValidationError) as unredacted:
        client._list_type().__pydantic_validator__.validate_json(body)
    assert sentinel in str(unredacted.value)  # what the page's parser must not let through
    for keep_managed_fields in (True, False):
        with pytest.raises(ValidationError) as refused:
            client._parse_page(body, keep_managed_fields)
        assert sentinel not in str(refused.value)
        assert sentinel not in repr(refused.value.errors())
