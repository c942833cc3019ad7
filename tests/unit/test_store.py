"""The informer's store, without a server: list pages split into compact JSON text (with
``managedFields`` cut out), lookups by key and index that validate on read, a relist that
swaps the whole contents in one step, and changes from watch events."""

from __future__ import annotations

import json
from typing import Any

import pytest
from pydantic import ValidationError

from lscsde_sdk.clients import AnalyticsDataSourceClient, AnalyticsWorkspaceBindingClient
from lscsde_sdk.models import AnalyticsDataSource, AnalyticsWorkspaceBinding
from lscsde_sdk.runtime.compact import ListSplitter, MalformedListError
from lscsde_sdk.runtime.store import Store
from tests.examples import load_example

USERNAME = [
    index for index in AnalyticsWorkspaceBindingClient.field_indexes if index.name == "username"
]
MANAGED = [
    {
        "apiVersion": "xlscsde.nhs.uk/v1",
        "fieldsType": "FieldsV1",
        "fieldsV1": {"f:spec": {".": {}, "f:username": {}, "f:workspace": {}}},
        "manager": "lscsde-sdk",
        "operation": "Update",
        "time": "2026-12-03T12:36:52Z",
    }
]


def binding(name: str, user: str, version: str = "1", namespace: str = "ns") -> dict[str, Any]:
    return {
        "apiVersion": "xlscsde.nhs.uk/v1",
        "kind": "AnalyticsWorkspaceBinding",
        "metadata": {
            "name": name,
            "namespace": namespace,
            "resourceVersion": version,
            "managedFields": MANAGED,
        },
        "spec": {"workspace": f"ws-{name}", "username": user, "expires": "2099-01-01"},
    }


def body(items: list[dict[str, Any]], **dumps: Any) -> bytes:
    """A list response as kube-apiserver writes it: keys in order, no whitespace."""
    document = {
        "apiVersion": "xlscsde.nhs.uk/v1",
        "items": items,
        "kind": "AnalyticsWorkspaceBindingList",
        "metadata": {"resourceVersion": "100"},
    }
    options = dumps or {"separators": (",", ":"), "sort_keys": True}
    return json.dumps(document, **options).encode()


def store_of(*items: dict[str, Any], **options: Any) -> Store[AnalyticsWorkspaceBinding]:
    store: Store[AnalyticsWorkspaceBinding] = Store(AnalyticsWorkspaceBinding, USERNAME, **options)
    store.replace(store.splitter().split(body(list(items))))
    return store


def test_a_list_is_split_into_keys_versions_texts_and_index_keys() -> None:
    page = ListSplitter(USERNAME).split(body([binding("a", "Joe@X"), binding("b", "ann", "7")]))
    assert page.keys == ["ns/a", "ns/b"]
    assert page.versions == ["1", "7"]
    assert page.index_keys == [["joe@x", "ann"]]  # compared as the index compares
    assert page.resource_version == "100"
    # Each text is the object as sent, less its managedFields.
    expected = binding("b", "ann", "7")
    del expected["metadata"]["managedFields"]
    assert json.loads(page.texts[1]) == expected


def test_managed_fields_are_kept_when_asked_and_whatever_the_layout() -> None:
    kept = ListSplitter(USERNAME, keep_managed_fields=True).split(body([binding("a", "joe")]))
    assert json.loads(kept.texts[0])["metadata"]["managedFields"] == MANAGED
    # Pretty-printed JSON: the member cannot be cut out exactly, so the text stays whole
    # (readers still get objects without managedFields) and nothing is lost.
    pretty = ListSplitter(USERNAME).split(body([binding("a", "joe")], indent=2))
    assert json.loads(pretty.texts[0]) == binding("a", "joe")
    assert pretty.keys == ["ns/a"] and pretty.index_keys == [["joe"]]


def split_one(item: dict[str, Any], **dumps: Any) -> dict[str, Any]:
    """``item`` as the splitter keeps it (dumped as ``dumps`` say, one object a list)."""
    listing = ListSplitter(USERNAME).split(body([item], **dumps))
    kept: dict[str, Any] = json.loads(listing.texts[0])
    return kept


