"""The pytest plugin marks every test that uses the control plane ``integration``, from the
fixtures it uses (directly or through other fixtures), so ``-m "not integration"`` runs no
such test and starts nothing."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
# The fixtures that start or find the control plane; every other one goes through these.
CONTROL_PLANE = {"control_plane", "control_plane_binaries", "control_plane_factory"}

_CONFTEST = """
import pytest

pytest_plugins = ["lscsde_sdk.testing.pytest_plugin"]


@pytest.fixture(scope="session")
def control_plane():
    pytest.fail("the control plane was started")


@pytest.fixture(scope="session")
def control_plane_binaries():
    pytest.fail("the control plane binaries were looked for")


@pytest.fixture
def through_another(admin_api):
    return admin_api
"""

_TESTS = """
def test_plain():
    pass


def test_control_plane(control_plane):
    pass


def test_binaries(control_plane_binaries):
    pass


async def test_admin_api(admin_api):
    pass


def test_namespace_and_factory(namespace, control_plane_factory):
    pass


def test_through_a_fixture_of_the_project(through_another):
    pass
"""

# Reports, as JSON in $SELECTION_FILE, each test left after -m and the control-plane
# fixtures among everything it uses.
_PROBE = f"""
import json, os

CONTROL_PLANE = {sorted(CONTROL_PLANE)!r}


def pytest_collection_finish(session):
    selected = {{
        item.nodeid: sorted(set(getattr(item, "fixturenames", ())) & set(CONTROL_PLANE))
        for item in session.items
    }}
    with open(os.environ["SELECTION_FILE"], "w") as handle:
        json.dump(selected, handle)
"""


def pytest_run(
    *args: str, cwd: Path, probe_dir: Path | None = None
) -> tuple[subprocess.CompletedProcess[str], dict[str, list[str]]]:
    """``pytest <args>`` in a fresh interpreter, and the tests it selected with the
    control-plane fixtures each uses."""
    probe_dir = probe_dir or cwd
    (probe_dir / "selection_probe.py").write_text(_PROBE, encoding="utf-8")
    selection = probe_dir / "selection.json"
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(probe_dir), os.environ.get("PYTHONPATH", "")]),
        "SELECTION_FILE": str(selection),
    }
    probe = ["-p", "selection_probe", "-p", "no:cacheprovider"]
    result = subprocess.run(
        [sys.executable, "-m", "pytest", *probe, *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    return result, json.loads(selection.read_text(encoding="utf-8"))


def test_not_integration_deselects_every_test_using_the_control_plane(tmp_path: Path) -> None:
    (tmp_path / "conftest.py").write_text(textwrap.dedent(_CONFTEST), encoding="utf-8")
    (tmp_path / "test_uses.py").write_text(textwrap.dedent(_TESTS), encoding="utf-8")
    options = ["-o", "asyncio_mode=auto", "-o", "asyncio_default_fixture_loop_scope=session"]

    result, selected = pytest_run(*options, "-m", "not integration", cwd=tmp_path)

    assert result.returncode == 0, result.stdout + result.stderr
    assert list(selected) == ["test_uses.py::test_plain"]
    assert "1 passed, 5 deselected" in result.stdout

    result, selected = pytest_run(*options, "--collect-only", "-m", "integration", cwd=tmp_path)

    assert result.returncode == 0, result.stdout + result.stderr
    assert len(selected) == 5
    assert all(fixtures for fixtures in selected.values())


def test_no_test_of_this_suite_using_the_control_plane_is_a_unit_test(tmp_path: Path) -> None:
    result, selected = pytest_run(
        "--collect-only", "-q", "-m", "not integration", "tests", cwd=ROOT, probe_dir=tmp_path
    )

    assert result.returncode == 0, result.stdout + result.stderr
    assert len(selected) > 100  # the unit tests are there
    assert {test: fixtures for test, fixtures in selected.items() if fixtures} == {}
