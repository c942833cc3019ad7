"""lscsde_sdk.kubespawner without a server: the config, configure(), and what importing and
constructing do (nothing)."""

from __future__ import annotations

import copy
import re
import subprocess
import sys
import textwrap
from typing import Any

import pytest
from traitlets.config import Config

from lscsde_sdk.errors import InvalidParameterException, LscsdeError
from lscsde_sdk.kubespawner import (
    NoWorkspaceAvailableError,
    SharedClaim,
    SpawnerConfig,
    WorkspaceHooks,
    configure,
    plain_username,
    profile_form_template,
    workspace_username,
)

#: The ``jupyterhub_config.py`` lines the README shows (keep the two in step).
README_SNIPPET = r"""
from lscsde_sdk.kubespawner import SharedClaim, SpawnerConfig, configure, workspace_username

configure(
    c,
    SpawnerConfig(
        parse_username=workspace_username,  # hub usernames are "<workspace>\<user>"
        storage_class="jupyter-default",
        shared_claim=SharedClaim("jupyter-shared", "/home/jovyan/shared", read_only=True),
        clear_volumes=True,
    ),
)
"""


def test_usernames_with_and_without_a_workspace() -> None:
    assert plain_username("stroke\\joe@example.org") == ("stroke\\joe@example.org", None)
    assert workspace_username("stroke\\joe@example.org") == ("joe@example.org", "stroke")
    assert workspace_username("joe@example.org") == ("joe@example.org", None)
    assert workspace_username("a\\b\\c") == ("b\\c", "a")  # split at the first backslash
    for name, part in (("\\joe", "workspace"), ("stroke\\", "user")):
        with pytest.raises(InvalidParameterException, match=f"the {part} part is empty"):
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
    with pytest.raises(InvalidParameterException, match=r"\$POD_NAMESPACE is not set"):
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
        with pytest.raises(InvalidParameterException, match=re.escape(field)):
            SpawnerConfig(**settings)
    with pytest.raises(InvalidParameterException, match=r"SharedClaim\.mount_path"):
        SharedClaim("jupyter-shared", "shared")
    with pytest.raises(InvalidParameterException, match=r"SharedClaim\.name"):
        SharedClaim("")


def test_configure_sets_the_three_kubespawner_settings_to_one_shared_hooks_object() -> None:
    c = Config()
    namespace: dict[str, Any] = {"c": c}
    exec(README_SNIPPET, namespace)  # as JupyterHub runs jupyterhub_config.py

    hooks = c.KubeSpawner.profile_list.__self__
    assert isinstance(hooks, WorkspaceHooks)
    assert hooks.config.parse_username is workspace_username
    assert hooks.config.shared_claim == SharedClaim("jupyter-shared")
    assert c.KubeSpawner.modify_pod_hook.__self__ is hooks
    assert c.KubeSpawner.profile_form_template == profile_form_template()
    # traitlets deep-copies config values into each spawner: all get this one object.
    assert copy.deepcopy(c).KubeSpawner.profile_list.__self__ is hooks

    same = WorkspaceHooks()
    assert configure(Config(), hooks=same) is same
    with pytest.raises(InvalidParameterException, match="not both"):
        configure(Config(), SpawnerConfig(), hooks=same)


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
