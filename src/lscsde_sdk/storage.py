"""Persistent volume claims for workspaces, and mounting them into (KubeSpawner) pods.

Pods and claims are kubernetes_asyncio's ``V1Pod`` and ``V1PersistentVolumeClaim``, the types
KubeSpawner hands to its hooks. Requests go through the SDK's :class:`Transport`, so they are
counted with the other clients' requests and fail with the typed errors of
:mod:`lscsde_sdk.errors`.

Defaults for new claims come from the environment, read on every call so a changed setting
takes effect without a restart:

* ``DEFAULT_STORAGE_CLASS``; unset or empty, a claim created without a storage class has no
  ``storageClassName``, so the cluster's default storage class provisions it (as the CRD
  says of an empty ``storageClassName``);
* ``DEFAULT_STORAGE_ACCESS_MODES``, comma-separated (else ``ReadWriteMany``);
* ``DEFAULT_STORAGE_CAPACITY`` (else ``1Gi``).

Claims this module creates are labelled :data:`MANAGED_BY_LABEL`: ``lscsde-sdk`` and, when
the workspace they are for is known, :data:`~lscsde_sdk.labels.WORKSPACE_LABEL`: the
label-safe workspace name (:func:`~lscsde_sdk.labels.workspace_label_value`), so a
workspace's claims are found by label selector. Existing claims are never relabelled.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final, cast

from kubernetes_asyncio.client import (
    ApiClient,
    V1PersistentVolumeClaim,
    V1PersistentVolumeClaimVolumeSource,
    V1Pod,
    V1Volume,
    V1VolumeMount,
)

from .core.transport import Request, Transport
from .errors import AlreadyExistsError, InvalidParameterError, NotFoundError
from .labels import WORKSPACE_LABEL, WORKSPACE_POD_LABEL, workspace_label_value

__all__ = [
    "DEFAULT_ACCESS_MODES",
    "DEFAULT_CAPACITY",
    "MANAGED_BY",
    "MANAGED_BY_LABEL",
    "PersistentVolumeClaimClient",
    "claim_labels",
    "default_access_modes",
    "default_capacity",
    "default_storage_class",
    "mount_claim",
    "volume_name_for_claim",
]

DEFAULT_ACCESS_MODES: Final = ("ReadWriteMany",)
DEFAULT_CAPACITY: Final = "1Gi"
#: The well-known label naming the tool that manages an object, and its value on claims
#: created here.
MANAGED_BY_LABEL: Final = "app.kubernetes.io/managed-by"
MANAGED_BY: Final = "lscsde-sdk"

_DNS_LABEL = re.compile(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?")
_DNS_LABEL_MAX = 63
_DIGEST_LENGTH = 10

_log = logging.getLogger(__name__)


def default_storage_class() -> str | None:
    """``$DEFAULT_STORAGE_CLASS``, else ``None``: the cluster's default storage class."""
    return os.environ.get("DEFAULT_STORAGE_CLASS") or None


def default_access_modes() -> list[str]:
    """``$DEFAULT_STORAGE_ACCESS_MODES`` split on commas, else ``["ReadWriteMany"]``."""
    value = os.environ.get("DEFAULT_STORAGE_ACCESS_MODES") or ""
    modes = [mode.strip() for mode in value.split(",") if mode.strip()]
    return modes or list(DEFAULT_ACCESS_MODES)


def default_capacity() -> str:
    """``$DEFAULT_STORAGE_CAPACITY``, else ``1Gi``."""
    return os.environ.get("DEFAULT_STORAGE_CAPACITY") or DEFAULT_CAPACITY


def claim_labels(
    workspace: str | None = None, labels: Mapping[str, str] | None = None
) -> dict[str, str]:
    """The labels of a claim created for ``workspace``: :data:`MANAGED_BY_LABEL` and, when
    ``workspace`` is given, :data:`~lscsde_sdk.labels.WORKSPACE_LABEL` with
    :func:`~lscsde_sdk.labels.workspace_label_value` of it; then ``labels``, which win."""
    result = {MANAGED_BY_LABEL: MANAGED_BY}
    if workspace:
        result[WORKSPACE_LABEL] = workspace_label_value(workspace)
    result.update(labels or {})
    return result


