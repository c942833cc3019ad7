"""The label arithmetic of the indexing layer: which labels an object lacks, the copy a write
sends, and the labels a merge patch carries so that no second request is needed."""

from __future__ import annotations

from typing import Any

from lscsde_sdk.clients import AnalyticsWorkspaceBindingClient, AnalyticsWorkspaceClient
from lscsde_sdk.indexing.labels import (
    label_changes,
    labelled,
    labelled_merge_patch,
    labels_patch,
)
from lscsde_sdk.labels import USERNAME_LABEL
from lscsde_sdk.models import AnalyticsWorkspaceBinding

BINDING_INDEXES = AnalyticsWorkspaceBindingClient.field_indexes
WORKSPACE_INDEXES = AnalyticsWorkspaceClient.field_indexes


def binding(username: str, labels: dict[str, str] | None = None) -> AnalyticsWorkspaceBinding:
    return AnalyticsWorkspaceBinding.model_validate(
        {
            "metadata": {"name": "b", "namespace": "ns", "labels": labels},
            "spec": {"workspace": "w", "username": username, "expires": "2030-01-01"},
        }
    )


def test_an_object_lacking_or_with_a_stale_label_needs_a_change() -> None:
    [missing] = label_changes(binding("Joe@x.org"), BINDING_INDEXES)
    assert (missing.label, missing.old, missing.new) == (USERNAME_LABEL, None, "joe___x.org")
    [stale] = label_changes(binding("ann@x.org", {USERNAME_LABEL: "joe___x.org"}), BINDING_INDEXES)
    assert (stale.old, stale.new, stale.value) == ("joe___x.org", "ann___x.org", "ann@x.org")
    assert (
        label_changes(binding("ann@x.org", {USERNAME_LABEL: "ann___x.org"}), BINDING_INDEXES) == []
    )


def test_a_write_sends_a_labelled_copy_and_leaves_the_callers_object_alone() -> None:
    given = binding("joe@x.org", {"team": "a"})
    sent = labelled(given, BINDING_INDEXES)
    assert sent.metadata.labels == {"team": "a", USERNAME_LABEL: "joe___x.org"}
    assert given.metadata.labels == {"team": "a"}
    assert labelled(sent, BINDING_INDEXES) is sent  # right already: no copy
    # A username without label form: the label is removed, not left naming someone else.
    odd = labelled(binding("joe!", {USERNAME_LABEL: "ann___x.org"}), BINDING_INDEXES)
    assert odd.metadata.labels == {}


def test_a_merge_patch_that_sets_an_indexed_field_carries_its_label() -> None:
    patch: dict[str, Any] = {"spec": {"username": "Ann@x.org"}}
    assert labelled_merge_patch(patch, BINDING_INDEXES) == {
        "spec": {"username": "Ann@x.org"},
        "metadata": {"labels": {USERNAME_LABEL: "ann___x.org"}},
    }
    assert patch == {"spec": {"username": "Ann@x.org"}}  # the caller's patch is not changed


def test_a_merge_patch_that_removes_an_indexed_field_removes_its_label() -> None:
    removes_field = labelled_merge_patch({"spec": {"username": None}}, BINDING_INDEXES)
    removes_spec = labelled_merge_patch({"spec": None}, BINDING_INDEXES)
    for patched in (removes_field, removes_spec):
        assert patched["metadata"] == {"labels": {USERNAME_LABEL: None}}


def test_a_merge_patch_that_sets_no_indexed_field_is_sent_as_it_is() -> None:
    patch = {"spec": {"workspace": "other"}, "metadata": {"annotations": {"a": "b"}}}
    assert labelled_merge_patch(patch, BINDING_INDEXES) is patch
    # A name index cannot change in a patch: names are immutable.
    assert labelled_merge_patch({"metadata": {"name": "x"}}, WORKSPACE_INDEXES) == {
        "metadata": {"name": "x"}
    }


def test_labels_the_patch_sets_itself_win_and_its_other_metadata_stays() -> None:
    patch = {
        "metadata": {"resourceVersion": "7", "labels": {USERNAME_LABEL: "mine", "team": "a"}},
        "spec": {"username": "ann@x.org"},
    }
    assert labelled_merge_patch(patch, BINDING_INDEXES)["metadata"] == {
        "resourceVersion": "7",
        "labels": {USERNAME_LABEL: "mine", "team": "a"},
    }


def test_the_correcting_patch_is_conditional_on_the_version_written() -> None:
    changes = label_changes(binding("joe@x.org"), BINDING_INDEXES)
    assert labels_patch(changes, "42") == {
        "metadata": {"labels": {USERNAME_LABEL: "joe___x.org"}, "resourceVersion": "42"}
    }
