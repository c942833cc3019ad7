"""A workspace's tolerations added to the hub's own, not replacing them.

KubeSpawner applies a profile's ``kubespawner_override`` by merging values that are dicts
(``node_selector``) and replacing the rest, so a plain list of ``tolerations`` would drop the
hub's own: z2jh's ``hub.jupyter.org/dedicated`` ones, or ``singleuser.extraTolerations``.
KubeSpawner calls an override that is callable with the spawner and uses its result;
:class:`AddedTolerations` is such a callable, returning the spawner's tolerations followed by
the workspace's. JupyterHub starts each server with a new spawner, so the hub's tolerations
are what the spawner holds when the profile is applied.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

__all__ = ["AddedTolerations"]


class AddedTolerations:
    """``kubespawner_override["tolerations"]`` that adds ``tolerations`` (Kubernetes
    Toleration objects as dicts) to the spawner's: the spawner's first, in their order
    (sorted by key when configured as a dict, as KubeSpawner sorts them), then the
    workspace's that the spawner does not already have."""

    def __init__(self, tolerations: Iterable[Mapping[str, Any]]) -> None:
        self.tolerations = [dict(item) for item in tolerations]

    def __call__(self, spawner: Any) -> list[Any]:
        configured = spawner.tolerations or []
        if isinstance(configured, Mapping):
            configured = [configured[key] for key in sorted(configured)]
        merged = list(configured)
        merged.extend(item for item in self.tolerations if item not in merged)
        return merged

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, AddedTolerations):
            return NotImplemented
        return self.tolerations == other.tolerations

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"AddedTolerations({self.tolerations!r})"
