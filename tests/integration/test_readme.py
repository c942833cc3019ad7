"""The README's examples run as written against a real API server."""

from __future__ import annotations

import asyncio
import os
import re
import sys
from pathlib import Path

import pytest

from lscsde_sdk.testing import ControlPlane

pytestmark = pytest.mark.integration

README = Path(__file__).resolve().parents[2] / "README.md"


def python_blocks() -> list[str]:
    return re.findall(r"```python\n(.*?)```", README.read_text(encoding="utf-8"), flags=re.S)


def test_the_readme_has_a_python_example() -> None:
    assert python_blocks()


@pytest.mark.parametrize("index", range(len(python_blocks())))
async def test_readme_example_runs(
    index: int, control_plane: ControlPlane, namespace: str, tmp_path: Path
) -> None:
    # Each run gets its own namespace in place of the example's "jupyterhub".
    source = python_blocks()[index].replace('"jupyterhub"', repr(namespace))
    script = tmp_path / "example.py"
    script.write_text(source, encoding="utf-8")
    env = {**os.environ, "KUBECONFIG": str(control_plane.kubeconfig_path())}

    process = await asyncio.create_subprocess_exec(
        sys.executable,
        str(script),
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    output, _ = await asyncio.wait_for(process.communicate(), timeout=120)

    assert process.returncode == 0, output.decode()