def volume_name_for_claim(claim_name: str) -> str:
    """The pod volume name for a claim: the claim name when it is a valid volume name (a
    DNS label), else a DNS label made from it plus a hash, so it stays unique."""
    if len(claim_name) <= _DNS_LABEL_MAX and _DNS_LABEL.fullmatch(claim_name):
        return claim_name
    digest = hashlib.sha256(claim_name.encode("utf-8")).hexdigest()[:_DIGEST_LENGTH]
    cleaned = re.sub(r"[^a-z0-9]+", "-", claim_name.lower())
    cleaned = cleaned[: _DNS_LABEL_MAX - _DIGEST_LENGTH - 1].strip("-")
    return f"{cleaned}-{digest}" if cleaned else f"claim-{digest}"


def _get(obj: Any, attribute: str, key: str) -> Any:
    # KubeSpawner builds V1 objects, but pod fragments from configuration may be plain dicts.
    if isinstance(obj, Mapping):
        return obj.get(key, obj.get(attribute))
    return getattr(obj, attribute, None)


def _claim_of(volume: Any) -> str | None:
    source = _get(volume, "persistent_volume_claim", "persistentVolumeClaim")
    return None if source is None else _get(source, "claim_name", "claimName")


def mount_claim(pod: V1Pod, claim_name: str, mount_path: str, read_only: bool = False) -> V1Pod:
    """Add a volume for ``claim_name`` to ``pod`` and mount it at ``mount_path`` in the first
    container; the pod is changed in place and returned.

    Idempotent: a volume already using the claim is reused rather than duplicated, and a mount
    of that volume at that path is kept (with ``read_only`` updated). Raises
    :class:`InvalidParameterError` if the pod has no containers, if another volume has the
    name this one needs, or if another volume is already mounted at ``mount_path``.
    """
    spec = pod.spec
    if spec is None or not spec.containers:
        raise InvalidParameterError(
            f"pod {pod.metadata.name if pod.metadata else None!r} has no containers to mount "
            f"claim {claim_name!r} into"
        )
    volumes = list(spec.volumes or [])
    name = next((str(_get(v, "name", "name")) for v in volumes if _claim_of(v) == claim_name), None)
    if name is None:
        name = volume_name_for_claim(claim_name)
        if any(_get(v, "name", "name") == name for v in volumes):
            raise InvalidParameterError(
                f"pod already has a volume named {name!r} that is not claim {claim_name!r}"
            )
        volumes.append(
            V1Volume(
                name=name,
                persistent_volume_claim=V1PersistentVolumeClaimVolumeSource(claim_name=claim_name),
            )
        )
        spec.volumes = volumes

    container = spec.containers[0]
    mounts = list(container.volume_mounts or [])
    for mount in mounts:
        if _get(mount, "mount_path", "mountPath") != mount_path:
            continue
        if _get(mount, "name", "name") != name:
            raise InvalidParameterError(
                f"container {container.name!r} already mounts volume "
                f"{_get(mount, 'name', 'name')!r} at {mount_path!r}; cannot mount claim "
                f"{claim_name!r} there too"
            )
        if isinstance(mount, dict):
            mount["readOnly"] = read_only
        else:
            mount.read_only = read_only
        return pod
    mounts.append(V1VolumeMount(name=name, mount_path=mount_path, read_only=read_only))
    container.volume_mounts = mounts
    return pod


@dataclass(frozen=True)
class _Payload:
    # ApiClient.deserialize reads a response's ``data``; this carries bytes already read.
    data: bytes


