"""lscsde_sdk.kubespawner without a server: the config, configure(), and what importing and
constructing do (nothing)."""

from __future__ import annotations

import copy
import re
import subprocess
import sys
import textwrap
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from traitlets.config import Config

from lscsde_sdk.errors import InvalidParameterError, LscsdeError
from lscsde_sdk.kubespawner import (
    FORM_SETTINGS,
    AddedTolerations,
    NoWorkspaceAvailableError,
    SharedClaim,
    SpawnerConfig,
    WorkspaceHooks,
    configure,
    form_template_dir,
    plain_username,
    profile_form_template,
    workspace_username,
)

README = Path(__file__).resolve().parents[2] / "README.md"


def readme_hub_configs() -> list[str]:
    """The ``jupyterhub_config.py`` examples of the README (its ``py`` blocks that call
    ``configure``; others are operators), dedented."""
    blocks = re.findall(
        r"^( *)```py\n(.*?)^\1```", README.read_text(encoding="utf-8"), flags=re.S | re.M
    )
    return [textwrap.dedent(code) for _, code in blocks if "configure(" in code]


def run_hub_config(code: str, c: Config | None = None) -> Config:
    """``code`` run as JupyterHub runs ``jupyterhub_config.py``: with ``c`` in scope."""
    c = c if c is not None else Config()
    exec(code, {"c": c})
    return c


def test_usernames_with_and_without_a_workspace() -> None:
    assert plain_username("stroke\\joe@example.org") == ("stroke\\joe@example.org", None)
    assert workspace_username("stroke\\joe@example.org") == ("joe@example.org", "stroke")
    # Workspace names are lower-case DNS names; the user part is compared lower-cased later.
    assert workspace_username("Cancer-Outcomes\\Joe.Bloggs@Example.org") == (
        "Joe.Bloggs@Example.org",
        "cancer-outcomes",
    )
    assert workspace_username("joe@example.org") == ("joe@example.org", None)
    assert workspace_username("a\\b\\c") == ("b\\c", "a")  # split at the first backslash
    for name, part in (("\\joe", "workspace"), ("stroke\\", "user")):
        with pytest.raises(InvalidParameterError, match=f"the {part} part is empty"):
            workspace_username(name)


