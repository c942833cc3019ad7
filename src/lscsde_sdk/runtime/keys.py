"""How the runtime names an object: ``namespace/name``, or ``name`` when cluster-scoped."""

from __future__ import annotations

from ..resource import CustomResource

__all__ = ["key_of", "object_key", "split_key"]


def key_of(namespace: str | None, name: str) -> str:
    """The key of the object ``name`` in ``namespace``."""
    return f"{namespace}/{name}" if namespace else name


def object_key(resource: CustomResource) -> str:
    """The key of ``resource``."""
    metadata = resource.metadata
    return key_of(metadata.namespace, str(metadata.name))


def split_key(key: str) -> tuple[str | None, str]:
    """``(namespace, name)`` of ``key`` (no namespace for a cluster-scoped object)."""
    namespace, _, name = key.rpartition("/")
    return namespace or None, name
