"""JupyterHub KubeSpawner hooks for AWMS workspaces.

In ``jupyterhub_config.py``::

    from lscsde_sdk.kubespawner import SharedClaim, SpawnerConfig, configure, workspace_username

    configure(c, SpawnerConfig(parse_username=workspace_username, storage_class="jupyter-default",
                               shared_claim=SharedClaim("jupyter-shared"), clear_volumes=True))

* :mod:`~lscsde_sdk.kubespawner.config` - :class:`SpawnerConfig`, the username parsers
* :mod:`~lscsde_sdk.kubespawner.hooks` - :class:`WorkspaceHooks` (``profile_list``,
  ``modify_pod_hook``), :func:`configure`
* :mod:`~lscsde_sdk.kubespawner.form` - the spawn form template

Needs ``tornado`` (always there in a hub); importing it loads and connects nothing.
"""

from __future__ import annotations

from .config import (
    SharedClaim,
    SpawnerConfig,
    UsernameParser,
    plain_username,
    workspace_username,
)
from .form import profile_form_template
from .hooks import (
    NoWorkspaceAvailableError,
    SpawnerSetupError,
    WorkspaceHooks,
    configure,
    load_api_client,
)

__all__ = [
    "NoWorkspaceAvailableError",
    "SharedClaim",
    "SpawnerConfig",
    "SpawnerSetupError",
    "UsernameParser",
    "WorkspaceHooks",
    "configure",
    "load_api_client",
    "plain_username",
    "profile_form_template",
    "workspace_username",
]
