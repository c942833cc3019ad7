"""The "Deleting" mark the old library wrote before deleting an object.

lscsde-workspace-mgmt 0.1.14 set ``status.statusText`` to ``Deleting`` before every delete,
so that watchers saw the object was going away; its clients here keep doing so
(:meth:`ResourceClient.delete <lscsde_workspace_mgmt._resource.ResourceClient.delete>`). It is
one status patch, sent before the delete, through the SDK client of the kind.
"""

from __future__ import annotations

import logging
from typing import Any, Final, TypeVar

from lscsde_sdk.clients import CustomResourceClient, PatchType
from lscsde_sdk.errors import ForbiddenError, NotFoundError
from lscsde_sdk.resource import CustomResource

__all__ = ["DELETING_STATUS", "mark_deleting"]

#: ``status.statusText`` of an object that is being deleted.
DELETING_STATUS: Final = "Deleting"

ResourceT = TypeVar("ResourceT", bound=CustomResource)


async def mark_deleting(
    client: CustomResourceClient[ResourceT, Any],
    namespace: str,
    name: str,
    log: logging.Logger,
) -> ResourceT | None:
    """Set the object's ``status.statusText`` to ``Deleting``; the object as marked, or
    ``None`` when it does not exist or RBAC does not allow writing its status (logged: the
    delete goes on, and reports a missing object itself)."""
    try:
        return await client.patch_status(
            namespace,
            name,
            {"status": {"statusText": DELETING_STATUS}},
            patch_type=PatchType.MERGE,
        )
    except NotFoundError:
        return None
    except ForbiddenError as exc:
        log.warning(
            "could not mark %s %s/%s as %s before deleting it: %s",
            client.info.kind,
            namespace,
            name,
            DELETING_STATUS,
            exc,
        )
        return None
