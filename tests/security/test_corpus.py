"""Malformed manifests never reach the API server and never end in an untyped traceback.

Every entry of the corpus (``tests/security/corpus/``, see :mod:`tests.security.corpus`) is
refused with a typed error that names what is wrong: a ``ValidationError`` from the models'
strict user path, or a :class:`~lscsde_sdk.yaml_safety.YamlInputError` naming the file and
line. What the models reject is rejected before a request exists: each model entry is given
to ``client.create`` against the real API server and no request is counted.
"""

from __future__ import annotations

from typing import Any

import pytest
from kubernetes_asyncio.client import ApiClient
from pydantic import ValidationError

import lscsde_sdk.clients as clients
import lscsde_sdk.models as models
from lscsde_sdk.core.retry import RetryPolicy
from lscsde_sdk.core.transport import Transport
from lscsde_sdk.errors import ApiError, LscsdeError
from lscsde_sdk.models import AwmsResource
from lscsde_sdk.yaml_safety import YamlInputError, load_documents
from tests.security.corpus import CorpusEntry, corpus, model_entries, yaml_entries

MODEL_ENTRIES = model_entries()
YAML_ENTRIES = yaml_entries()


def _errors_at(error: ValidationError, loc: tuple[str | int, ...]) -> list[Any]:
    return [detail for detail in error.errors() if tuple(detail["loc"])[: len(loc)] == loc]


def assert_names_the_field(error: ValidationError, entry: CorpusEntry) -> None:
    assert entry.loc is not None
    assert _errors_at(error, entry.loc), f"{entry.name}: no error at {entry.loc}:\n{error}"
    assert entry.names in str(error), f"{entry.name}: {entry.names!r} not named:\n{error}"


def test_the_corpus_is_large_and_covers_both_refusals() -> None:
    assert len(corpus()) >= 50
    assert len(MODEL_ENTRIES) >= 50 and len(YAML_ENTRIES) >= 20
    kinds = {entry.kind for entry in MODEL_ENTRIES}
    assert kinds == {
        "AnalyticsWorkspace",
        "AnalyticsWorkspaceBinding",
        "AnalyticsDataSource",
        "AnalyticsDataSourceBinding",
        "AnalyticsCrate",
    }


# -- YAML the loader refuses ---------------------------------------------------------------------


@pytest.mark.parametrize("entry", YAML_ENTRIES, ids=lambda entry: entry.name)
def test_yaml_entry_is_refused_naming_the_file_and_line(entry: CorpusEntry) -> None:
    with pytest.raises(YamlInputError) as caught:
        load_documents(entry.source(), source=str(entry.path))
    error = caught.value
    assert isinstance(error, LscsdeError)
    assert entry.path.name in str(error)
    assert entry.names in str(error), f"{entry.name}: {error}"
    assert error.line == entry.line, f"{entry.name}: {error}"


# -- manifests the models refuse -------------------------------------------------------------------


@pytest.mark.parametrize("entry", MODEL_ENTRIES, ids=lambda entry: entry.name)
def test_model_entry_reads_as_yaml_and_is_refused_naming_the_field(entry: CorpusEntry) -> None:
    (document,) = load_documents(entry.source())
    with pytest.raises(ValidationError) as caught:
        getattr(models, str(entry.kind)).model_validate(document)
    assert_names_the_field(caught.value, entry)
    # The union of the kinds refuses it too (by its kind, or as the kind it claims to be).
    with pytest.raises(ValidationError):
        AwmsResource.model_validate(document)


@pytest.mark.integration
@pytest.mark.parametrize("entry", MODEL_ENTRIES, ids=lambda entry: entry.name)
async def test_model_entry_sends_no_request(
    entry: CorpusEntry, admin_api: ApiClient, namespace: str
) -> None:
    (document,) = load_documents(entry.source())
    if isinstance(document.get("metadata"), dict):
        # Were it valid, the create would reach the server.
        document["metadata"]["namespace"] = namespace
    transport = Transport(admin_api)
    client = getattr(clients, f"{entry.kind}Client")(transport)
    async with transport.counting() as counter:
        with pytest.raises(ValidationError) as caught:
            await client.create(document)
    assert counter.total == 0
    assert_names_the_field(caught.value, entry)


# -- values that never came from YAML --------------------------------------------------------------


def _nested(levels: int) -> dict[str, Any]:
    root: dict[str, Any] = {}
    current = root
    for _ in range(levels):
        current["a"] = {}
        current = current["a"]
    return root


def _datasource(namespace: str, ro_crate_spec: Any) -> dict[str, Any]:
    return {
        "metadata": {"name": "deep", "namespace": namespace},
        "spec": {
            "connections": [
                {"connectionString": {"secretName": "s"}, "roCrate": {"spec": ro_crate_spec}}
            ]
        },
    }


@pytest.mark.parametrize("document", [[], "AnalyticsWorkspace", 42, None, b"{}"], ids=repr)
def test_a_document_that_is_not_a_mapping_is_a_validation_error(document: Any) -> None:
    with pytest.raises(ValidationError):
        models.AnalyticsWorkspace.model_validate(document)
    with pytest.raises(ValidationError):
        AwmsResource.model_validate(document)


@pytest.mark.integration
async def test_free_form_data_nested_too_deep_is_refused_before_sending(
    admin_api: ApiClient, namespace: str
) -> None:
    # 3000 levels: more than the JSON serialiser could write (it would raise a bare ValueError
    # from to_api) and more than Python's recursion limit.
    transport = Transport(admin_api)
    datasources = clients.AnalyticsDataSourceClient(transport)
    async with transport.counting() as counter:
        with pytest.raises(ValidationError) as caught:
            await datasources.create(_datasource(namespace, _nested(3000)))
    assert counter.total == 0
    (detail,) = caught.value.errors()
    assert detail["loc"] == ("spec", "connections", 0, "roCrate", "spec")
    assert "nests more than 100 levels" in detail["msg"]

    created = await datasources.create(_datasource(namespace, _nested(99)))
    assert created.spec is not None and created.spec.connections is not None


@pytest.mark.integration
async def test_an_object_too_large_to_store_is_a_typed_server_error(
    admin_api: ApiClient, namespace: str
) -> None:
    # No schema limit applies to a description, so the models accept 2 MB; the server (etcd's
    # request limit) refuses it, with a typed error rather than a crash.
    workspace = {
        "metadata": {"name": "huge", "namespace": namespace},
        "spec": {
            "displayName": "Huge",
            "description": "x" * (2 * 1024 * 1024),
            "validity": {"availableFrom": "2025-01-01", "expires": "2026-01-01"},
            "jupyterWorkspace": {"image": "lscsde/notebook:1"},
        },
    }
    once = clients.AnalyticsWorkspaceClient(admin_api, retry=RetryPolicy(attempts=1))
    with pytest.raises(ApiError) as caught:
        await once.create(workspace)
    # etcd's gRPC limit: "trying to send message larger than max" (500)
    assert caught.value.status in (413, 500)