def test_managed_fields_are_cut_out_exactly_whoever_wrote_the_object() -> None:
    served = binding("a", "joe")
    served["metadata"]["creationTimestamp"] = "2026-12-03T12:36:52Z"  # written before them
    expected = json.loads(json.dumps(served))
    del expected["metadata"]["managedFields"]
    assert split_one(served) == expected  # as kube-apiserver writes it
    # Another writer's order: metadata last, its managed fields after its name.
    reordered = {"spec": served["spec"], "kind": served["kind"], "metadata": served["metadata"]}
    reordered["metadata"] = {**served["metadata"]}
    reordered["metadata"]["managedFields"] = reordered["metadata"].pop("managedFields")
    assert split_one(reordered, separators=(",", ":")) == {
        key: expected[key] for key in ("spec", "kind", "metadata")
    }


def test_a_member_called_managed_fields_elsewhere_is_never_cut() -> None:
    # Written by another tool, with an unknown spec field of that name first: the first such
    # member is not metadata's, so nothing is cut (objects read still have none).
    original = binding("a", "joe")
    item = {"spec": {**original["spec"], "managedFields": [{"mine": True}]}}
    item.update({key: value for key, value in original.items() if key != "spec"})
    kept = split_one(item, separators=(",", ":"))
    assert kept["spec"]["managedFields"] == [{"mine": True}]
    assert kept["metadata"]["managedFields"] == MANAGED


def test_an_empty_list_and_a_list_without_items_have_no_objects() -> None:
    assert ListSplitter(USERNAME).split(body([])).keys == []
    page = ListSplitter(USERNAME).split(b'{"kind":"List","metadata":{"resourceVersion":"5"}}')
    assert (page.keys, page.resource_version) == ([], "5")


@pytest.mark.parametrize("size", [1, 3, 50, 1000])
def test_chunks_split_anywhere_make_the_same_list(size: int) -> None:
    items = [binding("a", "Joe@X"), binding("é-ü", "ann", "7"), binding("c", "ann", "9")]
    whole = body(items, ensure_ascii=False, separators=(", ", ": "), sort_keys=True)
    splitter = ListSplitter(USERNAME)
    for start in range(0, len(whole), size):  # multi-byte characters are cut in two too
        splitter.feed(whole[start : start + size])
    listing = splitter.finish()
    assert listing == ListSplitter(USERNAME).split(whole)
    assert listing.keys == ["ns/a", "ns/é-ü", "ns/c"] and listing.resource_version == "100"


@pytest.mark.parametrize(
    ("broken", "reason"),
    [
        (b"[]", "not a JSON object"),
        (b'{"items":[{"metadata":{}}]}', "not a Kubernetes list"),
        (b'{"items":[{"spec":{}}]}', "not a Kubernetes list"),
        (b'{"items":[1]}', "not a Kubernetes list"),
        (b'{"items":[{"metadata":{"name":"a"}},', "ended early"),
        (b'{"items":[]} {}', "more after its end"),
        (b'{"items" 1}', "malformed member"),
        (b'{"items":[{"metadata":{"name":"a"}};', "malformed separator"),
        (b"\xff", "not a Kubernetes list"),
    ],
)
def test_a_response_that_is_not_a_list_is_a_typed_error(broken: bytes, reason: str) -> None:
    with pytest.raises(MalformedListError, match=reason):
        ListSplitter(USERNAME).split(broken)


def test_lookups_by_key_and_index_are_exact_and_sorted() -> None:
    store = store_of(
        binding("b", "JOE@example.org"),
        binding("a", "joe@example.org", namespace="other"),
        binding("c", "ann@example.org"),
    )
    assert len(store) == 3
    found = store.get("ns", "b")
    assert isinstance(found, AnalyticsWorkspaceBinding) and found.spec is not None
    assert found.spec.username == "JOE@example.org"
    assert found.metadata.managed_fields is None
    assert store.get("ns", "a") is None
    assert [b.name for b in store.by_index("username", "Joe@Example.org")] == ["b", "a"]
    assert [b.name for b in store.by_index("username", "joe@example.org", "ns")] == ["b"]
    assert store.by_index("username", "nobody") == []
    assert [(b.namespace, b.name) for b in store.list()] == [
        ("ns", "b"),
        ("ns", "c"),
        ("other", "a"),
    ]
    assert [b.name for b in store.list("other")] == ["a"]


