"""How the KubeSpawner hooks find a user's workspaces and mount their storage.

:class:`SpawnerConfig` is plain, frozen data: building one reads no environment, loads no
Kubernetes configuration and connects to nothing. Values that depend on where the hub runs
(``$POD_NAMESPACE``) are read when a hook runs.
"""

from __future__ import annotations

import os
import posixpath
from collections.abc import Callable
from dataclasses import dataclass
from typing import Final

from ..errors import InvalidParameterError

__all__ = [
    "DEFAULT_MOUNT_PREFIX",
    "DEFAULT_STORAGE_PREFIX",
    "NAMESPACE_ENV",
    "SharedClaim",
    "SpawnerConfig",
    "UsernameParser",
    "plain_username",
    "workspace_username",
]

#: The environment variable naming the namespace the hub runs in (set by the Helm chart).
NAMESPACE_ENV: Final = "POD_NAMESPACE"
DEFAULT_MOUNT_PREFIX: Final = "/home/jovyan"
DEFAULT_STORAGE_PREFIX: Final = "jupyter-"

#: ``(hub username) -> (username in the bindings, workspace the hub username selects or None)``;
#: the workspace is compared with workspace names exactly, so a parser returns it in lower case.
UsernameParser = Callable[[str], tuple[str, str | None]]


def plain_username(hub_username: str) -> tuple[str, str | None]:
    """The hub username is the bindings' username; it selects no workspace."""
    return hub_username, None


def workspace_username(hub_username: str) -> tuple[str, str | None]:
    """``"<workspace>\\<user>"`` (the form the LSC SDE's Keycloak puts in the claim the hub
    uses as username) -> ``("<user>", "<workspace>")``, split at the first backslash.

    The workspace part is lower-cased (``str.lower()``): workspace names are lower-case DNS
    names, so ``Cancer-Outcomes\\joe`` selects ``cancer-outcomes``. The user part is returned
    as given; the lookups compare usernames lower-cased, as JupyterHub does. A name without a
    backslash is a plain username that selects no workspace. An empty workspace or user part
    is an :class:`~lscsde_sdk.errors.InvalidParameterError`."""
    workspace, separator, username = hub_username.partition("\\")
    if not separator:
        return hub_username, None
    if not workspace or not username:
        raise InvalidParameterError(
            f"hub username {hub_username!r} is not '<workspace>\\<user>': "
            f"the {'workspace' if not workspace else 'user'} part is empty"
        )
    return username, workspace.lower()


def _require_absolute(field: str, path: str) -> None:
    if not path.startswith("/") or path == "/" or posixpath.normpath(path) != path:
        raise InvalidParameterError(
            f"{field} must be a normalised absolute path other than '/', not {path!r}"
        )


@dataclass(frozen=True)
class SharedClaim:
    """A persistent volume claim every workspace pod mounts, for example the LSC SDE's
    ``jupyter-shared``. It must already exist: the hooks mount it but never create it."""

    name: str
    mount_path: str = f"{DEFAULT_MOUNT_PREFIX}/shared"
    read_only: bool = True

    def __post_init__(self) -> None:
        if not self.name:
            raise InvalidParameterError("SharedClaim.name must not be empty")
        _require_absolute("SharedClaim.mount_path", self.mount_path)


@dataclass(frozen=True)
class SpawnerConfig:
    """Settings of :class:`~lscsde_sdk.kubespawner.hooks.WorkspaceHooks`.

    * ``namespace``: where the workspaces, their bindings and claims are, and where the
      pods start; ``None`` reads ``$POD_NAMESPACE`` when a hook runs, else uses the spawner's
      ``namespace``.
    * ``parse_username``: how the hub username (``spawner.user.name``) gives the bindings'
      username and the workspace it selects: :func:`plain_username` (the default) or
      :func:`workspace_username`, or any callable of that shape.
    * ``storage_class``: class of workspace claims that do not name one; ``None`` is
      ``$DEFAULT_STORAGE_CLASS`` if set, else the cluster's default class (see
      :mod:`lscsde_sdk.storage`).
    * ``mount_prefix``: a workspace's claim is mounted at ``<mount_prefix>/<workspace>``
      unless its spec names a claim of its own mount path.
    * ``storage_prefix``: a workspace's claim, when its spec and status name none, is
      ``<storage_prefix><workspace>``.
    * ``shared_claim``: a claim mounted into every pod (never created), or ``None``.
    * ``clear_volumes``: remove every volume and volume mount the pod already has before
      mounting the workspace's (the LSC SDE hub does, to drop the chart's home volume).
    * ``use_informers``: read workspaces and bindings from one shared
      :class:`~lscsde_sdk.runtime.InformerFactory` (no request per lookup once
      synced) instead of asking the API server each time.
    """

    namespace: str | None = None
    parse_username: UsernameParser = plain_username
    storage_class: str | None = None
    mount_prefix: str = DEFAULT_MOUNT_PREFIX
    storage_prefix: str = DEFAULT_STORAGE_PREFIX
    shared_claim: SharedClaim | None = None
    clear_volumes: bool = False
    use_informers: bool = True

    def __post_init__(self) -> None:
        if self.namespace is not None and not self.namespace:
            raise InvalidParameterError(
                "SpawnerConfig.namespace must be a namespace name or None, not ''"
            )
        if not callable(self.parse_username):
            raise InvalidParameterError(
                f"SpawnerConfig.parse_username must be callable, not {self.parse_username!r}"
            )
        _require_absolute("SpawnerConfig.mount_prefix", self.mount_prefix)

    def resolve_namespace(self, spawner_namespace: str | None) -> str:
        """``namespace``, else ``$POD_NAMESPACE``, else ``spawner_namespace``."""
        found = self.namespace or os.environ.get(NAMESPACE_ENV) or spawner_namespace
        if not found:
            raise InvalidParameterError(
                f"no namespace: SpawnerConfig.namespace is None, ${NAMESPACE_ENV} is not set "
                "and the spawner has no namespace"
            )
        return found
