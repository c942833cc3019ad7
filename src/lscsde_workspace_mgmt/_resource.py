"""What the four resource clients of lscsde_workspace_mgmt have in common.

Each wraps the matching lscsde_sdk client, which does the work (index labels), composed with
the event client (:class:`lscsde_sdk.recording.Recording`: every create, update and delete
records its event, as the old clients did) and the ``Deleting`` mark of :mod:`._deleting`
before a delete; this layer converts the compat models on the way in and out, keeps the
old method signatures and return types, and raises ``ApiException`` as the old clients did.

A client of one kind is declared by its three classes: the compat model, the compat status
model and the lscsde_sdk client (whose ``resource_type`` and ``status_type`` are the SDK model
and status model)::

    class AnalyticsWorkspaceClient(
        ResourceClient[AnalyticsWorkspace, AnalyticsWorkspaceStatus, sdk.AnalyticsWorkspaceClient]
    ):
        model = AnalyticsWorkspace
        status_model = AnalyticsWorkspaceStatus
        sdk_client_type = sdk.AnalyticsWorkspaceClient

The old clients overrode the raw base class's methods with other signatures and return types;
code written for them depends on both, hence the ``type: ignore[override]`` below.
"""

from __future__ import annotations

import builtins
import functools
from logging import Logger
from typing import Any, ClassVar, Generic, TypeVar

from kubernetes_asyncio.client import CustomObjectsApi
from pydantic import TypeAdapter

from lscsde_sdk.absent import AbsentClass
from lscsde_sdk.clients import CustomResourceClient, PatchType
from lscsde_sdk.core.list_decoder import ListDecoder
from lscsde_sdk.core.lists import ResourceList
from lscsde_sdk.core.transport import Request
from lscsde_sdk.events import ResourceChange
from lscsde_sdk.model_base import ResourceModel
from lscsde_sdk.recording import Recording
from lscsde_sdk.resource import CustomResource

from ._base import CompatModel
from ._convert import from_api_json, from_sdk, kubernetes_errors, to_api_dict, to_sdk
from ._deleting import mark_deleting
from .eventclient import EventClient
from .exceptions import InvalidParameterException
from .namespacedclient import KubernetesNamespacedCustomClient

__all__ = ["ResourceClient"]

CompatT = TypeVar("CompatT", bound=CompatModel)
CompatStatusT = TypeVar("CompatStatusT", bound=CompatModel)
# The SDK client's model types are Any here: a TypeVar cannot be bound to "a client of some
# model". The compat side, which callers see, stays precise.
SdkClientT = TypeVar("SdkClientT", bound=CustomResourceClient[Any, Any])


