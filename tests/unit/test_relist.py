"""The one relist comparison: what changed between two complete lists, by resourceVersion."""

from __future__ import annotations

from lscsde_sdk.core.watch_decoder import EventType
from lscsde_sdk.models import AnalyticsCrate, AnalyticsWorkspace
from lscsde_sdk.runtime.relist import relist_changes, tombstone


def test_vanished_keys_come_first_then_new_and_changed_ones_in_list_order() -> None:
    before = {"ns/kept": "1", "ns/changed": "2", "ns/gone": "3"}
    after = {"ns/new": "6", "ns/kept": "1", "ns/changed": "5"}
    assert relist_changes(before, after) == [
        (EventType.DELETED, "ns/gone"),
        (EventType.ADDED, "ns/new"),
        (EventType.MODIFIED, "ns/changed"),
    ]


def test_versions_are_compared_for_equality_only() -> None:
    # "10" < "9" as strings, 10 > 9 as numbers: neither order matters, only difference.
    assert relist_changes({"a": "10"}, {"a": "9"}) == [(EventType.MODIFIED, "a")]
    assert relist_changes({"a": None}, {"a": None}) == []


def test_nothing_changed_is_no_change_and_everything_is_new_the_first_time() -> None:
    same = {"ns/a": "1", "ns/b": "2"}
    assert relist_changes(same, dict(same)) == []
    assert relist_changes({}, same) == [(EventType.ADDED, "ns/a"), (EventType.ADDED, "ns/b")]
    assert relist_changes(same, {}) == [(EventType.DELETED, "ns/a"), (EventType.DELETED, "ns/b")]


def test_a_tombstone_has_only_the_name_and_namespace() -> None:
    gone = tombstone(AnalyticsWorkspace, "ns/old")
    assert isinstance(gone, AnalyticsWorkspace)
    assert (gone.metadata.namespace, gone.metadata.name, gone.spec) == ("ns", "old", None)
    cluster_scoped = tombstone(AnalyticsCrate, "lonely")
    assert (cluster_scoped.metadata.namespace, cluster_scoped.metadata.name) == (None, "lonely")
