"""JupyterHub KubeSpawner hooks for AWMS workspaces.

In ``jupyterhub_config.py``::

    from lscsde_sdk.kubespawner import SharedClaim, SpawnerConfig, configure, workspace_username

    configure(c, SpawnerConfig(parse_username=workspace_username, storage_class="jupyter-default",
                               shared_claim=SharedClaim("jupyter-shared"), clear_volumes=True))

* :mod:`~lscsde_sdk.kubespawner.config` - :class:`SpawnerConfig`, the username parsers
* :mod:`~lscsde_sdk.kubespawner.hooks` - :class:`WorkspaceHooks` (``profile_list``,
  ``modify_pod_hook``), :func:`configure`
* :mod:`~lscsde_sdk.kubespawner.form` - the spawn form template
* :mod:`~lscsde_sdk.kubespawner.tolerations` - a workspace's tolerations added to the hub's

Needs ``tornado`` and ``traitlets`` (always there in a hub); importing it loads and connects
nothing.
"""

from __future__ import annotations

from .config import (
    SharedClaim,
    SpawnerConfig,
    UsernameParser,
    plain_username,
    workspace_username,
)
from .form import form_template_dir, profile_form_template
from .hooks import (
    FORM_SETTINGS,
    NoWorkspaceAvailableError,
    SpawnerSetupError,
    WorkspaceHooks,
    configure,
    load_api_client,
)
from .tolerations import AddedTolerations

__all__ = [
    "FORM_SETTINGS",
    "AddedTolerations",
    "NoWorkspaceAvailableError",
    "SharedClaim",
    "SpawnerConfig",
    "SpawnerSetupError",
    "UsernameParser",
    "WorkspaceHooks",
    "configure",
    "form_template_dir",
    "load_api_client",
    "plain_username",
    "profile_form_template",
    "workspace_username",
]
