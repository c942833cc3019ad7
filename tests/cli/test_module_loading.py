"""What running ``lscsde`` loads: never the test tooling (``lscsde_sdk.testing``), and the
control plane (``lscsde_sdk.envtest``) only when ``lscsde dev up`` runs. Each case is a
fresh interpreter, so nothing another test imported counts."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from lscsde_sdk.envtest import pick_free_ports

# Runs `lscsde <argv>` (or only imports the CLI, without arguments) and prints, as its last
# line, the exit code and which modules of the two packages were loaded.
_PROBE = """
import json, sys
from lscsde_sdk import cli
code = cli.main(sys.argv[1:]) if sys.argv[1:] else None
packages = ("lscsde_sdk.testing", "lscsde_sdk.envtest")
loaded = sorted(name for name in sys.modules if name.startswith(packages))
print(json.dumps({"code": code, "loaded": loaded}))
"""


def lscsde(*argv: str, env: dict[str, str] | None = None) -> tuple[int | None, list[str]]:
    """The exit code of ``lscsde <argv>`` and the modules it loaded."""
    result = subprocess.run(
        [sys.executable, "-c", _PROBE, *argv],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        env=env,
    )
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout.strip().splitlines()[-1])
    return report["code"], report["loaded"]


@pytest.fixture
def unreachable_kubeconfig(tmp_path: Path) -> Path:
    """A kubeconfig for an API server that is not there (nothing listens on its port)."""
    (port,) = pick_free_ports(1)
    path = tmp_path / "kubeconfig"
    cluster = {"server": f"https://127.0.0.1:{port}", "insecure-skip-tls-verify": True}
    document = {
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [{"name": "gone", "cluster": cluster}],
        "users": [{"name": "someone", "user": {"token": "not-a-secret"}}],
        "contexts": [{"name": "gone", "context": {"cluster": "gone", "user": "someone"}}],
        "current-context": "gone",
    }
    path.write_text(yaml.safe_dump(document), encoding="utf-8")
    return path


def test_importing_the_cli_loads_neither() -> None:
    assert lscsde() == (None, [])


def test_help_loads_neither() -> None:
    assert lscsde("--help") == (0, [])


def test_a_cluster_command_loads_neither(unreachable_kubeconfig: Path) -> None:
    code, loaded = lscsde("workspaces", "list", "--kubeconfig", str(unreachable_kubeconfig))

    assert code == 2  # no API server: it ran as far as the connection
    assert loaded == []


def test_dev_down_loads_neither(tmp_path: Path) -> None:
    assert lscsde("dev", "down", "--state-dir", str(tmp_path / "none")) == (0, [])


def test_dev_up_loads_the_control_plane_but_not_the_test_tooling(tmp_path: Path) -> None:
    # Binaries taken from an empty directory: `up` fails at once, after loading what it runs.
    empty = tmp_path / "no-binaries"
    empty.mkdir()
    env = {**os.environ, "LSCSDE_CONTROLPLANE_BIN_DIR": str(empty)}
    code, loaded = lscsde("dev", "up", "--exit-after-seed", env=env)

    assert code == 1
    assert "lscsde_sdk.envtest.controlplane" in loaded
    assert not [name for name in loaded if name.startswith("lscsde_sdk.testing")]
