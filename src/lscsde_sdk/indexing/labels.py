"""The index labels an object should carry, and what differs from those it carries.

Pure functions over :class:`~lscsde_sdk.indexing.fields.FieldIndex` declarations: no
requests. :class:`~lscsde_sdk.indexing.client.IndexedClient` uses them to put the labels in
what it writes, to correct them after a write that could not, and to relabel.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

from ..resource import CustomResource
from .fields import FieldIndex

__all__ = [
    "LabelChange",
    "LabelReport",
    "label_changes",
    "labelled",
    "labelled_merge_patch",
    "labels_patch",
]

ResourceT = TypeVar("ResourceT", bound=CustomResource)


@dataclass(frozen=True)
class LabelChange:
    """One label :meth:`IndexedClient.relabel` set (``new``) or removed (``new`` None) on the
    object ``name``; ``old`` is what it was (``None``: missing). ``value`` is the field's
    value the label is made from (``spec.username``, ...), so a report can say whose label
    an ``old`` one was not."""

    name: str
    label: str
    old: str | None
    new: str | None
    value: str | None = None


@dataclass(frozen=True)
class LabelReport:
    """What :meth:`IndexedClient.relabel` did in one namespace."""

    kind: str
    namespace: str
    changed: tuple[LabelChange, ...]
    unchanged: int
    #: Objects that could not be relabelled, with the reason (gone, forbidden, ...).
    failed: tuple[tuple[str, str], ...] = ()
    dry_run: bool = False


def label_changes(item: CustomResource, indexes: Iterable[FieldIndex]) -> list[LabelChange]:
    """The labels of ``indexes`` that ``item`` lacks or has wrong (indexes without a label
    are skipped)."""
    labels = item.metadata.labels or {}
    changes = []
    for index in indexes:
        if index.label is None:
            continue
        value = index.value_of(item)
        wanted = index.label_for(value)
        current = labels.get(index.label)
        if current != wanted:
            changes.append(
                LabelChange(str(item.metadata.name), index.label, current, wanted, value)
            )
    return changes


def labelled(model: ResourceT, indexes: Iterable[FieldIndex]) -> ResourceT:
    """``model`` when its index labels are right, else a copy with them right."""
    changes = label_changes(model, indexes)
    if not changes:
        return model
    copy = model.model_copy(deep=True)
    labels = dict(copy.metadata.labels or {})
    for change in changes:
        if change.new is None:
            labels.pop(change.label, None)
        else:
            labels[change.label] = change.new
    copy.metadata.labels = labels
    return copy


def labels_patch(changes: Iterable[LabelChange], resource_version: str | None) -> dict[str, Any]:
    """The merge patch that makes ``changes``, conditional on ``resource_version``."""
    return {
        "metadata": {
            "labels": {change.label: change.new for change in changes},
            "resourceVersion": resource_version,
        }
    }


def labelled_merge_patch(
    patch: Mapping[str, Any], indexes: Iterable[FieldIndex]
) -> Mapping[str, Any]:
    """``patch`` (a merge patch) with the labels of the indexed fields it sets: a field it
    sets to a string gets that value's label (removed when the value has none), a field it
    removes (``None``) loses its label. Labels the patch sets itself are left as it sets
    them; a patch that sets no indexed field is returned as it is."""
    labels: dict[str, str | None] = {}
    for index in indexes:
        if index.label is None or index.of_names:
            continue
        found, value = _merge_value(patch, index.field)
        if found and (value is None or isinstance(value, str)):
            labels[index.label] = index.label_for(value)
    metadata = patch.get("metadata")
    if not labels or not isinstance(metadata or {}, Mapping):
        return patch
    own = (metadata or {}).get("labels")
    if own is not None and not isinstance(own, Mapping):
        return patch
    merged = {**labels, **(own or {})}
    return {**patch, "metadata": {**(metadata or {}), "labels": merged}}


def _merge_value(patch: Mapping[str, Any], path: tuple[str, ...]) -> tuple[bool, Any]:
    """Whether the merge patch sets the field at ``path``, and to what (``None``: removes
    it, or a parent of it)."""
    current: Any = patch
    for step in path:
        if current is None:
            return True, None
        if not isinstance(current, Mapping) or step not in current:
            return False, None
        current = current[step]
    return True, current
