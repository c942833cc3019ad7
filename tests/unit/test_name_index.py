"""Name indexes: which kinds label objects with their own name, and how get_many splits a
long selection (pure logic; tests/integration/test_get_many.py reads from the server)."""

from __future__ import annotations

from typing import Any

from lscsde_sdk.clients import (
    AnalyticsCrateClient,
    AnalyticsDataSourceBindingClient,
    AnalyticsDataSourceClient,
    AnalyticsWorkspaceBindingClient,
    AnalyticsWorkspaceClient,
)
from lscsde_sdk.indexing.client import _SELECTOR_BUDGET, IndexedClient, _chunks
from lscsde_sdk.indexing.fields import NAME_FIELD
from lscsde_sdk.labels import DATASOURCE_LABEL, WORKSPACE_LABEL, name_label_value
from lscsde_sdk.runtime import Informer


def _name_labels(client_type: type) -> list[str | None]:
    # A kind without field indexes has a plain client, without field_indexes.
    indexes = getattr(client_type, "field_indexes", ())
    return [index.label for index in indexes if index.of_names]


def _indexes(client_type: type) -> tuple[Any, ...]:
    return tuple(getattr(client_type, "field_indexes", ()))


def test_workspaces_and_data_sources_carry_their_own_name_as_a_label() -> None:
    assert _name_labels(AnalyticsWorkspaceClient) == [WORKSPACE_LABEL]
    assert _name_labels(AnalyticsDataSourceClient) == [DATASOURCE_LABEL]
    for client_type in (
        AnalyticsWorkspaceBindingClient,
        AnalyticsDataSourceBindingClient,
        AnalyticsCrateClient,
    ):
        assert _name_labels(client_type) == []
    [index] = AnalyticsWorkspaceClient.field_indexes
    assert index.field == NAME_FIELD and index.label_value is name_label_value


def test_the_name_index_is_not_repeated_in_an_informer_store() -> None:
    # The store is keyed by namespace/name already. (Clients that are never used: only
    # their kinds' indexes matter here.)
    workspaces = Informer(AnalyticsWorkspaceClient.__new__(AnalyticsWorkspaceClient), "ns")
    assert workspaces.store.field_indexes == {}
    bindings_client = AnalyticsWorkspaceBindingClient.__new__(AnalyticsWorkspaceBindingClient)
    assert list(Informer(bindings_client, "ns").store.field_indexes) == ["username"]


def test_a_selection_is_one_chunk_while_it_fits_the_budget() -> None:
    values = [f"ws-{i:03}" for i in range(100)]
    assert list(_chunks(values)) == [values]
    assert list(_chunks([])) == []


def test_a_long_selection_is_split_into_chunks_that_each_fit() -> None:
    values = [f"{i:03}-" + "x" * 58 for i in range(200)]  # 62 characters each
    chunks = list(_chunks(values))
    assert [value for chunk in chunks for value in chunk] == values
    assert len(chunks) == 4
    assert all(len(",".join(chunk)) <= _SELECTOR_BUDGET for chunk in chunks)


def test_a_value_longer_than_the_budget_still_gets_a_chunk_of_its_own() -> None:
    huge = "y" * (_SELECTOR_BUDGET + 10)
    assert list(_chunks(["a", huge, "b"])) == [["a"], [huge], ["b"]]


def test_lscsde_relabel_covers_every_kind_whose_objects_carry_lookup_labels() -> None:
    import lscsde_sdk.clients as clients
    from lscsde_sdk.cli.relabel import LABELLED_KINDS

    kind_clients = [
        candidate
        for name in clients.__all__
        if isinstance(candidate := getattr(clients, name), type)
        and issubclass(candidate, clients.CustomResourceClient)
        and "resource_type" in vars(candidate)
    ]
    assert len(kind_clients) == 5
    # Only the kinds with field indexes have an indexed client.
    assert {c for c in kind_clients if issubclass(c, IndexedClient)} == {
        c for c in kind_clients if _indexes(c)
    }
    labelled = {c for c in kind_clients if any(i.label for i in _indexes(c))}
    assert set(LABELLED_KINDS) == labelled
