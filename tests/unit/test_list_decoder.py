"""A list fed to :class:`ListDecoder` in chunks gives exactly what validating the whole body
gives (items, metadata, and errors), validates items while the body is still arriving when
the body is laid out as the API server writes it, and falls back to the whole body when it
is not or when a split turns out to be inside an item."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from pydantic import ValidationError

import lscsde_sdk.models as models
from lscsde_sdk.core.list_decoder import ListDecoder
from lscsde_sdk.core.lists import ResourceList
from tests.examples import load_example

API_VERSION = "xlscsde.nhs.uk/v1"
LIST = ResourceList[models.AnalyticsWorkspace]
WORKSPACE = models.AnalyticsWorkspace


def server_json(value: Any) -> bytes:
    """``value`` as the API server writes it: compact, keys sorted."""
    return json.dumps(value, separators=(",", ":"), sort_keys=True).encode()


def workspace(name: str, **spec: Any) -> dict[str, Any]:
    found = load_example("workspace-jupyter-full")
    found["metadata"] = {"name": name, "namespace": "ns", "resourceVersion": "7"}
    found["spec"] = {**found["spec"], **spec}
    return found


def list_body(*items: dict[str, Any], version: str = "42") -> bytes:
    return server_json(
        {
            "apiVersion": API_VERSION,
            "items": list(items),
            "kind": "AnalyticsWorkspaceList",
            "metadata": {"continue": "", "resourceVersion": version},
        }
    )


class Counting:
    """The decoder's validators, counting the items validated one by one."""

    def __init__(self) -> None:
        self.items_validated = 0

    def item(self, body: bytearray) -> models.AnalyticsWorkspace:
        self.items_validated += 1
        return WORKSPACE.model_validate_json(body)

    @staticmethod
    def whole(body: bytes | bytearray) -> ResourceList[models.AnalyticsWorkspace]:
        return LIST.model_validate_json(body)

    def decoder(self) -> ListDecoder[models.AnalyticsWorkspace]:
        return ListDecoder(API_VERSION, "AnalyticsWorkspace", self.item, self.whole)


def chunks(body: bytes, size: int) -> Iterator[bytes]:
    for start in range(0, len(body), size):
        yield body[start : start + size]


def decoded(body: bytes, size: int, validators: Counting | None = None) -> LIST:
    decoder = (validators or Counting()).decoder()
    for chunk in chunks(body, size):
        decoder.feed(chunk)
    return decoder.result()


def whole_error(body: bytes) -> list[Any]:
    with pytest.raises(ValidationError) as raised:
        LIST.model_validate_json(body)
    return raised.value.errors()


BODY = list_body(*(workspace(f"w{index}") for index in range(5)))
CHUNK_SIZES = [1, 7, 100, 1000, len(BODY)]


@pytest.mark.parametrize("size", CHUNK_SIZES)
def test_any_chunking_gives_the_whole_bodys_list(size: int) -> None:
    assert decoded(BODY, size) == LIST.model_validate_json(BODY)


def test_items_are_validated_before_the_body_is_complete() -> None:
    validators = Counting()
    decoder = validators.decoder()
    body_without_last_item = BODY[: BODY.rindex(b',{"apiVersion":')]
    for chunk in chunks(body_without_last_item, 512):
        decoder.feed(chunk)
    # An item's end shows where the next one begins: the fourth's only with the fifth.
    assert validators.items_validated == 3
    decoder.feed(BODY[len(body_without_last_item) :])
    assert validators.items_validated == 4  # the last is validated with the list's metadata
    assert [item.name for item in decoder.result().items or []] == [f"w{i}" for i in range(5)]


def test_the_list_metadata_comes_from_the_end_of_the_body() -> None:
    page = decoded(list_body(workspace("a"), workspace("b"), version="1234"), 10)
    assert page.metadata.resource_version == "1234"


@pytest.mark.parametrize(
    "body",
    [
        list_body(),
        list_body(workspace("only")),
        server_json({"apiVersion": API_VERSION, "items": None, "metadata": {}}),
        server_json({"apiVersion": API_VERSION, "metadata": {}}),
        b"",
    ],
    ids=["no items", "one item", "items null", "items missing", "no body"],
)
def test_short_and_empty_lists_are_the_whole_bodys(body: bytes) -> None:
    for size in (1, 3, max(len(body), 1)):
        if not body:
            with pytest.raises(ValidationError):
                decoded(body, size)
        else:
            assert decoded(body, size) == LIST.model_validate_json(body)


def test_objects_inside_an_item_that_begin_like_items_are_not_split_off() -> None:
    # Embedded objects with the item's apiVersion, kind and metadata (a field that keeps
    # unknown fields may hold anything): the bytes that separate items appear inside one.
    embedded = {"apiVersion": API_VERSION, "kind": "AnalyticsWorkspace", "metadata": {}}
    tricky = workspace("tricky")
    tricky["spec"]["jupyterWorkspace"]["resources"] = {"claims": [embedded, embedded, embedded]}
    body = list_body(workspace("a"), tricky, workspace("b"))
    assert body.count(b',{"apiVersion":"xlscsde.nhs.uk/v1","kind":"AnalyticsWorkspace"') == 4
    for size in CHUNK_SIZES:
        page = decoded(body, size)
        assert page == LIST.model_validate_json(body)
        assert [item.name for item in page.items or []] == ["a", "tricky", "b"]


@pytest.mark.parametrize(
    "layout",
    [
        lambda value: json.dumps(value, indent=2).encode(),
        lambda value: json.dumps(value).encode(),  # spaces after separators
        lambda value: json.dumps(  # metadata first
            {"metadata": value["metadata"], **value}, separators=(",", ":")
        ).encode(),
    ],
    ids=["indented", "spaced", "metadata first"],
)
def test_a_body_laid_out_otherwise_is_validated_whole(layout: Callable[[Any], bytes]) -> None:
    body = layout(json.loads(BODY))
    validators = Counting()
    assert decoded(body, 64, validators) == LIST.model_validate_json(body)
    assert validators.items_validated == 0


@pytest.mark.parametrize("bad", [0, 2, 4], ids=["first", "middle", "last"])
@pytest.mark.parametrize("size", [13, len(BODY) + 100])
def test_an_invalid_item_raises_the_whole_bodys_error(bad: int, size: int) -> None:
    items = [workspace(f"w{index}") for index in range(5)]
    items[bad]["spec"]["jupyterWorkspace"]["image"] = 12
    body = list_body(*items)
    expected = whole_error(body)
    with pytest.raises(ValidationError) as raised:
        decoded(body, size)
    assert raised.value.errors() == expected
    assert expected[0]["loc"][:2] == ("items", bad)


@pytest.mark.parametrize("cut", [10, 2000, -3])
def test_a_truncated_body_raises_the_whole_bodys_error(cut: int) -> None:
    body = BODY[:cut]
    with pytest.raises(ValidationError) as raised:
        decoded(body, 100)
    assert raised.value.errors() == whole_error(body)
