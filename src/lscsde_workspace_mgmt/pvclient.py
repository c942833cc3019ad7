"""``PersistentVolumeClaimClient`` over :class:`lscsde_sdk.storage.PersistentVolumeClaimClient`.

Claims and pods are kubernetes_asyncio's V1 objects, as before. Mounting the same claim twice
no longer adds a second volume, and failures raise ``ApiException`` as they did. Created
claims carry the SDK's labels (:func:`lscsde_sdk.storage.claim_labels`):
``app.kubernetes.io/managed-by`` and, when mounted into a pod labelled ``workspace``,
``xlscsde.nhs.uk/workspace``.

The methods keep the old library's parameters (``name`` before ``namespace``, options
positional) and call the SDK's client (:attr:`PersistentVolumeClaimClient.sdk`), whose
signatures follow the SDK's conventions.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from logging import Logger

from kubernetes_asyncio.client import ApiClient, CoreV1Api, V1PersistentVolumeClaim, V1Pod

from lscsde_sdk import storage

from ._convert import kubernetes_errors

__all__ = ["PersistentVolumeClaimClient"]


class PersistentVolumeClaimClient:
    """Gets, creates and mounts persistent volume claims.

    The defaults for new claims are read from the environment when the client is made, as
    before, and can be changed on it: ``default_storage_class_name`` (``DEFAULT_STORAGE_CLASS``,
    else ``None``: the claim gets no ``storageClassName`` and the cluster's default storage
    class applies, as the CRD says of an empty class; the old library used
    ``jupyter-default``), ``default_storage_access_modes`` (``DEFAULT_STORAGE_ACCESS_MODES``,
    comma-separated, else ReadWriteMany) and ``default_storage_capacity``
    (``DEFAULT_STORAGE_CAPACITY``, else 1Gi). They apply to every claim created through
    :attr:`sdk` too (the compat managers mount workspaces with it).
    """

    def __init__(self, api_client: ApiClient, log: Logger) -> None:
        self.sdk: storage.PersistentVolumeClaimClient = _WithDefaults(self, api_client, log)
        self.transport = self.sdk.transport
        self.log = log
        # The old client's attribute, for code that reached for the raw core API.
        self.api = CoreV1Api(api_client)
        self.default_storage_class_name: str | None = storage.default_storage_class()
        self.default_storage_access_modes = storage.default_access_modes()
        self.default_storage_capacity = storage.default_capacity()

    async def get(self, name: str, namespace: str) -> V1PersistentVolumeClaim | None:
        """The claim ``name`` in ``namespace``, or ``None`` if there is none."""
        with kubernetes_errors():
            return await self.sdk.get(namespace, name)

    async def create_if_not_exists(
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
            return await self.sdk.create_if_not_exists(
                namespace,
                name,
                storage_class_name=storage_class_name,
                labels=labels,
                access_modes=access_modes,
                storage_requested=storage_requested,
            )

    async def mount(
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
            return await self.sdk.mount(
                pod,
                namespace,
                storage_name,
                storage_class_name=storage_class_name,
                mount_path=mount_path,
                read_only=read_only,
            )


class _WithDefaults(storage.PersistentVolumeClaimClient):
    """The SDK's client, creating claims with the defaults set on a compat client."""

    def __init__(self, compat: PersistentVolumeClaimClient, api_client: ApiClient, log: Logger):
        super().__init__(api_client, log)
        self._compat = compat

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
        compat = self._compat
        return await super().create_if_not_exists(
            namespace,
            name,
            storage_class_name=storage_class_name or compat.default_storage_class_name,
            labels=labels,
            access_modes=access_modes or compat.default_storage_access_modes,
            storage_requested=storage_requested or compat.default_storage_capacity,
            workspace=workspace,
        )
