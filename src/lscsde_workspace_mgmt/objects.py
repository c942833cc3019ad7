"""``AnalyticsWorkspaceConverter``: KubeSpawner profiles from workspaces, with the value types
the old converter returned (see :func:`as_old_profile`). The work is lscsde_sdk's
(:mod:`lscsde_sdk.converters`)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta
from typing import Any

from lscsde_sdk import converters
from lscsde_sdk import models as sdk_models

from ._convert import to_sdk
from .models import AnalyticsWorkspace, JupyterWorkspaceSpec, JupyterWorkspaceSpecToleration

__all__ = ["AnalyticsWorkspace", "AnalyticsWorkspaceConverter", "as_old_profile"]

_SDK_ONLY_KEYS = frozenset(("resources_display", *converters.RESOURCE_NUMBER_KEYS))


def as_old_profile(profile: Mapping[str, Any]) -> dict[str, Any]:
    """An lscsde_sdk profile (:meth:`lscsde_sdk.converters.AnalyticsWorkspaceConverter.
    to_workspace_dict`) with the old converter's keys and value types: ``workspace_definition``
    a :class:`JupyterWorkspaceSpec` and ``kubespawner_override["tolerations"]`` a list of
    :class:`JupyterWorkspaceSpecToleration` (``ws_days_left`` is a ``timedelta`` in both).
    The SDK's ``resources_display`` and resource numbers are left out: the old profile had
    no such keys."""
    old = {key: value for key, value in profile.items() if key not in _SDK_ONLY_KEYS}
    if old.get("workspace_definition") is not None:
        old["workspace_definition"] = JupyterWorkspaceSpec.model_validate(
            old["workspace_definition"]
        )
    override = old.get("kubespawner_override")
    if isinstance(override, Mapping) and override.get("tolerations"):
        old["kubespawner_override"] = {
            **override,
            "tolerations": [
                JupyterWorkspaceSpecToleration.model_validate(item)
                for item in override["tolerations"]
            ],
        }
    return old


class AnalyticsWorkspaceConverter:
    """Turns workspaces into the profiles JupyterHub's KubeSpawner offers a user."""

    def days_until_expiry(
        self, time_str: converters.DateLike, date_now: converters.DateLike | None = None
    ) -> timedelta:
        """Whole days from ``date_now`` (default: today, evaluated now) to the expiry date
        ``time_str`` ("YYYY-MM-DD"), as a ``timedelta``: 1 day on the last usable day, 0 on
        the expiry date, negative after it."""
        return timedelta(days=converters.days_until_expiry(time_str, date_now))

    def to_workspace_dict(
        self, workspace: AnalyticsWorkspace, date_now: converters.DateLike | None = None
    ) -> dict[str, Any]:
        """The KubeSpawner profile of ``workspace``: ``display_name``, ``description``,
        ``workspace_definition`` and ``kubespawner_override`` (for a Jupyter workspace),
        ``slug``, ``start_date``, ``end_date`` and ``ws_days_left`` (from ``date_now``,
        default today).

        ``kubespawner_override`` holds ``mem_guarantee``, ``mem_limit`` (bytes, as Kubernetes
        reads the quantities), ``cpu_guarantee``, ``cpu_limit`` (cores),
        ``extra_resource_guarantees`` and ``extra_resource_limits`` (GPUs and other
        resources) only for what the workspace's resources set, so a workspace with only
        limits (or none) no longer fails. Resources that are not quantities raise
        :class:`lscsde_sdk.errors.InvalidWorkspaceError` (a ``ValueError``).
        """
        sdk_workspace = to_sdk(workspace, sdk_models.AnalyticsWorkspace)
        profile = converters.AnalyticsWorkspaceConverter().to_workspace_dict(
            sdk_workspace, date_now
        )
        return as_old_profile(profile)
