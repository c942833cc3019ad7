"""Every generated client against a real kube-apiserver: the generic base's REST behaviour."""

from __future__ import annotations

from typing import Any

import pytest
from kubernetes_asyncio.client import ApiClient

from lscsde_sdk.clients import PatchType
from lscsde_sdk.errors import AlreadyExistsError, ConflictError, NotFoundError
from lscsde_sdk.testing import eventually

from .factories import KIND_CASES, KindCase

pytestmark = pytest.mark.integration

kind_cases = pytest.mark.parametrize("case", KIND_CASES, ids=lambda case: case.id)


def spec_value(obj: Any, field: str) -> Any:
    return obj.to_api()["spec"].get(field)


def own_labels(obj: Any) -> dict[str, str]:
    # Binding clients add their lookup label (xlscsde.nhs.uk/...); compare only ours.
    return {
        k: v for k, v in (obj.metadata.labels or {}).items() if not k.startswith("xlscsde.nhs.uk/")
    }


def status_value(obj: Any, field: str) -> Any:
    return (obj.to_api().get("status") or {}).get(field)


@kind_cases
async def test_create_then_get_returns_the_same_object(
    case: KindCase, admin_api: ApiClient, namespace: str
) -> None:
    client = case.client_type(admin_api)
    created = await client.create(case.make(namespace, "first"))
    fetched = await client.get(namespace, "first")

    assert type(created) is client.resource_type
    assert created.metadata.uid and created.metadata.resource_version
    assert fetched.metadata.uid == created.metadata.uid
    assert fetched.spec == created.spec


@kind_cases
async def test_create_twice_raises_already_exists(
    case: KindCase, admin_api: ApiClient, namespace: str
) -> None:
    client = case.client_type(admin_api)
    await client.create(case.make(namespace, "dup"))
    with pytest.raises(AlreadyExistsError, match="dup"):
        await client.create(case.make(namespace, "dup"))


@kind_cases
async def test_get_missing_object_raises_not_found(
    case: KindCase, admin_api: ApiClient, namespace: str
) -> None:
    with pytest.raises(NotFoundError) as caught:
        await case.client_type(admin_api).get(namespace, "does-not-exist")
    assert caught.value.status == 404


@kind_cases
async def test_get_from_the_server_cache_returns_the_object(
    case: KindCase, admin_api: ApiClient, namespace: str
) -> None:
    client = case.client_type(admin_api)
    created = await client.create(case.make(namespace, "cached"))
    # The watch cache may lag a write by moments; it must catch up, not fail.
    fetched = await eventually(
        lambda: client.get(namespace, "cached", resource_version="0"), ignoring=(NotFoundError,)
    )
    assert fetched.metadata.uid == created.metadata.uid
    assert fetched.spec == created.spec


@kind_cases
async def test_list_returns_every_object_in_the_namespace_only(
    case: KindCase, admin_api: ApiClient, namespace: str
) -> None:
    client = case.client_type(admin_api)
    for name in ("a", "b", "c"):
        await client.create(case.make(namespace, name))

    listed = await client.list(namespace)

    assert sorted(item.name for item in listed) == ["a", "b", "c"]
    assert all(item.namespace == namespace for item in listed)
    assert all(type(item) is client.resource_type for item in listed)


@kind_cases
async def test_lists_leave_out_managed_fields_unless_asked_and_writes_keep_the_servers(
    case: KindCase, admin_api: ApiClient, namespace: str
) -> None:
    client = case.client_type(admin_api)
    await client.apply(case.make(namespace, "owned"), field_manager="test-owner")

    (lean,) = await client.list(namespace)
    (whole,) = await client.list(namespace, keep_managed_fields=True)
    (page_item,) = (await client.list_page(namespace)).items

    assert lean.metadata.managed_fields is None and page_item.metadata.managed_fields is None
    assert type(lean) is client.resource_type
    assert "test-owner" in {entry.manager for entry in whole.metadata.managed_fields or ()}
    got = await client.get(namespace, "owned")
    assert got.metadata.managed_fields == whole.metadata.managed_fields  # a get is whole

    changed = lean.to_api()
    changed["spec"][case.mutable_field] = "replaced from a list"
    replaced = await client.replace(changed)

    managers = {entry.manager for entry in replaced.metadata.managed_fields or ()}
    assert "test-owner" in managers  # the listed object's missing field erased nothing
    assert spec_value(replaced, case.mutable_field) == "replaced from a list"


