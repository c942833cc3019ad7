"""What a lookup label on an object says, in words, for ``relabel`` and ``describe``.

The SDK's lookups select objects by labels made from a field (a binding's
``xlscsde.nhs.uk/username`` from its ``spec.username``; see :mod:`lscsde_sdk.labels`). A
label is *missing* (the object was written by kubectl, GitOps or an older tool), *stale*
(the field was edited by hand after labelling: the label names another user, workspace or
data source than the field), or right.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Final

from ..indexing.fields import FieldIndex
from ..indexing.labels import LabelChange
from ..labels import DATASOURCE_LABEL, USERNAME_LABEL, WORKSPACE_LABEL
from ..resource import CustomResource

__all__ = ["LabelState", "change_reason", "label_states", "label_summary"]

# What a label's value names.
_NAMES: Final = {
    USERNAME_LABEL: "user",
    WORKSPACE_LABEL: "workspace",
    DATASOURCE_LABEL: "data source",
}


def _noun(label: str) -> str:
    return _NAMES.get(label, "value")


def change_reason(change: LabelChange, field: str) -> str:
    """Why ``relabel`` makes ``change`` to a label made from ``field`` (a dotted path):
    ``missing``, ``stale: names another user than spec.username (joe@example.org)``, ..."""
    if change.old is None:
        return "missing"
    noun = _noun(change.label)
    shown = f" ({change.value})" if change.value else ""
    if change.new is None:
        return f"stale: names a {noun}, but {field}{shown} has no label form"
    return f"stale: names another {noun} than {field}{shown}"


@dataclass(frozen=True)
class LabelState:
    """One lookup label of an object: what it is, and what it should be."""

    label: str
    field: str  # the dotted path it is made from
    value: str | None  # that field's value
    current: str | None
    wanted: str | None

    @property
    def right(self) -> bool:
        return self.current == self.wanted

    def explain(self) -> str:
        """``key=value (right)``, or what is wrong and what corrects it."""
        if self.right:
            return f"{self.label}={self.current} (right)" if self.current else "none needed"
        change = LabelChange("", self.label, self.current, self.wanted, self.value)
        reason = change_reason(change, self.field)
        if self.current is None:
            return f"{self.label} missing: lookups by label miss it; lscsde relabel adds it"
        return (
            f"{self.label}={self.current}, {reason}: lookups by label do not find it for "
            f"its own {_noun(self.label)}; lscsde relabel corrects it"
        )


def _field(index: FieldIndex) -> str:
    return ".".join(index.field)


def label_states(indexes: Iterable[FieldIndex], item: CustomResource) -> list[LabelState]:
    """The state on ``item`` of the label of each of its kind's field ``indexes`` (a
    client's ``field_indexes``) that has one."""
    labels = item.metadata.labels or {}
    states = []
    for index in indexes:
        if index.label is None:
            continue
        value = index.value_of(item)
        states.append(
            LabelState(
                index.label, _field(index), value, labels.get(index.label), index.label_for(value)
            )
        )
    return states


def label_summary(indexes: Iterable[FieldIndex], item: CustomResource) -> str:
    """``right`` when every lookup label of ``item`` is, else ``missing`` / ``stale`` for each
    that is not (a table cell)."""
    wrong = [state for state in label_states(indexes, item) if not state.right]
    return ", ".join("missing" if s.current is None else "stale" for s in wrong) or "right"
