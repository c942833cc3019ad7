"""``PersistentVolumeClaimClient`` over :class:`lscsde_sdk.storage.PersistentVolumeClaimClient`.

Claims and pods are kubernetes_asyncio's V1 objects, as before. Mounting the same claim twice
no longer adds a second volume, and failures raise ``ApiException`` as they did. Created
claims carry the SDK's labels (:func:`lscsde_sdk.storage.claim_labels`):
``app.kubernetes.io/managed-by`` and, when mounted into a pod labelled ``workspace``,
``xlscsde.nhs.uk/workspace``.

``create_if_not_exists`` and ``mount`` keep the old library's parameters, so they do not take
the SDK's keyword-only ``workspace`` argument (hence the ``override`` ignores below).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from logging import Logger

from kubernetes_asyncio.client import ApiClient, CoreV1Api, V1PersistentVolumeClaim, V1Pod

from lscsde_sdk import storage

from ._convert import kubernetes_errors

__all__ = ["PersistentVolumeClaimClient"]


class PersistentVolumeClaimClient(storage.PersistentVolumeClaimClient):
    """Gets, creates and mounts persistent volume claims.

    The defaults for new claims are read from the environment when the client is made, as
    before, and can be changed on it: ``default_storage_class_name`` (``DEFAULT_STORAGE_CLASS``,
    else ``None``: the claim gets no ``storageClassName`` and the cluster's default storage
    class applies, as the CRD says of an empty class; the old library used
    ``jupyter-default``), ``default_storage_access_modes`` (``DEFAULT_STORAGE_ACCESS_MODES``,
    comma-separated, else ReadWriteMany) and ``default_storage_capacity``
    (``DEFAULT_STORAGE_CAPACITY``, else 1Gi).
    """

    def __init__(self, api_client: ApiClient, log: Logger) -> None:
        super().__init__(api_client, log)
        # The old client's attribute, for code that reached for the raw core API.
        self.api = CoreV1Api(api_client)
        self.default_storage_class_name: str | None = storage.default_storage_class()
        self.default_storage_access_modes = storage.default_access_modes()
        self.default_storage_capacity = storage.default_capacity()

    async def get(self, name: str, namespace: str) -> V1PersistentVolumeClaim | None:
        """The claim ``name`` in ``namespace``, or ``None`` if there is none."""
        with kubernetes_errors():
            return await super().get(name, namespace)

    async def create_if_not_exists(  # type: ignore[override]
        self,
        name: str,
        namespace: str,
        storage_class_name: str | None = None,
        labels: Mapping[str, str] | None = {},
        access_modes: Sequence[str] | None = None,
        storage_requested: str | None = None,
    ) -> V1PersistentVolumeClaim:
        """The claim ``name``, created first if it does not exist; an existing claim is
        returned untouched. Empty arguments take this client's defaults."""
        with kubernetes_errors():
            return await super().create_if_not_exists(
                name,
                namespace,
                storage_class_name or self.default_storage_class_name,
                labels,
                access_modes or self.default_storage_access_modes,
                storage_requested or self.default_storage_capacity,
            )

    async def mount(  # type: ignore[override]
        self,
        pod: V1Pod,
        storage_name: str,
        namespace: str,
        storage_class_name: str | None,
        mount_path: str,
        read_only: bool = False,
    ) -> V1Pod:
        """Create the claim ``storage_name`` if needed and mount it in the pod's first
        container at ``mount_path`` (``/mnt/<storage_name>`` when empty). The pod is changed
        in place and returned; mounting a claim again does not duplicate it. A created claim
        is labelled with the workspace the pod's ``workspace`` label names."""
        with kubernetes_errors():
            return await super().mount(
                pod, storage_name, namespace, storage_class_name, mount_path, read_only
            )
