"""The spawn form shipped with the hooks (``templates/form.html``).

KubeSpawner renders its form with Jinja, passing ``profile_list`` (the profiles
:meth:`~lscsde_sdk.kubespawner.hooks.WorkspaceHooks.profile_list` returned, one of them
marked ``default``) and ``user_options``. The template is ``profile_form_template`` when that
is set, else the first ``form.html`` found in ``additional_profile_form_template_paths``,
else KubeSpawner's own. :func:`~lscsde_sdk.kubespawner.hooks.configure` puts
:func:`form_template_dir` on that search path. The form shows each workspace's display name,
description, days of access left (``ws_days_left.days``) and its requests and limits in
words (``resources_display``).
"""

from __future__ import annotations

from functools import cache
from importlib.resources import files
from pathlib import Path

from ..errors import LscsdeError

__all__ = ["FORM_TEMPLATE_NAME", "form_template_dir", "profile_form_template"]

#: The file name KubeSpawner looks for in ``additional_profile_form_template_paths``.
FORM_TEMPLATE_NAME = "form.html"


def form_template_dir() -> str:
    """The directory holding the form as ``form.html``, for KubeSpawner's
    ``additional_profile_form_template_paths``."""
    templates = files("lscsde_sdk.kubespawner") / "templates"
    if not isinstance(templates, Path):
        raise LscsdeError(
            f"lscsde_sdk is installed where its templates are not files ({templates!r}); "
            "KubeSpawner reads form templates from directories only: set "
            "c.KubeSpawner.profile_form_template = profile_form_template() instead"
        )
    return str(templates)


@cache
def profile_form_template() -> str:
    """The Jinja source of the form (read from the package once), for KubeSpawner's
    ``profile_form_template``."""
    return (files("lscsde_sdk.kubespawner") / "templates" / FORM_TEMPLATE_NAME).read_text(
        encoding="utf-8"
    )
