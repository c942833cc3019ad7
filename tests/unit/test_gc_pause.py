"""collection_paused: automatic garbage collection is off inside the block and restored after."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from typing import Any

import pytest

from lscsde_sdk.core.gc_pause import collection_paused


@pytest.fixture
def collections() -> Iterator[list[int]]:
    """The generation of every collection that starts while the test runs."""
    started: list[int] = []

    def record(phase: str, info: dict[str, Any]) -> None:
        if phase == "start":
            started.append(info["generation"])

    gc.collect()
    gc.callbacks.append(record)
    try:
        yield started
    finally:
        gc.callbacks.remove(record)


def allocate_surviving_containers(count: int) -> list[dict[str, list[int]]]:
    return [{"values": [index]} for index in range(count)]


def test_allocating_many_containers_normally_triggers_collections(
    collections: list[int],
) -> None:
    # The contrast that makes the next test mean something.
    allocate_surviving_containers(100_000)
    assert collections


def test_no_collection_runs_inside_the_block(collections: list[int]) -> None:
    with collection_paused():
        assert not gc.isenabled()
        kept = allocate_surviving_containers(100_000)
        during = list(collections)
    assert during == []
    assert gc.isenabled()
    assert len(kept) == 100_000
    # Afterwards one young collection moves the survivors along, once.
    allocate_surviving_containers(10)
    assert collections == [0]


def test_collection_is_restored_when_the_block_raises() -> None:
    with pytest.raises(KeyError), collection_paused():
        raise KeyError("boom")
    assert gc.isenabled()


def test_a_caller_who_disabled_collection_keeps_it_disabled() -> None:
    gc.disable()
    try:
        with collection_paused():
            pass
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_cycles_made_inside_the_block_are_collected_afterwards() -> None:
    class Node:
        partner: Any = None

    with collection_paused():
        first, second = Node(), Node()
        first.partner, second.partner = second, first
        del first, second
    assert gc.collect() >= 2
