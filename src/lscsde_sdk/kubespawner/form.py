"""The spawn form shipped with the hooks (``templates/profile_form.html``).

KubeSpawner renders ``profile_form_template`` with Jinja, passing ``profile_list`` (the
profiles :meth:`~lscsde_sdk.kubespawner.hooks.WorkspaceHooks.profile_list` returned, one of
them marked ``default``) and ``user_options``. The form shows each workspace's display name,
description, days of access left (``ws_days_left.days``) and its requests and limits in
words (``resources_display``).
"""

from __future__ import annotations

from functools import cache
from importlib.resources import files

__all__ = ["profile_form_template"]


@cache
def profile_form_template() -> str:
    """The Jinja source of the spawn form (read from the package once)."""
    return (files("lscsde_sdk.kubespawner") / "templates" / "profile_form.html").read_text(
        encoding="utf-8"
    )
