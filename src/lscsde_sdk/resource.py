"""What every custom resource kind has in common: its API coordinates and its metadata."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, ClassVar

from pydantic import Field

from .meta import ObjectMeta
from .model_base import ResourceModel

# The key under which the generator records a kind's API coordinates in its model config.
RESOURCE_KEY = "x-kubernetes-resource"


@dataclass(frozen=True)
class ResourceInfo:
    """Where a kind lives in the API (from its CRD)."""

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

    @classmethod
    def from_facts(cls, facts: Mapping[str, Any]) -> ResourceInfo:
        """From the ``x-kubernetes-resource`` facts the generator records on each kind."""
        return cls(
            group=facts["group"],
            version=facts["version"],
            kind=facts["kind"],
            plural=facts["plural"],
            singular=facts["singular"],
            short_names=tuple(facts.get("shortNames", ())),
            categories=tuple(facts.get("categories", ())),
            namespaced=bool(facts.get("namespaced", True)),
            has_status=bool(facts.get("hasStatus", False)),
            has_scale=bool(facts.get("hasScale", False)),
        )

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

    Subclasses set ``__resource__`` and declare ``api_version`` and ``kind`` as literals with
    defaults, plus their ``spec`` and ``status``.
    """

    __resource__: ClassVar[ResourceInfo]

    @classmethod
    def __pydantic_init_subclass__(cls, **kwargs: Any) -> None:
        super().__pydantic_init_subclass__(**kwargs)
        extra = cls.model_config.get("json_schema_extra")
        facts = extra.get(RESOURCE_KEY) if isinstance(extra, dict) else None
        if isinstance(facts, dict):
            cls.__resource__ = ResourceInfo.from_facts(facts)

    metadata: ObjectMeta = Field(default_factory=ObjectMeta)

    def model_post_init(self, context: Any, /) -> None:
        # apiVersion and kind are defaults, but the server needs them in every body; this
        # also runs for model_construct(), which skips validators.
        self.__pydantic_fields_set__.update(("api_version", "kind"))

    @property
    def name(self) -> str:
        """``metadata.name``; a clear error if the object has none yet."""
        if not self.metadata.name:
            raise ValueError(f"{type(self).__name__} has no metadata.name")
        return self.metadata.name

    @property
    def namespace(self) -> str | None:
        return self.metadata.namespace
