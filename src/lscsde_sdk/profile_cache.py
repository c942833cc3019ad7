""":class:`ProfileCache`: KubeSpawner profiles of workspaces as read from the server, each
version converted once.

A hub lists a user's profiles on every page view; converting a workspace (its resources
read, checked and described) costs far more than copying the result. The server gives every
change of an object a new ``resourceVersion``, so ``(uid, resourceVersion)`` names one content
of one workspace: the part of its profile that depends on the workspace alone
(:func:`~lscsde_sdk.converters.version_profile`) is kept per key, and the dates
(:func:`~lscsde_sdk.converters.dated_profile`) are added on every call.

Only for workspaces exactly as read (a get, a list, an informer's store): a workspace changed
in memory keeps its version and would get the profile of what was read. Workspaces without a
uid or version (built locally) are converted on every call.
"""

from __future__ import annotations

import pickle
from collections import OrderedDict
from datetime import date
from typing import Any

from .converters import DateLike, dated_profile, version_profile
from .models import AnalyticsWorkspace

__all__ = ["DEFAULT_PROFILE_CACHE_SIZE", "ProfileCache"]

#: Workspace versions a cache keeps by default (the most recently used).
DEFAULT_PROFILE_CACHE_SIZE = 4096


class ProfileCache:
    """The profiles of the ``size`` most recently converted workspace versions.

    Each call returns a profile of its own: nothing in it is shared with the cache or with
    another caller (KubeSpawner may change what it is given).
    """

    def __init__(self, size: int = DEFAULT_PROFILE_CACHE_SIZE) -> None:
        if size < 0:
            raise ValueError(f"size cannot be negative, got {size}")
        self.size = size
        # Pickled: one C call copies a profile exactly (tuples stay tuples, floats exact).
        self._profiles: OrderedDict[tuple[str, str], bytes] = OrderedDict()

    def __len__(self) -> int:
        return len(self._profiles)

    def profile(
        self,
        workspace: AnalyticsWorkspace,
        day: DateLike | None = None,
        *,
        expires: date | None = None,
    ) -> dict[str, Any]:
        """What :meth:`~lscsde_sdk.converters.AnalyticsWorkspaceConverter.to_workspace_dict`
        returns for ``workspace`` (as read from the server), converting each version once.
        Raises :class:`~lscsde_sdk.errors.InvalidWorkspaceError` as it does, on every call
        (a workspace that cannot be converted is not kept)."""
        uid, version = workspace.metadata.uid, workspace.metadata.resource_version
        if uid is None or version is None or self.size == 0:
            return dated_profile(version_profile(workspace), workspace, day, expires=expires)
        key = (uid, version)
        kept = self._profiles.get(key)
        if kept is not None:
            self._profiles.move_to_end(key)
            profile: dict[str, Any] = pickle.loads(kept)  # our own bytes
        else:
            profile = version_profile(workspace)
            self._profiles[key] = pickle.dumps(profile, pickle.HIGHEST_PROTOCOL)
            if len(self._profiles) > self.size:
                self._profiles.popitem(last=False)
        return dated_profile(profile, workspace, day, expires=expires)