@kind_cases
async def test_replace_changes_the_spec(
    case: KindCase, admin_api: ApiClient, namespace: str
) -> None:
    client = case.client_type(admin_api)
    created = await client.create(case.make(namespace, "obj"))
    changed = created.to_api()
    changed["spec"][case.mutable_field] = "replaced"

    replaced = await client.replace(changed)

    assert spec_value(replaced, case.mutable_field) == "replaced"
    assert spec_value(await client.get(namespace, "obj"), case.mutable_field) == "replaced"


@kind_cases
async def test_replace_with_a_stale_resource_version_raises_conflict(
    case: KindCase, admin_api: ApiClient, namespace: str
) -> None:
    client = case.client_type(admin_api)
    stale = await client.create(case.make(namespace, "obj"))
    await client.merge_patch(namespace, "obj", {"spec": {case.mutable_field: "someone else"}})

    stale_body = stale.to_api()
    stale_body["spec"][case.mutable_field] = "mine"
    with pytest.raises(ConflictError):
        await client.replace(stale_body)
    assert spec_value(await client.get(namespace, "obj"), case.mutable_field) == "someone else"


@kind_cases
async def test_json_patch_applies_operations(
    case: KindCase, admin_api: ApiClient, namespace: str
) -> None:
    client = case.client_type(admin_api)
    await client.create(case.make(namespace, "obj"))

    patched = await client.json_patch(
        namespace,
        "obj",
        [
            {"op": "add", "path": f"/spec/{case.mutable_field}", "value": "via json patch"},
            {"op": "add", "path": "/metadata/labels", "value": {"team": "red"}},
        ],
    )

    assert spec_value(patched, case.mutable_field) == "via json patch"
    assert own_labels(patched) == {"team": "red"}


@kind_cases
async def test_merge_patch_merges_and_null_removes(
    case: KindCase, admin_api: ApiClient, namespace: str
) -> None:
    client = case.client_type(admin_api)
    await client.create(case.make(namespace, "obj"))
    await client.merge_patch(namespace, "obj", {"metadata": {"labels": {"a": "1", "b": "2"}}})

    patched = await client.patch(namespace, "obj", {"metadata": {"labels": {"a": None, "c": "3"}}})

    assert own_labels(patched) == {"b": "2", "c": "3"}


@kind_cases
async def test_patch_type_can_be_chosen_explicitly(
    case: KindCase, admin_api: ApiClient, namespace: str
) -> None:
    client = case.client_type(admin_api)
    await client.create(case.make(namespace, "obj"))
    patched = await client.patch(
        namespace,
        "obj",
        [{"op": "add", "path": f"/spec/{case.mutable_field}", "value": "x"}],
        patch_type=PatchType.JSON,
    )
    assert spec_value(patched, case.mutable_field) == "x"


@kind_cases
async def test_patch_status_changes_status_but_not_spec(
    case: KindCase, admin_api: ApiClient, namespace: str
) -> None:
    client = case.client_type(admin_api)
    created = await client.create(case.make(namespace, "obj"))
    original = spec_value(created, case.mutable_field)

    # The status endpoint ignores spec changes in the same request.
    body = {"status": {case.status_field: "Ready"}, "spec": {case.mutable_field: "ignored"}}
    await client.patch_status(namespace, "obj", body, patch_type=PatchType.MERGE)

    current = await client.get(namespace, "obj")
    assert status_value(current, case.status_field) == "Ready"
    assert spec_value(current, case.mutable_field) == original


@kind_cases
async def test_patch_status_accepts_a_status_model(
    case: KindCase, admin_api: ApiClient, namespace: str
) -> None:
    client = case.client_type(admin_api)
    await client.create(case.make(namespace, "obj"))
    status = client.status_type.model_validate({case.status_field: "Ready"})

    updated = await client.patch_status(namespace, "obj", status)

    assert status_value(updated, case.status_field) == "Ready"


@kind_cases
async def test_main_resource_ignores_status_changes(
    case: KindCase, admin_api: ApiClient, namespace: str
) -> None:
    client = case.client_type(admin_api)
    created = await client.create(case.make(namespace, "obj"))
    body = created.to_api()
    body["status"] = {case.status_field: "Sneaky"}
    body["spec"][case.mutable_field] = "changed"

    replaced = await client.replace(body)

    assert spec_value(replaced, case.mutable_field) == "changed"
    assert status_value(replaced, case.status_field) in (None, "Waiting")


