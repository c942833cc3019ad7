"""Building the requests of the client verbs, and reading what a delete answered: pure, no
I/O, for any kind.

:class:`RequestBuilder` makes the :class:`~lscsde_sdk.core.transport.Request` of each verb
of one kind (paths, query parameters, content types, which requests are safe to repeat);
:func:`patch_type_of` and :func:`merge_difference` build patch bodies.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Final, Literal

from ..resource import ResourceInfo
from .errors import ObjectRequiredError
from .redaction import Redaction
from .retry import NO_RETRY, Timeouts
from .transport import APPLY_PATCH, JSON_PATCH, MERGE_PATCH, Request

__all__ = [
    "DEFAULT_FIELD_MANAGER",
    "FieldValidation",
    "PatchType",
    "PropagationPolicy",
    "RequestBuilder",
    "merge_difference",
    "patch_type_of",
]

FieldValidation = Literal["Strict", "Warn", "Ignore"]
PropagationPolicy = Literal["Foreground", "Background", "Orphan"]
Query = list[tuple[str, str]]

#: The default field manager recorded by the API server for our writes.
DEFAULT_FIELD_MANAGER: Final = "lscsde-sdk"


class PatchType(StrEnum):
    """How the server interprets a patch body."""

    JSON = JSON_PATCH  # RFC 6902 list of operations
    MERGE = MERGE_PATCH  # RFC 7386 merge of a partial object (null deletes)


@dataclass(frozen=True)
class RequestBuilder:
    """The requests of one kind (``info``), writing as ``field_manager`` with
    ``field_validation`` (``Strict``: the server rejects fields its schema does not know
    instead of dropping them)."""

    info: ResourceInfo
    field_manager: str = DEFAULT_FIELD_MANAGER
    field_validation: FieldValidation = "Strict"

    def object_path(self, namespace: str | None, name: str, subresource: str | None = None) -> str:
        """The path of the object; :class:`ObjectRequiredError` when a name or (for a
        namespaced kind) a namespace is missing."""
        if not name:
            raise ObjectRequiredError(f"a {self.info.kind} name is required")
        if self.info.namespaced and not namespace:
            raise ObjectRequiredError(f"{self.info.kind} {name!r}: a namespace is required")
        return self.info.object_path(namespace, name, subresource)

    def get(self, namespace: str, name: str, resource_version: str | None = None) -> Request:
        query = [("resourceVersion", resource_version)] if resource_version is not None else []
        return Request("GET", self.object_path(namespace, name), query=query)

    def list(
        self,
        namespace: str | None,
        label_selector: str | None = None,
        field_selector: str | None = None,
        limit: int | None = None,
        continue_token: str | None = None,
        resource_version: str | None = None,
    ) -> Request:
        query: Query = []
        if label_selector:
            query.append(("labelSelector", label_selector))
        if field_selector:
            query.append(("fieldSelector", field_selector))
        if limit is not None:
            if limit < 1:
                raise ValueError(f"limit must be a positive number of items, got {limit}")
            query.append(("limit", str(limit)))
        if continue_token:
            query.append(("continue", continue_token))
        if resource_version is not None:
            query.append(("resourceVersion", resource_version))
        return Request("GET", self.info.collection_path(namespace), query=query)

    def create(self, namespace: str | None, body: Mapping[str, Any], dry_run: bool) -> Request:
        return Request(
            "POST",
            self.info.collection_path(namespace),
            query=self.write_query(dry_run),
            body=body,
        )

    def replace(
        self,
        namespace: str | None,
        name: str,
        body: Mapping[str, Any],
        dry_run: bool,
        subresource: str | None = None,
    ) -> Request:
        return Request(
            "PUT",
            self.object_path(namespace, name, subresource),
            query=self.write_query(dry_run),
            body=body,
        )

    def patch(
        self,
        namespace: str,
        name: str,
        body: Any,
        patch_type: PatchType = PatchType.MERGE,
        *,
        subresource: str | None = None,
        dry_run: bool = False,
    ) -> Request:
        if patch_type is PatchType.JSON:
            body = [dict(op) for op in body]
        # A JSON patch that tests something first (a resourceVersion) is safe to repeat.
        guarded = patch_type is PatchType.JSON and any(op.get("op") == "test" for op in body)
        return Request(
            "PATCH",
            self.object_path(namespace, name, subresource),
            query=self.write_query(dry_run),
            body=body,
            content_type=patch_type.value,
            idempotent=True if guarded else None,
        )

    def apply(
        self,
        namespace: str | None,
        name: str,
        body: Mapping[str, Any],
        *,
        field_manager: str | None,
        force: bool,
        dry_run: bool,
    ) -> Request:
        query = [("fieldManager", field_manager or self.field_manager)]
        query += [("fieldValidation", self.field_validation)]
        if force:
            query.append(("force", "true"))
        if dry_run:
            query.append(("dryRun", "All"))
        return Request(
            "PATCH",
            self.object_path(namespace, name),
            query=query,
            body=body,
            content_type=APPLY_PATCH,
        )

    def delete(
        self,
        namespace: str,
        name: str,
        *,
        resource_version: str | None = None,
        uid: str | None = None,
        propagation_policy: PropagationPolicy | None = None,
        grace_period_seconds: int | None = None,
        dry_run: bool = False,
    ) -> Request:
        body: dict[str, Any] = {"apiVersion": "v1", "kind": "DeleteOptions"}
        preconditions = {
            key: value
            for key, value in (("resourceVersion", resource_version), ("uid", uid))
            if value
        }
        if preconditions:
            body["preconditions"] = preconditions
        if propagation_policy:
            body["propagationPolicy"] = propagation_policy
        if grace_period_seconds is not None:
            body["gracePeriodSeconds"] = grace_period_seconds
        if dry_run:
            # With a DeleteOptions body the server reads no options from the query string.
            body["dryRun"] = ["All"]
        return Request("DELETE", self.object_path(namespace, name), body=body)

    def watch(
        self,
        namespace: str | None,
        *,
        label_selector: str | None,
        field_selector: str | None,
        resource_version: str | None,
        timeout_seconds: int | None,
        timeouts: Timeouts,
        redaction: Redaction | None,
    ) -> Request:
        """One streamed try: a watch is resumed from the right version by whoever watches."""
        if timeout_seconds is not None and timeout_seconds < 1:
            raise ValueError(f"timeout_seconds must be at least 1, got {timeout_seconds}")
        query = [("watch", "true"), ("allowWatchBookmarks", "true")]
        for key, value in (
            ("resourceVersion", resource_version),
            ("labelSelector", label_selector),
            ("fieldSelector", field_selector),
            ("timeoutSeconds", None if timeout_seconds is None else str(timeout_seconds)),
        ):
            if value:
                query.append((key, value))
        return Request(
            "GET",
            self.info.collection_path(namespace),
            query=query,
            stream=True,
            timeouts=timeouts,
            retry=NO_RETRY,
            redaction=redaction,
        )

    def write_query(self, dry_run: bool) -> Query:
        query = [("fieldManager", self.field_manager), ("fieldValidation", self.field_validation)]
        if dry_run:
            query.append(("dryRun", "All"))
        return query

    def deleted(self, namespace: str, name: str, answer: bytes) -> dict[str, Any]:
        """What the server's answer to a delete says of the object: the object itself (kept
        by a finalizer), or a reference to it with the uid a Status's details carry."""
        reference = self.reference(namespace, name)
        try:
            body = json.loads(answer) if answer else {}
        except ValueError:
            return reference
        if not isinstance(body, dict):
            return reference
        if body.get("kind") == self.info.kind:
            return body
        uid = (body.get("details") or {}).get("uid") if body.get("kind") == "Status" else None
        if uid:
            reference["metadata"]["uid"] = uid
        return reference

    def reference(self, namespace: str, name: str) -> dict[str, Any]:
        """What is known of an object that could not be read: enough for an event's
        ``regarding``."""
        return {
            "apiVersion": self.info.api_version,
            "kind": self.info.kind,
            "metadata": {"namespace": namespace, "name": name},
        }


def patch_type_of(body: Any, patch_type: PatchType | None) -> PatchType:
    """``patch_type``, or the type of ``body``: a mapping is a merge patch, a list of
    operations a JSON patch."""
    if patch_type is not None:
        return patch_type
    if isinstance(body, Mapping):
        return PatchType.MERGE
    if isinstance(body, Sequence) and not isinstance(body, str | bytes):
        return PatchType.JSON
    raise TypeError(
        f"a patch is a mapping (merge patch) or a list of operations (JSON patch), "
        f"got {type(body).__name__}"
    )


def merge_difference(old: Mapping[str, Any], new: Mapping[str, Any]) -> dict[str, Any]:
    """The RFC 7386 merge patch that turns ``old`` into ``new`` (``None`` removes a key;
    lists are replaced whole). Empty when they are equal."""
    patch: dict[str, Any] = {key: None for key in old if key not in new}
    for key, value in new.items():
        before = old.get(key)
        if isinstance(value, Mapping) and isinstance(before, Mapping):
            nested = merge_difference(before, value)
            if nested:
                patch[key] = nested
        elif key not in old or before != value:
            patch[key] = value
    return patch
