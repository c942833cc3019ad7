"""What changed between two complete lists: the one comparison every relist uses.

A watch whose version expired (410 Gone) lists again; the list replaces what was known, and
what its consumers are told is the difference: objects that vanished (deleted while nobody
was watching, their final state unknown), objects that are new, and objects whose
resourceVersion changed. Versions are compared for equality only, as the API asks.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from ..core.watch_decoder import EventType
from ..resource import CustomResource
from .keys import split_key

__all__ = ["Relisted", "relist_changes", "tombstone"]

ResourceT = TypeVar("ResourceT", bound=CustomResource)


@dataclass(frozen=True)
class Relisted(Generic[ResourceT]):
    """A complete list of the watched objects as of ``resource_version``."""

    items: list[ResourceT]
    resource_version: str | None


def relist_changes(
    before: Mapping[str, str | None], after: Mapping[str, str | None]
) -> list[tuple[EventType, str]]:
    """The changes from ``before`` to ``after`` (object key -> resourceVersion): first each
    key that vanished as ``DELETED``, then, in ``after``'s order, each new key as ``ADDED``
    and each key whose version differs as ``MODIFIED``. Unchanged keys are left out."""
    changes = [(EventType.DELETED, key) for key in before if key not in after]
    for key, version in after.items():
        if key not in before:
            changes.append((EventType.ADDED, key))
        elif before[key] != version:
            changes.append((EventType.MODIFIED, key))
    return changes


def tombstone(kind: type[CustomResource], key: str) -> Any:
    """An object of ``kind`` that has only the name (and namespace) of ``key``: what is known
    of an object deleted while nobody was watching, when its last state was not kept."""
    namespace, name = split_key(key)
    metadata = {"name": name, "namespace": namespace} if namespace else {"name": name}
    return kind.from_api({"metadata": metadata})
