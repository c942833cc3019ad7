"""The README's examples run as written, in order, against a real API server."""

from __future__ import annotations

import asyncio
import os
import re
import sys
from pathlib import Path

import pytest

from lscsde_sdk.envtest import ControlPlane

pytestmark = pytest.mark.integration

README = Path(__file__).resolve().parents[2] / "README.md"


def python_blocks() -> list[str]:
    return re.findall(r"```python\n(.*?)```", README.read_text(encoding="utf-8"), flags=re.S)


def test_the_readme_has_python_examples() -> None:
    assert len(python_blocks()) >= 3


async def test_readme_examples_run_in_order(
    control_plane: ControlPlane, namespace: str, tmp_path: Path
) -> None:
    # The examples tell one story (create a workspace, bind a user, ...) in "jupyterhub";
    # here it plays out in the test's own namespace.
    env = {**os.environ, "KUBECONFIG": str(control_plane.kubeconfig_path())}
    outputs = []
    for index, block in enumerate(python_blocks()):
        script = tmp_path / f"example_{index}.py"
        script.write_text(block.replace('"jupyterhub"', repr(namespace)), encoding="utf-8")

        process = await asyncio.create_subprocess_exec(
            sys.executable,
            str(script),
            env=env,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
        )
        output, _ = await asyncio.wait_for(process.communicate(), timeout=120)

        assert process.returncode == 0, f"README example {index + 1}:\n{output.decode()}"
        outputs.append(output.decode())

    # The user bound in the second example sees the workspace of the first, and its storage;
    # the third watches it and answers from ready informers without a request; the fourth is
    # the old library's API.
    assert "Cancer outcomes study 90" in outputs[1]
    assert "'/home/jovyan/cancer-outcomes'" in outputs[1]
    assert "ADDED cancer-outcomes" in outputs[2]
    assert "['cancer-outcomes'] requests: 0" in outputs[2]
    assert "ready: True" in outputs[2]
    assert "{'cancer-outcomes': " in outputs[3]
