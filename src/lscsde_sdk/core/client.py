"""The generic async client every generated per-kind client is built on.

One class does the REST work for any custom resource kind; a generated client only binds the
kind's model and status classes (and, for a kind with field indexes, derives from
:class:`lscsde_sdk.indexing.client.IndexedClient`, which keeps their labels). Models go in
and come out; plain dicts are accepted wherever a model is, and are validated with the same
rules first.

Each verb (create, get, list_page, patch, replace, apply, delete, watch and the status
writes) sends one request, plus the transport's retries; a create whose outcome is unknown
is read back (see :meth:`CustomResourceClient.create`). ``list``/``iterate``/``pages`` send
one request per page; :meth:`~CustomResourceClient.update_status` reads, then writes, and
repeats both on conflict. A write records no event:
:class:`lscsde_sdk.recording.Recording` composes a client with a recorder. Reads never
write anything.

The client is made of one part per concern: :mod:`.base` (the kind, settings, sending),
:mod:`.requests` (building each verb's request), :mod:`.verbs`, :mod:`.paging` (the pager)
and :mod:`.watching`; conflicts are retried by :mod:`.conflicts`.
"""

from __future__ import annotations

from typing import TypeVar

from ..model_base import ResourceModel
from ..resource import CustomResource
from .lists import ResourcePage
from .paging import Paging
from .requests import (
    DEFAULT_FIELD_MANAGER,
    FieldValidation,
    PatchType,
    PropagationPolicy,
    merge_difference,
    patch_type_of,
)
from .verbs import Verbs
from .watching import Watching

__all__ = [
    "DEFAULT_FIELD_MANAGER",
    "CustomResourceClient",
    "FieldValidation",
    "PatchType",
    "PropagationPolicy",
    "ResourcePage",
    "merge_difference",
    "patch_type_of",
]

ResourceT = TypeVar("ResourceT", bound=CustomResource)
StatusT = TypeVar("StatusT", bound=ResourceModel)


class CustomResourceClient(
    Verbs[ResourceT, StatusT], Paging[ResourceT, StatusT], Watching[ResourceT, StatusT]
):
    """CRUD, patch, apply, list and watch for one custom resource kind.

    ``api`` is a kubernetes_asyncio ``ApiClient`` (its one :class:`Transport` is used: see
    :meth:`Transport.of`) or a :class:`Transport`. ``log`` receives warnings about work
    that was skipped. ``field_manager`` is recorded by the server for this client's writes;
    ``field_validation`` (``Strict`` by default) makes it reject fields its schema does not
    know. ``retry`` and ``timeouts`` replace the transport's for this client's requests;
    ``conflict_retry`` is how read-modify-writes (:meth:`update_status`; an indexed client's
    ``relabel``) are repeated on conflict (see :mod:`lscsde_sdk.core.conflicts`).

    Errors built from the server's answers mask the kind's :attr:`secret_paths` and the
    secrets the request carried (see :mod:`lscsde_sdk.core.redaction`).
    """
