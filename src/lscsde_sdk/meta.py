"""Kubernetes object metadata (``metadata``), typed.

Only what every object carries; fields added by newer Kubernetes releases are kept as extras
when read from the server.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import AwareDatetime, Field

from .model_base import ResourceModel

__all__ = ["ManagedFieldsEntry", "ObjectMeta", "OwnerReference"]


class OwnerReference(ResourceModel):
    """Points at the object that owns this one."""

    api_version: Annotated[str, Field(alias="apiVersion")]
    kind: str
    name: str
    uid: str
    controller: bool | None = None
    block_owner_deletion: Annotated[bool | None, Field(alias="blockOwnerDeletion")] = None


class ManagedFieldsEntry(ResourceModel):
    """Which manager owns which fields (server-side apply bookkeeping)."""

    manager: str | None = None
    operation: str | None = None
    api_version: Annotated[str | None, Field(alias="apiVersion")] = None
    time: AwareDatetime | None = None
    fields_type: Annotated[str | None, Field(alias="fieldsType")] = None
    fields_v1: Annotated[dict[str, Any] | None, Field(alias="fieldsV1")] = None
    subresource: str | None = None


class ObjectMeta(ResourceModel):
    """Name, namespace, labels and the server-maintained bookkeeping of an object."""

    name: str | None = None
    generate_name: Annotated[str | None, Field(alias="generateName")] = None
    namespace: str | None = None
    labels: dict[str, str] | None = None
    annotations: dict[str, str] | None = None
    resource_version: Annotated[str | None, Field(alias="resourceVersion")] = None
    uid: str | None = None
    generation: int | None = None
    creation_timestamp: Annotated[AwareDatetime | None, Field(alias="creationTimestamp")] = None
    deletion_timestamp: Annotated[AwareDatetime | None, Field(alias="deletionTimestamp")] = None
    deletion_grace_period_seconds: Annotated[
        int | None, Field(alias="deletionGracePeriodSeconds")
    ] = None
    finalizers: list[str] | None = None
    owner_references: Annotated[list[OwnerReference] | None, Field(alias="ownerReferences")] = None
    managed_fields: Annotated[list[ManagedFieldsEntry] | None, Field(alias="managedFields")] = None