@kind_cases
async def test_apply_creates_then_updates_owned_fields(
    case: KindCase, admin_api: ApiClient, namespace: str
) -> None:
    client = case.client_type(admin_api)
    desired = case.make(namespace, "applied")

    created = await client.apply(desired, field_manager="test-applier")
    desired["spec"][case.mutable_field] = "applied again"
    updated = await client.apply(desired, field_manager="test-applier")

    assert created.metadata.uid == updated.metadata.uid
    assert spec_value(updated, case.mutable_field) == "applied again"
    managers = {entry.manager for entry in updated.metadata.managed_fields or ()}
    assert "test-applier" in managers


@kind_cases
async def test_apply_conflicts_with_another_manager_unless_forced(
    case: KindCase, admin_api: ApiClient, namespace: str
) -> None:
    client = case.client_type(admin_api)
    desired = case.make(namespace, "contested")
    desired["spec"][case.mutable_field] = "owner"
    await client.apply(desired, field_manager="owner")

    desired["spec"][case.mutable_field] = "intruder"
    with pytest.raises(ConflictError):
        await client.apply(desired, field_manager="intruder")
    forced = await client.apply(desired, field_manager="intruder", force=True)

    assert spec_value(forced, case.mutable_field) == "intruder"


@kind_cases
async def test_delete_removes_the_object(
    case: KindCase, admin_api: ApiClient, namespace: str
) -> None:
    client = case.client_type(admin_api)
    await client.create(case.make(namespace, "doomed"))

    await client.delete(namespace, "doomed")

    with pytest.raises(NotFoundError):
        await client.get(namespace, "doomed")


@kind_cases
async def test_delete_with_a_stale_resource_version_is_refused(
    case: KindCase, admin_api: ApiClient, namespace: str
) -> None:
    client = case.client_type(admin_api)
    created = await client.create(case.make(namespace, "kept"))
    await client.merge_patch(namespace, "kept", {"metadata": {"labels": {"touched": "yes"}}})

    with pytest.raises(ConflictError):
        await client.delete(namespace, "kept", resource_version=created.metadata.resource_version)
    assert own_labels(await client.get(namespace, "kept")) == {"touched": "yes"}


@kind_cases
async def test_label_and_field_selectors_filter_on_the_server(
    case: KindCase, admin_api: ApiClient, namespace: str
) -> None:
    client = case.client_type(admin_api)
    for name, colour in (("red-1", "red"), ("red-2", "red"), ("blue-1", "blue")):
        body = case.make(namespace, name)
        body["metadata"]["labels"] = {"colour": colour}
        await client.create(body)

    reds = await client.list(namespace, label_selector="colour=red")
    not_red = await client.list(namespace, label_selector="colour!=red")
    by_name = await client.list(namespace, field_selector="metadata.name=red-2")

    assert sorted(item.name for item in reds) == ["red-1", "red-2"]
    assert [item.name for item in not_red] == ["blue-1"]
    assert [item.name for item in by_name] == ["red-2"]


@kind_cases
async def test_pagination_walks_every_page(
    case: KindCase, admin_api: ApiClient, namespace: str
) -> None:
    client = case.client_type(admin_api)
    names = [f"item-{i:02d}" for i in range(7)]
    for name in names:
        await client.create(case.make(namespace, name))

    first = await client.list_page(namespace, limit=3)
    assert len(first.items) == 3 and first.continue_token
    assert first.remaining_item_count == 4

    pages = []
    token: str | None = None
    while True:
        page = await client.list_page(namespace, limit=3, continue_token=token)
        pages.append([item.name for item in page.items])
        token = page.continue_token
        if not token:
            break

    assert pages == [names[0:3], names[3:6], names[6:7]]
    assert [item.name for item in await client.list(namespace, page_size=2)] == names
    assert [item.name async for item in client.iterate(namespace, page_size=3)] == names


async def test_list_across_all_namespaces(admin_api: ApiClient, namespace: str) -> None:
    case = KIND_CASES[0]
    client = case.client_type(admin_api)
    await client.create(case.make(namespace, "visible-everywhere"))

    everywhere = await client.list(None, field_selector=f"metadata.namespace={namespace}")

    assert [(item.namespace, item.name) for item in everywhere] == [
        (namespace, "visible-everywhere")
    ]