class ResourceClient(KubernetesNamespacedCustomClient, Generic[CompatT, CompatStatusT, SdkClientT]):
    """get, list, create, patch, patch_status, replace and delete of one kind, in the compat
    models, through :attr:`sdk`, an instance of :attr:`sdk_client_type`.

    Subclasses set :attr:`model`, :attr:`status_model` and :attr:`sdk_client_type`; the kind,
    the SDK models and :attr:`adaptor` follow from them.
    """

    #: The compat model of the kind and of its status (set by each subclass).
    model: type[CompatT]
    status_model: type[CompatStatusT]
    #: The lscsde_sdk client of the kind (set by each subclass).
    sdk_client_type: type[SdkClientT]
    #: Validates and dumps the compat model, as the old clients' ``adaptor`` did (derived from
    #: :attr:`model` for each subclass that sets it).
    adaptor: ClassVar[TypeAdapter[Any]]
    #: A list response of the compat model (derived from :attr:`model` likewise).
    list_type: ClassVar[type[ResourceList[Any]]]

    sdk: SdkClientT
    sdk_model: type[CustomResource]
    sdk_status_model: type[ResourceModel]

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        # Only where the subclass sets the model itself; otherwise the inherited one stands.
        # A kind the CRD release lacks has a stand-in model: the client fails when created.
        model = vars(cls).get("model")
        if model is not None and not isinstance(model, AbsentClass):
            cls.adaptor = TypeAdapter(model)
            cls.list_type = ResourceList[model]  # type: ignore[valid-type]
        sdk_client_type = vars(cls).get("sdk_client_type")
        if sdk_client_type is not None and not isinstance(sdk_client_type, AbsentClass):
            cls.secret_paths = sdk_client_type.secret_paths

    def __init__(
        self, k8s_api: CustomObjectsApi, log: Logger, event_client: EventClient | None
    ) -> None:
        self.sdk_model = self.sdk_client_type.resource_type
        self.sdk_status_model = self.sdk_client_type.status_type
        info = self.sdk_model.__resource__
        super().__init__(k8s_api, log, info.group, info.version, info.plural, info.kind)
        self.event_client = event_client
        self.sdk = self.sdk_client_type(self.transport, log=log)
        #: :attr:`sdk`'s writes, recording their events with ``event_client`` (when given).
        self.writes: Recording[Any] | None = (
            Recording(self.sdk, event_client) if event_client is not None else None
        )

    @property
    def _writer(self) -> CustomResourceClient[Any, Any] | Recording[Any]:
        """Where object writes go: through :attr:`writes` when events are recorded."""
        return self.writes if self.writes is not None else self.sdk

    @property
    def _sdk(self) -> CustomResourceClient[CustomResource, ResourceModel]:
        """:attr:`sdk` as this class uses it: the bound of ``SdkClientT`` leaves its model
        types open (Any), so the calls below are checked against the common base models."""
        return self.sdk

    async def get(self, namespace: str, name: str) -> CompatT:  # type: ignore[override]
        """The object ``name`` in ``namespace``."""
        body = await self._send_bytes(Request("GET", self._path(namespace, name)))
        return from_api_json(body, self.model, self.sdk_model)

    async def list(  # type: ignore[override]
        self, namespace: str, **kwargs: Any
    ) -> builtins.list[CompatT]:
        """The objects in ``namespace``; keyword arguments as for
        :meth:`KubernetesNamespacedCustomClient.list` (``label_selector``, ``limit``,
        ``_continue``, ...).

        One request, as the old client sent: without ``limit`` the API server answers a whole
        list from its watch cache, where continuing a paged list may be served from etcd at a
        few times the cost (after a compaction, until the kind is written again: the usual
        state of workspaces, which change seldom). With ``limit`` or ``_continue``, the one
        page asked for. Items are validated while the answer arrives
        (:class:`~lscsde_sdk.core.list_decoder.ListDecoder`)."""
        request = self._list_request(namespace, kwargs)
        list_type, sdk_list_type = self.list_type, self._sdk._list_type()

        def decoder() -> ListDecoder[CompatT]:
            return ListDecoder(
                self.sdk_model.__resource__.api_version,
                self.kind,
                functools.partial(self.model.__pydantic_validator__.validate_json, extra="allow"),
                lambda body: from_api_json(body, list_type, sdk_list_type),
            )

        fed = await self._send_to(request, decoder)
        return fed.result().items or []

    async def create(self, body: CompatT) -> CompatT:  # type: ignore[override]
        """Create ``body`` in its ``metadata.namespace``; records ``<Kind>Created``."""
        with kubernetes_errors():
            created = await self._writer.create(to_sdk(body, self.sdk_model))
        return from_sdk(created, self.model)

    async def patch(  # type: ignore[override]
        self,
        namespace: str | None = None,
        name: str | None = None,
        patch_body: Any = None,
        body: CompatT | None = None,
    ) -> CompatT:
        """Patch an object; records ``<Kind>Updated``.

        With ``patch_body`` (a JSON patch list, or a merge patch mapping) that is sent to
        ``namespace``/``name`` (by default ``body``'s). Without it, the object's spec is
        replaced by ``body``'s. The status is not sent: the server ignores status in writes to
        the object itself; use :meth:`patch_status`.
        """
        if not patch_body and body is None:
            raise InvalidParameterException(
                "Either namespace, name and patch_body or body must be provided"
            )
        namespace, name = self._address(body, namespace, name)
        if not patch_body and body is not None:
            spec = getattr(to_sdk(body, self.sdk_model), "spec", None)
            if spec is None:
                raise InvalidParameterException(f"the {self.kind} to patch from has no spec")
            # "add" replaces /spec when it exists and creates it when it does not, where the
            # old "replace" failed on objects without the path.
            patch_body = [{"op": "add", "path": "/spec", "value": spec.to_api()}]
        with kubernetes_errors():
            patched = await self._writer.patch(namespace, name, patch_body)
        return from_sdk(patched, self.model)

    async def patch_status(  # type: ignore[override]
        self, namespace: str, name: str, status: CompatStatusT
    ) -> CompatT:
        """Set the object's status to ``status``, as a whole (records no event, as before).

        One JSON patch of the status subresource, as the old client sent, so it needs only
        ``patch`` on ``<plural>/status``: ``add /status``, which replaces the status or, on an
        object that has none yet (where the old ``replace`` failed), creates it. The status
        becomes exactly ``status`` (fields it leaves out are removed); what another writer set
        meanwhile is overwritten, as it was. For a read-modify-write that keeps concurrent
        changes, use the SDK client's ``update_status`` (:attr:`sdk`).
        """
        operations = [{"op": "add", "path": "/status", "value": to_api_dict(status)}]
        with kubernetes_errors():
            patched = await self._sdk.patch_status(
                namespace, name, operations, patch_type=PatchType.JSON
            )
        return from_sdk(patched, self.model)

    async def replace(self, body: CompatT) -> CompatT:  # type: ignore[override]
        """Replace the object with ``body``; records ``<Kind>Updated``. With
        ``metadata.resourceVersion`` set, a change made since then fails with 409."""
        with kubernetes_errors():
            replaced = await self._writer.replace(to_sdk(body, self.sdk_model))
        return from_sdk(replaced, self.model)

    async def delete(  # type: ignore[override]
        self,
        body: CompatT | None = None,
        namespace: str | None = None,
        name: str | None = None,
    ) -> dict[str, Any]:
        """Delete the object given by ``body`` or by ``namespace`` and ``name``: mark its
        status ``Deleting``, delete it and record ``<Kind>Deleted``. Returns the server's
        answer to the delete."""
        namespace, name = self._address(body, namespace, name)
        with kubernetes_errors():
            marked = await mark_deleting(self._sdk, namespace, name, self.log)
        # The raw delete, as the old client returned the server's answer (the SDK's does not).
        answer = await super().delete(namespace, name)
        if self.event_client is not None:
            subject: Any = marked if marked is not None else self._reference(namespace, name)
            await self.event_client.record_change(subject, ResourceChange.DELETED)
        return answer

    def _address(
        self, body: CompatT | None, namespace: str | None, name: str | None
    ) -> tuple[str, str]:
        metadata = getattr(body, "metadata", None)
        namespace = namespace or getattr(metadata, "namespace", None)
        name = name or getattr(metadata, "name", None)
        if not namespace or not name:
            raise InvalidParameterException(
                f"a {self.kind} is addressed by namespace and name, or by a body that has both"
            )
        return namespace, name

    def _reference(self, namespace: str, name: str) -> dict[str, Any]:
        return {
            "apiVersion": self.get_api_version(),
            "kind": self.kind,
            "metadata": {"namespace": namespace, "name": name},
        }
