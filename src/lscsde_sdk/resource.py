"""What every custom resource kind has in common: its API coordinates and its metadata."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

from pydantic import Field

from .meta import ObjectMeta
from .model_base import ResourceModel

__all__ = ["SERVER_MANAGED_METADATA", "CustomResource", "ResourceInfo"]

#: ``metadata`` fields only the server sets: a server-side apply body must not claim them
#: (``managedFields`` is refused outright), as kubectl leaves them out of what it applies.
SERVER_MANAGED_METADATA = (
    "managedFields",
    "resourceVersion",
    "uid",
    "generation",
    "creationTimestamp",
    "deletionTimestamp",
    "deletionGracePeriodSeconds",
    "selfLink",
)


@dataclass(frozen=True)
class ResourceInfo:
    """Where a kind lives in the API (from its CRD); the generator sets one on each kind as
    ``Kind.__resource__``."""

    group: str
    version: str
    kind: str
    plural: str
    singular: str
    short_names: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()
    namespaced: bool = True
    has_status: bool = True
    has_scale: bool = False

    @property
    def api_version(self) -> str:
        return f"{self.group}/{self.version}"

    @property
    def crd_name(self) -> str:
        return f"{self.plural}.{self.group}"

    def collection_path(self, namespace: str | None) -> str:
        """The REST path of the collection, in one namespace or (``None``) across all."""
        base = f"/apis/{self.group}/{self.version}"
        if self.namespaced and namespace is not None:
            return f"{base}/namespaces/{namespace}/{self.plural}"
        return f"{base}/{self.plural}"

    def object_path(self, namespace: str | None, name: str, subresource: str | None = None) -> str:
        path = f"{self.collection_path(namespace)}/{name}"
        return f"{path}/{subresource}" if subresource else path


class CustomResource(ResourceModel):
    """Base of the generated kind classes (AnalyticsWorkspace, …).

    Subclasses declare ``api_version`` and ``kind`` as literals with defaults, plus their
    ``spec`` and ``status``; the generator sets ``__resource__``.
    """

    __resource__: ClassVar[ResourceInfo]

    metadata: ObjectMeta = Field(default_factory=ObjectMeta)

    def to_api(self) -> dict[str, Any]:
        """The JSON-ready object the API server expects: ``apiVersion`` and ``kind`` always
        (they are defaults, but every request body needs them), then what was set."""
        body = super().to_api()
        return {"apiVersion": self.__resource__.api_version, "kind": self.__resource__.kind, **body}

    def to_apply(self) -> dict[str, Any]:
        """:meth:`to_api` without what only the server manages (``status`` when the kind has
        a status subresource, and the metadata in :data:`SERVER_MANAGED_METADATA`), so that an
        object read from the server can be applied as it is."""
        body = self.to_api()
        metadata = {
            key: value
            for key, value in (body.get("metadata") or {}).items()
            if key not in SERVER_MANAGED_METADATA
        }
        body["metadata"] = metadata
        if self.__resource__.has_status:
            body.pop("status", None)
        return body

    @property
    def name(self) -> str:
        """``metadata.name``; a clear error if the object has none yet."""
        if not self.metadata.name:
            raise ValueError(f"{type(self).__name__} has no metadata.name")
        return self.metadata.name

    @property
    def namespace(self) -> str | None:
        return self.metadata.namespace