class PersistentVolumeClaimClient:
    """Gets, creates and mounts persistent volume claims.

    ``api`` is a kubernetes_asyncio ``ApiClient`` or a :class:`Transport` shared with other
    clients; ``log`` receives what was created and mounted (default: this module's logger).
    """

    def __init__(self, api: ApiClient | Transport, log: logging.Logger | None = None) -> None:
        self.transport = Transport.of(api)
        self.log = log or _log

    def _path(self, namespace: str, name: str | None = None) -> str:
        if not namespace:
            raise InvalidParameterError("a namespace is required for a persistent volume claim")
        base = f"/api/v1/namespaces/{namespace}/persistentvolumeclaims"
        return f"{base}/{name}" if name else base

    def _to_claim(self, data: bytes) -> V1PersistentVolumeClaim:
        api_client = self.transport.api_client
        return cast(
            V1PersistentVolumeClaim,
            api_client.deserialize(cast(Any, _Payload(data)), "V1PersistentVolumeClaim"),
        )

    async def get(self, namespace: str, name: str) -> V1PersistentVolumeClaim | None:
        """The claim ``name`` in ``namespace``, or ``None`` if there is none."""
        if not name:
            raise InvalidParameterError("a persistent volume claim name is required")
        try:
            data = await self.transport.send(Request("GET", self._path(namespace, name)))
        except NotFoundError:
            return None
        return self._to_claim(data)

    async def create_if_not_exists(
        self,
        namespace: str,
        name: str,
        *,
        storage_class_name: str | None = None,
        labels: Mapping[str, str] | None = None,
        access_modes: Sequence[str] | None = None,
        storage_requested: str | None = None,
        workspace: str | None = None,
    ) -> V1PersistentVolumeClaim:
        """The claim ``name``, created first if it does not exist.

        An existing claim is returned untouched (its class, modes, size and labels are not
        compared or changed). Empty arguments take the defaults described in the module docs;
        with no storage class there either, the claim has no ``storageClassName`` and the
        cluster's default storage class applies. A new claim is labelled with
        :func:`claim_labels` of ``workspace`` and ``labels``. If another process creates the
        claim at the same moment, that claim is returned.
        """
        existing = await self.get(namespace, name)
        if existing is not None:
            return existing
        spec: dict[str, Any] = {
            "accessModes": list(access_modes or default_access_modes()),
            "resources": {"requests": {"storage": storage_requested or default_capacity()}},
        }
        storage_class = storage_class_name or default_storage_class()
        if storage_class:
            spec["storageClassName"] = storage_class
        body: dict[str, Any] = {
            "apiVersion": "v1",
            "kind": "PersistentVolumeClaim",
            "metadata": {
                "name": name,
                "namespace": namespace,
                "labels": claim_labels(workspace, labels),
            },
            "spec": spec,
        }
        try:
            data = await self.transport.send(Request("POST", self._path(namespace), body=body))
        except AlreadyExistsError:
            raced = await self.get(namespace, name)
            if raced is None:
                raise  # created and deleted again in between: report the original conflict
            return raced
        self.log.info(
            "created persistent volume claim %s/%s: %s",
            namespace,
            name,
            json.dumps(body["spec"], sort_keys=True),
        )
        return self._to_claim(data)

    async def mount(
        self,
        pod: V1Pod,
        namespace: str,
        claim_name: str,
        *,
        storage_class_name: str | None = None,
        mount_path: str = "",
        read_only: bool = False,
        workspace: str | None = None,
    ) -> V1Pod:
        """Create the claim ``claim_name`` in ``namespace`` if needed (with
        ``storage_class_name``, see :meth:`create_if_not_exists`) and mount it into ``pod`` (in
        place; the pod is also returned), see :func:`mount_claim`. An empty ``mount_path``
        means ``/mnt/<claim_name>``.

        A created claim is labelled as belonging to ``workspace`` (see :func:`claim_labels`),
        by default the workspace the pod's
        :data:`~lscsde_sdk.labels.WORKSPACE_POD_LABEL` label names, if any.
        """
        if workspace is None:
            pod_labels = (pod.metadata.labels if pod.metadata else None) or {}
            workspace = pod_labels.get(WORKSPACE_POD_LABEL)
        await self.create_if_not_exists(
            namespace, claim_name, storage_class_name=storage_class_name, workspace=workspace
        )
        mount_path = mount_path or f"/mnt/{claim_name}"
        mount_claim(pod, claim_name, mount_path, read_only)
        self.log.info(
            "mounted persistent volume claim %s/%s at %s%s",
            namespace,
            claim_name,
            mount_path,
            " (read-only)" if read_only else "",
        )
        return pod