def test_the_namespace_is_the_configured_one_else_the_hubs_else_the_spawners(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("POD_NAMESPACE", raising=False)
    assert SpawnerConfig().resolve_namespace("spawner-ns") == "spawner-ns"
    monkeypatch.setenv("POD_NAMESPACE", "hub-ns")  # read when resolved, not at construction
    assert SpawnerConfig().resolve_namespace("spawner-ns") == "hub-ns"
    assert SpawnerConfig(namespace="set").resolve_namespace("spawner-ns") == "set"
    monkeypatch.delenv("POD_NAMESPACE")
    with pytest.raises(InvalidParameterError, match=r"\$POD_NAMESPACE is not set"):
        SpawnerConfig().resolve_namespace(None)


def test_the_defaults_and_bad_settings() -> None:
    config = SpawnerConfig()
    assert (config.namespace, config.storage_class, config.shared_claim) == (None, None, None)
    assert (config.mount_prefix, config.storage_prefix) == ("/home/jovyan", "jupyter-")
    assert config.parse_username is plain_username
    assert (config.clear_volumes, config.use_informers) == (False, True)
    assert SharedClaim("jupyter-shared") == SharedClaim(
        "jupyter-shared", "/home/jovyan/shared", read_only=True
    )
    bad: list[tuple[dict[str, Any], str]] = [
        ({"namespace": ""}, "SpawnerConfig.namespace"),
        ({"mount_prefix": "home/jovyan"}, "SpawnerConfig.mount_prefix"),
        ({"mount_prefix": "/home/jovyan/"}, "SpawnerConfig.mount_prefix"),
        ({"mount_prefix": "/"}, "SpawnerConfig.mount_prefix"),
        ({"parse_username": "workspace"}, "SpawnerConfig.parse_username"),
    ]
    for settings, field in bad:
        with pytest.raises(InvalidParameterError, match=re.escape(field)):
            SpawnerConfig(**settings)
    with pytest.raises(InvalidParameterError, match=r"SharedClaim\.mount_path"):
        SharedClaim("jupyter-shared", "shared")
    with pytest.raises(InvalidParameterError, match=r"SharedClaim\.name"):
        SharedClaim("")


def test_configure_sets_the_hooks_of_one_shared_object_and_offers_the_form() -> None:
    main, own_form = readme_hub_configs()
    c = run_hub_config(main)

    hooks = c.KubeSpawner.profile_list.__self__
    assert isinstance(hooks, WorkspaceHooks)
    assert hooks.config.parse_username is workspace_username
    assert hooks.config.shared_claim == SharedClaim("jupyter-shared")
    assert c.KubeSpawner.modify_pod_hook.__self__ is hooks
    # The form is offered on KubeSpawner's template path, as the form.html found there.
    assert c.KubeSpawner.additional_profile_form_template_paths == [form_template_dir()]
    assert "profile_form_template" not in c.KubeSpawner
    form = Path(form_template_dir()) / "form.html"
    assert form.read_text(encoding="utf-8") == profile_form_template()
    assert c.KubeSpawner.storage_pvc_ensure is False

    # The README's own form, set after configure(), replaces the SDK's.
    own = run_hub_config(own_form)
    assert own.KubeSpawner.additional_profile_form_template_paths == ["/etc/jupyterhub/templates"]
    # traitlets deep-copies config values into each spawner: all get this one object.
    assert copy.deepcopy(c).KubeSpawner.profile_list.__self__ is hooks

    same = WorkspaceHooks()
    assert configure(Config(), hooks=same) is same
    with pytest.raises(InvalidParameterError, match="not both"):
        configure(Config(), SpawnerConfig(), hooks=same)


def test_configure_never_replaces_a_form_the_hub_has_already() -> None:
    own_template = "<p>{{ profile_list | length }} workspaces</p>"
    for key, value in (
        ("profile_form_template", own_template),
        ("additional_profile_form_template_paths", ["/etc/jupyterhub/templates"]),
    ):
        c = Config()
        setattr(c.KubeSpawner, key, value)
        configure(c, SpawnerConfig())
        assert c.KubeSpawner[key] == value
        assert set(FORM_SETTINGS) & set(c.KubeSpawner) == {key}  # the other one left unset
        assert isinstance(c.KubeSpawner.profile_list.__self__, WorkspaceHooks)

    # Appended to as z2jh-style configs do (a lazy value): that is a form of one's own too.
    c = Config()
    c.KubeSpawner.additional_profile_form_template_paths.append("/etc/jupyterhub/templates")
    configure(c, SpawnerConfig())
    assert c.KubeSpawner.additional_profile_form_template_paths.get_value([]) == [
        "/etc/jupyterhub/templates"
    ]

    # Only read (which creates an empty lazy value in a traitlets Config): not a form.
    c = Config()
    assert not c.KubeSpawner.additional_profile_form_template_paths.to_dict()
    configure(c, SpawnerConfig())
    assert c.KubeSpawner.additional_profile_form_template_paths == [form_template_dir()]

    # spawn_form=False leaves the form settings alone altogether.
    c = Config()
    configure(c, SpawnerConfig(), spawn_form=False)
    assert not set(FORM_SETTINGS) & set(c.KubeSpawner)
    assert isinstance(c.KubeSpawner.modify_pod_hook.__self__, WorkspaceHooks)


def test_a_workspaces_tolerations_are_added_to_the_spawners() -> None:
    gpu = {"key": "nvidia.com/gpu", "operator": "Exists", "effect": "NoSchedule"}
    dedicated = {
        "key": "hub.jupyter.org/dedicated",
        "operator": "Equal",
        "value": "user",
        "effect": "NoSchedule",
    }
    added = AddedTolerations([gpu])

    # As KubeSpawner applies a callable override: called with the spawner.
    assert added(SimpleNamespace(tolerations=[dedicated])) == [dedicated, gpu]
    assert added(SimpleNamespace(tolerations=[])) == [gpu]
    assert added(SimpleNamespace(tolerations=None)) == [gpu]
    # A dict of tolerations is KubeSpawner's other form: its values sorted by key.
    by_name = {"02-b": dedicated, "01-a": {"key": "a", "operator": "Exists"}}
    assert added(SimpleNamespace(tolerations=by_name)) == [
        {"key": "a", "operator": "Exists"},
        dedicated,
        gpu,
    ]
    # One the hub already has is not added twice; the spawner's own list is not changed.
    hub = [dedicated, gpu]
    assert added(SimpleNamespace(tolerations=hub)) == [dedicated, gpu]
    assert hub == [dedicated, gpu]
    # KubeSpawner deep-copies profiles.
    assert copy.deepcopy(added) == added
    assert repr(added) == f"AddedTolerations([{gpu!r}])"


def test_no_workspace_is_an_sdk_error_and_an_http_403_with_the_message() -> None:
    from tornado.web import HTTPError

    error = NoWorkspaceAvailableError("Nothing for you today.", username="joe", workspace="ws")
    assert isinstance(error, LscsdeError) and isinstance(error, HTTPError)
    assert (error.status_code, error.reason) == (403, "No workspace available")
    assert error.jupyterhub_message == error.message == error.get_message()
    assert error.log_message == "Nothing for you today."


def test_importing_and_constructing_start_nothing() -> None:
    script = textwrap.dedent(
        """
        import sys
        from lscsde_sdk.kubespawner import SpawnerConfig, WorkspaceHooks, workspace_username
        hooks = WorkspaceHooks(SpawnerConfig(parse_username=workspace_username))
        assert hooks.informers is None
        assert not any(name.split(".")[0] in ("kubespawner", "jupyterhub") for name in sys.modules)
        print("ok")
        """
    )
    env = {"KUBECONFIG": "/nonexistent", "PATH": "/usr/bin:/bin"}
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, env=env, check=False
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "ok"