def test_an_unknown_index_is_an_error_naming_the_known_ones() -> None:
    with pytest.raises(Exception, match="no index 'workspace' \\(known: username\\)"):
        store_of().by_index("workspace", "x")


def test_a_relist_swaps_the_contents_in_one_step() -> None:
    store = store_of(binding("a", "joe"), binding("b", "joe"))
    before = store.contents
    previous = store.replace(
        store.splitter().split(body([binding("b", "ann", "2"), binding("c", "joe")]))
    )
    assert previous is before and store.contents is not before
    # What a reader may still hold was not changed.
    assert set(before.texts) == {"ns/a", "ns/b"} and set(before.indexed["username"]["joe"]) == {
        "ns/a",
        "ns/b",
    }
    assert [b.name for b in store.by_index("username", "joe")] == ["c"]
    assert [b.name for b in store.by_index("username", "ann")] == ["b"]
    assert store.resource_version("ns/b") == "2" and store.resource_version("ns/a") is None


def test_read_objects_are_cached_until_their_version_changes() -> None:
    store = store_of(binding("a", "joe"), binding("b", "joe"))
    first = store.get("ns", "a")
    assert store.get("ns", "a") is first and store.by_index("username", "joe")[0] is first
    unchanged, changed = binding("a", "joe"), binding("b", "joe", "2")
    held = store.get("ns", "b")
    store.replace(store.splitter().split(body([unchanged, changed])))
    assert store.get("ns", "a") is first
    assert store.get("ns", "b") is not held


def test_the_cache_is_bounded_and_can_be_off() -> None:
    store = store_of(binding("a", "joe"), binding("b", "joe"), cache_size=1)
    a = store.get("ns", "a")
    store.get("ns", "b")
    assert store.get("ns", "a") is not a  # evicted by b
    uncached = store_of(binding("a", "joe"), cache_size=0)
    assert uncached.get("ns", "a") is not uncached.get("ns", "a")


def test_watch_changes_move_objects_between_index_values() -> None:
    store = store_of(binding("a", "joe"))
    moved = AnalyticsWorkspaceBinding.from_api(binding("a", "ann", "2"))
    store.upsert(moved)
    assert store.get("ns", "a") is moved
    assert store.by_index("username", "joe") == [] and store.by_index("username", "ann") == [moved]
    assert moved.metadata.managed_fields is None  # dropped before it was stored
    store.upsert(AnalyticsWorkspaceBinding.from_api(binding("n", "ann", "3")))
    store.remove("ns/a")
    store.remove("ns/missing")
    assert [b.name for b in store.by_index("username", "ann")] == ["n"]
    assert store.get("ns", "a") is None and len(store) == 1


def test_an_object_stored_from_a_model_reads_back_the_same_with_secrets_and_extras() -> None:
    manifest = load_example("datasource-connection-string")
    manifest["metadata"].update(namespace="ns", resourceVersion="4")
    manifest["spec"]["futureField"] = {"kept": True}
    source = AnalyticsDataSource.from_api(manifest)
    indexes = [i for i in AnalyticsDataSourceClient.field_indexes if not i.of_names]
    store: Store[AnalyticsDataSource] = Store(AnalyticsDataSource, indexes, cache_size=0)
    store.upsert(source)
    read = store.get("ns", "ds-stroke-registry")
    assert read is not None and read is not source
    assert read.to_api() == source.to_api()
    assert read.to_api()["spec"]["futureField"] == {"kept": True}


def test_an_object_the_models_refuse_fails_only_when_read() -> None:
    bad = binding("bad", "joe")
    bad["spec"]["expires"] = "not a date"
    store = store_of(binding("good", "joe"), bad)
    assert store.get("ns", "good") is not None
    with pytest.raises(ValidationError):
        store.get("ns", "bad")
    with pytest.raises(ValidationError):
        store.by_index("username", "joe")
